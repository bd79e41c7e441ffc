"""Counts that describe a release graph (``iimgraph info``)."""

from __future__ import annotations

from typing import Any

from rdflib import Graph

from iimgraph.namespaces import PREFIX_MAP

_COUNTS = {
    "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a owl:Class ; iim:inScope ?s "
               "FILTER(?s IN ('iim_root','iim_subtree','iim_related')) }",
    "context_classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a owl:Class ; iim:inScope 'context' }",
    "mappings": "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a sssom:mapping_justification ?j }",
    "sources": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a dcterms:BibliographicResource }",
    "claims": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a iim:Claim }",
}


def graph_stats(graph: Graph) -> dict[str, int]:
    ns = {k: v for k, v in PREFIX_MAP.items() if k in ("owl", "iim", "sssom", "dcterms")}
    out = {"triples": len(graph)}
    for key, query in _COUNTS.items():
        row: Any = next(iter(graph.query(query, initNs=ns)))  # a SELECT gives ResultRows
        out[key] = int(row[0])
    return out
