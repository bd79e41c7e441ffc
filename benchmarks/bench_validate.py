"""How long ``iimgraph validate`` takes: shipped graph with and without reasoning, and a graph 100x larger.

Not a test (timings depend on the machine). Run: ``.venv/bin/python benchmarks/bench_validate.py [--copies 100]
[--synthetic 1e5 [--profile]]``.
The large graph replicates every class, claim, source and mapping axiom of the release graph with
renamed, deterministic IRIs (copy k of MONDO_0019127 becomes another seven-digit MONDO IRI; claim
and source IRIs get a ``-copy-k`` suffix; labels get `` (copy k)``), so it keeps the data contract's
shape. Its identifiers are not in the reference, so it reports many ``unknown_identifier`` errors:
the point is the time, not the verdict.

``--synthetic N`` validates a generated graph of about N triples instead (benchmarks/generate.py,
written as N-Triples in a ``.ttl`` file, which is valid Turtle), printing wall time and peak resident
memory; ``--anchors pyrudof,pyshacl-turbo-store`` runs those engines on the same graph (the release
N-Triples with the generated triples appended) and the project's shapes, alternated with it
(``--repeat N``, medians); ``--profile`` then runs the validation once more in process under
cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import header
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from iimgraph import load_graph
from iimgraph.namespaces import CLAIM, OBO, ONTOLOGY_IRI, SRC, TERM


def run(args: list[str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "from iimgraph.cli import main; main()", "validate", *args],
                          capture_output=True, text=True)
    first = (proc.stdout.splitlines() or [proc.stderr.strip()])[0]
    return time.perf_counter() - start, proc.returncode, first


def replicate(graph: Graph, copies: int) -> Graph:
    """``copies`` renamed copies of every triple except the ontology header (kept once)."""
    header = URIRef(ONTOLOGY_IRI)
    numbered = sorted({str(t) for triple in graph for t in triple
                       if isinstance(t, URIRef) and str(t).startswith((OBO + "MONDO_", OBO + "HP_"))})
    index = {iri: i for i, iri in enumerate(numbered)}
    out = Graph()
    for s, p, o in graph.triples((header, None, None)):
        out.add((s, p, o))

    def rename(term, k):  # type: ignore[no-untyped-def]
        if k == 0:
            return term
        if isinstance(term, BNode):
            return BNode(f"{term}c{k}")
        if isinstance(term, URIRef):
            text = str(term)
            if text in index:
                base = text.rsplit("_", 1)[0]
                return URIRef(f"{base}_{9000000 + k * 10000 + index[text]:07d}")
            if text.startswith((CLAIM, SRC, TERM)):
                return URIRef(f"{text}-copy-{k}")
        return term

    for k in range(copies):
        for s, p, o in graph:
            if s == header:
                continue
            o2 = rename(o, k)
            if k and p == RDFS.label and isinstance(o, Literal):
                o2 = Literal(f"{o} (copy {k})", lang=o.language, datatype=o.datatype)
            out.add((rename(s, k), p, o2))
    return out


def measured(argv: list[str]) -> tuple[float, float, float, int, str]:
    """Wall time, CPU time (user + system), peak resident MB (this child's own, from wait4), exit code and first
    output line of one process."""
    import os

    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        first = (out.read(4096).decode("utf-8", "replace").splitlines() or [""])[0]
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, first


def synthetic(size: int, profile: bool, no_reason_only: bool, anchors: list[str], repeat: int) -> None:
    """``validate --no-reason`` on sources + a generated file, and (``anchors``) the Rust SHACL engines on the same
    graph (the release N-Triples with the generated triples appended) and shapes, alternated, medians."""
    import statistics

    import generate
    from bench_anchors import RUDOF_ANCHOR, TURBO_STORE_ANCHOR

    from iimgraph import __version__
    from iimgraph.build.cache import cache_dir, release_ntriples, sources_digest
    from iimgraph.resources import ontology_dir, shapes_dir

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{size}.ttl"
        written = generate.write(size, path, header=True)
        print(f"generated {written:,} triples")
        release_ntriples()
        joined = Path(tmp) / "joined.nt"
        with joined.open("wb") as out:
            out.write((cache_dir() / f"release-{__version__}-{sources_digest(ontology_dir())}.nt").read_bytes())
            out.write(path.read_bytes())
        cli = [sys.executable, "-c", "from iimgraph.cli import main; main()", "validate"]
        plans = [("iimgraph validate --no-reason", [*cli, str(path), "--no-reason"])]
        scripts = {"pyrudof": RUDOF_ANCHOR, "pyshacl-turbo-store": TURBO_STORE_ANCHOR}
        plans += [(f"{name} (same graph and shapes)", [sys.executable, "-c", scripts[name], str(joined),
                                                        str(shapes_dir())]) for name in anchors]
        figures: dict[str, list[tuple[float, float, float, int, str]]] = {label: [] for label, _ in plans}
        for _ in range(repeat):
            for label, argv in plans:
                figures[label].append(measured(argv))
        for label, runs in figures.items():
            seconds = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = statistics.median(r[2] for r in runs)
            print(f"{size:.0e} generated, {label:<45} {seconds:8.1f} s  CPU {cpu:8.1f} s  {rss:7,.0f} MB peak  exit "
                  f"{','.join(sorted({str(r[3]) for r in runs}))}  | {runs[0][4][:100]}")
        if not no_reason_only:
            seconds, code, first = run([str(path)])
            print(f"{size:.0e} generated, {'with reasoning':<45} {seconds:8.1f} s  exit {code}  | {first[:120]}")
        if profile:
            import cProfile
            import pstats

            from iimgraph.validate.pipeline import validate

            profiler = cProfile.Profile()
            profiler.runcall(validate, [path], reason=False)
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--synthetic", type=float, default=None, help="validate a generated graph of ~N triples")
    parser.add_argument("--profile", action="store_true", help="with --synthetic: cProfile one in-process run")
    parser.add_argument("--no-reason-only", action="store_true", help="with --synthetic: skip the run with reasoning")
    parser.add_argument("--anchors", default="", help="with --synthetic: pyrudof,pyshacl-turbo-store on the same graph "
                        "(pyrudof took 10 GB at 10^6)")
    parser.add_argument("--repeat", type=int, default=1, help="with --synthetic: runs of each, alternated (medians)")
    ns = parser.parse_args()
    header("Validation time (CLI wall clock, process start included)")
    if ns.synthetic:
        synthetic(int(ns.synthetic), ns.profile, ns.no_reason_only, [a for a in ns.anchors.split(",") if a], ns.repeat)
        return
    for label, args in (("shipped graph, with reasoning", []), ("shipped graph, --no-reason", ["--no-reason"])):
        seconds, code, first = run(args)
        print(f"{label:<45} {seconds:8.1f} s  exit {code}  | {first}")
    if ns.skip_large:
        return
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        big = replicate(load_graph(), ns.copies)
        path = Path(tmp) / "large.ttl"
        big.serialize(destination=str(path), format="turtle")
        print(f"generated {len(big):,} triples ({ns.copies} copies) in {time.perf_counter() - start:.1f} s")
        for label, args in ((f"{ns.copies}x graph, --no-reason", ["--no-reason"]), (f"{ns.copies}x graph, with reasoning", [])):
            seconds, code, first = run([str(path), *args])
            print(f"{label:<45} {seconds:8.1f} s  exit {code}  | {first[:120]}")


if __name__ == "__main__":
    main()
