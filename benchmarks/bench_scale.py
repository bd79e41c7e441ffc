"""Scaling: the IIM graph joined with generated graphs of growing size in the on-disk store.

usage: python benchmarks/bench_scale.py [--sizes 1e4,1e5,1e6,5e6] [--workdir /tmp/iimgraph-bench] [--rdflib-max 1e5]

For each size, a synthetic graph in the data contract's shape (benchmarks/generate.py) is written
as N-Triples under ``--workdir`` (never in the repository; kept between runs), then, each in a
fresh child process so that peak memory (ru_maxrss) belongs to one step:

- load: ``iimgraph.query.store.open_store`` into a new on-disk store (the ``--with`` code path: the default
  graph, plus the IIM graph in its own named graph), triples/s and peak memory;
- reopen: opening that store again (read-only, nothing parsed), then every packaged query over the
  union with parameters that return rows at that size (``generate.example_params``), median of 3;
- for comparison: pyoxigraph's in-memory ``bulk_load`` and (up to ``--rdflib-max``) rdflib's parse.

Targets (issue 7) at 5x10^6: load at least 300,000 triples/s, under 3 GB peak; reopen under 1 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

import generate
from _common import fmt_int, header, median, run_child, table


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def child_load(path: Path, store: Path) -> dict:
    from iimgraph.query.store import open_store

    start = time.perf_counter()
    handle = open_store(store, [path], progress=False, say=lambda m: None)
    seconds = time.perf_counter() - start
    triples = int(next(iter(handle.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value)
    handle.close()
    size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    return {"seconds": seconds, "triples": triples, "peak_mb": peak_mb(), "store_mb": size / 2**20}


def child_query(path: Path, store: Path, size: int, repeat: int, names: list[str]) -> dict:
    start = time.perf_counter()
    from iimgraph.query.catalogue import catalogue
    from iimgraph.query.engines import OxigraphEngine
    from iimgraph.query.run import execute
    from iimgraph.query.store import open_store

    handle = open_store(store, [path], progress=False, say=lambda m: None)
    reopen = time.perf_counter() - start
    assert handle.loaded == [], "the store was reloaded: it should have been reopened"
    engine = OxigraphEngine(store=handle)
    from tests.test_queries import EXAMPLES

    # the generated graph's parameters; a query added since takes the one its test runs it with
    params = {**EXAMPLES, **generate.example_params(size)}
    queries = {}
    for name in names or catalogue():
        times, rows = [], 0
        for _ in range(repeat):
            t = time.perf_counter()
            rows = len(execute(name, params[name], engine=engine).rows)
            times.append(time.perf_counter() - t)
        queries[name] = {"ms": median(times) * 1000, "rows": rows}
    return {"reopen_s": reopen, "peak_mb": peak_mb(), "queries": queries}


def child_memory(path: Path) -> dict:
    import pyoxigraph as ox

    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "triples": len(store), "peak_mb": peak_mb()}


def child_rdflib(path: Path) -> dict:
    from rdflib import Graph

    start = time.perf_counter()
    graph = Graph()
    graph.parse(str(path), format="nt")
    return {"seconds": time.perf_counter() - start, "triples": len(graph), "peak_mb": peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6,5e6")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iimgraph-bench"))
    parser.add_argument("--rdflib-max", type=float, default=1e5, help="largest size parsed with rdflib too")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep-stores", action="store_true")
    parser.add_argument("--queries", default="", help="comma-separated packaged queries to time (default: all)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "load":
            out = child_load(Path(rest[0]), Path(rest[1]))
        elif kind == "query":
            out = child_query(Path(rest[0]), Path(rest[1]), int(float(rest[2])), int(rest[3]),
                              [n for n in rest[4].split(",") if n])
        elif kind == "memory":
            out = child_memory(Path(rest[0]))
        else:
            out = child_rdflib(Path(rest[0]))
        print(json.dumps(out))
        return

    sizes = [int(float(s)) for s in args.sizes.split(",")]
    args.workdir.mkdir(parents=True, exist_ok=True)
    header(f"Scaling: generated graphs of {', '.join(f'{s:.0e}' for s in sizes)} triples with the IIM graph")
    loads, query_table = [], {}
    for size in sizes:
        path = args.workdir / f"synthetic-{size}.nt"
        if not path.exists():
            t = time.perf_counter()
            generate.write(size, path)
            print(f"generated {path} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        store = args.workdir / f"store-{size}"
        shutil.rmtree(store, ignore_errors=True)
        load = run_child(__file__, "load", str(path), str(store))
        query = run_child(__file__, "query", str(path), str(store), str(size), str(args.repeat), args.queries)
        memory = run_child(__file__, "memory", str(path))
        rd = run_child(__file__, "rdflib", str(path)) if size <= args.rdflib_max else None
        n = load["triples"]
        loads.append((
            f"{n:,}", f"{path.stat().st_size / 2**20:,.0f}",
            f"{load['seconds']:.1f}", fmt_int(n / load["seconds"]), f"{load['peak_mb']:,.0f}",
            f"{load['store_mb']:,.0f}", f"{query['reopen_s']:.2f}", f"{query['peak_mb']:,.0f}",
            fmt_int(memory["triples"] / memory["seconds"]), f"{memory['peak_mb']:,.0f}",
            fmt_int(rd["triples"] / rd["seconds"]) if rd else "-", f"{rd['peak_mb']:,.0f}" if rd else "-"))
        query_table[size] = query["queries"]
        if not args.keep_stores:
            shutil.rmtree(store, ignore_errors=True)
        print(f"size {size:.0e} done", file=sys.stderr)
    table(("triples", "file MB", "store load s", "store triples/s", "load peak MB", "store MB",
           "reopen s", "reopen+queries peak MB", "in-memory triples/s", "in-memory peak MB",
           "rdflib triples/s", "rdflib peak MB"), loads)
    print(f"\nPackaged queries over the union (IIM + generated), median of {args.repeat} runs, ms (rows):\n")
    names = list(next(iter(query_table.values())))
    table(("query", *(f"{s:.0e}" for s in sizes)),
          [(name, *(f"{query_table[s][name]['ms']:.1f} ({query_table[s][name]['rows']:,})" for s in sizes))
           for name in names])


if __name__ == "__main__":
    main()
