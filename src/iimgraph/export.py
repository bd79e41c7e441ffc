"""Serialise a graph to the release formats, byte-stably, and write outputs atomically.

Why the care: rdflib's store iterates in an order that depends on string hashing, which changes
between processes, so RDF/XML and JSON-LD would differ run to run (rdflib#3545). We relabel blank
nodes canonically and insert triples in sorted order before serialising; N-Triples and N-Quads are
sorted line by line; Turtle uses longturtle with ``canon=True``.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from iimgraph.atomic import write_bytes_atomic
from iimgraph.namespaces import ONTOLOGY_IRI, PREFIX_MAP, bind_prefixes

CONTEXT_FILE = "iimgraph.context.jsonld"


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

    @property
    def rdflib_name(self) -> str:
        """The rdflib parser name for reading this format back."""
        return {"ttl": "turtle", "nt": "nt", "nq": "nquads", "rdfxml": "xml", "jsonld": "json-ld", "owl": "xml"}[self.value]


def canonical(graph: Graph) -> Graph:
    """Same content, canonical blank-node labels, triples inserted in sorted order."""
    canon = Graph()
    bind_prefixes(canon)
    for triple in sorted(to_canonical_graph(graph), key=lambda t: tuple(x.n3() for x in t)):
        canon.add(triple)
    return canon


#: readable JSON-LD keys for the properties a portal shows most; everything else stays a CURIE.
JSONLD_TERMS: dict[str, dict[str, str] | str] = {
    "label": "rdfs:label",
    "subClassOf": {"@id": "rdfs:subClassOf", "@type": "@id"},
    "definition": "obo:IAO_0000115",
    "exactSynonym": "oboInOwl:hasExactSynonym",
    "relatedSynonym": "oboInOwl:hasRelatedSynonym",
    "dbXref": "oboInOwl:hasDbXref",
    "exactMatch": {"@id": "skos:exactMatch", "@type": "@id"},
    "closeMatch": {"@id": "skos:closeMatch", "@type": "@id"},
    "source": {"@id": "dcterms:source", "@type": "@id"},
    "title": "dcterms:title",
    "subject": {"@id": "biolink:subject", "@type": "@id"},
    "object": {"@id": "biolink:object", "@type": "@id"},
    "predicate": {"@id": "biolink:predicate", "@type": "@id"},
}


def jsonld_context() -> dict:
    """The published ``@context``: the project prefix map plus a few readable keys."""
    ctx: dict[str, object] = {p: u for p, u in PREFIX_MAP.items() if p.replace(".", "").isalnum()}
    ctx.update(JSONLD_TERMS)
    return {"@context": ctx}


def serialize(graph: Graph, fmt: Format | str, *, context_ref: str = CONTEXT_FILE,
              already_canonical: bool = False) -> bytes:
    """Bytes of ``graph`` in ``fmt``; the same graph always gives the same bytes.

    Canonicalising costs seconds on the release graph, so a caller writing several formats does it
    once with :func:`canonical` and passes ``already_canonical=True``.
    """
    fmt = Format(fmt)
    if not already_canonical:
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
    if fmt is Format.TTL:
        return graph.serialize(format="longturtle", encoding="utf-8")
    if fmt is Format.JSONLD:
        ctx = jsonld_context()["@context"]
        doc = json.loads(graph.serialize(format="json-ld", context=ctx, auto_compact=True))
        doc["@context"] = context_ref
        if "@graph" in doc:
            doc["@graph"].sort(key=lambda node: json.dumps(node, sort_keys=True))
        return (json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    return _sorted_rdfxml(graph.serialize(format="xml", encoding="utf-8").decode("utf-8")).encode("utf-8")


def _sorted_rdfxml(text: str) -> str:
    """Sort the top-level ``rdf:Description`` blocks of rdflib's flat RDF/XML (their order follows hashing)."""
    lines = text.splitlines()
    head_end = next(i for i, ln in enumerate(lines) if ln.startswith("  <"))
    tail_start = max(i for i, ln in enumerate(lines) if ln.startswith("</rdf:RDF>"))
    blocks: list[str] = []
    current: list[str] = []
    for ln in lines[head_end:tail_start]:
        current.append(ln)
        if ln.startswith("  </") or (ln.startswith("  <") and ln.endswith("/>")):
            blocks.append("\n".join(current))
            current = []
    if current:  # not the flat shape we expect: keep rdflib's text rather than guess
        return text
    return "\n".join(lines[:head_end] + sorted(blocks) + lines[tail_start:]) + "\n"


def parse_bytes(data: bytes, fmt: Format | str, *, context: dict | None = None) -> Graph:
    """Read a serialisation back, offline, through :mod:`iimgraph.safeparse`; a JSON-LD document's
    reference to the shipped context (or any reference, when ``context`` is given) is replaced by it."""
    from iimgraph.safeparse import RdfFormat, parse_data

    fmt = Format(fmt)
    return parse_data(data, RdfFormat(fmt.rdflib_name), name=f"<{fmt.value} data>",
                      context=context["@context"] if context is not None else None)


def write(graph: Graph, fmt: Format | str, out: Path | None) -> None:
    """Write to ``out`` atomically, or to standard output when ``out`` is None."""
    data = serialize(graph, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_bytes_atomic(Path(out), data)
