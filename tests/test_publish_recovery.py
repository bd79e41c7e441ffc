"""publish under faults on both real stores (Oxigraph server from PyPI; Debian's Virtuoso, marker
``virtuoso``), each started here on 127.0.0.1, with a fault-injecting proxy in front where needed.

After every fault the target holds the previous release or the new one, complete, no staging graph
remains (or the message names it), and the message says which release the store holds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import iimgraph
from iimgraph.build.cache import release_ntriples
from iimgraph.errors import PublishError
from iimgraph.query.engines import OxigraphEngine
from iimgraph.query.http import request
from iimgraph.release.publish import ANSWER_KEPT, STAGING, publish
from tests.cli import CLI
from tests.faultproxy import FaultProxy, Rule
from tests.servers import free_port, isql, oxigraph_binary, start_virtuoso, stop, virtuoso_binary, wait_until_up

TARGET = "https://w3id.org/iimgraph/test/target"
PREVIOUS = (b'<https://w3id.org/iimgraph/test/a> <http://www.w3.org/2000/01/rdf-schema#label> "previous release" .\n'
            b'<https://w3id.org/iimgraph/test/a> <http://www.w3.org/2000/01/rdf-schema#comment> "kept" .\n'
            b'<https://w3id.org/iimgraph/test/b> <http://www.w3.org/2000/01/rdf-schema#label> "b" .\n')


@dataclass
class Store:
    """A real store: its base URL and the paths of its three services."""
    name: str
    base: str
    gsp: str
    query: str
    update: str
    sql_port: int | None = None  # Virtuoso's, for isql-vt

    def urls(self, base: str | None = None) -> dict[str, str]:
        """publish's URL arguments, through ``base`` (a proxy) or straight to the store."""
        b = base or self.base
        return {"store_url": b + self.gsp, "query_url": b + self.query, "update_url": b + self.update}

    def cli_urls(self, base: str) -> list[str]:
        return ["--endpoint", base + self.gsp, "--query-endpoint", base + self.query, "--update-endpoint", base + self.update]

    def count(self, graph: str) -> int:
        rows = iimgraph.run_sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                                   endpoint=self.base + self.query, timeout=60)
        return int(rows[0]["n"])

    def staging(self) -> list[str]:
        rows = iimgraph.run_sparql(f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} '
                                   f'FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}', endpoint=self.base + self.query, timeout=60)
        return [str(r["g"]) for r in rows]

    def put(self, graph: str, data: bytes) -> None:
        """The previous release, written straight with the Graph Store Protocol (not through publish)."""
        from iimgraph.release.publish import graph_store_url

        request("PUT", graph_store_url(self.base + self.gsp, graph), data=data, timeout=60, what="PUT",
                headers={"Content-Type": "application/n-triples"}, max_bytes=ANSWER_KEPT, truncate=True)

    def settled(self, graph: str, seconds: float = 30) -> int:
        """The count of ``graph`` once it stopped changing (a store may still be working on a lost request)."""
        last, deadline = -1, time.monotonic() + seconds
        while time.monotonic() < deadline:
            n = self.count(graph)
            if n == last:
                return n
            last = n
            time.sleep(1.0)
        return last


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory) -> Iterator[Store]:
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server (pip install oxigraph, in the test extra) is not installed")
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph-recovery")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base + "/query?query=ASK%7B%7D", seconds=10, what="oxigraph")
        yield Store("oxigraph", base, "/store", "/query", "/update")
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory) -> Iterator[Store]:
    if virtuoso_binary() is None:
        pytest.skip("Virtuoso (virtuoso-t, Debian package virtuoso-opensource) is not installed")
    proc, base, sql_port = start_virtuoso(tmp_path_factory.mktemp("virtuoso-recovery"))
    try:
        yield Store("virtuoso", base, "/sparql-graph-crud", "/sparql", "/sparql", sql_port)
    finally:
        stop(proc)


BOTH = [pytest.param("oxigraph", id="oxigraph"), pytest.param("virtuoso", id="virtuoso", marks=pytest.mark.virtuoso)]


@pytest.fixture(params=BOTH)
def store(request) -> Store:  # type: ignore[no-untyped-def]
    s: Store = request.getfixturevalue(request.param)
    s.put(TARGET, PREVIOUS)
    for g in s.staging():
        request_drop(s, g)
    return s


def request_drop(store: Store, graph: str) -> None:
    request("POST", store.base + store.update, data=f"DROP SILENT GRAPH <{graph}>".encode(), timeout=60, what="drop",
            headers={"Content-Type": "application/sparql-update"}, max_bytes=ANSWER_KEPT, truncate=True)


@pytest.fixture(scope="module")
def new_release() -> bytes:
    return release_ntriples()


@pytest.fixture(scope="module")
def new_count(new_release) -> int:
    return len(OxigraphEngine(ntriples=new_release))


@pytest.fixture
def proxy(store) -> Iterator[FaultProxy]:  # type: ignore[no-untyped-def]
    p = FaultProxy(store.base)
    yield p
    p.close()


def assert_old_or_new(store: Store, new_count: int, message: str) -> str:
    """The target holds one release, complete; the message says which; staging is gone or named."""
    held = store.settled(TARGET)
    assert held in (3, new_count), f"the target holds {held} triples, neither release: {message}"
    which = "new" if held == new_count else "previous"
    assert f"the {which} release" in message, message
    left = store.staging()
    assert all(g in message for g in left), f"staging graphs {left} left and not named: {message}"
    return which


# --- 1. a failure during or after the replacement ---------------------------------------------------


def test_a_store_that_applies_half_the_replacement_is_restored_from_staging(store, proxy, new_release, new_count):
    """A store without transactions that stops between the DELETE and the INSERT leaves the target empty;
    publish finds that out, fills the target from staging, and only then drops staging."""
    proxy.rules.append(Rule("replace", "half"))
    with pytest.raises(PublishError) as failed:
        publish(graph=TARGET, ntriples=new_release, timeout=30, **store.urls(proxy.url))
    message = str(failed.value)
    assert assert_old_or_new(store, new_count, message) == "new"
    assert "restored" in message and store.staging() == []


@pytest.mark.parametrize("status", [500, 403])
def test_a_refused_replacement_keeps_the_previous_release_and_drops_staging(store, proxy, new_release, new_count, status):
    proxy.rules.append(Rule("replace", "fail", status=status))
    with pytest.raises(PublishError) as failed:
        publish(graph=TARGET, ntriples=new_release, timeout=30, **store.urls(proxy.url))
    assert assert_old_or_new(store, new_count, str(failed.value)) == "previous"
    assert store.staging() == []


def test_a_replacement_whose_answer_is_lost_reports_what_the_store_did(store, proxy, new_release, new_count):
    """The store did the replacement but its answer was lost (a 500 after the work): the message says
    the new release is in place, not that the previous one may be."""
    proxy.rules.append(Rule("replace", "fail-after"))
    with pytest.raises(PublishError) as failed:
        publish(graph=TARGET, ntriples=new_release, timeout=30, **store.urls(proxy.url))
    assert assert_old_or_new(store, new_count, str(failed.value)) == "new"
    assert store.staging() == []


def test_a_client_timeout_during_the_replacement(store, proxy, new_release, new_count):
    """The client gives up while the store works on the replacement (the store sees it go away)."""
    proxy.rules.append(Rule("replace", "cut", seconds=0.3))
    with pytest.raises(PublishError) as failed:
        publish(graph=TARGET, ntriples=new_release, timeout=30, **store.urls(proxy.url))
    assert_old_or_new(store, new_count, str(failed.value))
    assert store.staging() == []


@pytest.mark.parametrize("kind, after, expected", [
    ("query", "upload", "previous"),   # the count of the staging graph
    ("drop", "replace", "new"),        # the drop of staging once the target is replaced
    ("query", "drop", "new"),          # the count afterwards
], ids=["count-staging", "drop-staging", "final-count"])
def test_a_client_timeout_at_the_other_steps(store, proxy, new_release, new_count, kind, after, expected):
    proxy.rules.append(Rule(kind, "cut", seconds=0.1, after=after))
    with pytest.raises(PublishError) as failed:
        publish(graph=TARGET, ntriples=new_release, timeout=30, **store.urls(proxy.url))
    assert proxy.kinds().count(kind) >= 1
    assert assert_old_or_new(store, new_count, str(failed.value)) == expected
    assert store.staging() == []


# --- 2. staging never left behind ------------------------------------------------------------------


def test_a_timeout_during_the_upload_leaves_no_staging_graph(store, proxy, new_release, new_count):
    """The client gives up on the PUT while the store goes on loading it: the drop must wait for the store."""
    proxy.rules.append(Rule("upload", "cut", seconds=0.05))
    with pytest.raises(PublishError) as failed:
        publish(graph=TARGET, ntriples=new_release, timeout=30, **store.urls(proxy.url))
    message = str(failed.value)
    assert assert_old_or_new(store, new_count, message) == "previous"
    time.sleep(3)  # a PUT still running at the store would show up now
    assert store.staging() == []
    # the store never answered the PUT: whether all of it is still in a buffer cannot be known, so the
    # message names the staging graph and the way to remove it (a loaded CI machine saw it land after 10 s)
    staging = message.split("may load <", 1)[-1].split(">", 1)[0]
    assert staging.startswith(STAGING) and "run publish again, which removes it first" in message, message


def test_stale_staging_graphs_of_earlier_runs_are_removed_first(store, new_release, new_count):
    stale = STAGING + "0123456789abcdef"
    store.put(stale, PREVIOUS)
    report = publish(graph=TARGET, ntriples=new_release, timeout=60, **store.urls())
    assert report.counted == new_count and store.staging() == []
    assert stale in str(report)


def test_a_store_that_answers_500_after_staging(store, proxy, new_release, new_count):
    """Every request after the upload fails: publish cannot drop staging, and says so, naming it."""
    proxy.rules.append(Rule("*", "fail", status=500, times=None, after="upload"))
    with pytest.raises(PublishError) as failed:
        publish(graph=TARGET, ntriples=new_release, timeout=10, **store.urls(proxy.url))
    message = str(failed.value)
    assert store.settled(TARGET) == 3
    assert all(g in message for g in store.staging()), message
    assert store.staging(), "the proxy refused the drop, so staging is still there"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("step", ["upload", "replace"])
def test_a_signal_mid_publish_drops_staging(store, proxy, new_count, sig, step):
    """The signal arrives while the store works on the step's request (held 2 s at the proxy)."""
    env = {**os.environ}
    proc = subprocess.Popen([*CLI, "publish", *store.cli_urls(proxy.url), "--graph", TARGET, "--timeout", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proxy.rules.append(Rule(step, "call", seconds=2.0, callback=lambda: proc.send_signal(sig)))
    _, err = proc.communicate(timeout=120)
    message = err.decode()
    assert proc.returncode == 128 + sig, message
    assert message.count("\n") == 1 and "Traceback" not in message, message
    assert_old_or_new(store, new_count, message)
    assert store.staging() == []


# --- a user who may read but not write ---------------------------------------------------------------


def assert_refused_cleanly(store: Store, message: str) -> None:
    assert "the previous release is still in place" in message, message
    assert store.count(TARGET) == 3 and store.staging() == []


@pytest.mark.virtuoso
def test_a_read_only_sparql_user_on_virtuoso(virtuoso, new_release):
    virtuoso.put(TARGET, PREVIOUS)
    isql(virtuoso.sql_port, 'REVOKE SPARQL_UPDATE FROM "SPARQL";')  # type: ignore[arg-type]
    try:
        with pytest.raises(PublishError) as failed:
            publish(graph=TARGET, ntriples=new_release, timeout=30, **virtuoso.urls())
    finally:
        isql(virtuoso.sql_port, 'GRANT SPARQL_UPDATE TO "SPARQL";')  # type: ignore[arg-type]
    assert_refused_cleanly(virtuoso, str(failed.value))


def test_a_read_only_oxigraph_server(tmp_path, new_release):
    """``oxigraph serve-read-only`` on a database holding the previous release."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server (pip install oxigraph, in the test extra) is not installed")
    location = tmp_path / "db"
    previous = tmp_path / "previous.nt"
    previous.write_bytes(PREVIOUS)
    subprocess.run([binary, "load", "--location", str(location), "--file", str(previous), "--graph", TARGET],
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    proc = subprocess.Popen([binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(proc, base + "/query?query=ASK%7B%7D", seconds=10, what="oxigraph")
        store = Store("oxigraph", base, "/store", "/query", "/update")
        with pytest.raises(PublishError) as failed:
            publish(graph=TARGET, ntriples=new_release, timeout=30, **store.urls())
        assert_refused_cleanly(store, str(failed.value))
    finally:
        stop(proc)
