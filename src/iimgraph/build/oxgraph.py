"""Sources -> the release graph in an in-memory Oxigraph store, without an rdflib graph.

``validate`` runs its SPARQL checks (compiled shapes, QC rules) on Oxigraph; building an rdflib
graph first and copying it there was two thirds of its time. :func:`load_sources` reads the same
sources as :func:`iimgraph.build.graph.build_graph` (the same reader and checks, the same SSSOM
triples, decimals and version stamp) straight into a store. It also keeps the triples in the order
rdflib's memory store would hold them, so that the few lookups that take "the first value"
(``Graph.value``) or depend on iteration order give what they give on the rdflib graph; an rdflib
graph in that order is built only when something asks for it (:meth:`SourceGraph.rdflib_graph`:
pyshacl, the reasoner).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from iimgraph.build.sources import source_files
from iimgraph.errors import SourceError
from iimgraph.io.rdf import turtle_terms
from iimgraph.io.sssom import read_sssom
from iimgraph.namespaces import (
    BASE,
    ONTOLOGY_IRI,
    OWL_ONTOLOGY,
    OWL_VERSION_INFO,
    OWL_VERSION_IRI,
    RDF_LANGSTRING,
    RDF_TYPE,
    XSD_DECIMAL,
    XSD_STRING,
)
from iimgraph.resources import ontology_dir
from iimgraph.version import __version__

_RDF_TYPE = ox.NamedNode(RDF_TYPE)
_OWL_ONTOLOGY = ox.NamedNode(OWL_ONTOLOGY)
_VERSION_IRI = ox.NamedNode(OWL_VERSION_IRI)
_VERSION_INFO = ox.NamedNode(OWL_VERSION_INFO)
_DECIMAL = XSD_DECIMAL
_STRINGS = (XSD_STRING, RDF_LANGSTRING)


class _Collector:
    """What ``build.graph.add_mappings`` writes into (it only calls ``add``), kept as rdflib triples."""

    def __init__(self) -> None:
        self.triples: list[tuple[Any, Any, Any]] = []

    def add(self, triple: tuple[Any, Any, Any]) -> None:
        self.triples.append(triple)


class SourceGraph:
    """The release graph as an Oxigraph store, with its triples in rdflib's order and rdflib terms on demand."""

    def __init__(self) -> None:
        self.store = ox.Store()
        #: subject -> predicate -> object (dicts as ordered sets), as rdflib's memory store nests them
        self.spo: dict[Any, dict[Any, dict[Any, None]]] = {}
        #: predicate -> object -> subject, the same for lookups by predicate
        self.pos: dict[Any, dict[Any, dict[Any, None]]] = {}
        self._rdflib: dict[Any, Any] = {}  # Oxigraph term -> rdflib term (blank nodes made once)
        self._oxigraph: dict[Any, Any] = {}  # and back
        self._graph: Any = None

    # --- building --------------------------------------------------------------------------------

    def add(self, s: Any, p: Any, o: Any) -> None:
        self.spo.setdefault(s, {}).setdefault(p, {})[o] = None
        self.pos.setdefault(p, {}).setdefault(o, {})[s] = None

    def remove(self, s: Any, p: Any, o: Any) -> None:
        """As rdflib's memory store removes: the emptied dicts keep their place."""
        del self.spo[s][p][o]
        del self.pos[p][o][s]

    def finish(self) -> None:
        """Load the triples into the store (once: the QC rule that answered ~5x faster on a store loaded
        in its own index order, ``synonym_without_source``, no longer depends on the order)."""
        self.store = ox.Store()
        self.store.bulk_extend(ox.Quad(s, p, o) for s, po in self.spo.items() for p, os in po.items() for o in os)

    # --- reading, in rdflib terms ----------------------------------------------------------------

    def to_rdflib(self, node: Any) -> Any:
        found = self._rdflib.get(node)
        if found is not None:
            return found
        from rdflib import BNode, Literal, URIRef

        if isinstance(node, ox.NamedNode):
            out: Any = URIRef(node.value)
        elif isinstance(node, ox.BlankNode):
            out = BNode()
        elif node.language:
            out = Literal(node.value, lang=node.language)
        elif node.datatype.value in _STRINGS:
            out = Literal(node.value)
        else:
            out = Literal(node.value, datatype=URIRef(node.datatype.value))
        self._rdflib[node] = out
        self._oxigraph[out] = node
        return out

    def to_oxigraph(self, term: Any) -> Any:
        """The store's term for an rdflib term (None: not a term of this graph, or a value made by a query)."""
        found = self._oxigraph.get(term)
        if found is not None:
            return found
        from rdflib import Literal, URIRef

        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
        return None  # a blank node this graph never gave out

    def value(self, subject: Any, predicate: Any) -> Any:
        """``rdflib.Graph.value(subject, predicate)``: the first object, in rdflib's order."""
        s, p = self.to_oxigraph(subject), self.to_oxigraph(predicate)
        objects = self.spo.get(s, {}).get(p) if s is not None and p is not None else None
        if not objects:
            return None
        return self.to_rdflib(next(iter(objects)))

    def subject_objects(self, predicate: Any) -> Iterator[tuple[Any, Any]]:
        for o, subjects in self.pos.get(self.to_oxigraph(predicate), {}).items():
            for s in subjects:
                yield self.to_rdflib(s), self.to_rdflib(o)

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        rd = self.to_rdflib
        for s, po in self.spo.items():
            for p, os in po.items():
                for o in os:
                    yield rd(s), rd(p), rd(o)

    def __len__(self) -> int:
        return sum(len(os) for po in self.spo.values() for os in po.values())

    def select(self, query: str) -> list[tuple[object, ...]]:
        """Rows of a SELECT on the store, each value an rdflib term (the graph's own blank nodes included)."""
        rd = self.to_rdflib
        return [tuple(None if v is None else rd(v) for v in solution) for solution in self.store.query(query)]  # type: ignore[union-attr]

    def rdflib_graph(self) -> Any:
        """The same graph as an ``rdflib.Graph``, its triples added in the same order (built once)."""
        if self._graph is None:
            from rdflib import Graph

            from iimgraph.namespaces import bind_prefixes

            graph = Graph()
            for triple in self:
                graph.add(triple)
            bind_prefixes(graph)
            self._graph = graph
        return self._graph


def load_sources(sources: Path | str | Iterable[Path | str] | None = None, *,
                 version: str | None = None, parsed: dict[Path, list[Any]] | None = None) -> SourceGraph:
    """What ``build_graph`` builds, as a :class:`SourceGraph`; ``parsed``: Turtle files already read
    by :func:`iimgraph.io.rdf.turtle_terms` (resolved path -> its triples), taken instead of reading again."""
    from iimgraph.build.graph import add_mappings

    graph = SourceGraph()
    for path in source_files(ontology_dir() if sources is None else sources):
        if path.name.endswith(".sssom.tsv"):
            collected = _Collector()
            add_mappings(collected, read_sssom(path), path)  # type: ignore[arg-type]
            for triple in collected.triples:
                graph.add(*(_from_rdflib(graph, t) for t in triple))
        else:
            triples = (parsed or {}).pop(path.resolve(), None)
            for s, p, o in turtle_terms(path) if triples is None else triples:
                graph.add(s, p, o)
    _canonical_decimals(graph)
    _stamp_version(graph, version or __version__)
    graph.finish()
    return graph


def _from_rdflib(graph: SourceGraph, term: Any) -> Any:
    """An rdflib term of the SSSOM triples as an Oxigraph term, remembered both ways (blank nodes once)."""
    found = graph._oxigraph.get(term)
    if found is not None:
        return found
    from rdflib import BNode

    out = ox.BlankNode() if isinstance(term, BNode) else graph.to_oxigraph(term)
    graph._oxigraph[term] = out
    graph._rdflib[out] = term
    return out


def _canonical_decimals(graph: SourceGraph) -> None:
    """As ``build.graph._canonical_decimals``: ``"50"^^xsd:decimal`` becomes ``"50.0"`` (removed, then added)."""
    changes = []
    for s, po in graph.spo.items():
        for p, os in po.items():
            for o in os:
                if isinstance(o, ox.Literal) and o.datatype.value == _DECIMAL:
                    text = o.value
                    if "." not in text and "e" not in text.lower() and _valid_decimal(text):
                        changes.append((s, p, o, ox.Literal(text + ".0", datatype=o.datatype)))
    for s, p, o, new in changes:
        graph.remove(s, p, o)
        graph.add(s, p, new)


def _valid_decimal(text: str) -> bool:
    from rdflib import Literal, URIRef

    return Literal(text, datatype=URIRef(_DECIMAL)).value is not None


def _stamp_version(graph: SourceGraph, version: str) -> None:
    ontology = ox.NamedNode(ONTOLOGY_IRI)
    if _OWL_ONTOLOGY not in graph.spo.get(ontology, {}).get(_RDF_TYPE, {}):
        raise SourceError(f"no ontology header: <{ONTOLOGY_IRI}> a owl:Ontology is missing from the sources")
    for p, o in ((_VERSION_IRI, ox.NamedNode(f"{BASE}releases/{version}/iimgraph.owl")),
                 (_VERSION_INFO, ox.Literal(version))):
        for old in list(graph.spo.get(ontology, {}).get(p, {})):
            graph.remove(ontology, p, old)
        graph.add(ontology, p, o)
