"""How long ``iimgraph validate`` takes: shipped graph with and without reasoning, and a graph 100x larger.

Not a test (timings depend on the machine). Run: ``.venv/bin/python benchmarks/bench_validate.py [--copies 100]
[--synthetic 1e5 [--profile]]``.
The large graph replicates every class, claim, source and mapping axiom of the release graph with
renamed, deterministic IRIs (copy k of MONDO_0019127 becomes another seven-digit MONDO IRI; claim
and source IRIs get a ``-copy-k`` suffix; labels get `` (copy k)``), so it keeps the data contract's
shape. Its identifiers are not in the reference, so it reports many ``unknown_identifier`` errors:
the point is the time, not the verdict.

``--synthetic N`` validates a generated graph of about N triples instead (benchmarks/generate.py,
written as N-Triples in a ``.ttl`` file, which is valid Turtle); ``--profile`` then runs the
validation once more in process under cProfile and prints where the time goes.
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


def synthetic(size: int, profile: bool, no_reason_only: bool) -> None:
    import generate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{size}.ttl"
        written = generate.write(size, path, header=True)
        print(f"generated {written:,} triples")
        runs = [("--no-reason", ["--no-reason"])] + ([] if no_reason_only else [("with reasoning", [])])
        for label, args in runs:
            seconds, code, first = run([str(path), *args])
            print(f"{size:.0e} generated, {label:<30} {seconds:8.1f} s  exit {code}  | {first[:120]}")
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
    ns = parser.parse_args()
    header("Validation time (CLI wall clock, process start included)")
    if ns.synthetic:
        synthetic(int(ns.synthetic), ns.profile, ns.no_reason_only)
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
