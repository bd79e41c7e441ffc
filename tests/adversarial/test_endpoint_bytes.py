"""Hostile SPARQL endpoints and stores scripted byte by byte on raw loopback sockets, beside
``test_endpoints.py``: same-origin redirects (followed only when allowed), publish's own requests
redirected or answered without end, headers that trickle, the default answer cap and the memory it
bounds, and the malformed SPARQL-JSON cases that file does not cover. Each gets one line naming the
endpoint and exit 2, in bounded time and memory, and no connection anywhere but the endpoint named.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Listener, assert_clean_failure, run_cli

NO_PROXY = {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
            "http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": ""}
QUERY = "SELECT ?x WHERE { ?x ?p ?o }"
ROWS = json.dumps({"head": {"vars": ["x"]},
                   "results": {"bindings": [{"x": {"type": "uri", "value": "https://w3id.org/iimgraph/redirected"}}]}})

Answer = Callable[[socket.socket, "Request"], None]


class Request:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


def reply(status: str, body: bytes | str = b"", headers: dict[str, str] | None = None) -> Answer:
    data = body.encode() if isinstance(body, str) else body
    head = {"Content-Type": "application/sparql-results+json", "Content-Length": str(len(data)),
            "Connection": "close", **(headers or {})}

    def send(conn: socket.socket, _req: Request) -> None:
        conn.sendall(f"HTTP/1.1 {status}\r\n".encode() + "".join(f"{k}: {v}\r\n" for k, v in head.items()).encode()
                     + b"\r\n" + data)
    return send


def redirect(status: str, location: str) -> Answer:
    return reply(status, "moved\n", {"Location": location, "Content-Type": "text/plain"})


class Scripted:
    """A loopback HTTP server whose every answer is scripted: the n-th request gets ``answers[n]``
    (the last one repeats). Records the requests; ``stop()`` ends every endless answer."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path = lines[0].split(" ")[:2]
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
                length = int(headers.get("content-length", "0"))
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                request = Request(method, path, headers, body)
                self.requests.append(request)
                answer = self.answers[min(len(self.requests) - 1, len(self.answers) - 1)]
                answer(conn, request)
            except OSError:
                return

    def stop(self) -> None:
        self.stopping.set()
        self.sock.close()


@pytest.fixture
def scripted():
    servers: list[Scripted] = []

    def make(*answers: Answer) -> Scripted:
        servers.append(Scripted(*answers))
        return servers[-1]
    yield make
    for server in servers:
        server.stop()


def sparql(url: str, *extra: str, time_limit: float = 60.0):
    return run_cli("sparql", QUERY, "--endpoint", url + "/sparql", "--timeout", "5", *extra,
                   env=NO_PROXY, time_limit=time_limit)


# --- redirects --------------------------------------------------------------------------------------

def test_a_same_origin_redirect_is_followed_only_when_allowed(scripted):
    rows = reply("200 OK", ROWS)
    server = scripted(redirect("307 Temporary Redirect", "/sparql/"), rows)
    refused = sparql(server.url, "--format", "csv")
    assert_clean_failure(refused, 2, mentions="--same-origin-redirects")

    server = scripted(redirect("307 Temporary Redirect", "/sparql/"), rows)
    followed = sparql(server.url, "--format", "csv", "--same-origin-redirects")
    assert followed.code == 0, followed.stderr
    assert "https://w3id.org/iimgraph/redirected" in followed.stdout
    assert [r.path for r in server.requests] == ["/sparql", "/sparql/"]
    assert server.requests[1].method == "POST" and b"query=" in server.requests[1].body


def test_allowing_same_origin_redirects_still_refuses_another_host(scripted, listener: Listener):
    elsewhere = f"{listener.url}/sparql"
    server = scripted(redirect("302 Found", elsewhere))
    before = listener.connections
    run = sparql(server.url, "--same-origin-redirects")
    time.sleep(0.05)
    assert listener.connections == before
    assert_clean_failure(run, 2, mentions=elsewhere)


#: publish first lists the staging graphs earlier runs left: none
NO_STALE = reply("200 OK", '{"head": {"vars": ["g"]}, "results": {"bindings": []}}',
                 {"Content-Type": "application/sparql-results+json"})


def test_publish_refuses_a_redirected_count_query(scripted, listener: Listener):
    """Before: the count query followed the redirect and the failure blamed the staging graph."""
    elsewhere = f"{listener.url}/query"
    server = scripted(NO_STALE, reply("204 No Content"), redirect("302 Found", elsewhere), reply("204 No Content"))
    before = listener.connections
    run = run_cli("publish", "--endpoint", server.url + "/store", "--timeout", "5", env=NO_PROXY)
    time.sleep(0.05)
    assert listener.connections == before
    assert_clean_failure(run, 2, mentions=f"redirect to {elsewhere}")
    assert "previous release is still in place" in run.stderr


# --- slow and endless answers ----------------------------------------------------------------------

def trickle(head: bytes, drip: bytes, every: float = 0.5) -> Callable[[Scripted], Answer]:
    def make(server: Scripted) -> Answer:
        def send(conn: socket.socket, _req: Request) -> None:
            conn.sendall(head)
            while not server.stopping.wait(every):
                conn.sendall(drip)
        return send
    return make


@pytest.mark.parametrize("where", ["body with a length", "headers"])
def test_a_trickling_answer_is_cut_at_the_timeout(where: str, scripted):
    """Before: ``--timeout`` bounded each recv, so one byte every 0.5 s never ended."""
    if where == "headers":
        maker = trickle(b"HTTP/1.1 200 OK\r\n", b"X")
    else:
        maker = trickle(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                        b"Content-Length: 100000000\r\n\r\n{", b" ")
    server = scripted()
    server.answers.append(maker(server))
    run = run_cli("sparql", QUERY, "--endpoint", server.url + "/sparql", "--timeout", "3", env=NO_PROXY,
                  time_limit=30)
    assert_clean_failure(run, 2, mentions="timed out after 3 s")
    assert server.url in run.stderr


def endless(head: bytes, chunk: bytes) -> Callable[[Scripted], Answer]:
    def make(server: Scripted) -> Answer:
        def send(conn: socket.socket, _req: Request) -> None:
            conn.sendall(head)
            while not server.stopping.is_set():
                conn.sendall(chunk)
        return send
    return make


ENDLESS_JSON = endless(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nConnection: close\r\n\r\n"
                       b'{"head": {"vars": ["x"]}, "results": {"bindings": [',
                       (b'{"x": {"type": "literal", "value": "' + b"a" * 4000 + b'"}},') * 64)


@pytest.mark.parametrize("cap", [None, "1"])
def test_an_endless_answer_is_cut_at_the_size_cap(cap: str | None, scripted):
    """Before: read whole into memory (1.2 GB: internal error: MemoryError)."""
    server = scripted()
    server.answers.append(ENDLESS_JSON(server))
    extra = ("--max-answer-mb", cap) if cap else ()
    run = sparql(server.url, *extra)
    assert_clean_failure(run, 2, mentions="larger than")
    assert f"{cap or 64} MB" in run.stderr
    assert run.peak_mb < 600, f"peak memory {run.peak_mb:.0f} MB"


def test_publish_does_not_keep_an_endless_put_answer(scripted):
    server = scripted(NO_STALE)
    server.answers += [endless(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
                               b"x" * 65536)(server), reply("500 Internal Server Error", "no")]
    run = run_cli("publish", "--endpoint", server.url + "/store", "--timeout", "5", env=NO_PROXY)
    assert_clean_failure(run, 2, mentions="previous release is still in place")
    assert run.peak_mb < 600, f"peak memory {run.peak_mb:.0f} MB"


# --- malformed SPARQL-JSON -------------------------------------------------------------------------

#: beside test_endpoints.py's MALFORMED cases
MALFORMED = {
    "binding_is_a_list": '{"head": {"vars": ["x"]}, "results": {"bindings": [[1]]}}',
    "cell_value_is_a_number": '{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": 5}}]}}',
    "unknown_cell_type": '{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "x", "value": "a"}}]}}',
    "no_results": '{"head": {"vars": ["x"]}}',
    "deep_objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "deep_under_head": '{"head": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "not_json": "<html>hello</html>",
    "trailing_data": '{"head": {"vars": []}, "results": {"bindings": []}} {}',
    "not_utf8": b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "\xff"}}]}}',
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_sparql_json_is_one_line_naming_the_endpoint(name: str, scripted):
    """Before: internal error (TypeError, AttributeError, KeyError, RecursionError, UnicodeEncodeError)."""
    body = MALFORMED[name]
    server = scripted(reply("200 OK", body if isinstance(body, bytes) else body.encode()))
    run = sparql(server.url)
    assert_clean_failure(run, 2, mentions=server.url + "/sparql")
    assert "SPARQL" in run.stderr


def test_well_formed_answers_still_work(scripted, tmp_path: Path):
    """The control: the same server code, a valid answer, rows printed (so the cases above can fail)."""
    server = scripted(reply("200 OK", ROWS))
    run = sparql(server.url, "--format", "csv")
    assert run.code == 0, run.stderr
    assert "https://w3id.org/iimgraph/redirected" in run.stdout


@pytest.mark.parametrize("answer", ["", "[1]", '{"head": {"vars": ["g"]}, "results": {"bindings": [{"g": 5}]}}'])
def test_publish_with_a_bad_list_of_staging_graphs_is_one_line(answer: str, scripted):
    """Before: an empty or malformed answer to publish's first query was ``internal error: ValueError``."""
    server = scripted(reply("200 OK", answer))
    run = run_cli("publish", "--endpoint", server.url + "/store", "--timeout", "5", env=NO_PROXY)
    assert_clean_failure(run, 2)
