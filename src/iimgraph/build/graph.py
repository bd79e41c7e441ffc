"""Sources -> release graph. Reads Turtle and SSSOM from a folder; writes nothing.

The release graph is the union of every ``*.ttl`` under the sources folder (sorted, so the result
does not depend on directory order) and the triples derived from every ``*.sssom.tsv``, with the
ontology header stamped with ``owl:versionIRI`` and ``owl:versionInfo``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from iimgraph.build.mappings import mapping_triples
from iimgraph.build.sources import source_files
from iimgraph.errors import SourceError
from iimgraph.formats import RdfFormat
from iimgraph.io.rdf import parse_rdf
from iimgraph.io.sssom import MappingSet, read_sssom
from iimgraph.namespaces import BASE, ONTOLOGY_IRI, bind_prefixes
from iimgraph.resources import ontology_dir
from iimgraph.terms import OWL, RDF, XSD
from iimgraph.version import __version__


def version_iri(version: str) -> URIRef:
    return URIRef(f"{BASE}releases/{version}/iimgraph.owl")


def parse_turtle(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one Turtle source into ``graph`` through :mod:`iimgraph.io.rdf` (bounded, one-line errors with file and line)."""
    return parse_rdf(path, graph, fmt=RdfFormat.TURTLE)


def add_mappings(graph: Graph, mapping_set: MappingSet, path: Path) -> None:
    """Each SSSOM row becomes an xref or skos triple plus an ``owl:Axiom`` carrying justification and source."""
    for triple in mapping_triples(mapping_set, path, URIRef, Literal, BNode):
        graph.add(triple)


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
