"""A second real SPARQL store: Debian's Virtuoso (virtuoso-opensource), started here on 127.0.0.1.

publish replaces its default graph (held in a stand-in named graph: Virtuoso's default graph is the
union of its named graphs) and a named graph, leaves no staging graph behind, also when it fails, and
every packaged query gives the same rows there as on the embedded engine, each within its timeout.
One server for the module: it starts in a few seconds.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from click.testing import CliRunner

import iimgraph
from iimgraph.cli import cli
from iimgraph.errors import PublishError
from iimgraph.query.catalogue import get_query
from iimgraph.query.engines import OxigraphEngine
from iimgraph.query.http import request
from iimgraph.release.publish import ANSWER_KEPT, DEFAULT_STAND_IN, STAGING, default_query_url, publish
from tests.needs import missing
from tests.servers import isql, start_virtuoso, stop, virtuoso_binary
from tests.test_queries import EXAMPLES, MARKED, canonical

pytestmark = pytest.mark.virtuoso

NAMED = "https://w3id.org/iimgraph/iimgraph.owl"
QUERY_TIMEOUT = 20.0  # seconds per packaged query (the default is 60)


@pytest.fixture(scope="module")
def server(tmp_path_factory, release_dir):
    """(base URL, SQL port) of a Virtuoso whose SPARQL user may update and whose bulk loader may read
    the release folder; stopped by the finalizer."""
    if virtuoso_binary() is None:
        missing("Virtuoso (virtuoso-t)", "apt-get install virtuoso-opensource")
    proc, base, sql_port = start_virtuoso(tmp_path_factory.mktemp("virtuoso-db"), allowed=[release_dir])
    try:
        yield base, sql_port
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def virtuoso(server):
    return server[0]


def sparql_over(base: str, graph: str) -> str:
    """The query URL whose default graph is ``graph`` alone (not the union of every graph the store holds)."""
    return f"{base}/sparql?default-graph-uri={urllib.parse.quote(graph, safe='')}"


def staging_graphs(base: str) -> list[str]:
    rows = iimgraph.run_sparql(f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}',
                               endpoint=base + "/sparql")
    return [str(r["g"]) for r in rows]


def count(base: str, graph: str) -> int:
    rows = iimgraph.run_sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", endpoint=base + "/sparql")
    return int(rows[0]["n"])


@pytest.fixture(scope="module")
def published(virtuoso):
    """The release in Virtuoso's default graph (through the CLI, as a user runs it) and in a named graph."""
    result = CliRunner().invoke(cli, ["publish", "--endpoint", virtuoso + "/sparql-graph-crud"])
    assert result.exit_code == 0, result.output
    assert f"held in <{DEFAULT_STAND_IN}>" in result.output
    report = publish(virtuoso + "/sparql-graph-crud", graph=NAMED)
    assert report.counted == report.sent
    return virtuoso


def test_the_query_and_update_services_are_beside_the_graph_store():
    assert default_query_url("http://h:8890/sparql-graph-crud") == "http://h:8890/sparql"


def test_publish_to_the_default_graph_twice_replaces_and_leaves_no_staging_graph(published):
    local = len(OxigraphEngine())
    first = publish(published + "/sparql-graph-crud")
    second = publish(published + "/sparql-graph-crud")
    assert first.stand_in == second.stand_in == DEFAULT_STAND_IN and first.graph is None
    assert first.counted == second.counted == local == count(published, DEFAULT_STAND_IN)
    assert staging_graphs(published) == []


def test_a_full_named_graph_is_replaced_by_a_full_release_within_seconds(published):
    """The replacement of a full target (the other tests replace an empty or a one-triple one). With a count
    subquery as the guard, Virtuoso's planner sometimes ran that count once per target triple, and the
    replacement outlasted any timeout (in CI, twice in a row); the guard is now one ground triple."""
    graph = "urn:iimgraph:test:replaced"
    publish(published + "/sparql-graph-crud", graph=graph, timeout=30)
    report = publish(published + "/sparql-graph-crud", graph=graph, timeout=30)
    assert report.counted == report.sent == count(published, graph) > 10_000
    request("POST", published + "/sparql", data=f"DROP SILENT GRAPH <{graph}>".encode(), what="drop", timeout=30,
            headers={"Content-Type": "application/sparql-update"}, max_bytes=ANSWER_KEPT, truncate=True)
    assert staging_graphs(published) == []


def test_publish_into_a_named_graph_leaves_the_default_graph_alone(published):
    report = publish(published + "/sparql-graph-crud", graph=NAMED, ntriples=b"<urn:a> <urn:b> <urn:c> .\n")
    try:
        assert report.counted == report.sent == count(published, NAMED) == 1
        assert count(published, DEFAULT_STAND_IN) == len(OxigraphEngine())
    finally:
        assert publish(published + "/sparql-graph-crud", graph=NAMED).counted > 10_000


def test_a_failed_replacement_leaves_the_previous_release_and_no_staging_graph(published):
    before = count(published, DEFAULT_STAND_IN)
    with pytest.raises(PublishError, match="while replacing the default graph"):
        publish(published + "/sparql-graph-crud", update_url=published + "/no-update-service",
                ntriples=b"<urn:a> <urn:b> <urn:c> .\n", timeout=10)
    assert count(published, DEFAULT_STAND_IN) == before
    assert staging_graphs(published) == []


def sort_keys(name: str) -> list[str]:
    """The variables the query's ORDER BY names (inside expressions too); empty without ORDER BY."""
    text = get_query(name).text
    clause = re.findall(r"^ORDER\s+BY\b(.*)$", text, re.I | re.M)
    return re.findall(r"\?(\w+)", clause[-1]) if clause else []


#: queries whose DISTINCT Virtuoso 7.2.5 sometimes does not apply: treatments came back now and then (on a fresh
#: server, about one run in three) with every solution of its pattern, 122 rows for 97 distinct ones, identical in
#: every column, and the same text sent again gave 97. Rewritten with GROUP BY, or with the DISTINCT in a
#: subquery ordered outside, it did the same, so the test drops such repeated rows for these queries only,
#: after checking that the embedded engine has none. Every other query must come back exactly.
VIRTUOSO_REPEATS_ROWS = {"treatments"}


def on_virtuoso(name: str, params: dict, url: str, local: list[dict]) -> list[dict]:
    """The rows Virtuoso gives, with repeats dropped for :data:`VIRTUOSO_REPEATS_ROWS` alone (first one kept)."""
    remote = iimgraph.run_query(name, params, endpoint=url, timeout=QUERY_TIMEOUT)
    if name not in VIRTUOSO_REPEATS_ROWS:
        return remote
    assert len(set(canonical(local))) == len(local), "the embedded engine repeats rows: the query lost its DISTINCT"
    seen: set[tuple] = set()
    kept = []
    for row in remote:
        key = canonical([row])[0]
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


@pytest.mark.parametrize("graph", [DEFAULT_STAND_IN, NAMED], ids=["default", "named"])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_query_gives_the_same_rows_on_virtuoso(published, name, graph):
    local = iimgraph.run_query(name, EXAMPLES[name], engine="oxigraph")
    remote = on_virtuoso(name, EXAMPLES[name], sparql_over(published, graph), local)
    assert remote
    assert canonical(remote) == canonical(local)
    keys = [k for k in sort_keys(name) if k in local[0]]
    if keys:  # in the same order, as far as the ORDER BY tells (rows that tie may come in any order)
        def order(rows: list[dict]) -> list[tuple]:
            return [tuple(r[k].key() if r[k] is not None else () for k in keys) for r in rows]

        assert order(remote) == order(local)


@pytest.mark.parametrize("name, params", MARKED)
def test_queries_with_parameters_repeated_in_union_branches_give_the_same_rows_on_virtuoso(published, name, params):
    local = iimgraph.run_query(name, params, engine="oxigraph")
    assert canonical(on_virtuoso(name, params, sparql_over(published, NAMED), local)) == canonical(local)


def test_the_bulk_loader_recipe_of_the_readme_loads_the_release(server, release_dir):
    base, sql_port = server
    graph = "https://w3id.org/iimgraph/test/bulk-loaded"
    recipe = (f"SPARQL CLEAR GRAPH <{graph}>; DELETE FROM DB.DBA.load_list WHERE ll_graph = '{graph}'; "
              f"ld_dir('{release_dir}', 'iimgraph.nt', '{graph}'); rdf_loader_run(); checkpoint;")
    for _ in range(2):  # and again: the graph is replaced, not added to
        isql(sql_port, recipe)
        assert count(base, graph) == len(OxigraphEngine(ntriples=(release_dir / "iimgraph.nt").read_bytes()))
    rows = iimgraph.run_query("subtypes", EXAMPLES["subtypes"], endpoint=f"{base}/sparql?default-graph-uri={graph}")
    assert canonical(rows) == canonical(iimgraph.run_query("subtypes", EXAMPLES["subtypes"]))
    isql(sql_port, f"SPARQL DROP SILENT GRAPH <{graph}>;")


def test_compare_gives_booleans(published):
    rows = iimgraph.run_query("compare", EXAMPLES["compare"], endpoint=sparql_over(published, NAMED))
    assert {type(r["in_a"].to_python()) for r in rows} == {bool}
    assert {str(r["in_a"]) for r in rows} <= {"true", "false"}
