"""Shared fixtures: the built release graph (once per session) and the packaged reference tables."""

from __future__ import annotations

import csv
import http.server
import os
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (the README's command): one worker more than the cores this process may use. Several
    modules mostly wait on a server (publish's recovery tests wait out a store's quiet period: 216 s of
    wall for 121 s of CPU), and a worker that waits leaves its core idle."""
    return len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) + 1


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="session")
def graph():
    from iimgraph import load_graph

    return load_graph()


@pytest.fixture(scope="session")
def canonical_graph(graph):
    """The release graph with canonical blank nodes, computed once: serialising it skips that step."""
    from iimgraph.release.export import canonical

    return canonical(graph)


#: the version the shared release folder is written with
RELEASE_VERSION = "2026-11-21"


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory) -> Path:
    """One release folder for every test that only reads it (writing a release takes seconds)."""
    from iimgraph.release.release import write_release

    out = tmp_path_factory.mktemp("release")
    write_release(out, version=RELEASE_VERSION)
    return out


@pytest.fixture(scope="session")
def release_graph(graph):
    """The release graph stamped with :data:`RELEASE_VERSION`, as :func:`release_dir` writes it."""
    from iimgraph import build_graph

    return build_graph(version=RELEASE_VERSION)


@pytest.fixture(scope="session")
def graph_fingerprint(graph) -> tuple[int, int, str]:
    from tests.graphs import fingerprint

    return fingerprint(graph)


@pytest.fixture(scope="session")
def release_fingerprint(release_graph) -> tuple[int, int, str]:
    from tests.graphs import fingerprint

    return fingerprint(release_graph)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    from iimgraph.resources import reference_dir

    return reference_dir()


@pytest.fixture(scope="session")
def mondo_classes(reference_dir: Path) -> list[dict[str, str]]:
    return read_tsv(reference_dir / "mondo_iim_classes.tsv")


@pytest.fixture(scope="session")
def core_ids(mondo_classes) -> set[str]:
    """The 28 subtree classes plus inclusion body myositis."""
    return {r["mondo_id"] for r in mondo_classes
            if r["scope"] in ("iim_root", "iim_subtree", "iim_related_outside_mondo_iim_subtree")}


@pytest.fixture
def trap():
    """A loopback HTTP server that records every request: proof that a refused query fetched nothing."""
    hits: list[str] = []

    class Trap(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sparql", hits
    finally:
        server.shutdown()
        server.server_close()
