"""serve against clients that hold what they can: idle connections past the descriptor limit, requests
sent a byte at a time, answers of a few rows that are each megabytes.

Before: with the usual 1,024 descriptors, 1,100 idle connections stopped the server answering anyone and
spun a core on ``accept``; an idle or trickling client held its thread forever; ``--max-rows`` bounded
rows but not bytes, so a few slow clients asking for one huge literal each grew the server by gigabytes.
"""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from iimgraph.query.engines import OxigraphEngine
from iimgraph.web.serve import READ_TIMEOUT, Endpoint, make_server
from tests.cli import popen_cli
from tests.servers import free_port, serving_in_thread, stop, wait_until_up

ASK = "/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }")


def _get(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _closed_by_server(s: socket.socket) -> bool:
    """True when the server closed ``s`` (after a 503, or with nothing)."""
    try:
        data = s.recv(4096)
    except (ConnectionError, TimeoutError):
        return True
    return data == b"" or data.startswith(b"HTTP/1.0 503")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """``iimgraph serve`` with 1,024 descriptors, as on most machines."""
    port = free_port()

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 (closed below)
    proc = popen_cli("serve", "--port", str(port), "--workers", "2", stdout=log, stderr=log, preexec_fn=limit)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base + ASK, seconds=120, what="serve")
        yield proc, base
    finally:
        stop(proc)
        log.close()


def test_idle_connections_past_the_descriptor_limit_do_not_stop_the_server(small_server):
    proc, base = small_server
    port = int(base.rsplit(":", 1)[1])
    idle = []
    try:
        for _ in range(1100):
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            idle.append(s)
        before = _cpu_seconds(proc.pid)
        start = time.monotonic()
        assert _get(base + ASK, timeout=5) in (200, 503)  # answered at once: 503 while the cap is full
        time.sleep(2)
        spent = _cpu_seconds(proc.pid) - before
        assert spent < 0.5 * (time.monotonic() - start), f"the server spun: {spent:.1f} s of CPU"
        # the idle connections are closed by the server once their read timeout passes
        deadline = time.monotonic() + READ_TIMEOUT + 20
        status = 0
        while time.monotonic() < deadline:
            status = _get(base + ASK, timeout=5)
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, "the server did not recover once the idle connections were dropped"
        closed = sum(_closed_by_server(s) for s in idle[:50])
        assert closed == 50, f"only {closed} of 50 idle connections were closed by the server"
    finally:
        for s in idle:
            s.close()


@contextlib.contextmanager
def _serving(max_answer_bytes: int) -> Iterator[str]:
    """An in-process server over one 8 MB literal and one short one; 12 MB of answers sent at once."""
    text = "x" * (8 * 1024 * 1024)
    nt = (f'<http://example.org/a> <http://example.org/big> "{text}" .\n'
          '<http://example.org/a> <http://example.org/small> "s" .\n')
    endpoint = Endpoint(OxigraphEngine(nt.encode()), timeout=30, max_rows=100, workers=4,
                        max_answer_bytes=max_answer_bytes)
    srv = make_server("127.0.0.1", 0, endpoint=endpoint, quiet=True, total_answer_bytes=12 * 1024 * 1024)
    try:
        with serving_in_thread(srv) as url:
            yield url
    finally:
        endpoint.close()


@pytest.fixture
def big_literal_server() -> Iterator[str]:
    with _serving(20 * 1024 * 1024) as base:
        yield base


SMALL = urllib.parse.quote("SELECT ?v WHERE { ?s <http://example.org/small> ?v }")
BIG = urllib.parse.quote("SELECT ?v WHERE { ?s <http://example.org/big> ?v }")


def test_an_answer_over_the_byte_cap_is_refused_by_its_worker():
    with _serving(1024 * 1024) as base:
        try:
            urllib.request.urlopen(f"{base}/sparql?query={BIG}", timeout=30).read()
            pytest.fail("an answer over the cap was sent")
        except urllib.error.HTTPError as exc:
            assert exc.code == 400 and b"larger than 1 MB" in exc.read()
        assert _get(f"{base}/sparql?query={SMALL}") == 200


def test_answers_being_sent_are_bounded_in_total(big_literal_server: str):
    """A client that does not read holds its answer's bytes; the next big answer waits its turn (503)."""
    base = big_literal_server
    port = int(base.rsplit(":", 1)[1])
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", port))
    try:
        slow.sendall(f"GET /sparql?query={BIG} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        time.sleep(3)  # the first answer is being sent, and stuck
        assert _get(f"{base}/sparql?query={BIG}", timeout=30) == 503
        assert _get(f"{base}/sparql?query={SMALL}") == 200  # small answers still go out
    finally:
        slow.close()


def test_a_request_sent_a_byte_at_a_time_is_cut_off(big_literal_server: str):
    port = int(big_literal_server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as s:
        start = time.monotonic()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for byte in b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\nX-Padding: " + b"a" * 400:
                s.sendall(bytes([byte]))
                time.sleep(0.1)
        assert time.monotonic() - start < READ_TIMEOUT + 10, "a trickling client was kept past the read timeout"
