"""publish loads the release into a real Oxigraph server (PyPI `oxigraph`), and every packaged query
gives the same rows there as on the embedded engines."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

import iimgraph
from iimgraph.cli import cli
from iimgraph.errors import EndpointError
from iimgraph.release.publish import default_query_url, graph_store_url, publish
from tests.needs import TEST_EXTRA, missing
from tests.servers import free_port as _free_port
from tests.servers import oxigraph_binary as _oxigraph_binary
from tests.servers import stop, wait_until_up
from tests.test_queries import EXAMPLES, canonical


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """An Oxigraph server on 127.0.0.1:<free port>, stopped by the finalizer."""
    binary = _oxigraph_binary()
    if binary is None:
        missing("the `oxigraph` server", TEST_EXTRA)
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph-db")
    proc = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base + "/query?query=ASK%7B%7D", seconds=10, what="oxigraph")
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def published(oxigraph_server):
    result = CliRunner().invoke(cli, ["publish", "--endpoint", oxigraph_server + "/store"])
    assert result.exit_code == 0, result.output
    return oxigraph_server


def test_publish_reports_the_count_the_store_gives(published):
    from iimgraph.query.engines import OxigraphEngine

    local = len(OxigraphEngine())
    rows = iimgraph.run_sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", endpoint=published + "/query")
    assert int(rows[0]["n"]) == local > 10_000


def test_publishing_twice_replaces_rather_than_appends(published):
    first = publish(published + "/store")
    second = publish(published + "/store")
    assert first.counted == second.counted == first.sent


def test_publish_into_a_named_graph_leaves_the_default_graph_alone(published):
    report = publish(published + "/store", graph="https://w3id.org/iimgraph/iimgraph.owl")
    assert report.graph == "https://w3id.org/iimgraph/iimgraph.owl" and report.counted == report.sent
    rows = iimgraph.run_sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/iimgraph/iimgraph.owl> "
                               "{ ?s ?p ?o } }", endpoint=published + "/query")
    assert int(rows[0]["n"]) == report.sent


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_query_gives_the_same_rows_on_the_oxigraph_server(published, name):
    remote = iimgraph.run_query(name, EXAMPLES[name], endpoint=published + "/query")
    local = iimgraph.run_query(name, EXAMPLES[name], engine="oxigraph")
    reference = iimgraph.run_query(name, EXAMPLES[name], engine="rdflib")
    assert remote
    assert canonical(remote) == canonical(local) == canonical(reference)


def test_cli_query_with_endpoint(published):
    result = CliRunner().invoke(cli, ["query", "find-by-xref", "-p", "xref=OMIM:160750", "--format", "csv",
                                      "--endpoint", published + "/query"])
    assert result.exit_code == 0
    assert "MONDO:0600024" in result.output


def test_http_errors_from_the_endpoint_are_clear(published):
    with pytest.raises(EndpointError, match="HTTP 4"):
        iimgraph.run_sparql("SELECT * WHERE { ?s ?p }", endpoint=published + "/query")


def test_publish_to_nothing_is_an_endpoint_error_and_exit_2():
    port = _free_port()
    with pytest.raises(EndpointError, match="cannot connect"):
        publish(f"http://127.0.0.1:{port}/store", timeout=3)
    result = CliRunner().invoke(cli, ["publish", "--endpoint", f"http://127.0.0.1:{port}/store", "--timeout", "3"])
    assert result.exit_code == 2 and "cannot connect" in result.output


def test_gsp_urls():
    assert graph_store_url("http://h:1/store", None) == "http://h:1/store?default"
    assert graph_store_url("http://h:1/store", "https://w3id.org/x") == "http://h:1/store?graph=https%3A%2F%2Fw3id.org%2Fx"
    assert default_query_url("http://h:1/store") == "http://h:1/query"
    assert default_query_url("http://h:1/ds/data") == "http://h:1/ds/query"


def test_the_oxigraph_load_recipe_of_the_readme(tmp_path, release_dir):
    """`oxigraph load --location db --file release/iimgraph.nt --graph G` loads every triple of the release."""
    from iimgraph.query.engines import OxigraphEngine

    binary = _oxigraph_binary()
    if binary is None:
        missing("the `oxigraph` server", TEST_EXTRA)
    graph = "https://w3id.org/iimgraph/iimgraph.owl"
    db = tmp_path / "db"
    subprocess.run([binary, "load", "--location", str(db), "--file", str(release_dir / "iimgraph.nt"), "--graph", graph],
                   check=True, capture_output=True, timeout=120)
    answer = subprocess.run([binary, "query", "--location", str(db), "--results-format", "csv", "--query",
                             f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"],
                            check=True, capture_output=True, text=True, timeout=60)
    assert int(answer.stdout.split()[-1]) == len(OxigraphEngine(ntriples=(release_dir / "iimgraph.nt").read_bytes()))


@pytest.mark.parametrize("with_marker", [True, False], ids=["ground-triple guard", "count guard"])
def test_the_replacement_changes_nothing_unless_staging_holds_the_release(with_marker):
    from pyoxigraph import NamedNode, Store

    from iimgraph.query.engines import OxigraphEngine
    from iimgraph.release.publish import ground_triple, replace_update

    release = b"<urn:new> <urn:p> \"n\\u00e9w\"@en .\n_:b <urn:p> <urn:new> .\n"
    marker = ground_triple(OxigraphEngine(ntriples=release)) if with_marker else None
    assert (marker == '<urn:new> <urn:p> "n\u00e9w"@en') is with_marker
    store = Store()
    store.update("INSERT DATA { GRAPH <urn:target> { <urn:old> <urn:p> <urn:o> } GRAPH <urn:other> { <urn:x> <urn:p> <urn:o> } }")
    update = replace_update("urn:target", "urn:staging", marker)
    store.update(update)  # staging missing: nothing changes
    assert {str(q.subject) for q in store.quads_for_pattern(None, None, None, None)} == {"<urn:old>", "<urn:x>"}
    store.update("INSERT DATA { GRAPH <urn:staging> { <urn:new> <urn:p> \"n\u00e9w\"@en . <urn:s> <urn:p> <urn:o> } }")
    store.update(update)
    target = {str(q.subject) for q in store.quads_for_pattern(None, None, None, NamedNode("urn:target"))}
    assert target == {"<urn:new>", "<urn:s>"}


@pytest.mark.parametrize("name, extra", [("iimgraph.nt", []), ("iimgraph.ttl", []),
                                         ("iimgraph.owl", ["--format", "application/rdf+xml"])])
def test_the_oxigraph_load_recipes_of_the_release_readme(tmp_path, release_dir, name, extra):
    """The release README's `oxigraph load` lines, as written there, load every triple of the release."""
    from iimgraph.query.engines import OxigraphEngine

    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server (pip install oxigraph, in the test extra) is not installed")
    readme = " ".join((release_dir / "README.md").read_text().split())
    line = f"oxigraph load --location store --file {name}" + "".join(f" {a}" for a in extra)
    assert line in readme or name == "iimgraph.ttl"
    db = tmp_path / "store"
    subprocess.run([binary, "load", "--location", str(db), "--file", str(release_dir / name), *extra],
                   check=True, capture_output=True, timeout=300)
    answer = subprocess.run([binary, "query", "--location", str(db), "--results-format", "csv", "--query",
                             "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"], check=True, capture_output=True, text=True,
                            timeout=60)
    assert int(answer.stdout.split()[-1]) == len(OxigraphEngine(ntriples=(release_dir / "iimgraph.nt").read_bytes()))
