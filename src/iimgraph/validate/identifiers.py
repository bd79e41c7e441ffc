"""Identifier check: every external identifier of a checked prefix must exist in the packaged reference.

A wrong digit in an xref or a class IRI still parses, builds and passes the shapes; only a list of
known identifiers catches it. The identifiers looked at are the ``oboInOwl:hasDbXref`` literals,
the objects of the skos mapping properties, every MONDO and HP IRI used anywhere, and the
``dcterms:identifier`` literals (PMIDs). Prefixes outside ``CHECKED_PREFIXES`` are not checked
here (an unknown prefix is the ``xref_prefix_unknown`` rule's business).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeGuard

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from iimgraph.namespaces import CHECKED_PREFIXES, CONVERTER, OBO
from iimgraph.terms import DCTERMS, OBOINOWL, OWL, SKOS
from iimgraph.validate.reference import Reference

_MATCH = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
_OBO_CHECKED = (OBO + "MONDO_", OBO + "HP_")


@dataclass(frozen=True)
class UnknownId:
    """``subject`` uses ``curie`` (through ``predicate``; None when the subject itself is the identifier)."""

    subject: object
    predicate: object
    curie: str


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


def _owner(graph: Graph, node: object) -> object:
    """An axiom annotation's finding belongs to the annotated class."""
    if isinstance(node, BNode):
        source = graph.value(node, OWL.annotatedSource)
        if source is not None:
            return source
    return node


def _candidates(graph: Graph) -> Iterator[tuple[Node, Node | None, str]]:
    for s, o in graph.subject_objects(OBOINOWL.hasDbXref):
        if isinstance(o, Literal):
            curie = standardize(str(o))
            if _checked(curie):
                yield s, OBOINOWL.hasDbXref, curie
    for match in _MATCH:
        for s, o in graph.subject_objects(match):
            if isinstance(o, URIRef):
                curie = CONVERTER.compress(str(o))
                if _checked(curie):
                    yield s, match, curie
    for s, o in graph.subject_objects(DCTERMS.identifier):
        curie = standardize(str(o)) if isinstance(o, Literal) else None
        if _checked(curie):
            yield s, DCTERMS.identifier, curie
    for s, p, o in graph:
        if isinstance(s, URIRef) and str(s).startswith(_OBO_CHECKED):
            yield s, None, CONVERTER.compress(str(s)) or str(s)  # under a checked OBO prefix: never None
        if isinstance(o, URIRef) and str(o).startswith(_OBO_CHECKED) and p not in _MATCH:
            yield s, p, CONVERTER.compress(str(o)) or str(o)


def unknown_identifiers(graph: Graph, reference: Reference) -> list[UnknownId]:
    """The uses of identifiers the reference does not know, one per (owner, property, identifier)."""
    seen: set[tuple[object, Node | None, str]] = set()
    verdict: dict[str, bool] = {}
    out: list[UnknownId] = []
    for s, p, curie in _candidates(graph):
        known = verdict.get(curie)
        if known is None:
            known = verdict[curie] = reference.knows(curie)
        if known:
            continue
        key = (_owner(graph, s), p, curie)
        if key not in seen:
            seen.add(key)
            out.append(UnknownId(*key))
    return out
