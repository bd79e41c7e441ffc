"""Load test of ``iimgraph serve``: 16 concurrent clients for 30 seconds mixing packaged queries,
slow queries that hit the timeout, and refused ones. Zero good requests may fail; the latency of
good requests (p50, p99) is printed. Run alone with ``pytest -m load -s tests/test_serve_load.py``;
``IIMGRAPH_LOAD_SECONDS`` shortens it while developing.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from iimgraph.query.binding import bind, resolve_params
from iimgraph.query.catalogue import get_query
from iimgraph.web.serve import POOL_KEEP
from tests.cli import CLI
from tests.servers import free_port as _free_port
from tests.servers import stop, wait_until_up
from tests.test_queries import EXAMPLES

CLIENTS = 16
SECONDS = float(os.environ.get("IIMGRAPH_LOAD_SECONDS", "30"))
TIMEOUT = 5.0  # the server's per-query limit (a busy CI machine still runs a 10 ms query well within it)
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
REFUSED = ["SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
           "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }",
           "INSERT DATA { <http://e/a> <http://e/p> <http://e/o> }"]
# of every 20 requests a client makes: 3 slow, 3 refused, 14 good
PLAN = ["good"] * 14 + ["slow"] * 3 + ["refused"] * 3


def _worker_pids(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen([*CLI, "serve",
                             "--port", str(port), "--timeout", str(TIMEOUT)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_until_up(proc, url + "?query=ASK%7B%7D", seconds=30, what="serve")
        yield proc, url
    finally:
        stop(proc)


def _ask(url: str, query: str) -> tuple[int, float]:
    start = time.perf_counter()
    data = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(url, data=data, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return status, time.perf_counter() - start


@pytest.mark.load
def test_sixteen_clients_for_thirty_seconds(server, capsys):
    proc, url = server
    good = [bind(get_query(n).text, resolve_params(get_query(n), p)) for n, p in sorted(EXAMPLES.items())]
    latencies: dict[str, list[float]] = {"good": [], "slow": [], "refused": []}
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client(index: int) -> None:
        i = index
        while time.monotonic() < stop:
            kind = PLAN[i % len(PLAN)]
            query = good[i % len(good)] if kind == "good" else SLOW if kind == "slow" else REFUSED[i % len(REFUSED)]
            i += 7  # clients walk the plan in different orders
            try:
                status, seconds = _ask(url, query)
            except OSError as exc:
                status, seconds = 0, 0.0
                with lock:
                    failures.append(f"{kind}: {exc}")
                continue
            expected = {"good": (200,), "slow": (503,), "refused": (400, 403)}[kind]
            with lock:
                latencies[kind].append(seconds)
                if status not in expected:
                    failures.append(f"{kind}: HTTP {status} after {seconds:.2f} s: {query[-120:]!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ended = time.monotonic()

    def pct(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else 0.0

    lines = [f"serve load: {CLIENTS} clients, {SECONDS:g} s, timeout {TIMEOUT:g} s"]
    for kind, values in latencies.items():
        lines.append(f"  {kind:8s} {len(values):6d} requests  p50 {pct(values, 50):8.1f} ms  "
                     f"p99 {pct(values, 99):8.1f} ms")
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    assert not failures, failures[:10]
    assert len(latencies["good"]) > 100 and latencies["slow"] and latencies["refused"]
    # every runaway query was killed at its 503: what is left are idle pool workers, and the server and
    # they sit idle
    deadline = ended + TIMEOUT + 2
    while len(_worker_pids(proc.pid)) > POOL_KEEP and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _worker_pids(proc.pid)
    assert len(left) <= POOL_KEEP, left
    before = [_cpu_seconds(pid) for pid in (proc.pid, *left)]
    time.sleep(1.0)
    after = [_cpu_seconds(pid) for pid in (proc.pid, *left)]
    assert sum(after) - sum(before) < 0.2
    assert _ask(url, good[0])[0] == 200  # and it still answers
