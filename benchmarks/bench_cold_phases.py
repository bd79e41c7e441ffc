"""Where a cold ``iimgraph query find-by-xref`` spends its time, phase by phase (issue 30's profile).

usage: python benchmarks/bench_cold_phases.py [--repeat 7]

Each run is a fresh process that times, in the order the CLI runs them: importing what the CLI
imports before a query (``iimgraph.cli.front``), the query modules, opening the prebuilt on-disk
release store (as ``iimgraph query`` does), the query in a forked worker (what the library does with a
``timeout``), then the same query in process under the CLI's watchdog (a thread with a deadline, what
the CLI does: :mod:`iimgraph.cli.watchdog`), and again bare. Medians over the runs, beside
the interpreter's own start and a bare ``import pyoxigraph`` measured in the same minutes.

The fork comes before the in-process query on purpose: after the parent has queried the on-disk
store, a forked worker on the same engine can hang or exceed its memory cap (seen while writing
this), which is why the CLI never forks after querying in process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from _common import header, median, run_child, table

PHASES = ("import iimgraph.cli.front (what the CLI imports first)", "the query modules (catalogue, binding, worker, engines)",
          "open the prebuilt on-disk release store", "fork a worker, run the query there, answer back (the library)",
          "the same query in process under the watchdog, first in the process (the CLI)",
          "the same query in process, again")


def child() -> None:
    import json

    t0 = time.perf_counter()
    import iimgraph.cli.front  # noqa: F401

    t1 = time.perf_counter()
    from iimgraph import worker
    from iimgraph.build.graph_source import RELEASE
    from iimgraph.cli.watchdog import within
    from iimgraph.query.binding import bind, resolve_params
    from iimgraph.query.catalogue import get_query
    from iimgraph.query.engines import engine_for

    query = get_query("find-by-xref")
    text = bind(query.text, resolve_params(query, {"xref": "OMIM:160750"}))
    t2 = time.perf_counter()
    engine = engine_for(RELEASE, "oxigraph", timeout=60, one_shot=True)
    t3 = time.perf_counter()
    worker.call(engine.execute, text, timeout=60)
    t4 = time.perf_counter()
    within(lambda: engine.execute(text), timeout=60, memory_mb=worker.DEFAULT_MEMORY_MB)
    t5 = time.perf_counter()
    engine.execute(text)
    t6 = time.perf_counter()
    print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5]))


def bare(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from iimgraph.build.cache import release_ntriples, release_store

    release_ntriples()
    release_store()
    header("cold query find-by-xref, phase by phase (fresh process per run, medians)")
    runs, start, imports = [], [], []
    for _ in range(args.repeat):
        start.append(bare("pass"))
        imports.append(bare("import pyoxigraph"))
        runs.append(run_child(__file__, "phases"))
    rows = [("interpreter start (`python -c pass`, whole process)", f"{1000 * median(start):.1f}"),
            ("`python -c 'import pyoxigraph'` (whole process)", f"{1000 * median(imports):.1f}")]
    rows += [(name, f"{1000 * median([r[i] for r in runs]):.1f}") for i, name in enumerate(PHASES)]
    table(("phase", "median ms"), rows)


if __name__ == "__main__":
    main()
