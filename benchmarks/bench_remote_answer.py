"""Memory and time of reading a remote endpoint's SPARQL JSON answer: the streamed, checked reader
(``iimgraph.query.results.read_sparql_json``) beside ``json.loads`` of the same bytes (the anchor,
measured in the same run) and beside ``json.loads`` followed by the same conversion to rows (what a
reader that parses the whole answer first costs: the tree and the rows are both held).

usage: python benchmarks/bench_remote_answer.py [--mb 64] [--vars 3]

Each figure comes from a fresh child process (peak RSS is per process): the answer is generated in
memory in the child, its RSS noted, then read; the table shows the growth of the peak over that base.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _common import ROOT, header, table

CHILD = r"""
import json, resource, sys, time
mb, nvars, how = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
names = [f"v{i}" for i in range(nvars)]
def cell(i, j):
    return {"type": "uri", "value": f"http://purl.obolibrary.org/obo/MONDO_{(i * nvars + j) % 10_000_000:07d}"}
rows, size, i = [], 0, 0
while size < mb * 1024 * 1024:
    row = json.dumps({v: cell(i, j) for j, v in enumerate(names)}).encode()
    rows.append(row)
    size += len(row) + 1
    i += 1
body = b'{"head": {"vars": ' + json.dumps(names).encode() + b'}, "results": {"bindings": [' + b",".join(rows) + b"]}}"
del rows
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
if how == "stream":
    from iimgraph.query.results import read_sparql_json
    n = len(read_sparql_json(body).rows)
elif how == "loads+rows":
    from iimgraph.query.results import json_term
    data = json.loads(body)
    n = len([{v: json_term(b.get(v)) for v in names} for b in data["results"]["bindings"]])
else:
    n = len(json.loads(body)["results"]["bindings"])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": n, "bytes": len(body), "seconds": seconds, "growth_mb": peak - base}))
"""


def measure(mb: float, nvars: int, how: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(mb), str(nvars), how], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=64.0, help="answer size in MB (default: the cap, 64)")
    parser.add_argument("--vars", type=int, default=3)
    args = parser.parse_args()
    header(f"Reading a {args.mb:g} MB SPARQL JSON answer ({args.vars} variables, IRIs)")
    rows = []
    for how, label in (("loads", "json.loads (anchor: a tree, no rows, no checks)"),
                       ("loads+rows", "json.loads, then rows (the whole tree held while converting)"),
                       ("stream", "read_sparql_json (streamed, checked rows)")):
        m = measure(args.mb, args.vars, how)
        rows.append([label, f"{m['rows']:,}", f"{m['bytes'] / 1e6:.1f}", f"{m['seconds']:.2f}", f"{m['growth_mb']:.0f}"])
    table(["reader", "rows", "MB", "seconds", "peak growth MB"], rows)


if __name__ == "__main__":
    main()
