"""Semantic diff of two releases or two source folders, in the words a curator reviews.

Compares what curators change: classes, labels, definitions, synonyms, parents, mappings, claims.
Blank-node layout and serialisation order do not show up, so a re-serialised file diffs empty.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef

from iimgraph.build.graph import build_graph
from iimgraph.errors import SourceError
from iimgraph.escape import code_span, escape, markdown
from iimgraph.io.rdf import load_context, parse_rdf
from iimgraph.namespaces import display_curie as _curie
from iimgraph.terms import BIOLINK, IAO_DEFINITION, IIM, OBOINOWL, OWL, RDF, RDFS, SKOS

SYNONYMS = {OBOINOWL.hasExactSynonym: "exact", OBOINOWL.hasRelatedSynonym: "related",
            OBOINOWL.hasBroadSynonym: "broad", OBOINOWL.hasNarrowSynonym: "narrow"}
MAPPINGS = {OBOINOWL.hasDbXref: "xref", SKOS.exactMatch: "exactMatch", SKOS.closeMatch: "closeMatch",
            SKOS.broadMatch: "broadMatch", SKOS.narrowMatch: "narrowMatch", SKOS.relatedMatch: "relatedMatch"}


@dataclass(frozen=True, order=True)
class Change:
    kind: str  # class_added, label_changed, mapping_removed, claim_added, ...
    term: str  # CURIE of the term or claim
    label: str
    detail: str


def load_side(path: Path | str, *, context: Path | str | None = None) -> Graph:
    """A release folder (its iimgraph.nt or .ttl), a sources folder, or one RDF file (optionally gzipped).

    ``context`` is a local JSON-LD context file for a JSON-LD side whose ``@context`` is not inline.
    """
    path = Path(path)
    ctx = load_context(context) if context is not None else None
    if path.is_dir():
        for name in ("iimgraph.nt", "iimgraph.ttl"):
            if (path / name).is_file() and not (path / "header.ttl").exists():
                return parse_rdf(path / name)

        return build_graph(path)
    if path.exists():
        return parse_rdf(path, context=ctx)
    raise SourceError(f"{path}: no such file or folder")


def _label(old: Graph, new: Graph, term: URIRef) -> str:
    return str(new.value(term, RDFS.label) or old.value(term, RDFS.label) or "")


def _classes(g: Graph) -> set[URIRef]:
    return {c for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}


def _claim_triples(g: Graph, claim: URIRef) -> set[tuple[str, str]]:
    return {(str(p), o.n3()) for p, o in g.predicate_objects(claim) if not isinstance(o, BNode)}


def diff_graphs(old: Graph, new: Graph) -> list[Change]:
    changes: list[Change] = []
    add = lambda kind, term, detail: changes.append(Change(kind, _curie(term), _label(old, new, term), detail))  # noqa: E731
    a, b = _classes(old), _classes(new)
    for c in sorted(b - a):
        add("class_added", c, "")
    for c in sorted(a - b):
        add("class_removed", c, "")
    for c in sorted(a & b):
        for prop, kind in ((RDFS.label, "label_changed"), (IAO_DEFINITION, "definition_changed")):
            listed = sorted(map(str, old.objects(c, prop))), sorted(map(str, new.objects(c, prop)))
            if listed[0] != listed[1]:
                add(kind, c, f"{' | '.join(listed[0]) or '(none)'} -> {' | '.join(listed[1]) or '(none)'}")
        for prop, scope in SYNONYMS.items():
            before, after = {str(o) for o in old.objects(c, prop)}, {str(o) for o in new.objects(c, prop)}
            for s in sorted(after - before):
                add("synonym_added", c, f"{scope}: {s}")
            for s in sorted(before - after):
                add("synonym_removed", c, f"{scope}: {s}")
        parents_before = {x for x in old.objects(c, RDFS.subClassOf) if isinstance(x, URIRef)}
        parents_after = {x for x in new.objects(c, RDFS.subClassOf) if isinstance(x, URIRef)}
        for p in sorted(parents_after - parents_before):
            add("parent_added", c, f"{_curie(p)} {_label(old, new, p)}".strip())
        for p in sorted(parents_before - parents_after):
            add("parent_removed", c, f"{_curie(p)} {_label(old, new, p)}".strip())
    for c in sorted(a | b):
        for prop, kind in MAPPINGS.items():
            mapped_before = {_curie(o) for o in old.objects(c, prop)}
            mapped_after = {_curie(o) for o in new.objects(c, prop)}
            for m in sorted(mapped_after - mapped_before):
                add("mapping_added", c, f"{kind} {m}")
            for m in sorted(mapped_before - mapped_after):
                add("mapping_removed", c, f"{kind} {m}")
    ca = {x for x in old.subjects(RDF.type, IIM.Claim) if isinstance(x, URIRef)}
    cb = {x for x in new.subjects(RDF.type, IIM.Claim) if isinstance(x, URIRef)}
    for claim in sorted(cb - ca):
        changes.append(Change("claim_added", _curie(claim), _claim_subject_label(new, claim), ""))
    for claim in sorted(ca - cb):
        changes.append(Change("claim_removed", _curie(claim), _claim_subject_label(old, claim), ""))
    for claim in sorted(ca & cb):
        slots_before, slots_after = _claim_triples(old, claim), _claim_triples(new, claim)
        if slots_before != slots_after:
            detail = "; ".join([f"+{_curie(p)} {o}" for p, o in sorted(slots_after - slots_before)] +
                               [f"-{_curie(p)} {o}" for p, o in sorted(slots_before - slots_after)])
            changes.append(Change("claim_changed", _curie(claim), _claim_subject_label(new, claim), detail))
    return sorted(changes)


def _claim_subject_label(g: Graph, claim: URIRef) -> str:
    subject = g.value(claim, BIOLINK.subject)
    return str(g.value(subject, RDFS.label) or "") if subject is not None else ""


def render(changes: list[Change], fmt: str = "text") -> str:
    """The changes as text, Markdown or JSON, escaped for where each goes (labels come from the data)."""
    if fmt == "json":
        doc = {"changes": [asdict(c) for c in changes], "count": len(changes)}
        return escape(json.dumps(doc, indent=1, sort_keys=True), json=True) + "\n"
    if not changes:
        return "No changes.\n" if fmt == "text" else "**No changes.**\n"
    if fmt == "md":
        lines = [f"### iimgraph diff: {len(changes)} change(s)", "", "| change | term | label | detail |",
                 "|---|---|---|---|"]
        lines += [f"| {c.kind} | {code_span(c.term)} | {markdown(c.label)} | {markdown(c.detail)} |" for c in changes]
        return "\n".join(lines) + "\n"
    width = max(len(c.kind) for c in changes)
    return escape("".join(f"{c.kind:<{width}}  {c.term}  {c.label!r}  {c.detail}".rstrip() + "\n" for c in changes))
