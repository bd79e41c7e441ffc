"""Hostile SPARQL endpoints, scripted on a loopback server: redirects, slow and endless answers,
malformed SPARQL-JSON. Each gives one clear line naming the endpoint, exit 2, and contacts no other host."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from .conftest import Listener, assert_clean_failure, run_cli

Script = Callable[[http.server.BaseHTTPRequestHandler], None]


class Scripted:
    """A loopback HTTP server that answers every request with ``script`` and counts the requests."""

    def __init__(self, script: Script) -> None:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                owner.hits += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    script(self)

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args: object) -> None:
                pass

        self.hits = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted() -> Iterator[Callable[[Script], Scripted]]:
    servers: list[Scripted] = []

    def start(script: Script) -> Scripted:
        servers.append(Scripted(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _answer(body: bytes, status: int = 200, ctype: str = "application/sparql-results+json",
            extra: dict[str, str] | None = None) -> Script:
    def script(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)
    return script


ROWS = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "OTHER-HOST"}}]}}'


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_refused(status, scripted, listener: Listener):
    other = scripted(_answer(ROWS))
    endpoint = scripted(_answer(b"", status, extra={"Location": other.url}))
    before = listener.connections
    run = run_cli("query", "subtypes", "--endpoint", endpoint.url, "--timeout", "10")
    assert_clean_failure(run, mentions="redirect")
    assert other.url in run.stderr and "OTHER-HOST" not in run.stdout
    assert other.hits == 0 and endpoint.hits == 1   # no retry on a redirect
    assert listener.connections == before


def test_a_redirect_to_ftp_opens_no_connection(scripted, listener: Listener):
    endpoint = scripted(_answer(b"", 302, extra={"Location": f"ftp://127.0.0.1:{listener.port}/x"}))
    before = listener.connections
    run = run_cli("query", "subtypes", "--endpoint", endpoint.url, "--timeout", "10")
    assert_clean_failure(run, mentions="redirect")
    assert listener.connections == before and endpoint.hits == 1


def test_publish_does_not_follow_a_redirect(scripted, listener: Listener):
    endpoint = scripted(_answer(b"", 302, extra={"Location": listener.url + "/store"}))
    before = listener.connections
    run = run_cli("publish", "--endpoint", endpoint.url, "--timeout", "10")
    assert_clean_failure(run, mentions="redirect")
    assert listener.connections == before


def _trickle(h: http.server.BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/sparql-results+json")
    h.end_headers()
    h.wfile.flush()
    for _ in range(200):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.5)


def test_a_trickling_answer_hits_the_total_deadline(scripted):
    endpoint = scripted(_trickle)
    run = run_cli("query", "subtypes", "--endpoint", endpoint.url, "--timeout", "2", time_limit=30)
    assert_clean_failure(run, mentions="timed out after 2 s")
    assert endpoint.url in run.stderr


def _endless(h: http.server.BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/sparql-results+json")
    h.end_headers()
    chunk = b"[" * 65536
    for _ in range(40000):  # 2.5 GB
        h.wfile.write(chunk)


def test_an_endless_answer_is_capped(scripted):
    endpoint = scripted(_endless)
    run = run_cli("query", "subtypes", "--endpoint", endpoint.url, "--timeout", "50",
                  env={"IIMGRAPH_MAX_ANSWER_MB": "4"}, time_limit=55)
    assert_clean_failure(run, mentions="larger than 4 MB")
    assert endpoint.url in run.stderr


DEEP = b"[" * 100_000 + b"]" * 100_000
MALFORMED = {
    "head_is_a_list": b'{"head": []}',
    "bindings_is_a_string": b'{"head": {"vars": ["x"]}, "results": {"bindings": "abc"}}',
    "cell_without_value": b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri"}}]}}',
    "cell_is_a_string": b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": "abc"}]}}',
    "binding_is_a_number": b'{"head": {"vars": ["x"]}, "results": {"bindings": [5]}}',
    "vars_are_numbers": b'{"head": {"vars": [1, 2]}, "results": {"bindings": []}}',
    "nested_100000_deep": b'{"head": {"vars": ["x"]}, "results": {"bindings": ' + DEEP + b"}}",
    "lone_surrogate": b'{"head": {"vars": ["x"]}, "results": {"bindings": '
                      b'[{"x": {"type": "literal", "value": "\\ud800"}}]}}',
    "boolean_is_a_string": b'{"head": {}, "boolean": "no"}',
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_sparql_json_answer_is_one_line(name, scripted):
    endpoint = scripted(_answer(MALFORMED[name]))
    run = run_cli("query", "subtypes", "--endpoint", endpoint.url, "--timeout", "10")
    assert_clean_failure(run, mentions=endpoint.url)
