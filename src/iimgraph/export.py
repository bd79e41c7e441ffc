"""Serialise a graph to the release formats, deterministically, and write outputs atomically."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from iimgraph.atomic import write_bytes_atomic
from iimgraph.namespaces import ONTOLOGY_IRI, bind_prefixes


class Format(str, Enum):
    TTL = "ttl"
    NT = "nt"
    NQ = "nq"
    RDFXML = "rdfxml"
    JSONLD = "jsonld"
    OWL = "owl"

    @property
    def suffix(self) -> str:
        return {"ttl": ".ttl", "nt": ".nt", "nq": ".nq", "rdfxml": ".rdf", "jsonld": ".jsonld", "owl": ".owl"}[self.value]


_RDFLIB_FORMAT = {Format.TTL: "longturtle", Format.NT: "nt", Format.NQ: "nquads", Format.RDFXML: "pretty-xml",
                  Format.JSONLD: "json-ld", Format.OWL: "pretty-xml"}


def canonical(graph: Graph) -> Graph:
    """The graph with blank nodes relabelled canonically, so the same content gives the same labels."""
    canon = Graph()
    for triple in to_canonical_graph(graph):
        canon.add(triple)
    bind_prefixes(canon)
    return canon


def serialize(graph: Graph, fmt: Format | str) -> bytes:
    """Bytes of ``graph`` in ``fmt``; N-Triples and N-Quads lines are sorted so that output is stable."""
    fmt = Format(fmt)
    graph = canonical(graph)
    if fmt in (Format.NT, Format.NQ):
        if fmt is Format.NQ:
            ds = Dataset()
            named = ds.graph(URIRef(ONTOLOGY_IRI))
            for t in graph:
                named.add(t)
            text = ds.serialize(format="nquads")
        else:
            text = graph.serialize(format="nt")
        lines = sorted({ln for ln in text.splitlines() if ln.strip()})
        return ("\n".join(lines) + "\n").encode("utf-8")
    data = graph.serialize(format=_RDFLIB_FORMAT[fmt], encoding="utf-8")
    return data


def write(graph: Graph, fmt: Format | str, out: Path | None) -> None:
    """Write to ``out`` atomically, or to standard output when ``out`` is None."""
    data = serialize(graph, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_bytes_atomic(Path(out), data)
