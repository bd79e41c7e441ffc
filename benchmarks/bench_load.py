"""Store load: ``open_store`` (the ``--with`` path) beside bare pyoxigraph writing the same file to disk.

usage: python benchmarks/bench_load.py [--size 1e6] [--repeat 2] [--workdir /tmp/iimgraph-bench]

Each load runs in a fresh process into a fresh on-disk store, alternated with its anchors:
bare ``Store(path).bulk_load(path=...)`` into the default graph (the engine's own on-disk load, where
companions go) and into a named graph (where they went before, for reference). The generated N-Triples file is
``benchmarks/generate.py``'s, kept under ``--workdir`` between runs. Target (issue 17): 300,000 triples/s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import generate
from _common import fmt_int, header, median, run_child, table

KINDS = ("open_store", "bare, named graph", "bare, default graph")


def child(kind: str, path: Path, folder: Path) -> dict:
    import pyoxigraph as ox

    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    if kind == "open_store":
        from iimgraph.query.store import open_store

        handle = open_store(folder, [path])
        seconds = time.perf_counter() - start
        store = handle.store
    else:
        store = ox.Store(str(folder))
        graph = ox.NamedNode(path.as_uri()) if kind == "bare, named graph" else ox.DefaultGraph()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        store.flush()
        seconds = time.perf_counter() - start
    # the file's triples (the IIM graph left out), counted after the clock stopped
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }" if kind == "open_store" else \
        "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    triples = int(next(iter(store.query(query)))[0].value)
    del store
    shutil.rmtree(folder, ignore_errors=True)
    return {"seconds": seconds, "triples": triples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e6)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iimgraph-bench"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, folder = args.child
        print(json.dumps(child(kind, Path(path), Path(folder))))
        return
    size = int(args.size)
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"synthetic-{size}.nt"
    if not path.exists():
        generate.write(size, path)
    header(f"Store load of {size:.0e} generated triples, on disk, fresh store each run")
    runs: dict[str, list[dict]] = {k: [] for k in KINDS}
    for _ in range(args.repeat):
        for kind in KINDS:
            runs[kind].append(run_child(__file__, kind, str(path), str(args.workdir / "load-store")))
    seconds = {kind: median([r["seconds"] for r in rs]) for kind, rs in runs.items()}
    floor = seconds["bare, default graph"]
    table(("load", "median s", "triples/s", "speed vs bare default graph"),
          [(kind, f"{seconds[kind]:.2f}", fmt_int(rs[0]["triples"] / seconds[kind]), f"{floor / seconds[kind]:.2f}x")
           for kind, rs in runs.items()])


if __name__ == "__main__":
    main()
