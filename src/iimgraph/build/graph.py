"""Sources -> release graph. Reads Turtle and SSSOM from a folder; writes nothing.

The release graph is the union of every ``*.ttl`` under the sources folder (sorted, so the result
does not depend on directory order) and the triples derived from every ``*.sssom.tsv``, with the
ontology header stamped with ``owl:versionIRI`` and ``owl:versionInfo``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from iimgraph.build.sources import source_files
from iimgraph.errors import SourceError
from iimgraph.formats import RdfFormat
from iimgraph.io.rdf import parse_rdf
from iimgraph.io.sssom import MappingSet, read_sssom
from iimgraph.namespaces import BASE, CONVERTER, ONTOLOGY_IRI, bind_prefixes
from iimgraph.resources import ontology_dir
from iimgraph.terms import DCTERMS, OBOINOWL, OWL, RDF, RDFS, SKOS, SSSOM, XSD
from iimgraph.version import __version__

_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_PREDICATE_IRI = {
    "skos:exactMatch": SKOS.exactMatch,
    "skos:closeMatch": SKOS.closeMatch,
    "skos:broadMatch": SKOS.broadMatch,
    "skos:narrowMatch": SKOS.narrowMatch,
    "skos:relatedMatch": SKOS.relatedMatch,
    "oboInOwl:hasDbXref": OBOINOWL.hasDbXref,
}


def version_iri(version: str) -> URIRef:
    return URIRef(f"{BASE}releases/{version}/iimgraph.owl")


def parse_turtle(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one Turtle source into ``graph`` through :mod:`iimgraph.io.rdf` (bounded, one-line errors with file and line)."""
    return parse_rdf(path, graph, fmt=RdfFormat.TURTLE)


def add_mappings(graph: Graph, mapping_set: MappingSet, path: Path) -> None:
    """Each SSSOM row becomes an xref or skos triple plus an ``owl:Axiom`` carrying justification and source."""
    for row, lineno in zip(mapping_set.rows, mapping_set.lines or [0] * len(mapping_set.rows), strict=False):
        subject = _expand(row["subject_id"], path, lineno)
        predicate = _PREDICATE_IRI[row["predicate_id"]]
        if predicate == OBOINOWL.hasDbXref:
            target: URIRef | Literal = Literal(row["object_id"])
        else:
            target = _expand(row["object_id"], path, lineno)
        graph.add((subject, predicate, target))
        axiom = BNode()
        graph.add((axiom, RDF.type, OWL.Axiom))
        graph.add((axiom, OWL.annotatedSource, subject))
        graph.add((axiom, OWL.annotatedProperty, predicate))
        graph.add((axiom, OWL.annotatedTarget, target))
        graph.add((axiom, SSSOM.mapping_justification, _expand(row["mapping_justification"], path, lineno)))
        if row.get("mapping_source"):
            graph.add((axiom, DCTERMS.source, _expand(row["mapping_source"], path, lineno)))
        if row.get("object_label"):
            graph.add((axiom, SSSOM.object_label, Literal(row["object_label"])))
        if row.get("comment"):
            graph.add((axiom, RDFS.comment, Literal(row["comment"])))


def _expand(curie: str, path: Path, lineno: int) -> URIRef:
    iri = CONVERTER.expand(curie)
    if iri is None:
        raise SourceError(f"{path}:{lineno}: {curie!r} has a prefix the project's prefix map does not know")
    if _NOT_IN_IRI.search(iri):
        raise SourceError(f"{path}:{lineno}: {curie!r} holds a character that is not allowed in an IRI")
    return URIRef(iri)


def stamp_version(graph: Graph, version: str) -> None:
    """Set ``owl:versionIRI`` and ``owl:versionInfo`` on the ontology header (replacing any old stamp)."""
    ontology = URIRef(ONTOLOGY_IRI)
    if (ontology, RDF.type, OWL.Ontology) not in graph:
        raise SourceError(f"no ontology header: <{ONTOLOGY_IRI}> a owl:Ontology is missing from the sources")
    graph.set((ontology, OWL.versionIRI, version_iri(version)))
    graph.set((ontology, OWL.versionInfo, Literal(version)))


def build_graph(sources: Path | str | Iterable[Path | str] | None = None, *, version: str | None = None) -> Graph:
    """Build the release graph from a folder of sources (default: the packaged ``ontology/``)."""
    if sources is None:
        sources = ontology_dir()
    graph = Graph()
    for path in source_files(sources):
        if path.name.endswith(".sssom.tsv"):
            add_mappings(graph, read_sssom(path), path)
        else:
            parse_turtle(path, graph)
    _canonical_decimals(graph)
    stamp_version(graph, version or __version__)
    bind_prefixes(graph)
    return graph


def _canonical_decimals(graph: Graph) -> None:
    """Write ``"50"^^xsd:decimal`` as ``"50.0"``, the form Turtle shorthand gives back, so round trips are exact."""
    for s, p, o in list(graph.triples((None, None, None))):
        if isinstance(o, Literal) and o.datatype == XSD.decimal and o.value is not None:
            text = str(o)
            if "." not in text and "e" not in text.lower():
                graph.remove((s, p, o))
                graph.add((s, p, Literal(text + ".0", datatype=XSD.decimal)))


def load_graph() -> Graph:
    """The release graph built from the packaged sources."""
    return build_graph()
