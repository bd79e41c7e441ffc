"""iimgraph's whole-process times beside the floor each should approach, measured in the same run.

usage: python benchmarks/bench_anchors.py [--repeat N] [--only query,build,validate]

Each row runs the iimgraph verb and its anchor alternately (so both see the same machine load) and
prints both medians and their ratio (issue 17's targets are ratios):

- ``query find-by-xref -p xref=OMIM:160750`` vs a bare script that imports pyoxigraph, bulk-loads
  the cached N-Triples of the release graph into a fresh in-memory store and runs the same bound
  query, printing the rows (target: <= 1.5x);
- ``build --format nt`` vs rdflib parsing the same Turtle sources into one graph (target: <= 2x);
- ``validate --no-reason`` vs pyshacl alone on the same release graph (parsed from the cached
  N-Triples) with the same shapes and options (target: <= 0.25x).

The caches (release N-Triples, prebuilt store, source digest) are warmed first, as any earlier
query leaves them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, cli, header, median, table

QUERY_ANCHOR = """
import sys
import pyoxigraph as ox
store = ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
for row in store.query(open(sys.argv[2], encoding="utf-8").read()):
    print(*row)
"""

BUILD_ANCHOR = """
import sys
from pathlib import Path
import rdflib
graph = rdflib.Graph()
for path in sorted(Path(sys.argv[1]).rglob("*.ttl")):
    graph.parse(path, format="turtle")
print(len(graph))
"""

VALIDATE_ANCHOR = """
import sys
from pathlib import Path
import pyshacl
import rdflib
data = rdflib.Graph().parse(sys.argv[1], format="nt")
shapes = rdflib.Graph()
for path in sorted(Path(sys.argv[2]).glob("*.ttl")):
    shapes.parse(path, format="turtle")
conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                  allow_warnings=True, abort_on_first=False)
print(conforms)
"""


def script(text: str, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", text, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"anchor failed: {proc.stderr.strip()[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs of each side (the slow rows: a third of it, at least 2)")
    parser.add_argument("--only", default="query,build,validate")
    args = parser.parse_args()
    only = set(args.only.split(","))

    from iimgraph.build.cache import release_ntriples, release_store
    from iimgraph.query.binding import bind, resolve_params
    from iimgraph.query.catalogue import get_query
    from iimgraph.resources import ontology_dir, shapes_dir

    release_ntriples()
    release_store()
    cli(["query", "find-by-xref", "-p", "xref=OMIM:160750"])  # warms the digest memo too
    from iimgraph import __version__
    from iimgraph.build.cache import cache_dir, sources_digest

    nt = cache_dir() / f"release-{__version__}-{sources_digest(ontology_dir())}.nt"
    query = get_query("find-by-xref")
    header("iimgraph against its anchors (whole processes, alternated, medians)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bound = Path(tmp) / "q.rq"
        bound.write_text(bind(query.text, resolve_params(query, {"xref": "OMIM:160750"})), encoding="utf-8")
        plan = [
            ("query", "query find-by-xref -p xref=OMIM:160750", ["query", "find-by-xref", "-p", "xref=OMIM:160750"],
             "bare pyoxigraph: load cached N-Triples, run the query", (QUERY_ANCHOR, str(nt), str(bound)), "<= 1.5x",
             args.repeat),
            ("build", "build --format nt", ["build", "--format", "nt", "--out", f"{tmp}/out.nt"],
             "rdflib parses the Turtle sources", (BUILD_ANCHOR, str(ontology_dir())), "<= 2x", max(2, args.repeat // 3)),
            ("validate", "validate --no-reason", ["validate", "--no-reason"],
             "pyshacl alone, same graph and shapes", (VALIDATE_ANCHOR, str(nt), str(shapes_dir())), "<= 0.25x",
             max(2, args.repeat // 3)),
        ]
        for key, label, argv, anchor_label, anchor, target, n in plan:
            if key not in only:
                continue
            ours, theirs, codes = [], [], set()
            for _ in range(n):
                theirs.append(script(*anchor))
                seconds, code, _, _ = cli(argv)
                ours.append(seconds)
                codes.add(code)
            ratio = median(ours) / median(theirs)
            rows.append((label, f"{median(ours):.3f}", anchor_label, f"{median(theirs):.3f}", f"{ratio:.2f}x", target,
                         n, ",".join(map(str, sorted(codes)))))
            print(f"  {label}: {median(ours):.3f} s vs {median(theirs):.3f} s ({ratio:.2f}x)", file=sys.stderr)
    table(("iimgraph", "median s", "anchor", "anchor median s", "ratio", "target", "runs", "exit"), rows)
    print(f"\n(sources: {ROOT / 'ontology'})")


if __name__ == "__main__":
    main()
