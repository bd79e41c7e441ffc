"""Fault injection for publish and the remote engine: a real Oxigraph server killed (SIGKILL) while
the release is being uploaded keeps the previous release; transient HTTP failures are retried,
client errors are not."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from iimgraph.errors import EndpointError
from iimgraph.query.engines import RemoteEngine
from iimgraph.query.http import request
from iimgraph.release.publish import publish, staging_graph
from tests.adversarial.conftest import assert_clean_failure, run_cli
from tests.graphs import same_graph
from tests.needs import TEST_EXTRA, missing
from tests.servers import free_port as _free_port
from tests.servers import oxigraph_binary as _oxigraph_binary
from tests.servers import wait_until_up

PREVIOUS = (b'<https://w3id.org/iimgraph/test/a> <http://www.w3.org/2000/01/rdf-schema#label> "previous release" .\n'
            b'<https://w3id.org/iimgraph/test/a> <http://www.w3.org/2000/01/rdf-schema#comment> "kept" .\n'
            b'<https://w3id.org/iimgraph/test/b> <http://www.w3.org/2000/01/rdf-schema#label> "b" .\n')


class Oxigraph:
    """One Oxigraph server process on a data folder; can be killed and started again on the same folder."""

    def __init__(self, location: Path) -> None:
        binary = _oxigraph_binary()
        if binary is None:
            missing("the `oxigraph` server", TEST_EXTRA)
        self.binary, self.location, self.port = binary, location, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "serve", "--location", str(self.location),
                                      "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_up(self.proc, self.url + "/query?query=ASK%7B%7D", seconds=10, what="oxigraph")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def default_graph(self) -> bytes:
        req = urllib.request.Request(self.url + "/store?default", headers={"Accept": "application/n-triples"})
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.read()


class KillingProxy:
    """Forwards TCP to Oxigraph, but SIGKILLs it once a PUT has sent ``after`` bytes of its body."""

    def __init__(self, server: Oxigraph, after: int = 200_000) -> None:
        self.server, self.after = server, after
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.killed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        except OSError:
            client.close()
            return
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        sent, is_put = 0, None
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                if is_put is None:
                    is_put = data.startswith(b"PUT ")
                upstream.sendall(data)
                sent += len(data)
                if is_put and sent > self.after:
                    self.server.kill()
                    self.killed.set()
                    break
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.close()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()


def _graph(ntriples: bytes):  # type: ignore[no-untyped-def]
    from rdflib import Graph

    return Graph().parse(data=ntriples.decode(), format="nt")


def test_oxigraph_killed_during_the_upload_keeps_the_previous_release(tmp_path):
    server = Oxigraph(tmp_path / "db")
    server.start()
    proxy = KillingProxy(server)
    try:
        report = publish(server.url + "/store", ntriples=PREVIOUS, timeout=10)
        assert report.counted == 3
        run = run_cli("publish", "--endpoint", proxy.url + "/store", "--query-endpoint", proxy.url + "/query",
                      "--update-endpoint", proxy.url + "/update", "--timeout", "10", time_limit=60)
        assert proxy.killed.is_set(), "the upload never reached the kill point"
        assert_clean_failure(run, 2, mentions="the previous release is still in place")
        assert "before replacing the default graph" in run.stderr
        server.start()  # the same data folder: what a restarted store serves
        assert same_graph(_graph(server.default_graph()), _graph(PREVIOUS))
        publish(server.url + "/store", timeout=30)  # and the next publish completes, replacing the staging leftovers
        rows = RemoteEngine(server.url + "/query").execute(
            f"ASK {{ GRAPH <{staging_graph(None)}> {{ ?s ?p ?o }} }}")
        assert rows.boolean is False
        assert not same_graph(_graph(server.default_graph()), _graph(PREVIOUS))
    finally:
        proxy.close()
        server.kill()


def test_publish_into_a_named_graph_replaces_only_that_graph(tmp_path):
    server = Oxigraph(tmp_path / "db")
    server.start()
    try:
        publish(server.url + "/store", ntriples=PREVIOUS, timeout=10)
        two = b"".join(PREVIOUS.splitlines(keepends=True)[:2])
        report = publish(server.url + "/store", graph="https://w3id.org/iimgraph/test/g", ntriples=two, timeout=10)
        assert report.counted == report.sent == 2
        assert len(_graph(server.default_graph())) == 3
    finally:
        server.kill()


# --- retries ----------------------------------------------------------------------------------------


class Scripted:
    """A loopback HTTP server answering each request with the next (status, headers) of a script."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        self.script, self.seen = list(script), 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers = owner.script[min(owner.seen, len(owner.script) - 1)]
                owner.seen += 1
                body = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
                    {"n": {"type": "literal", "value": "7"}}]}}).encode() if status == 200 else b"no"
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    made: list[Scripted] = []

    def make(*script: tuple[int, dict[str, str]]) -> Scripted:
        made.append(Scripted(list(script)))
        return made[-1]

    yield make
    for s in made:
        s.close()


@pytest.mark.parametrize("transient", [503, 502, 504])
def test_transient_errors_are_retried_with_backoff(scripted, transient):
    server = scripted((transient, {}), (transient, {}), (200, {}))
    start = time.monotonic()
    rows = RemoteEngine(server.url, timeout=5).execute("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    assert rows[0]["n"] == "7" and server.seen == 3
    assert time.monotonic() - start >= 0.5 + 1.0 - 0.05  # backoff 0.5 s, then 1 s


def test_429_waits_for_retry_after(scripted):
    server = scripted((429, {"Retry-After": "1"}), (200, {}))
    waits: list[float] = []
    answer = request("POST", server.url, data=b"query=ASK%7B%7D", timeout=5, sleep=waits.append)
    assert answer.status == 200 and server.seen == 2 and waits == [1.0]


@pytest.mark.parametrize("status", [400, 401, 404, 500])
def test_client_errors_are_not_retried(scripted, status):
    server = scripted((status, {}), (200, {}))
    with pytest.raises(EndpointError, match=f"HTTP {status}"):
        RemoteEngine(server.url, timeout=5).execute("SELECT * WHERE { ?s ?p ?o }")
    assert server.seen == 1


def test_a_store_that_stays_unavailable_fails_after_the_retries(scripted):
    server = scripted((503, {}))
    waits: list[float] = []
    with pytest.raises(EndpointError, match=r"HTTP 503 .*after 4 attempts"):
        request("POST", server.url, data=b"x", timeout=5, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0] and server.seen == 4


def test_connection_refused_is_retried_then_reported():
    waits: list[float] = []
    with pytest.raises(EndpointError, match=r"cannot connect.*after 4 attempts"):
        request("GET", f"http://127.0.0.1:{_free_port()}/", timeout=2, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]
