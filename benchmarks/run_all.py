"""Every benchmark in one command; prints Markdown tables (paste them into docs/performance.md).

usage: python benchmarks/run_all.py [--quick]

--quick: fewer repeats, scaling at 10^4 and 10^5 only, validation of a 10^5 generated graph
without reasoning (a few minutes). Without it: the full set, including scaling at 10^6 and
5x10^6 triples (generated under /tmp/iimgraph-bench, several GB of disk and about ten minutes).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        steps = [["bench_anchors.py", "--repeat", "6"], ["bench_cold.py", "--quick"], ["bench_queries.py", "--repeat", "5"],
                 ["bench_pipeline.py", "--repeat", "1"], ["bench_scale.py", "--sizes", "1e4,1e5"],
                 ["bench_validate.py", "--synthetic", "1e5", "--no-reason-only"],
                 ["bench_load.py", "--size", "1e5", "--repeat", "1"],
                 ["bench_companions.py", "--sizes", "1e5", "--repeat", "1"]]
    else:
        steps = [["bench_anchors.py"], ["bench_cold.py"], ["bench_queries.py", "--repeat", "9"], ["bench_pipeline.py"],
                 ["bench_scale.py", "--sizes", "1e4,1e5,1e6,5e6"], ["bench_validate.py", "--synthetic", "1e5"],
                 ["bench_validate.py", "--skip-large"], ["bench_load.py"], ["bench_serve.py"], ["bench_rank_speed.py"],
                 ["bench_cold_phases.py"], ["bench_companions.py"]]
    failed = 0
    for step in steps:
        sys.stdout.flush()
        code = subprocess.call([sys.executable, str(HERE / step[0]), *step[1:]])
        if code:
            print(f"\n{' '.join(step)} exited {code}", file=sys.stderr)
            failed += 1
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
