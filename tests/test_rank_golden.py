"""The full ranking of published cases, asked for the first time and asked again, is the one recorded
in ``tests/data/rank_golden.json.gz``: every candidate in order with its rank, probabilities and log10
LR (to 1e-12), and every per-finding row (numbers to 12 significant digits, explanations and
annotations as written: a digest over all candidates, the rows of the top three in full). A change
meant to make the scoring faster must leave all of it as it was.

The file is written by this module's ``main`` (``python -m tests.test_rank_golden``) from the code it
pins; rewrite it only for a change that means to change the ranking, and say so.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pytest

from iimgraph.errors import TermError

GOLDEN = Path(__file__).parent / "data" / "rank_golden.json.gz"
CASES = Path(__file__).parent.parent / "benchmarks" / "real_cases"
# published cases with many findings, absent findings, an age or none, IIM and look-alike diagnoses
CHOSEN = ("iim-001", "iim-008", "iim-011", "iim-036", "iim-046", "iim-050", "iim-060", "iim-062", "iim-072",
          "PMID_18930476_proband_I1", "PMID_36745799_Individual_V_12", "PMID_37167966_Individual_F2_II_2")
SUGGESTING = ("iim-036", "PMID_36745799_Individual_V_12")


def _queries() -> list[dict[str, Any]]:
    """Each chosen case as a query: its findings the model accepts (as the benchmarks drop the rest),
    without and with its age; two of them also with five suggestions."""
    import iimgraph

    def known(term: str) -> bool:
        try:
            iimgraph.rank([term])
        except TermError:
            return False
        return True

    out = []
    for name in ("iim_cases.jsonl", "lookalike_cases.jsonl"):
        for line in (CASES / name).read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            if case["id"] not in CHOSEN:
                continue
            present = [f["id"] for f in case["present"]]
            absent = [f["id"] for f in case.get("absent", [])]
            present = [t for t in dict.fromkeys(present) if known(t)]
            absent = [t for t in dict.fromkeys(absent) if known(t) and t not in present]
            ages = [None] if case.get("age_years") is None else [None, float(case["age_years"])]
            for age in ages:
                out.append({"case": case["id"], "observed": present, "absent": absent, "age": age,
                            "suggestions": 5 if case["id"] in SUGGESTING and age is not None else 0})
    return out


def _canonical(value: Any) -> Any:
    """Plain values with every float at 12 significant digits (what "the same to 1e-12" means here)."""
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def _output(query: dict[str, Any]) -> dict[str, Any]:
    """The result as plain values: each candidate's rank, log10 LR and posterior in full, and one
    digest of every candidate's whole row with its per-finding rows (numbers at 12 significant
    digits, texts as written) in order."""
    import iimgraph

    result = iimgraph.rank(query["observed"], absent=query["absent"], age=query["age"],
                           suggestions=query["suggestions"])
    digest = hashlib.sha256()
    seen: dict[int, str] = {}
    for r in result.rows:
        for t in r.terms:
            text = seen.get(id(t))
            if text is None:
                text = seen[id(t)] = json.dumps(_canonical(dataclasses.asdict(t)), sort_keys=True)
            digest.update(text.encode("utf-8") + b"\n")
        whole = {k: v for k, v in dataclasses.asdict(r).items() if k != "terms"}
        digest.update(json.dumps(_canonical(whole), sort_keys=True).encode("utf-8") + b"\n")
    return {"query": query,
            "rows": [[r.rank, r.disease, r.log10_lr, r.posterior] for r in result.rows],
            "term_rows": digest.hexdigest(),
            "top": [[dataclasses.asdict(t) for t in r.terms] for r in result.rows[:3]],
            "findings": [dataclasses.asdict(f) for f in result.findings], "notes": list(result.notes),
            "iim_probability": result.iim_probability,
            "suggestions": [dataclasses.asdict(s) for s in result.suggestions]}


def _same(got: Any, want: Any, where: str) -> None:
    if isinstance(want, float) and isinstance(got, (int, float)):
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12), f"{where}: {got!r} != {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), f"{where}: keys differ"
        for key in want:
            _same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), f"{where}: length differs"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.fixture(scope="module")
def golden() -> list[dict[str, Any]]:
    return list(json.loads(gzip.decompress(GOLDEN.read_bytes()).decode("utf-8")))


def test_the_ranking_of_published_cases_is_the_recorded_one(golden: list[dict[str, Any]]) -> None:
    from iimgraph.rank import knowledge

    assert len(golden) >= 20
    for asked in ("first", "again"):
        for want in golden:
            if asked == "first":
                knowledge().p_cache.clear()
            got = _output(want["query"])
            where = f"{want['query']['case']} age={want['query']['age']} ({asked})"
            for key in ("rows", "top", "findings", "notes", "iim_probability", "suggestions", "term_rows"):
                _same(got[key], want[key], f"{where} {key}")


def main() -> None:
    outputs = [_output(q) for q in _queries()]
    GOLDEN.write_bytes(gzip.compress(json.dumps(outputs, sort_keys=True).encode("utf-8"), mtime=0))
    print(f"{len(outputs)} rankings written to {GOLDEN}")


if __name__ == "__main__":
    main()
