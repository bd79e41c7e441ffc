"""serve's answer cache and validators: the same query on the same graph is answered from memory and says so,
every answer has a strong ETag (304 for If-None-Match), and an edited working copy never gets a stale answer."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from iimgraph.build.graph_source import Sources
from iimgraph.query.engines import OxigraphEngine
from iimgraph.web.serve import Endpoint, make_server
from tests.cli import CLI
from tests.servers import free_port, serving_in_thread, stop, wait_until_up
from tests.test_sources_preview import EDIT, PM, copy_with_edit

NT = ('<http://e/a> <http://e/p> "one" .\n<http://e/b> <http://e/p> "two" .\n'
      '<http://e/c> <http://e/p> "three" .\n')
QUERY = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?o"


@contextmanager
def _serving(endpoint: Endpoint) -> Iterator[str]:
    try:
        with serving_in_thread(make_server("127.0.0.1", 0, endpoint=endpoint, quiet=True)) as url:
            yield url
    finally:
        endpoint.close()


def _get(url: str, query: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url + "/sparql?" + urllib.parse.urlencode({"query": query}),
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.parametrize("cache_bytes", [1024 * 1024, 0])
def test_an_answer_has_a_strong_etag_and_if_none_match_gives_304(cache_bytes):
    with _serving(Endpoint(OxigraphEngine(NT.encode()), timeout=20, cache_bytes=cache_bytes)) as url:
        status, headers, body = _get(url, QUERY)
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 3
        tag = headers["ETag"]
        assert tag.startswith('"') and tag.endswith('"') and len(tag) > 10  # strong: no W/
        assert headers["Vary"] == "Accept"
        status, headers, body = _get(url, QUERY, {"If-None-Match": f'"other", {tag}'})
        assert status == 304 and body == b"" and headers["ETag"] == tag
        assert _get(url, QUERY, {"If-None-Match": '"other"'})[0] == 200
        csv = _get(url, QUERY, {"Accept": "text/csv", "If-None-Match": tag})  # another format: other bytes
        assert csv[0] == 200 and csv[1]["ETag"] != tag and csv[2].startswith(b"s,o")


def test_the_same_query_is_answered_from_the_cache_and_says_so():
    endpoint = Endpoint(OxigraphEngine(NT.encode()), timeout=20, max_rows=2)
    with _serving(endpoint) as url:
        first = _get(url, QUERY)
        again = _get(url, QUERY)
        assert first[1]["X-IIMGraph-Cache"] == "miss" and again[1]["X-IIMGraph-Cache"] == "hit"
        assert first[2] == again[2] and first[1]["ETag"] == again[1]["ETag"]
        assert again[1]["X-IIMGraph-Truncated"] == "true"  # the row cap is kept with the answer
        assert len(json.loads(again[2])["results"]["bindings"]) == 2
        tsv = _get(url, QUERY, {"Accept": "text/tab-separated-values"})
        assert tsv[1]["X-IIMGraph-Cache"] == "miss" and tsv[2].startswith(b"?s\t?o\n")
        assert _get(url, QUERY + " ")[1]["X-IIMGraph-Cache"] == "miss"  # the text is the key
    assert endpoint.cache.hits == 1


def test_with_the_cache_off_every_answer_is_the_workers():
    endpoint = Endpoint(OxigraphEngine(NT.encode()), timeout=20, cache_bytes=0)
    with _serving(endpoint) as url:
        for _ in range(3):
            status, headers, _ = _get(url, QUERY)
            assert status == 200 and "X-IIMGraph-Cache" not in headers
    assert len(endpoint.cache) == 0 and endpoint.cache.hits == 0


def test_refused_and_failed_queries_are_not_kept():
    endpoint = Endpoint(OxigraphEngine(NT.encode()), timeout=20)
    with _serving(endpoint) as url:
        service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
        for query in (service, service, "SELECT ?x WHERE { ?x", "SELECT ?x WHERE { ?x"):
            assert _get(url, query)[0] == 400
    assert len(endpoint.cache) == 0


def test_an_edited_working_copy_never_gets_a_stale_answer(tmp_path_factory):
    """serve --sources: the endpoint follows the working copy (it used to answer from the graph it started
    with), and no answer kept for the earlier state is given for the new one."""
    root = copy_with_edit(tmp_path_factory, "edit.ttl", EDIT)
    query = f"SELECT ?c WHERE {{ <{PM}> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }}"
    comments = lambda answer: {b["c"]["value"] for b in json.loads(answer[2])["results"]["bindings"]}  # noqa: E731
    with _serving(Endpoint(source=Sources(root), timeout=30)) as url:
        first = _get(url, query)
        assert comments(first) == {"working-copy note"}
        assert _get(url, query)[1]["X-IIMGraph-Cache"] == "hit"
        edited = root / "clinical" / "edit.ttl"
        edited.write_text(EDIT.replace("working-copy note", "the note, edited"), encoding="utf-8")
        later = time.time() + 2  # a new mtime even where the clock is coarse
        os.utime(edited, (later, later))
        after = _get(url, query)
        assert comments(after) == {"the note, edited"}
        assert after[1]["X-IIMGraph-Cache"] == "miss" and after[1]["ETag"] != first[1]["ETag"]
        assert _get(url, query, {"If-None-Match": first[1]["ETag"]})[0] == 200  # the old tag no longer matches


@pytest.mark.parametrize(("how", "cached"), [((), True), (("--answer-cache-mb", "0"), False)])
def test_serve_turns_the_cache_off_by_option_or_variable(how, cached):
    """``--answer-cache-mb 0`` (or IIMGRAPH_ANSWER_CACHE_MB=0) starts a server that answers every query itself."""
    for args, env in ((how, {}), ((), {"IIMGRAPH_ANSWER_CACHE_MB": "0"} if how else {})):
        port = free_port()
        proc = subprocess.Popen([*CLI, "serve", "--port", str(port), *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**os.environ, **env})
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(proc, url + "/sparql?query=ASK%7B%7D", seconds=30, what="serve")
            assert ("X-IIMGraph-Cache" in _get(url, "ASK {}")[1]) is cached
        finally:
            stop(proc)


def test_the_cache_counts_the_query_text_and_stays_within_its_bytes():
    """Many distinct long queries with tiny answers must not grow the server past its cap (the texts are
    counted, not only the answers)."""
    endpoint = Endpoint(OxigraphEngine(NT.encode()), timeout=20, cache_bytes=64 * 1024)
    padding = "#" + "x" * 4000 + "\n"
    try:
        for n in range(40):
            answer, kept = endpoint.answer(f"{padding}ASK {{ <http://e/a> <http://e/p> \"{n}\" }}")
            assert not kept and answer.answer.body.startswith(b'{"head"')
        assert 0 < endpoint.cache.size <= 64 * 1024
        assert len(endpoint.cache) < 16  # about 4.5 kB each
        last = f"{padding}ASK {{ <http://e/a> <http://e/p> \"39\" }}"
        assert endpoint.answer(last)[1]  # the most recent are kept
        assert not endpoint.answer(f"{padding}ASK {{ <http://e/a> <http://e/p> \"0\" }}")[1]  # the oldest went
    finally:
        endpoint.close()


def test_a_working_copy_that_stops_building_is_503_until_it_builds_again(tmp_path_factory):
    root = copy_with_edit(tmp_path_factory, "edit.ttl", EDIT)
    query = f"SELECT ?c WHERE {{ <{PM}> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }}"
    edited = root / "clinical" / "edit.ttl"
    with _serving(Endpoint(source=Sources(root), timeout=30)) as url:
        assert _get(url, query)[0] == 200
        edited.write_text(EDIT + "\nthis is not Turtle .\n", encoding="utf-8")
        status, _, body = _get(url, query)
        assert status == 503 and b"edit.ttl" in body and b"Traceback" not in body
        edited.write_text(EDIT.replace("working-copy note", "fixed"), encoding="utf-8")
        later = time.time() + 4
        os.utime(edited, (later, later))
        status, _, body = _get(url, query)
        assert status == 200 and {b["c"]["value"] for b in json.loads(body)["results"]["bindings"]} == {"fixed"}
