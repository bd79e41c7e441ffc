"""Cold start: wall time of a whole ``iimgraph`` process per verb (median of N fresh processes).

usage: python benchmarks/bench_cold.py [--repeat N] [--quick]

The N-Triples cache of the release graph is warmed first, as any earlier query leaves it; the
store row opens an on-disk store loaded beforehand. Target (issue 7): ``query find-by-xref`` under
0.5 s, with no rdflib, pyshacl or owlready2 import (the tests check the imports).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import cli, header, median, table

VERBS: list[tuple[str, list[str]]] = [
    ("--version", ["--version"]),
    ("queries", ["queries"]),
    ("query find-by-xref", ["query", "find-by-xref", "-p", "xref=OMIM:160750"]),
    ("query phenotypes (json)", ["query", "phenotypes", "-p", "disease=MONDO:0019127", "--format", "json"]),
    ("sparql COUNT", ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]),
    ("query find-by-xref --store (warm)", ["query", "find-by-xref", "-p", "xref=OMIM:160750", "--store", "{store}"]),
    ("info", ["info"]),
    ("build --format nt", ["build", "--format", "nt", "--out", "{tmp}/out.nt"]),
    ("export --format ttl", ["export", "--format", "ttl", "--out", "{tmp}/out.ttl"]),
    ("validate --no-reason", ["validate", "--no-reason"]),
    ("validate", ["validate"]),
]
SLOW = {"info", "build --format nt", "export --format ttl", "validate --no-reason", "validate"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 runs of the query verbs, 1 of the slow ones")
    args = parser.parse_args()
    repeat = 3 if args.quick else args.repeat
    header("Cold start: whole-process wall time per verb")
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        cli(["query", "find-by-xref", "-p", "xref=OMIM:160750"])  # warm the N-Triples cache
        cli(["query", "find-by-xref", "-p", "xref=OMIM:160750", "--store", str(store)])  # create the store
        rows = []
        for label, argv in VERBS:
            argv = [a.replace("{store}", str(store)).replace("{tmp}", tmp) for a in argv]
            n = 1 if (args.quick and label in SLOW) else (max(1, repeat // 3) if label in SLOW else repeat)
            times, codes = [], set()
            for _ in range(n):
                seconds, code, _, _ = cli(argv)
                times.append(seconds)
                codes.add(code)
            rows.append((label, n, f"{median(times):.3f}", f"{min(times):.3f}", ",".join(map(str, sorted(codes)))))
        table(("verb", "runs", "median s", "min s", "exit"), rows)


if __name__ == "__main__":
    main()
