"""serve against a hostile operator's command line and hostile clients: bind failures are one line,
a client that goes away mid-answer is at most one log line, the Server header names only iimgraph."""

from __future__ import annotations

import socket
import struct
import threading
import time
import urllib.parse
import urllib.request

import pytest

from iimgraph import __version__
from iimgraph.query.engines import OxigraphEngine
from iimgraph.web.serve import Endpoint, make_server

from .conftest import assert_clean_failure, run_cli


def test_a_taken_port_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        run = run_cli("serve", "--host", "127.0.0.1", "--port", str(port), time_limit=60)
    assert_clean_failure(run, mentions=f"cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_a_port_out_of_range_is_one_line(port):
    run = run_cli("serve", "--port", port, time_limit=60)
    assert_clean_failure(run, mentions="--port")


def test_an_invalid_host_is_one_line():
    run = run_cli("serve", "--host", "no.such.host.invalid", "--port", "0", time_limit=60)
    assert_clean_failure(run, mentions="cannot listen on no.such.host.invalid")


@pytest.fixture(scope="module")
def server():
    srv = make_server("127.0.0.1", 0, endpoint=Endpoint(OxigraphEngine(), timeout=20, max_rows=10_000), quiet=False)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_the_server_header_is_iimgraph_and_its_version_only(server):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/sparql?query=ASK%7B%7D", timeout=20) as answer:
        assert answer.headers["Server"] == f"iimgraph/{__version__}"


def test_a_client_that_disconnects_mid_answer_is_no_traceback(server, capfd):
    query = urllib.parse.quote("SELECT * WHERE { ?s ?p ?o }")
    request = (f"GET /sparql?query={query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Accept: application/sparql-results+json\r\n\r\n").encode()
    for _ in range(5):
        client = socket.create_connection(("127.0.0.1", server.server_port), timeout=20)
        client.sendall(request)
        client.recv(1)   # the answer has started
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()   # a reset, mid-answer
    with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/sparql?query=ASK%7B%7D", timeout=20):
        pass   # the server still answers
    err = ""
    deadline = time.monotonic() + 20   # until each reset has been handled (a log line or a traceback)
    while time.monotonic() < deadline and err.count("disconnected") + err.count("Traceback") < 5:
        err += capfd.readouterr().err
        time.sleep(0.05)
    assert "Traceback" not in err, err[:3000]
    assert sum("disconnected" in line for line in err.splitlines()) <= 5
