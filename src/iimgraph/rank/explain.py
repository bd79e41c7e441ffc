"""A ranking as text: a table for people (each subtype with its per-finding explanation), TSV (one
line per subtype and finding) and JSON (everything). Strings only: the CLI decides where they go."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from iimgraph.escape import escape
from iimgraph.rank.model import NOTICE, RankResult, TermLR

TSV_COLUMNS = ("rank", "disease", "label", "post_test_probability", "log10_lr", "finding", "finding_label",
               "status", "lr", "match", "annotation", "frequency_term", "frequency", "evidence", "claim",
               "sources", "inherited_from", "notice")


def to_dict(result: RankResult) -> dict[str, Any]:
    return {
        "notice": NOTICE,
        "hpo_version": result.hpo_version,
        "findings": [asdict(f) for f in result.findings],
        "notes": list(result.notes),
        "candidates": result.candidates,
        "results": [asdict(r) for r in result.rows],
        "not_scorable": [asdict(n) for n in result.not_scorable],
    }


def to_json(result: RankResult) -> str:
    return escape(json.dumps(to_dict(result), indent=2, ensure_ascii=False), json=True) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return "|".join(value)
    return " ".join(str(value).split())


def to_tsv(result: RankResult) -> str:
    lines = ["\t".join(TSV_COLUMNS)]
    for row in result.rows:
        for t in row.terms:
            cells = (row.rank, row.disease, row.label, row.post_test_probability, row.log10_lr, t.term, t.label,
                     t.status, t.lr, t.match, t.annotation, t.frequency_term, t.frequency, t.evidence, t.claim,
                     t.sources, t.inherited_from, row.notice)
            lines.append("\t".join(_cell(c) for c in cells))
    return "\n".join(lines) + "\n"


def _term_line(t: TermLR) -> str:
    rest = [t.explanation]
    if t.annotation and t.annotation != t.term:
        rest.append(f"via {t.annotation} {t.annotation_label}")
    if t.inherited_from:
        rest.append(f"stated of {t.inherited_from}")
    if t.claim:
        rest.append(f"claim {t.claim}" + (f" [{t.evidence}]" if t.evidence else ""))
    if t.sources:
        rest.append("source " + ", ".join(t.sources))
    mark = {"observed": "+", "absent": "-", "onset": "@"}[t.status]
    return f"    {mark} {t.term} {t.label}: LR {t.lr:.3g} ({t.match}); " + "; ".join(rest)


def to_table(result: RankResult) -> str:
    lines = [f"IIM subtypes ranked for {len(result.findings)} finding(s) "
             f"(HPO {result.hpo_version}; {result.candidates} scorable subtypes) -- {NOTICE}"]
    for row in result.rows:
        lines.append(f"{row.rank:>2}. {row.label} ({row.disease})  post-test probability "
                     f"{row.post_test_probability:.3g}  log10 LR {row.log10_lr:+.2f}  [{row.notice}]")
        lines.extend(_term_line(t) for t in row.terms)
    if result.not_scorable:
        names = ", ".join(f"{n.label} ({n.disease})" for n in result.not_scorable)
        lines.append(f"not scorable (no curated phenotype annotation): {names}")
    return "\n".join(lines) + "\n"


def render(result: RankResult, fmt: str) -> str:
    """The ranking as text for a terminal or a pipe: labels from the data cannot carry control characters out."""
    if fmt == "json":
        return to_json(result)
    if fmt == "tsv":
        return escape(to_tsv(result))
    return escape(to_table(result))
