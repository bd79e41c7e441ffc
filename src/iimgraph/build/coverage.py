"""Completeness per IIM subtype: what the built graph holds for each class, per source.

``coverage_rows(graph)`` returns one row per class of the project's scope (IIM root, subtree, IBM):
phenotypes (curated, of which with an HPO frequency; text-mined apart), autoantibodies, treatments,
epidemiology observations, definitions, and the sources the class's claims cite. ``source_rows(graph)``
turns it round: one row per source, how many claims of each kind (every kind of ``claim_kinds``, about any
subject) it supports; row references (PMIDs, ORPHA:n, OMIM:n, trial ids) are summed per database.
``render`` and ``render_sources`` print them as fixed-width tables (``iimgraph info --coverage``).
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.term import Node

from iimgraph.claim_kinds import KINDS
from iimgraph.escape import escape
from iimgraph.terms import BIOLINK, DCTERMS, IAO_DEFINITION, IIM, RDF, RDFS, TEXT_MINED

SCOPES = ("iim_root", "iim_subtree", "iim_related")
COLUMNS = ("class", "label", "phenotypes", "with_frequency", "text_mined", "autoantibodies", "antibody_statistics",
           "treatments", "epidemiology", "definitions", "sources")
#: claim type IRI -> the column counting it (claim_kinds.KINDS)
_COLUMN = {k.iri: k.coverage_column for k in KINDS if k.coverage_column}


def _source_name(graph: Graph, source: Node) -> str:
    return str(source).rsplit("/", 1)[-1]


def coverage_rows(graph: Graph) -> list[dict[str, object]]:
    from iimgraph.namespaces import display_curie

    classes = sorted({s for s, o in graph.subject_objects(IIM.inScope) if str(o) in SCOPES}, key=str)
    claims_of: dict[Node, list[Node]] = {c: [] for c in classes}
    for claim in graph.subjects(RDF.type, IIM.Claim):
        subject = graph.value(claim, BIOLINK.subject)
        if subject in claims_of:
            claims_of[subject].append(claim)
    rows = []
    for cls in classes:
        counts = dict.fromkeys(COLUMNS[2:-1], 0)
        sources: dict[str, int] = {}
        for claim in claims_of[cls]:
            types = set(graph.objects(claim, RDF.type))
            text_mined = graph.value(claim, BIOLINK.has_evidence) == TEXT_MINED
            if BIOLINK.DiseaseToPhenotypicFeatureAssociation in types:
                if text_mined:
                    counts["text_mined"] += 1
                    continue
                counts["with_frequency"] += graph.value(claim, BIOLINK.frequency_qualifier) is not None
            for column in {c for t in types if (c := _COLUMN.get(str(t)))}:
                counts[column] += 1
            for source in graph.objects(claim, DCTERMS.source):
                # seed pages, snapshots and curator notes; not the row references (PMIDs, ORPHA:n, OMIM:n)
                if graph.value(source, DCTERMS.identifier) is None:
                    name = _source_name(graph, source)
                    sources[name] = sources.get(name, 0) + 1
        counts["definitions"] = len(set(graph.objects(cls, IAO_DEFINITION)))
        rows.append({
            "class": display_curie(str(cls)),
            "label": str(graph.value(cls, RDFS.label) or ""),
            **counts,
            "sources": "; ".join(f"{k} {v}" for k, v in sorted(sources.items())),
        })
    return rows


def render(rows: list[dict[str, object]]) -> str:
    head = ("class", "label", "phen", "freq", "ITM", "abs", "abstat", "treat", "epi", "defs", "sources (claims)")
    table = [head] + [tuple(str(r[c]) for c in COLUMNS) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    lines = []
    for row in table:
        cells = [row[i].ljust(widths[i]) if i < 2 else row[i].rjust(widths[i]) for i in range(len(head) - 1)]
        lines.append("  ".join(cells) + "  " + row[-1])
    return escape("\n".join(lines)) + "\n"


def source_rows(graph: Graph) -> list[dict[str, object]]:
    """One row per source the claims cite (a row reference: per database): claims of each kind, total."""
    kind_of = {k.iri: k.short for k in KINDS}
    claims: dict[str, dict[str, set[Node]]] = {}
    members: dict[str, set[Node]] = {}
    for claim in graph.subjects(RDF.type, IIM.Claim):
        shorts = {kind_of[str(t)] for t in graph.objects(claim, RDF.type) if str(t) in kind_of}
        for source in graph.objects(claim, DCTERMS.source):
            ident = graph.value(source, DCTERMS.identifier)
            name = str(ident).split(":", 1)[0] if ident is not None else _source_name(graph, source)
            members.setdefault(name, set()).add(source)
            per_kind = claims.setdefault(name, {})
            for short in shorts | {"total"}:
                per_kind.setdefault(short, set()).add(claim)
    rows = []
    for name in sorted(claims, key=lambda n: (len(members[n]) > 1, n.lower())):
        counts = {k.short: len(claims[name].get(k.short, ())) for k in KINDS}
        rows.append({"source": name, "sources": len(members[name]), **counts,
                     "total": len(claims[name]["total"])})
    return rows


def render_sources(rows: list[dict[str, object]]) -> str:
    head = ("source", "sources", *(k.short for k in KINDS), "total")
    table = [head] + [tuple(str(r[c]) for c in head) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines = ["  ".join(row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i]) for i in range(len(head)))
             for row in table]
    return escape("claims per source and kind\n" + "\n".join(lines)) + "\n"
