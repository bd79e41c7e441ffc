"""A ranking as text: a table for people (each subtype with its per-finding explanation), TSV (one
line per subtype and finding) and JSON (everything). Strings only: the CLI decides where they go."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from iimgraph.escape import escape
from iimgraph.rank.model import NOTICE, RankResult, TermLR
from iimgraph.rank.profiles import Knowledge

TSV_COLUMNS = ("rank", "disease", "label", "is_iim", "posterior", "post_test_probability", "log10_lr", "finding",
               "finding_label",
               "status", "lr", "match", "annotation", "frequency_term", "frequency", "evidence", "claim",
               "sources", "inherited_from", "notice")


PROBABILITIES = {
    "iim_probability": "P(the findings are IIM at all): the sum of the IIM candidates' posteriors",
    "posterior": "P(candidate | findings), the candidates taken as mutually exclusive: all candidates' posteriors sum to 1",
    "post_test_probability": "LIRICAL's per-disease post-test probability: the candidate against 'not this candidate' "
                             "from its own pre-test probability; they do not sum to 1",
}


def to_dict(result: RankResult) -> dict[str, Any]:
    return {
        "notice": NOTICE,
        "hpo_version": result.hpo_version,
        "findings": [asdict(f) for f in result.findings],
        "notes": list(result.notes),
        "candidates": result.candidates,
        "iim_probability": result.iim_probability,
        "probabilities": PROBABILITIES,
        "results": [asdict(r) for r in result.rows],
        "suggestions": [asdict(sg) for sg in result.suggestions],
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
            cells = (row.rank, row.disease, row.label, "yes" if row.is_iim else "no", row.posterior,
                     row.post_test_probability, row.log10_lr, t.term, t.label,
                     t.status, t.lr, t.match, t.annotation, t.frequency_term, t.frequency, t.evidence, t.claim,
                     t.sources, t.inherited_from, row.notice)
            lines.append("\t".join(_cell(c) for c in cells))
    return "\n".join(lines) + "\n"


def probability(p: float) -> str:
    """A probability to 3 significant digits, never "1" or "0": "> 0.999" above 0.9995, "< 1e-300" for 0."""
    if p >= 0.9995:
        return "> 0.999"
    if p <= 0.0:
        return "< 1e-300"
    return f"{p:#.3g}"


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
    return f"{mark} {t.term} {t.label}: LR {t.lr:.3g} ({t.match}); " + "; ".join(rest)


#: rows the table shows when no --top is given (JSON and TSV hold every candidate)
TABLE_ROWS = 10


def to_table(result: RankResult, width: int = 100) -> str:
    """The ranking for people, every line wrapped to ``width`` columns (the CLI passes the terminal's)."""
    import textwrap

    width = max(width, 40)

    def wrap(text: str, indent: str, more: str) -> list[str]:
        return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=more,
                             break_long_words=True, break_on_hyphens=False) or [indent]

    n_iim = sum(1 for r in result.rows if r.is_iim)
    lines = wrap(f"Candidates ranked for {len(result.findings)} finding(s) (HPO {result.hpo_version}; "
                 f"{result.candidates} candidates) -- {NOTICE}", "", "  ")
    lines += wrap(f"P(IIM) = {probability(result.iim_probability)} (iim_probability: the sum of the IIM candidates' "
                  "posteriors). posterior: P(candidate | findings), the candidates mutually exclusive (all sum to 1); "
                  "post-test: LIRICAL's per-disease post-test probability (against 'not this candidate').", "", "  ")
    shown = result.rows if len(result.rows) <= TABLE_ROWS or n_iim == len(result.rows) else result.rows[:TABLE_ROWS]
    for row in shown:
        kind = "IIM" if row.is_iim else "not IIM"
        lines += wrap(f"{row.rank:>2}. {row.label} ({row.disease}, {kind})  posterior {probability(row.posterior)}  "
                      f"post-test {probability(row.post_test_probability)}  log10 LR {row.log10_lr:+.2f}  "
                      f"[{row.notice}]", "", "    ")
        for t in row.terms:
            lines += wrap(_term_line(t), "    ", "        ")
    if len(shown) < len(result.rows):
        lines += wrap(f"({len(shown)} of {len(result.rows)} shown; --top N or --format json/tsv for more)", "", "  ")
    if result.suggestions:
        lines += wrap("What to test next (expected information gain over the top candidates):", "", "  ")
        for sug in result.suggestions:
            tests = "; ".join(f"{m} {label}" for m, label in sug.tests) or "no MAxO diagnostic annotation"
            lines += wrap(f"? {sug.term} {sug.label}: {sug.expected_information_gain:.3g} bits, P(present) "
                          f"{probability(sug.p_present)}; observed by {tests}", "  ", "      ")
    if result.not_scorable:
        names = ", ".join(f"{n.label} ({n.disease})" for n in result.not_scorable)
        lines += wrap(f"IIM classes not scored (rank --list-candidates says why): {names}", "", "  ")
    return "\n".join(lines) + "\n"


def candidates_text(kb: Knowledge, fmt: str = "table") -> str:
    """The candidates (what each profile rests on) and the IIM classes not scored, with why."""
    rows = [{"disease": d, "label": p.label, "scored": True, "iim": p.is_iim, "annotations": len(p.positive),
             "excluded": len(p.negated), "expected_features": round(p.expected_features(), 3),
             "profile_of": p.profile_of, "basis": p.derived_basis or ("own annotations" if p.is_iim else
                                                                         "HPO 2025-01-16 annotations (look-alike, not IIM)")}
            for d, p in sorted(kb.profiles.items(), key=lambda kv: (not kv[1].is_iim, kv[1].label))]
    rows += [{"disease": n.disease, "label": n.label, "scored": False, "iim": True, "reason": n.reason}
             for n in kb.not_scorable]
    if fmt == "json":
        return json.dumps({"notice": NOTICE, "candidates": rows}, indent=2, ensure_ascii=False) + "\n"
    lines = []
    for r in rows:
        if r["scored"]:
            how = f"from {r['profile_of']}: {r['basis']}" if r["profile_of"] else r["basis"]
            lines.append(f"scored\t{r['disease']}\t{r['label']}\t{r['annotations']} terms\t{how}")
        else:
            lines.append(f"not scored\t{r['disease']}\t{r['label']}\t\t{r['reason']}")
    return "\n".join(lines) + "\n"


def render(result: RankResult, fmt: str, width: int = 100) -> str:
    """The ranking as text for a terminal or a pipe: labels from the data cannot carry control characters out."""
    if fmt == "json":
        return to_json(result)
    if fmt == "tsv":
        return escape(to_tsv(result))
    return escape(to_table(result, width))
