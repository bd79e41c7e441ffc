"""publish beside a raw Graph Store Protocol PUT of the same N-Triples (the anchor, in the same run),
on real stores started here on 127.0.0.1: the Oxigraph server (PyPI ``oxigraph``) and, when installed,
Debian's Virtuoso.

usage: python benchmarks/bench_publish.py [--repeat 3] [--stores oxigraph,virtuoso]

Each publish replaces a target that already holds the release (the usual case: a new release over the
previous one); the PUT replaces another named graph holding it too. publish does more than the PUT on
purpose (a staging graph, counts, one guarded replacement, the drop of staging, the cleanup of earlier
runs' staging graphs); the table shows what that costs.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from _common import header, median, table

from iimgraph.build.cache import release_ntriples
from iimgraph.query.http import request
from iimgraph.release.publish import ANSWER_KEPT, graph_store_url, publish
from tests.servers import free_port, oxigraph_binary, start_virtuoso, stop, virtuoso_binary, wait_until_up

TARGET = "https://w3id.org/iimgraph/bench/target"
RAW = "https://w3id.org/iimgraph/bench/raw"


def raw_put(store_url: str, data: bytes) -> float:
    start = time.perf_counter()
    request("PUT", graph_store_url(store_url, RAW), data=data, timeout=600, what="PUT",
            headers={"Content-Type": "application/n-triples"}, max_bytes=ANSWER_KEPT, truncate=True)
    return time.perf_counter() - start


def timed_publish(store_url: str, query_url: str, update_url: str, data: bytes) -> float:
    start = time.perf_counter()
    publish(store_url, graph=TARGET, query_url=query_url, update_url=update_url, ntriples=data, timeout=600)
    return time.perf_counter() - start


def measure(name: str, store_url: str, query_url: str, update_url: str, data: bytes, repeat: int) -> list[object]:
    raw_put(store_url, data)  # both graphs hold the release before the timed runs
    timed_publish(store_url, query_url, update_url, data)
    puts, pubs = [], []
    for _ in range(repeat):  # interleaved, so that a change of load hits both
        puts.append(raw_put(store_url, data))
        pubs.append(timed_publish(store_url, query_url, update_url, data))
    return [name, f"{median(puts):.2f}", f"{median(pubs):.2f}", f"{median(pubs) / median(puts):.1f}x"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stores", default="oxigraph,virtuoso")
    args = parser.parse_args()
    data = release_ntriples()
    header(f"publish vs raw GSP PUT of the release ({len(data) / 1e6:.1f} MB N-Triples), median of {args.repeat}")
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        stores = args.stores.split(",")
        binary = oxigraph_binary()
        if "oxigraph" in stores and binary:
            port = free_port()
            proc = subprocess.Popen([binary, "serve", "--location", str(Path(tmp) / "ox"), "--bind", f"127.0.0.1:{port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            try:
                wait_until_up(proc, base + "/query?query=ASK%7B%7D", seconds=10, what="oxigraph")
                rows.append(measure("oxigraph server", base + "/store", base + "/query", base + "/update", data, args.repeat))
            finally:
                stop(proc)
        if "virtuoso" in stores and virtuoso_binary():
            folder = Path(tmp) / "virtuoso"
            folder.mkdir()
            vproc, vbase, _ = start_virtuoso(folder)
            try:
                rows.append(measure("virtuoso", vbase + "/sparql-graph-crud", vbase + "/sparql", vbase + "/sparql",
                                    data, args.repeat))
            finally:
                stop(vproc)
    table(["store", "raw PUT (s)", "publish (s)", "publish / PUT"], rows)


if __name__ == "__main__":
    main()
