"""``iimgraph serve``: time to the first answer, and ``/run/NAME`` latency under 16 clients, beside anchors.

usage: python benchmarks/bench_serve.py [--starts 5] [--seconds 20] [--clients 16]

- first answer: from starting ``iimgraph serve`` to the first ``200`` of
  ``/run/find-by-xref?xref=OMIM:160750`` (polled every 5 ms), with the caches warm as any earlier
  query leaves them; anchor: a bare script that imports pyoxigraph, bulk-loads the cached N-Triples
  and answers the same query (the floor of any process that answers it). Target: within 1 s.
- under load: ``--clients`` threads, each looping over the packaged queries with their tested
  examples through ``GET /run/NAME`` for ``--seconds``; p50 and p99 of the answers; anchor: the same
  clients against a bare ``http.server.ThreadingHTTPServer`` in its own process that returns a
  fixed JSON body (the floor of HTTP from Python clients on this machine). Target: p50 under 20 ms.

Both sides run in the same minutes; the machine's load is printed in the header.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from _common import ROOT, header, median, table

sys.path.insert(0, str(ROOT))

from bench_anchors import QUERY_ANCHOR, script

from tests.servers import free_port, stop
from tests.test_queries import EXAMPLES

STATIC = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = b'{"head": {"vars": ["disease"]}, "results": {"bindings": []}}'
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *a):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""

PROBE = "/run/find-by-xref?xref=OMIM%3A160750"


def _get(url: str, timeout: float = 30) -> int:
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def _start_serve(port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "iimgraph", "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def first_answer() -> float:
    port = free_port()
    start = time.perf_counter()
    proc = _start_serve(port)
    try:
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}{PROBE}", timeout=10) == 200:
                    return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError):
                pass
            if proc.poll() is not None:
                raise SystemExit("serve exited before answering")
            if time.perf_counter() - start > 60:
                raise SystemExit("serve did not answer within 60 s")
            time.sleep(0.005)
    finally:
        stop(proc)


def _wait(port: int, proc: subprocess.Popen, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(f"http://127.0.0.1:{port}{path}", timeout=10) == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        if proc.poll() is not None:
            raise SystemExit("the server exited")
        time.sleep(0.02)
    raise SystemExit("the server did not come up")


def load(base: str, paths: list[str], clients: int, seconds: float) -> tuple[list[float], int]:
    """Latencies (s) of the 200 answers of ``clients`` threads looping over ``paths``; and the failures."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(k: int) -> None:
        i = k
        mine: list[float] = []
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            try:
                ok = _get(base + path) == 200
            except (urllib.error.URLError, ConnectionError):
                ok = False
            if ok:
                mine.append(time.perf_counter() - t)
            else:
                with lock:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures[0]


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="server starts (and anchor runs), alternated")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load run")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    from iimgraph import __version__
    from iimgraph.build.cache import cache_dir, release_ntriples, release_store, sources_digest
    from iimgraph.query.binding import bind, resolve_params
    from iimgraph.query.catalogue import get_query
    from iimgraph.resources import ontology_dir

    release_ntriples()
    release_store()
    nt = cache_dir() / f"release-{__version__}-{sources_digest(ontology_dir())}.nt"
    query = get_query("find-by-xref")
    header("iimgraph serve against its anchors")
    rows = []
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        bound = Path(tmp) / "q.rq"
        bound.write_text(bind(query.text, resolve_params(query, {"xref": "OMIM:160750"})), encoding="utf-8")
        ours, theirs = [], []
        for _ in range(args.starts):
            theirs.append(script(QUERY_ANCHOR, str(nt), str(bound)))
            ours.append(first_answer())
        rows.append(("first answer of /run/find-by-xref after start", f"{median(ours) * 1000:.0f} ms",
                     "bare pyoxigraph process answers it", f"{median(theirs) * 1000:.0f} ms",
                     f"{median(ours) / median(theirs):.2f}x", "<= 1 s", args.starts))

    paths = [f"/run/{name}?{urllib.parse.urlencode(params)}" for name, params in sorted(EXAMPLES.items())]
    port = free_port()
    proc = _start_serve(port)
    try:
        _wait(port, proc, PROBE)
        for path in paths:  # every query answers before the clock starts
            _get(f"http://127.0.0.1:{port}{path}")
        ours_lat, ours_fail = load(f"http://127.0.0.1:{port}", paths, args.clients, args.seconds)
    finally:
        stop(proc)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", STATIC, str(port)])
    try:
        _wait(port, proc, "/")
        their_lat, their_fail = load(f"http://127.0.0.1:{port}", ["/"], args.clients, args.seconds)
    finally:
        stop(proc)
    rows.append((f"/run/NAME p50, {args.clients} clients ({len(ours_lat)} answers, {ours_fail} failed; "
                 f"p99 {pct(ours_lat, 99):.1f} ms)", f"{pct(ours_lat, 50):.1f} ms",
                 f"bare http.server, fixed body ({len(their_lat)} answers, {their_fail} failed; "
                 f"p99 {pct(their_lat, 99):.1f} ms)", f"{pct(their_lat, 50):.1f} ms",
                 f"{pct(ours_lat, 50) / pct(their_lat, 50):.2f}x", "p50 < 20 ms", f"{args.seconds:.0f} s"))
    table(("iimgraph", "figure", "anchor", "anchor figure", "ratio", "target", "runs"), rows)


if __name__ == "__main__":
    main()
