"""How fast ``iimgraph.rank`` answers, in process and as a whole process, beside hpo3 and a bare script.

usage: python benchmarks/bench_rank_speed.py [--repeat 3] [--hpo3 DIR]

- in process: ``iimgraph.rank`` on the published cases of ``benchmarks/real_cases/`` (findings as
  given; terms the model refuses dropped, as bench_rank.py does), profiles loaded, every candidate
  scored; median and p95 per query over all cases, and over 10-term queries (each case with at least
  10 usable findings, cut to its first 10), also each asked as for the first time (the knowledge's
  memo emptied before it) and with ``suggestions=5``. Target: under 10 ms per 10-term query. Anchor:
  **hpo3** (pyhpo's Rust rewrite, PyPI), best-match-average Resnik similarity with its OMIM
  information content between the same findings and the annotation set of every candidate the
  model ranks (the same sets as bench_rank.py's baselines), in its own process after its ontology
  is loaded. hpo3 installs under the import name ``pyhpo`` and would replace pyhpo 4.0.0 (the bench
  extra, which bench_rank.py and the tests use), so it lives apart:
  ``pip install --target DIR 'hpo3>=1.5,<2'`` and ``--hpo3 DIR``; without it the row says so.
- cold: ``iimgraph rank`` with the first case's findings as a whole process, alternated with the
  bare pyoxigraph script of bench_anchors.py (import, bulk-load the cached N-Triples, run
  find-by-xref). Target: <= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import cli, header, median, table
from bench_anchors import QUERY_ANCHOR, script
from bench_rank import ModelRunner, candidate_sets, load_cases, model_scores

HPO3_CHILD = """
import json, statistics, sys, time
import pyhpo
from pyhpo import HPOSet, Ontology
Ontology()
job = json.load(open(sys.argv[1], encoding="utf-8"))
def known(terms):
    out = []
    for t in terms:
        try:
            Ontology.get_hpo_object(t)
        except (KeyError, ValueError, RuntimeError, IndexError, NameError):
            continue
        out.append(t)
    return out
sets = {d: HPOSet.from_queries(known(terms)) for d, terms in job["sets"].items()}
times = {}
for kind, cases in job["cases"].items():
    times[kind] = []
    for terms in cases:
        start = time.perf_counter()
        patient = HPOSet.from_queries(known(terms))
        {d: patient.similarity(s, kind="omim", method="resnik", combine="BMA") for d, s in sets.items()}
        times[kind].append(time.perf_counter() - start)
print(json.dumps(times))
"""


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def first_and_suggest(runner: ModelRunner, ten: list[list[str]], repeat: int) -> dict[str, list[float]]:
    """The knowledge memoises each candidate's rows per finding, so the passes over the cases answer a
    query asked before from the memo: here each 10-term query asked as for the first time (the memo
    emptied before it), and each with ``suggestions=5``."""
    from iimgraph.rank import knowledge

    memo = getattr(knowledge(), "p_cache", None)
    out: dict[str, list[float]] = {"first": [], "suggest": []}
    for kind, extra in (("first", {}), ("suggest", {"suggestions": 5})):
        for _ in range(repeat):
            for terms in ten:
                if memo is not None and kind == "first":
                    memo.clear()
                start = time.perf_counter()
                runner.rank(terms, **extra)
                out[kind].append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the cases; cold runs of each side")
    parser.add_argument("--hpo3", type=Path, help="a folder hpo3 is installed in (pip install --target DIR hpo3)")
    args = parser.parse_args()

    from iimgraph import __version__
    from iimgraph.build.cache import cache_dir, release_ntriples, release_store, sources_digest
    from iimgraph.query.binding import bind, resolve_params
    from iimgraph.query.catalogue import get_query
    from iimgraph.resources import ontology_dir

    release_ntriples()
    release_store()
    header("iimgraph rank: time per query beside hpo3, and the cold command beside a bare script")
    runner = ModelRunner()
    cases = load_cases("iim_cases.jsonl") + load_cases("lookalike_cases.jsonl")
    runner(cases[0], with_age=False)  # profiles loaded before the clock
    given: list[list[str]] = []
    ten: list[list[str]] = []
    for case in cases:
        terms = [f["id"] for f in case["present"]]
        usable = [t for t in terms if runner.known(t)]
        if usable:
            given.append(usable)
        if len(usable) >= 10:
            ten.append(usable[:10])
    ours: dict[str, list[float]] = {"given": [], "ten": []}
    candidates: set[str] = set()
    for _ in range(args.repeat):
        for kind, queries in (("given", given), ("ten", ten)):
            for terms in queries:
                start = time.perf_counter()
                result = runner.rank(terms)
                ours[kind].append(time.perf_counter() - start)
                candidates |= set(model_scores(result))
    ours.update(first_and_suggest(runner, ten, args.repeat))
    sets, unscored = candidate_sets(candidates)

    theirs: dict[str, list[float]] | None = None
    why = ""
    if args.hpo3 is None:
        why = ("hpo3: not measured (it installs as `pyhpo` and would replace pyhpo 4.0.0; "
               "pip install --target DIR 'hpo3>=1.5,<2', then --hpo3 DIR)")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            job = Path(tmp) / "job.json"
            job.write_text(json.dumps({"sets": sets, "cases": {"given": given * args.repeat, "ten": ten * args.repeat}}),
                           encoding="utf-8")
            env = {**os.environ, "PYTHONPATH": str(args.hpo3)}
            proc = subprocess.run([sys.executable, "-c", HPO3_CHILD, str(job)], capture_output=True, text=True, env=env)
            if proc.returncode:
                why = "hpo3: failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
            else:
                theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    from importlib.metadata import PackageNotFoundError, version

    try:
        hpo3_version = version("hpo3") if args.hpo3 is None else next(
            p.name.removesuffix(".dist-info").split("-")[1] for p in args.hpo3.glob("hpo3-*.dist-info"))
    except (PackageNotFoundError, StopIteration):
        hpo3_version = "?"
    print(f"{len(given)} published cases with usable findings (median {statistics.median(map(len, given)):.0f} "
          f"findings), {len(ten)} of them with >= 10; {len(candidates)} candidates ranked, {len(sets)} with an "
          f"annotation set for hpo3 ({len(unscored)} without); {args.repeat} passes\n")

    rows: list[tuple[object, ...]] = []
    for kind, label, target in (("ten", "10-term query, in process", "< 10 ms"),
                                ("first", "10-term query asked for the first time (memo emptied), in process", "< 10 ms"),
                                ("suggest", "10-term query with --suggest 5, in process", ""),
                                ("given", "published case as given, in process", "")):
        mine = ours[kind]
        if theirs is None:
            rows.append((label, f"{1000 * median(mine):.2f} (p95 {1000 * p95(mine):.2f})", why, "", "", target,
                         len(mine)))
            continue
        other = theirs["ten" if kind in ("first", "suggest") else kind]
        rows.append((label, f"{1000 * median(mine):.2f} (p95 {1000 * p95(mine):.2f})",
                     f"hpo3 {hpo3_version} BMA Resnik (OMIM IC), same findings and candidates",
                     f"{1000 * median(other):.2f} (p95 {1000 * p95(other):.2f})",
                     f"{median(mine) / median(other):.2f}x", target, len(mine)))

    nt = cache_dir() / f"release-{__version__}-{sources_digest(ontology_dir())}.nt"
    query = get_query("find-by-xref")
    cold_ours, cold_theirs, codes = [], [], set()
    with tempfile.TemporaryDirectory() as tmp:
        bound = Path(tmp) / "q.rq"
        bound.write_text(bind(query.text, resolve_params(query, {"xref": "OMIM:160750"})), encoding="utf-8")
        for _ in range(args.repeat):
            cold_theirs.append(script(QUERY_ANCHOR, str(nt), str(bound)))
            seconds, code, _, _ = cli(["rank", *given[0]])
            cold_ours.append(seconds)
            codes.add(code)
    rows.append((f"cold `iimgraph rank` ({len(given[0])} findings), whole process (exit {','.join(map(str, sorted(codes)))})",
                 f"{1000 * median(cold_ours):.0f}", "bare pyoxigraph script: load cached N-Triples, run find-by-xref",
                 f"{1000 * median(cold_theirs):.0f}", f"{median(cold_ours) / median(cold_theirs):.2f}x", "<= 1.5x",
                 args.repeat))
    table(("iimgraph", "median ms", "anchor", "anchor median ms", "ratio", "target", "runs"), rows)


if __name__ == "__main__":
    main()
