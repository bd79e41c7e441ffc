"""Median time of each packaged query on the embedded engines (oxigraph, rdflib) and their ratio.

usage: python benchmarks/bench_queries.py [--repeat N]

Engines are loaded once, before timing; each query is run once to warm up, then N times.
The parameters are the real questions the tests ask (tests/test_queries.py EXAMPLES).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from iimgraph.engines import get_engine  # noqa: E402
from iimgraph.queries import catalogue, execute  # noqa: E402
from tests.test_queries import EXAMPLES  # noqa: E402


def median_ms(name: str, engine: str, repeat: int) -> tuple[float, int]:
    rows = len(execute(name, EXAMPLES.get(name, {}), engine=engine).rows)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        execute(name, EXAMPLES.get(name, {}), engine=engine)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for engine in ("oxigraph", "rdflib"):
        start = time.perf_counter()
        get_engine(engine)
        print(f"load {engine}: {(time.perf_counter() - start) * 1000:.0f} ms", file=sys.stderr)
    print("| query | rows | oxigraph ms | rdflib ms | rdflib/oxigraph |")
    print("|---|---:|---:|---:|---:|")
    for name in catalogue():
        ox, rows = median_ms(name, "oxigraph", args.repeat)
        rd, _ = median_ms(name, "rdflib", args.repeat)
        print(f"| {name} | {rows} | {ox:.2f} | {rd:.1f} | {rd / ox:.0f}x |")


if __name__ == "__main__":
    main()
