"""``serve`` against a hostile host and hostile clients: bind failures are one line, clients that
hang up mid-answer do not flood the operator's log, the Server header names no Python version."""

from __future__ import annotations

import socket
import struct
import subprocess
import time
import urllib.request

import pytest

from iimgraph import __version__
from tests.cli import popen_cli
from tests.servers import free_port, stop, wait_until_up

from .conftest import assert_clean_failure, run_cli


def test_a_taken_port_is_one_line():
    """Before: internal error: OSError: Address already in use."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        run = run_cli("serve", "--port", str(port), time_limit=60)
    assert_clean_failure(run, 2, mentions=f"127.0.0.1:{port}")
    assert "in use" in run.stderr


def test_a_port_out_of_range_is_a_usage_error():
    """Before: internal error: OverflowError."""
    run = run_cli("serve", "--port", "99999", time_limit=60)
    assert run.code == 2
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert "0<=x<=65535" in run.stderr or "65535" in run.stderr


def test_an_invalid_host_is_one_line():
    """Before: internal error: gaierror."""
    run = run_cli("serve", "--host", "no such host!", "--port", "0", time_limit=60)
    assert_clean_failure(run, 2, mentions="no such host!")


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = popen_cli("serve", "--port", str(port), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until_up(proc, f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", seconds=120, what="iimgraph serve")
        yield proc, port
    finally:
        stop(proc)


def test_the_server_header_names_no_python_version(server):
    """Before: ``Server: iimgraph-sparql Python/3.x.y``."""
    _, port = server
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=30) as answer:
        assert answer.headers["Server"] == f"iimgraph/{__version__}"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
        assert answer.headers["Server"] == f"iimgraph/{__version__}"


def test_clients_hanging_up_mid_answer_do_not_flood_the_log(server):
    """Before: every disconnect printed a traceback (BrokenPipe / ConnectionReset in the write)."""
    proc, port = server
    query = "SELECT * WHERE { ?s ?p ?o }"  # the row cap's worth of rows: a large answer
    request = (f"GET /sparql?query={urllib.request.quote(query)} HTTP/1.1\r\nHost: x\r\n"
               f"Accept: text/csv\r\n\r\n").encode()
    clients = 20
    for _ in range(clients):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(request)
        sock.recv(1024)  # the answer has started
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # reset, with most of the answer unsent
    # the server still answers, and then its log holds what it said
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=30) as answer:
        assert answer.status == 200
    time.sleep(0.5)
    stop(proc)
    log = proc.stderr.read().decode("utf-8", "replace")  # type: ignore[union-attr]
    assert "Traceback" not in log, log[-3000:]
    disconnects = [line for line in log.splitlines() if "disconnect" in line.lower() or "reset" in line.lower()
                   or "broken pipe" in line.lower()]
    assert len(disconnects) <= clients, log[-3000:]
    assert len(log.splitlines()) <= 2 * clients + 10, log[-3000:]
