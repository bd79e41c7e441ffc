"""Cheap checks that two RDF graphs hold the same triples, for tests whose point is that formats agree.

A whole-graph isomorphism check with ``rdflib.compare.isomorphic`` takes tens of seconds on the release
graph (minutes under load); :func:`same_graph` decides the same question in about a second where colour
refinement tells every blank node apart (it does on the release graph), and falls back to rdflib where
it cannot. Where only the formats' agreement matters, :func:`fingerprint` compares the triple count, the number of
blank nodes and a hash of the sorted N-Triples lines with every blank node written alike: every
ground triple must match exactly, and the triples through blank nodes as a multiset of shapes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rdflib import BNode

from iimgraph.release.export import refined_labels


def fingerprint(graph: Any) -> tuple[int, int, str]:
    """(triples, blank nodes, sha256 of the sorted N-Triples lines with blank nodes written as ``_:b``)."""
    lines = []
    bnodes = set()
    for triple in graph:
        parts = []
        for term in triple:
            if isinstance(term, BNode):
                bnodes.add(term)
                parts.append("_:b")
            else:
                parts.append(term.n3())
        lines.append(" ".join(parts))
    lines.sort()
    return len(lines), len(bnodes), hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def same_graph(a: Any, b: Any) -> bool:
    """True when the two graphs are isomorphic (blank nodes renamed), decided exactly.

    Each graph's blank nodes are relabelled by their colour after refinement (a hash of content only,
    so isomorphic graphs get the same labels); when the labels are one per node in both graphs, equal
    relabelled triple sets are an isomorphism and unequal ones rule it out. Otherwise rdflib decides.
    """
    if len(a) != len(b):
        return False
    labels_a, labels_b = refined_labels(a), refined_labels(b)
    if labels_a is None or labels_b is None:
        from rdflib.compare import isomorphic

        return isomorphic(a, b)
    for labels in (labels_a, labels_b):  # one label per node, or equal sets would prove nothing
        assert len(set(labels.values())) == len(labels)

    def relabelled(graph: Any, labels: dict) -> set:
        return {(labels.get(s, s), p, labels.get(o, o)) for s, p, o in graph}

    return relabelled(a, labels_a) == relabelled(b, labels_b)
