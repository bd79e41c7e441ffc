"""Identifier check: every external identifier of a checked prefix must be known.

A wrong digit in an xref or a class IRI still parses, builds and passes the shapes; only a list of
known identifiers catches it. The identifiers looked at are the ``oboInOwl:hasDbXref`` literals,
the objects of the skos mapping properties, the ``dcterms:identifier`` literals (PMIDs), and every
IRI of a checked prefix (MONDO, HP, Orphanet, OMIM, ...) used as a subject or as an object anywhere:
a parent (``rdfs:subClassOf``), a claim's ``biolink:subject`` and ``biolink:object``, a qualifier
(``biolink:frequency_qualifier``, ``onset_qualifier``, ...). Prefixes outside ``CHECKED_PREFIXES``
are not checked here (an unknown prefix is the ``xref_prefix_unknown`` rule's business).

Known means: in the packaged reference snapshot, or, for an identifier *used* as an object, given
an ``rdfs:label`` in the graph. A term the graph describes is itself checked against the reference
where it is written (a subject), so a typo'd declaration is reported once, at the declaration, and
not again at every use of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

import pyoxigraph as ox

from iimgraph.build.oxgraph import SourceGraph
from iimgraph.namespaces import CHECKED_PREFIXES, CONVERTER, DCTERMS, OBOINOWL, OWL, RDFS
from iimgraph.validate.reference import Reference
from iimgraph.validate.report import preferred

if TYPE_CHECKING:
    from rdflib.term import Node

#: an axiom annotation's links to its triple: the annotated triple itself is checked where it is asserted
_AXIOM_LINKS = (OWL + "annotatedSource", OWL + "annotatedProperty", OWL + "annotatedTarget")
_ANNOTATED_SOURCE, _HAS_DBXREF, _IDENTIFIER, _LABEL = (OWL + "annotatedSource", OBOINOWL + "hasDbXref",
                                                       DCTERMS + "identifier", RDFS + "label")


@cache
def _rdflib_terms() -> Any:
    """The terms the rdflib graph's loops use, made once (rdflib is imported only for an rdflib graph)."""
    from types import SimpleNamespace

    from rdflib import BNode, Literal, URIRef

    return SimpleNamespace(BNode=BNode, Literal=Literal, URIRef=URIRef, links=tuple(map(URIRef, _AXIOM_LINKS)),
                           annotated_source=URIRef(_ANNOTATED_SOURCE), has_dbxref=URIRef(_HAS_DBXREF),
                           identifier=URIRef(_IDENTIFIER), label=URIRef(_LABEL))


class Triples(Protocol):
    """What the check reads: an ``rdflib.Graph``, or anything answering these the way it does."""

    def objects(self, subject: Any, predicate: Any) -> Any: ...
    def subject_objects(self, predicate: Any) -> Any: ...
    def __iter__(self) -> Any: ...


@dataclass(frozen=True)
class UnknownId:
    """``subject`` uses ``curie`` (through ``predicate``; None when the subject itself is the identifier).

    ``value`` is the term as the graph holds it (an IRI, or the xref literal as written), for locating
    the use in the sources; None when the subject itself is the identifier.
    """

    subject: object
    predicate: object
    curie: str
    value: object = None


def standardize(text: str) -> str | None:
    """The project's spelling of a CURIE-shaped string, or None (unknown prefix, or not a CURIE at all)."""
    text = text.strip()
    if ":" not in text:
        return None
    try:
        return CONVERTER.standardize_curie(text)
    except ValueError:  # curies raises for strings without a proper delimiter
        return None


def _checked(curie: str | None) -> TypeGuard[str]:
    return curie is not None and curie.split(":", 1)[0] in CHECKED_PREFIXES


def _owner(graph: Triples, node: object) -> object:
    """An axiom annotation's finding belongs to the annotated class."""
    if isinstance(graph, SourceGraph):  # the store's own terms
        if isinstance(node, ox.BlankNode):
            source = preferred(q.object for q in graph.store.quads_for_pattern(node, ox.NamedNode(_ANNOTATED_SOURCE),
                                                                                None))
            if source is not None:
                return source
        return node
    rd = _rdflib_terms()
    if isinstance(node, rd.BNode):
        source = preferred(graph.objects(node, rd.annotated_source))
        if source is not None:
            return source
    return node


#: the IRI prefixes of the checked prefixes, longest first: an IRI that starts with none has no checked CURIE
_CHECKED_IRIS = sorted(((CONVERTER.prefix_map[p], p) for p in CHECKED_PREFIXES if p in CONVERTER.prefix_map),
                       key=lambda item: -len(item[0]))
_ANY_CHECKED = tuple(iri for iri, _p in _CHECKED_IRIS)
#: checked IRI prefix -> the longer IRI prefixes of the map that extend it (they win the match where they apply)
_LONGER = {iri: tuple(u for u in CONVERTER.prefix_map.values() if len(u) > len(iri) and u.startswith(iri))
           for iri, _p in _CHECKED_IRIS}


class _Curies:
    """IRI -> checked CURIE (or None), compressed once per IRI: a graph repeats its IRIs a lot.

    The converter walks every prefix of the map (~4 us an IRI, 10^5 IRIs and more at 10^6 triples);
    here an IRI under no checked prefix is answered by one ``startswith``, and one under a checked
    prefix that no longer prefix of the map extends gets that prefix; the rest go to the converter."""

    def __init__(self) -> None:
        self.seen: dict[str, str | None] = {}

    def __call__(self, iri: str) -> str | None:
        key = str(iri)  # rdflib's URIRef.startswith/compare stringify their argument: work on plain str
        if key not in self.seen:
            self.seen[key] = _checked_curie(key)
        return self.seen[key]


def _checked_curie(iri: str) -> str | None:
    """``CONVERTER.compress(iri)`` when that is a checked CURIE, else None."""
    if not iri.startswith(_ANY_CHECKED):
        return None
    for uri, prefix in _CHECKED_IRIS:  # the longest checked prefix first
        if iri.startswith(uri):
            if _LONGER[uri] and iri.startswith(_LONGER[uri]):
                break  # a longer prefix of the map applies: the converter decides
            return f"{prefix}:{iri[len(uri):]}"
    curie = CONVERTER.compress(iri)
    return curie if _checked(curie) else None


def _candidates(graph: Triples) -> Iterator[tuple[Node, Node | None, str, Node | None]]:
    """(subject, predicate, curie, value) for every use of a checked identifier."""
    rd = _rdflib_terms()
    Literal, URIRef = rd.Literal, rd.URIRef
    for s, o in graph.subject_objects(rd.has_dbxref):
        if isinstance(o, Literal):
            curie = standardize(str(o))
            if _checked(curie):
                yield s, rd.has_dbxref, curie, o
    for s, o in graph.subject_objects(rd.identifier):
        curie = standardize(str(o)) if isinstance(o, Literal) else None
        if _checked(curie):
            yield s, rd.identifier, curie, o
    compress = _Curies()
    for s, p, o in graph:
        if isinstance(s, URIRef):
            curie = compress(s)
            if curie is not None:
                yield s, None, curie, None
        if isinstance(o, URIRef) and p not in rd.links:
            curie = compress(o)
            if curie is not None:
                yield s, p, curie, o


def _candidates_in_store(graph: SourceGraph,
                         known: Callable[[str], bool]) -> Iterator[tuple[Any, Any, str, Any]]:
    """:func:`_candidates` read from a :class:`SourceGraph`'s store, but for the identifiers ``known``
    vouches for and the uses of terms the graph labels (neither is reported); each distinct subject and
    object looked at once (the store answers which they are); the terms are the store's own (no rdflib)."""
    store = graph.store
    for prop in map(ox.NamedNode, (_HAS_DBXREF, _IDENTIFIER)):
        for quad in store.quads_for_pattern(None, prop, None):
            o = quad.object
            if isinstance(o, ox.Literal):
                curie = standardize(o.value)
                if _checked(curie) and not known(curie):
                    yield quad.subject, prop, curie, o
    compress = _Curies()
    for (s,) in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"):  # type: ignore[union-attr]
        curie = compress(s.value)
        if curie is not None and not known(curie):
            yield s, None, curie, None
    links = {ox.NamedNode(p) for p in _AXIOM_LINKS}
    label = ox.NamedNode(_LABEL)
    for (o,) in store.query("SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) }"):  # type: ignore[union-attr]
        curie = compress(o.value)
        if curie is None or known(curie) or next(store.quads_for_pattern(o, label, None), None) is not None:
            continue
        for quad in store.quads_for_pattern(None, None, o):
            if quad.predicate not in links:
                yield quad.subject, quad.predicate, curie, o


def unknown_identifiers(graph: Triples, reference: Reference) -> list[UnknownId]:
    """The uses of identifiers nothing vouches for, one per (owner, property, identifier); of several uses,
    the one whose value :func:`~iimgraph.validate.report.preferred` picks (the order of the graph is no rule)."""
    found: dict[tuple[object, Node | None, str], UnknownId] = {}
    in_reference: dict[str, bool] = {}

    def known(curie: str) -> bool:
        hit = in_reference.get(curie)
        if hit is None:
            hit = in_reference[curie] = reference.knows(curie)
        return hit

    in_store = isinstance(graph, SourceGraph)  # its candidates leave out the known and the labelled already
    uses = _candidates_in_store(graph, known) if isinstance(graph, SourceGraph) else _candidates(graph)
    for s, p, curie, value in uses:
        if not in_store and known(curie):
            continue
        if not in_store and isinstance(value, _rdflib_terms().URIRef) and \
                preferred(graph.objects(value, _rdflib_terms().label)) is not None:
            continue  # a use of a term the graph labels: its declaration is checked where it is written
        key = (_owner(graph, s), p, curie)
        before = found.get(key)
        if before is None or preferred((before.value, value)) is not value:
            found[key] = UnknownId(*key, value=value)
    return list(found.values())
