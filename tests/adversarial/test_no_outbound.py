"""No input in the corpus makes iimgraph connect anywhere: the loopback trap counts every connection.

``test_files.py`` checks this per file case. Here: a positive control (the trap and the proxy
variables really catch an outbound request, so the checks can fail), and a generic sweep of the
query corpus (``queries/``): every ``.rq`` there goes through ``iimgraph sparql`` on both embedded
engines, with every HTTP proxy variable pointing at the trap too, so a request to any host counts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Listener, materialise, run_cli
from .test_files import proxy_env

QUERIES = Path(__file__).resolve().parent / "queries"
QUERY_CASES = sorted(p.name for p in QUERIES.glob("*.rq")) if QUERIES.is_dir() else []


def test_the_trap_catches_a_request_to_any_host(listener: Listener):
    before = listener.connections
    code = "import urllib.request\ntry:\n urllib.request.urlopen('http://example.org/x', timeout=5)\nexcept Exception:\n pass"
    subprocess.run([sys.executable, "-c", code], env=proxy_env(listener), timeout=30, check=True)
    assert listener.connections == before + 1


@pytest.mark.skipif(not QUERY_CASES, reason="no query corpus (tests/adversarial/queries/*.rq) yet")
@pytest.mark.parametrize("name", QUERY_CASES or ["-"])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_no_query_case_connects(name: str, engine: str, listener: Listener, tmp_path: Path):
    target = materialise(QUERIES / name, listener, tmp_path)
    before = listener.connections
    run = run_cli("sparql", str(target), "--engine", engine, "--timeout", "5", env=proxy_env(listener))
    assert listener.connections == before, f"{name} on {engine} connected to the trap"
    assert "Traceback" not in run.stderr, run.stderr[-1500:]
