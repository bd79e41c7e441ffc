"""Median time of each packaged query on the embedded engines (oxigraph, rdflib) and their ratio.

usage: python benchmarks/bench_queries.py [--repeat N]

Engines are loaded once, before timing; each query is run once to warm up, then N times, the two
engines side by side. The parameters are the real questions the tests ask (tests/test_queries.py
EXAMPLES). Targets (issue 7): oxigraph median under 5 ms, and at least 10 times faster than rdflib.
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import header, median, table

from iimgraph.query.catalogue import catalogue
from iimgraph.query.engines import engine_for
from iimgraph.query.run import execute
from tests.test_queries import EXAMPLES


def timed(name: str, params: dict, engine: object, repeat: int) -> tuple[float, int]:
    rows = len(execute(name, params, engine=engine).rows)  # type: ignore[arg-type]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        execute(name, params, engine=engine)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return median(times) * 1000, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    header(f"Packaged queries on the shipped graph: median of {args.repeat} runs")
    loads = []
    for engine in ("oxigraph", "rdflib"):
        start = time.perf_counter()
        engine_for(engine=engine)
        loads.append(f"{engine} {(time.perf_counter() - start) * 1000:.0f} ms")
    print("engine load (once, in process): " + ", ".join(loads) + "\n")
    rows = []
    misses = 0
    for name in catalogue():
        params = EXAMPLES.get(name, {})
        ox, n = timed(name, params, "oxigraph", args.repeat)
        rd, _ = timed(name, params, "rdflib", args.repeat)
        ok = ox < 5 and rd / ox >= 10
        misses += not ok
        rows.append((name, n, f"{ox:.2f}", f"{rd:.1f}", f"{rd / ox:.0f}x", "yes" if ok else "NO"))
    table(("query", "rows", "oxigraph ms", "rdflib ms", "rdflib/oxigraph", "< 5 ms and >= 10x"), rows)
    print(f"\n{len(rows) - misses} of {len(rows)} queries meet both targets", file=sys.stdout)


if __name__ == "__main__":
    main()
