"""The IIM graph joined with whole ontologies (``--with mondo-like.ttl --with hp-like.ttl``): load and queries.

usage: python benchmarks/bench_companions.py [--sizes 1e6,5e6] [--repeat 2] [--query-repeat 5]
       [--workdir /tmp/iimgraph-bench] [--queries NAME,...] [--timeout 60] [--reuse-store] [--rebuild-index]

For each size, two companions shaped like whole ontologies (``generate_ontologies.py``: a MONDO-shaped
and an HP-shaped Turtle file, about ``size`` triples together) are written under ``--workdir`` (never
in the repository; kept between runs). Then, alternated ``--repeat`` times, each a whole process into
a fresh store folder on the same disk:

- **iimgraph**: ``iimgraph query ancestors ... --with M --with H --store DIR``, the first run a user
  makes (start, load the IIM graph and both companions, answer); the compaction it then starts in the
  background is waited for (and its seconds printed) before the next process, outside the timing;
- **oxigraph load**: the engine's command-line bulk loader, ``oxigraph load --location DIR --file M H``
  (both files in parallel, into the default graph);
- **pyoxigraph bulk_load**: ``Store(DIR).bulk_load(path=M)``, then ``H``, into the default graph, the
  engine's own bulk load through its Python API;
- **pyoxigraph bulk_load, named graphs**: the same into one named graph per file (for reference).

The rate is the companions' triples (the manifest's counts) over each process's wall time. Then every
packaged query, with the parameters its test runs it with (``tests/test_queries.py`` ``EXAMPLES``),
over the store iimgraph loaded (reopened in a fresh process), after its text index for ``search`` is read
or built (timed; ``--rebuild-index`` removes it first): the first run in a worker under
``--timeout``, then the median of ``--query-repeat`` runs in process, and its rows. Target (issue 30):
load rate >= the engine's own; each query under 50 ms at 5x10^6 unless its answer grows with the data.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import generate_ontologies
from _common import fmt_int, header, median, run_child, table

KINDS = ("iimgraph", "oxigraph load", "pyoxigraph bulk_load", "pyoxigraph bulk_load to named graphs")
FIRST_QUERY = ("query", "ancestors", "-p", "disease=MONDO:1010064", "--format", "tsv")


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _bulk_load_script(files: list[Path], folder: Path, named: bool) -> str:
    graph = "ox.NamedNode(Path(f).as_uri())" if named else "ox.DefaultGraph()"
    return ("import pyoxigraph as ox\nfrom pathlib import Path\n"
            f"store = ox.Store({str(folder)!r})\n"
            f"for f in {[str(f) for f in files]!r}:\n"
            f"    store.bulk_load(path=f, format=ox.RdfFormat.TURTLE, to_graph={graph})\n"
            "store.flush()\n")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_once(kind: str, files: list[Path], folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, every thread) of one whole process loading ``files`` into a
    fresh store at ``folder``: on a shared machine the CPU seconds move less than the wall time."""
    shutil.rmtree(folder, ignore_errors=True)
    if kind == "iimgraph":
        command = [sys.executable, "-m", "iimgraph", *FIRST_QUERY, "--store", str(folder),
                   *(a for f in files for a in ("--with", str(f)))]
    elif kind == "oxigraph load":
        command = [_bin("oxigraph"), "load", "--location", str(folder), "--file", *map(str, files)]
    else:
        command = [sys.executable, "-c", _bulk_load_script(files, folder, named=kind.endswith("named graphs"))]
    cpu, start = _cpu(), time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    if proc.returncode:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-2000:]}")
    return seconds, cpu


def wait_for_store(folder: Path) -> float:
    """Seconds until no process holds the store at ``folder``: after a load of large companions, the
    compaction iimgraph runs in the background once it has answered (``query/store.py``). Waited for after
    each load, so that it never runs beside the next measurement."""
    import fcntl

    start = time.perf_counter()
    with open(folder / ".lock", "rb") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
    return time.perf_counter() - start


def child_queries(store: Path, files: list[Path], repeat: int, names: list[str], timeout: float,
                  rebuild_index: bool = False) -> dict:
    """Every packaged query on the joined store, alternated with the same query on a store holding the
    IIM graph alone (same layout, same disk: the anchor that shows what the companions add). First the
    store's text index (``search``): read, or built when there is none (``rebuild_index``: removed first,
    so that its build is timed)."""
    from iimgraph.query import text_index
    from iimgraph.query.catalogue import catalogue
    from iimgraph.query.engines import OxigraphEngine
    from iimgraph.query.run import execute
    from iimgraph.query.store import open_store
    from tests.test_queries import EXAMPLES

    start = time.perf_counter()
    handle = open_store(store, files)
    reopen = time.perf_counter() - start
    assert handle.loaded == [], "the store was reloaded: it should have been reopened"
    engines = {"joined": OxigraphEngine(store=handle),
               "alone": OxigraphEngine(store=open_store(store.with_name("iim-alone-store")))}
    triples = int(next(iter(handle.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value)
    index_file = store / text_index.FILE
    if rebuild_index:
        index_file.unlink(missing_ok=True)
    built = not index_file.exists()
    t = time.perf_counter()
    engines["joined"]._text_index()
    index = {"s": time.perf_counter() - t, "built": built, "mb": index_file.stat().st_size / 2**20}
    out: dict[str, dict] = {}
    for name in names or sorted(catalogue()):
        params = EXAMPLES[name]
        t = time.perf_counter()
        try:
            execute(name, params, engine=engines["joined"], timeout=timeout)  # the first run, under a deadline
        except Exception as exc:  # a timeout: reported, not repeated
            out[name] = {"ms": None, "rows": None, "error": f"{type(exc).__name__}: {exc}"[:120],
                         "first_ms": (time.perf_counter() - t) * 1000}
            continue
        first = (time.perf_counter() - t) * 1000
        times: dict[str, list[float]] = {"joined": [], "alone": []}
        counts = {}
        for _ in range(repeat):
            for which, engine in engines.items():
                t = time.perf_counter()
                counts[which] = len(execute(name, params, engine=engine).rows)
                times[which].append(time.perf_counter() - t)
        out[name] = {"ms": median(times["joined"]) * 1000, "rows": counts["joined"], "first_ms": first,
                     "alone_ms": median(times["alone"]) * 1000, "alone_rows": counts["alone"]}
    return {"reopen_s": reopen, "companion_triples": triples, "text_index": index,
            "iim_triples": handle.manifest["iim"]["triples"], "queries": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,5e6")
    parser.add_argument("--repeat", type=int, default=2, help="alternated load rounds")
    parser.add_argument("--query-repeat", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iimgraph-bench"))
    parser.add_argument("--queries", default="", help="comma-separated packaged queries (default: all)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="which loads to time (comma-separated)")
    parser.add_argument("--reuse-store", action="store_true",
                        help="time no load: query the store a previous run left (loading it only if it is not there)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed a query's first run")
    parser.add_argument("--rebuild-index", action="store_true",
                        help="remove the store's text index first, so that its build (on the first search) is timed")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        store, files, repeat, names, timeout, rebuild = args.child
        print(json.dumps(child_queries(Path(store), [Path(f) for f in files.split(",")], int(repeat),
                                       [n for n in names.split(",") if n], float(timeout), rebuild == "1")))
        return

    from iimgraph.build.cache import release_ntriples

    sizes = [int(float(s)) for s in args.sizes.split(",")]
    kinds = [] if args.reuse_store else [k for k in args.kinds.split(",") if k]
    header(f"IIM graph + generated whole-ontology companions of {', '.join(f'{s:.0e}' for s in sizes)} triples, on disk")
    loads, results = [], {}
    for size in sizes:
        folder = args.workdir / f"ontologies-{size}"
        files = [folder / "mondo-like.ttl", folder / "hp-like.ttl"]
        if not all(f.exists() for f in files):
            t = time.perf_counter()
            generate_ontologies.write(size, folder, release_ntriples())
            print(f"generated {folder} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        store = args.workdir / f"companions-store-{size}"
        anchor_store = store.with_name(store.name + "-anchor")
        seconds: dict[str, list[float]] = {k: [] for k in kinds}
        cpus: dict[str, list[float]] = {k: [] for k in kinds}
        for r in range(args.repeat):
            for kind in kinds:
                wall, cpu = load_once(kind, files, store if kind == "iimgraph" else anchor_store)
                seconds[kind].append(wall)
                cpus[kind].append(cpu)
                after = f"; then compaction in the background {wait_for_store(store):.1f} s" if kind == "iimgraph" else ""
                print(f"size {size:.0e} round {r + 1} {kind}: {wall:.1f} s (CPU {cpu:.1f} s){after}", file=sys.stderr)
        shutil.rmtree(anchor_store, ignore_errors=True)
        if "iimgraph" not in kinds and not (args.reuse_store and (store / "manifest.json").is_file()):
            load_once("iimgraph", files, store)
            print(f"size {size:.0e}: compaction in the background {wait_for_store(store):.1f} s", file=sys.stderr)
        result = run_child(__file__, str(store), ",".join(map(str, files)), str(args.query_repeat), args.queries,
                           str(args.timeout), "1" if args.rebuild_index else "0")
        results[size] = result
        n = result["companion_triples"]
        print(f"size {size:.0e}: queries done", file=sys.stderr)
        anchor = "pyoxigraph bulk_load"
        mb = sum(f.stat().st_size for f in files) / 2**20
        for kind, values in seconds.items():
            m, cpu = median(values), median(cpus[kind])
            loads.append((f"{size:.0e}", f"{n:,}", f"{mb:,.0f}", kind, " / ".join(f"{v:.1f}" for v in values),
                          fmt_int(n / m), f"{median(seconds[anchor]) / m:.2f}x" if anchor in seconds else "-",
                          f"{cpu:.1f}", f"{median(cpus[anchor]) / cpu:.2f}x" if anchor in cpus else "-"))
    print("\nLoad (whole processes, alternated; rate = companion triples / median wall time):\n")
    table(("size", "companion triples", "Turtle MB", "load", "s (each round)", "triples/s",
           "speed vs pyoxigraph bulk_load", "CPU s", "CPU speed vs pyoxigraph bulk_load"), loads)
    for size, result in results.items():
        index = result["text_index"]
        print(f"\nsize {size:.0e}: reopen {result['reopen_s']:.2f} s; IIM graph {result['iim_triples']:,} triples; "
              f"text index {'built' if index['built'] else 'read'} in {index['s']:.2f} s ({index['mb']:,.1f} MB)")
    print(f"\nPackaged queries (tested examples), median of {args.query_repeat} in process, ms (rows):\n")
    names = list(next(iter(results.values()))["queries"])

    def cell(q: dict) -> str:
        return f"{q['ms']:.1f} ({q['rows']:,})" if q["ms"] is not None else f"over {q['first_ms'] / 1000:.0f} s"

    def alone(q: dict) -> str:
        return f"{q['alone_ms']:.1f} ({q['alone_rows']:,})" if q["ms"] is not None else "-"

    def ratio(q: dict) -> str:
        return f"{q['ms'] / q['alone_ms']:.1f}x" if q["ms"] is not None else "-"

    print("(beside each size: the same query on a store of the IIM graph alone, alternated in the same process)\n")
    print(f"(load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())})\n")
    table(("query", *(c for s in sizes for c in (f"{s:.0e}", "IIM graph alone", "ratio"))),
          [(name, *(c for s in sizes for c in (cell(results[s]["queries"][name]), alone(results[s]["queries"][name]),
                                                ratio(results[s]["queries"][name])))) for name in names])


if __name__ == "__main__":
    main()
