"""Cheap checks that two RDF graphs hold the same triples, for tests whose point is that formats agree.

A whole-graph isomorphism check (``rdflib.compare.isomorphic``) takes tens of seconds on the release
graph; each product keeps one. Elsewhere :func:`fingerprint` compares the triple count, the number of
blank nodes and a hash of the sorted N-Triples lines with every blank node written alike: every
ground triple must match exactly, and the triples through blank nodes as a multiset of shapes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rdflib import BNode


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
