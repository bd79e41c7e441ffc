"""Build, validate and export times on the shipped graph, in process (imports excluded) and median of N.

usage: python benchmarks/bench_pipeline.py [--repeat N]

Whole-process times of the same verbs (what a user waits for) are in bench_cold.py; validation of
larger graphs is in bench_validate.py.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from _common import header, median, table


def timed(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import rdflib  # noqa: F401 (imported before timing: the steps below are measured without import cost)

    from iimgraph.build.graph import build_graph
    from iimgraph.formats import WRITABLE
    from iimgraph.release.export import serialize
    from iimgraph.release.release import base_graph
    from iimgraph.validate.pipeline import validate

    header(f"Build, validate, export on the shipped graph (in process, median of {args.repeat})")
    graph = build_graph()
    rows = [("build (sources -> rdflib.Graph)", f"{timed(build_graph, args.repeat):.2f}", f"{len(graph):,} triples")]
    rows.append(("validate --no-reason", f"{timed(lambda: validate(reason=False), args.repeat):.2f}", "shapes + QC + ids"))
    rows.append(("validate (with HermiT)", f"{timed(lambda: validate(reason=True), 1):.2f}", "1 run"))
    for fmt in [f.value for f in WRITABLE]:
        rows.append((f"export {fmt}", f"{timed(lambda: serialize(graph, fmt), args.repeat):.2f}", "full product"))  # noqa: B023
    rows.append(("base product", f"{timed(lambda: base_graph(graph), args.repeat):.2f}", ""))
    table(("step", "seconds", "note"), rows)


if __name__ == "__main__":
    main()
