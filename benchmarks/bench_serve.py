"""``iimgraph serve``: time to the first answer, and ``/run/NAME`` latency under 16 clients, beside anchors.

usage: python benchmarks/bench_serve.py [--starts 5] [--seconds 20] [--clients 16] [--rounds 1] [--per-query N]

- first answer: from starting ``iimgraph serve`` to the first ``200`` of
  ``/run/find-by-xref?xref=OMIM:160750`` (polled every 5 ms), with the caches warm as any earlier
  query leaves them; anchor: a bare script that imports pyoxigraph, bulk-loads the cached N-Triples
  and answers the same query (the floor of any process that answers it). Target: within 1 s.
- under load: ``--clients`` threads, each looping over the packaged queries with their tested
  examples through ``GET /run/NAME`` for ``--seconds``; requests per second, p50 and p99 of the
  answers, with serve's guards (timeouts, row caps) as shipped; twice: with the answer cache as
  shipped (after the warm-up pass every answer is a hit: the figure of HTTP and the cache) and with
  it off (``--answer-cache-mb 0``: every answer written by a query worker, the figure of the query
  path). Anchors, with the same clients:
  **Oxigraph's own server** (the ``oxigraph`` PyPI package) with the same release (the cached
  N-Triples), answering the same queries bound with the same examples through ``GET /query``, in
  both of its set-ups: ``serve-read-only`` on an on-disk store (``oxigraph load``) and ``serve`` on
  its in-memory store (the release POSTed to ``/store?default`` first; what iimgraph serve holds)
  (target: at least its throughput); and a bare
  ``http.server.ThreadingHTTPServer`` that returns a fixed JSON body (the floor of HTTP from Python
  clients on this machine; target p50 under 20 ms). The servers run one after the other,
  ``--rounds`` times, every other round in the reverse order (a load that drifts favours none);
  medians over the rounds. Under the table: the CPU per answer of each server (its process and
  its workers, from ``/proc``), steadier than requests per second on a machine others load too.
- ``--per-query N``: then each packaged query alone, one client, N times alternated between
  ``iimgraph serve`` (answer cache off) and the Oxigraph server (both up at once); the median per
  query, to name the queries that make the latency under load.

Both sides run in the same minutes; the machine's load is printed in the header.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from _common import ROOT, header, median, table

sys.path.insert(0, str(ROOT))

from bench_anchors import QUERY_ANCHOR, script

from tests.servers import free_port, oxigraph_binary, stop
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
    """The status of GET ``url``; a URL over 4 kB goes as a POST of the same form instead (the SPARQL protocol
    allows either; Oxigraph's server answers 400 to a request head over 8 kB, as the ``conflicts`` query makes)."""
    headers = {"Accept": "application/sparql-results+json"}
    if len(url) > 4096 and "?" in url:
        address, form = url.split("?", 1)
        req = urllib.request.Request(address, data=form.encode("ascii"), method="POST",
                                     headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def _start_serve(port: int, *, cache: bool = True) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "iimgraph", "serve", "--port", str(port),
                             *(() if cache else ("--answer-cache-mb", "0"))],
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


#: why requests failed, per server run (an HTTP status or an exception's type), printed under the table
WHY: dict[str, dict[str, int]] = {}


def load(base: str, paths: list[str], clients: int, seconds: float, name: str = "") -> tuple[list[float], int]:
    """Latencies (s) of the 200 answers of ``clients`` threads looping over ``paths``; and the failures."""
    latencies: list[float] = []
    failures = [0]
    why = WHY.setdefault(name, {})
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
                status = _get(base + path)
                reason = f"HTTP {status}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                status, reason = 0, type(getattr(exc, "reason", exc)).__name__
            if status == 200:
                mine.append(time.perf_counter() - t)
            else:
                with lock:
                    failures[0] += 1
                    why[reason] = why.get(reason, 0) + 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures[0]


#: CPU seconds per answer of each server run (its process and every process under it), by run name
CPU: dict[str, list[float]] = {}


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants (Linux /proc; else 0):
    steadier than requests per second on a machine that others load too."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").glob("*"):
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def measured(proc: subprocess.Popen, name: str, base: str, paths: list[str], clients: int,
             seconds: float) -> tuple[list[float], int]:
    """:func:`load`, and the server's CPU per answer over it in :data:`CPU`."""
    before = tree_cpu(proc.pid)
    latencies, failures = load(base, paths, clients, seconds, name)
    CPU.setdefault(name, []).append((tree_cpu(proc.pid) - before) / max(len(latencies), 1))
    return latencies, failures


def cpu_rows(runs: str) -> list[tuple[object, ...]]:
    """Rows of CPU per answer, iimgraph serve with its cache off and on beside the in-memory Oxigraph server."""
    if not CPU.get("oxigraph-memory") or not CPU["oxigraph-memory"][0]:
        return []  # not measured (no Oxigraph server, or no /proc)
    anchor = median(CPU["oxigraph-memory"])
    return [(f"CPU per answer (server process and its workers), answer cache {cache}", f"{1000 * median(CPU[key]):.2f} ms",
             "oxigraph serve (in-memory store), same run", f"{1000 * anchor:.2f} ms",
             f"{median(CPU[key]) / anchor:.2f}x", "(reported)", runs)
            for key, cache in (("ours-no-cache", "off"), ("ours", "on"))]


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else float("nan")


def _start_oxigraph(binary: str, kind: str, store_dir: str, nt: Path, port: int, probe: str) -> subprocess.Popen:
    """Oxigraph's server on ``port``, answering: ``disk`` read-only over ``store_dir``; ``memory`` its
    in-memory store, the release POSTed into the default graph (not timed)."""
    if kind == "disk":
        argv = [binary, "serve-read-only", "--location", store_dir, "--bind", f"127.0.0.1:{port}"]
    else:
        argv = [binary, "serve", "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, proc, probe)
        if kind == "memory":
            req = urllib.request.Request(f"http://127.0.0.1:{port}/store?default", data=nt.read_bytes(), method="POST",
                                         headers={"Content-Type": "application/n-triples"})
            with urllib.request.urlopen(req, timeout=300) as answer:
                answer.read()
    except BaseException:
        stop(proc)
        raise
    return proc


def _timed_get(url: str) -> float:
    """Seconds to a 200 answer; NaN for any other (counted as a failure where the figures are printed)."""
    start = time.perf_counter()
    try:
        status = _get(url)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        status = 0
    return time.perf_counter() - start if status == 200 else float("nan")


def per_query_rows(paths: list[str], sparql: list[str], oxigraph: str, store_dir: str, nt: Path,
                   n: int) -> list[tuple[object, ...]]:
    """Each query alone through iimgraph serve and both Oxigraph set-ups, alternated, ``n`` times; medians in ms."""
    ports = [free_port() for _ in range(3)]
    procs = [_start_serve(ports[0], cache=False)]
    rows: list[tuple[object, ...]] = []
    try:
        _wait(ports[0], procs[0], PROBE)
        for kind, port in (("memory", ports[1]), ("disk", ports[2])):
            procs.append(_start_oxigraph(oxigraph, kind, store_dir, nt, port, sparql[0]))
        for path, query in zip(paths, sparql, strict=True):
            urls = [f"http://127.0.0.1:{ports[0]}{path}", f"http://127.0.0.1:{ports[1]}{query}",
                    f"http://127.0.0.1:{ports[2]}{query}"]
            for url in urls:
                _get(url)
            times: list[list[float]] = [[], [], []]
            for _ in range(n):
                for i, url in enumerate(urls):
                    times[i].append(_timed_get(url))
            good = [[t for t in ts if t == t] for ts in times]  # NaN: a failed request
            anchors = [median(ts) for ts in good[1:] if ts]
            ratio = f"{median(good[0]) / min(anchors):.2f}x" if good[0] and anchors else "n/a"
            rows.append((path.split("?")[0].removeprefix("/run/"), *(_median_ms(t) for t in times), ratio))
    finally:
        for proc in procs:
            stop(proc)
    return rows


def _median_ms(times: list[float]) -> str:
    """The median of the answers in ms, and how many of the requests failed (NaN) if any did."""
    good = [t for t in times if t == t]
    text = f"{1000 * median(good):.1f}" if good else "-"
    return text if len(good) == len(times) else f"{text} ({len(times) - len(good)} of {len(times)} failed)"


def one_run(key: str, oxigraph: str | None, store_dir: str, nt: Path, paths: list[str], sparql: list[str],
            clients: int, seconds: float) -> tuple[list[float], int]:
    """Start the server ``key`` names, answer every query once, then the load run; the server is stopped after."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if key.startswith("oxigraph-"):  # up and loaded when this returns
        proc, warm = _start_oxigraph(oxigraph or "", key.removeprefix("oxigraph-"), store_dir, nt, port, sparql[0]), sparql
    elif key.startswith("ours"):
        proc, warm = _start_serve(port, cache=key == "ours"), paths
    else:
        proc, warm = subprocess.Popen([sys.executable, "-c", STATIC, str(port)]), []
    try:
        if not key.startswith("oxigraph-"):
            _wait(port, proc, PROBE if warm else "/")
        for path in warm:  # every query answers before the clock starts
            _get(base + path)
        if key == "static":
            return load(base, ["/"], clients, seconds)
        return measured(proc, key, base, warm, clients, seconds)
    finally:
        stop(proc)


def _oxigraph_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()
    return out[-1] if out else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="server starts (and anchor runs), alternated")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="load runs of each server, alternated")
    parser.add_argument("--per-query", type=int, default=0, metavar="N",
                        help="time each query alone N times a side (iimgraph serve with its answer cache off)")
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
    rows: list[tuple[object, ...]] = []
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
    sparql = [f"/query?{urllib.parse.urlencode({'query': bind(get_query(name).text, resolve_params(get_query(name), params))})}"
              for name, params in sorted(EXAMPLES.items())]
    oxigraph = oxigraph_binary()
    store_dir = tempfile.mkdtemp(prefix="bench-serve-oxigraph-")
    if oxigraph is not None:
        subprocess.run([oxigraph, "load", "--location", store_dir, "--file", str(nt)], check=True,
                       capture_output=True)
    else:
        print("Oxigraph server: no `oxigraph` beside this Python or on the PATH (pip install oxigraph); not measured")
    runs: dict[str, list[tuple[list[float], int]]] = {"ours": [], "ours-no-cache": [], "oxigraph-memory": [],
                                                      "oxigraph-disk": [], "static": []}
    servers = ["ours", "ours-no-cache", *(("oxigraph-memory", "oxigraph-disk") if oxigraph is not None else ()), "static"]
    for round_ in range(args.rounds):
        # every other round in the reverse order: a machine whose load drifts favours no server
        for key in servers if round_ % 2 == 0 else servers[::-1]:
            runs[key].append(one_run(key, oxigraph, store_dir, nt, paths, sparql, args.clients, args.seconds))

    per_query = per_query_rows(paths, sparql, oxigraph, store_dir, nt, args.per_query) \
        if args.per_query and oxigraph is not None else []
    shutil.rmtree(store_dir, ignore_errors=True)

    def figures(key: str) -> tuple[float, float, float, int, int]:
        """Median over the rounds of: requests per second, p50 ms, p99 ms; answers and failures summed."""
        per = runs[key]
        return (median([len(lat) / args.seconds for lat, _ in per]), median([pct(lat, 50) for lat, _ in per]),
                median([pct(lat, 99) for lat, _ in per]), sum(len(lat) for lat, _ in per), sum(f for _, f in per))

    for key, cache in (("ours", "answer cache on: after the warm-up every answer is a hit"),
                       ("ours-no-cache", "answer cache off: every answer from a query worker")):
        o_rps, o_p50, o_p99, o_n, o_fail = figures(key)
        label = (f"/run/NAME, {len(paths)} packaged queries, {args.clients} clients, {cache} "
                 f"({o_n} answers, {o_fail} failed)")
        for kind, setup in (("memory", "oxigraph serve (in-memory store)"),
                            ("disk", "oxigraph serve-read-only (on-disk store)")):
            if not runs[f"oxigraph-{kind}"]:
                continue
            x_rps, x_p50, x_p99, x_n, x_fail = figures(f"oxigraph-{kind}")
            anchor = (f"{setup} {_oxigraph_version(oxigraph or '')}, same release and queries "
                      f"({x_n} answers, {x_fail} failed)")
            rows.append((label + ": requests/s", f"{o_rps:.0f}", anchor, f"{x_rps:.0f}", f"{o_rps / x_rps:.2f}x",
                         ">= 1.0x", f"{args.rounds} x {args.seconds:.0f} s"))
            rows.append(("  p50 / p99 latency", f"{o_p50:.1f} / {o_p99:.1f} ms", "", f"{x_p50:.1f} / {x_p99:.1f} ms",
                         f"{o_p50 / x_p50:.2f}x / {o_p99 / x_p99:.2f}x", "", ""))
    rows += cpu_rows(f"{args.rounds} x {args.seconds:.0f} s")
    o_rps, o_p50, o_p99, o_n, o_fail = figures("ours-no-cache")
    ours_label = (f"/run/NAME, {len(paths)} packaged queries, {args.clients} clients, answer cache off "
                  f"({o_n} answers, {o_fail} failed)")
    s_rps, s_p50, s_p99, s_n, s_fail = figures("static")
    rows.append((f"{ours_label}: p50 (p99 {o_p99:.1f} ms, {o_rps:.0f}/s)", f"{o_p50:.1f} ms",
                 f"bare http.server, fixed body ({s_n} answers, {s_fail} failed; p99 {s_p99:.1f} ms, {s_rps:.0f}/s)",
                 f"{s_p50:.1f} ms", f"{o_p50 / s_p50:.2f}x", "p50 < 20 ms", f"{args.rounds} x {args.seconds:.0f} s"))
    table(("iimgraph", "figure", "anchor", "anchor figure", "ratio", "target", "runs"), rows)
    print("\nrequests/s in each round (the order alternates; the table gives their median): " + "; ".join(
        f"{key}: " + ", ".join(f"{len(lat) / args.seconds:.0f}" for lat, _ in per) for key, per in runs.items() if per))
    failed = {name: why for name, why in WHY.items() if why}
    if failed:
        print("\nfailed requests, by server and reason: " + "; ".join(
            f"{name}: " + ", ".join(f"{reason} x{n}" for reason, n in sorted(why.items())) for name, why in failed.items()))
    if per_query:
        print(f"\n### Each query alone, one client, median of {args.per_query} (ms)\n")
        table(("query", "iimgraph serve (answer cache off)", "oxigraph serve (in memory)", "oxigraph serve-read-only (on disk)",
               "ratio to the faster"), per_query)


if __name__ == "__main__":
    main()
