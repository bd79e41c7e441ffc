"""Bytes that reach a terminal, a report or a pull request: control characters (ESC/OSC/BEL, C1, bidi
overrides) from curator data, from a hostile endpoint's error answer and from the caller's own input are
escaped wherever text meets a terminal or a JSON string meant for one; the Markdown report escapes HTML
and shows links from outside the project as code.

Before: an OSC sequence in a label retitled the terminal from ``validate``'s text report and from a
``sparql --sources`` table, an endpoint's error body reached the one-line error raw, ``rank --format json``
carried a U+202E raw, and ``validate --format md`` carried ``<!--``, ``<h3>``, ``<img>`` and
``javascript:`` links into the pull-request comment.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import assert_clean_failure, run_cli

#: what must never reach a terminal raw (tab and newline are layout)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: JSON escapes C0 itself: what a JSON string meant for a terminal must not carry raw either
UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

OSC = "\x1b]0;pwned\x07"
NASTY = f"Evil{OSC}\x1b[31mred\x9b\u202eegassem"
HTML = "<!-- hidden --> <h3>big</h3> <img src=x onerror=alert(1)> [click](javascript:alert(1)) https://evil.example/x"


def unsafe(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in UNSAFE.findall(text)})


@pytest.fixture(scope="module")
def hostile_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged sources plus one class whose label, second label and xref carry the hostile text
    (a label with a trailing space and an xref that is not a CURIE, so findings quote them)."""
    folder = tmp_path_factory.mktemp("hostile") / "ontology"
    shutil.copytree(ROOT / "ontology", folder)
    (folder / "hostile.ttl").write_text(f'''@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
<https://w3id.org/iimgraph/term/hostile> a owl:Class ;
    rdfs:label "{NASTY} {HTML} ", "{NASTY}" ;
    oboInOwl:hasDbXref "{NASTY}" ;
    rdfs:subClassOf <http://purl.obolibrary.org/obo/MONDO_0016367> .
''', encoding="utf-8")
    return folder


@pytest.fixture
def cache(tmp_path: Path) -> dict[str, str]:
    return {"IIMGRAPH_CACHE_DIR": str(tmp_path / "cache")}


def test_validate_text_report_escapes_curator_text(hostile_sources: Path):
    run = run_cli("validate", "--no-reason", str(hostile_sources))
    assert run.code == 1, run.stderr
    assert "iimt:hostile" in run.stdout and "Evil" in run.stdout
    assert unsafe(run.stdout) == [], run.stdout[-1000:]
    assert "\\x1b]0;pwned\\x07" in run.stdout and "\\u202e" in run.stdout  # shown, escaped


def test_validate_json_keeps_the_values_without_raw_controls(hostile_sources: Path):
    run = run_cli("validate", "--no-reason", "--format", "json", str(hostile_sources))
    assert run.code == 1, run.stderr
    assert UNSAFE_IN_JSON.findall(run.stdout) == []
    values = {f.get("value") for t in json.loads(run.stdout)["terms"] for f in t["findings"]}
    assert NASTY in values  # the same value, escaped only as JSON text


def test_validate_markdown_escapes_html_and_links_from_outside(hostile_sources: Path):
    run = run_cli("validate", "--no-reason", "--format", "md", str(hostile_sources))
    assert run.code == 1, run.stderr
    text = run.stdout
    assert "iimt:hostile" in text
    assert unsafe(text) == []
    for raw in ("<!--", "<h3>", "<img", "](javascript:", "[click]"):
        assert raw not in text, raw
    outside_code = re.sub(r"`[^`]*`", "", text)
    assert "https://evil.example" not in outside_code, "a link from outside the project would be rendered"
    assert "javascript:" not in outside_code


def test_sparql_table_over_sources_escapes_curator_text(hostile_sources: Path, cache: dict[str, str]):
    query = 'SELECT ?l WHERE { <https://w3id.org/iimgraph/term/hostile> rdfs:label ?l }'
    run = run_cli("sparql", query, "--sources", str(hostile_sources), env=cache, time_limit=120)
    assert run.code == 0, run.stderr
    assert "Evil" in run.stdout and unsafe(run.stdout) == [], run.stdout


def test_sparql_table_escapes_the_callers_own_literal():
    run = run_cli("sparql", 'SELECT ?x WHERE { BIND("a\\u001b]0;t\\u0007b\\u202ec" AS ?x) }')
    assert run.code == 0, run.stderr
    assert "a" in run.stdout and unsafe(run.stdout) == [], run.stdout


def test_sparql_json_has_no_raw_controls():
    run = run_cli("sparql", 'SELECT ?x WHERE { BIND("a\\u0085b\\u202ec" AS ?x) }', "--format", "json")
    assert run.code == 0, run.stderr
    assert UNSAFE_IN_JSON.findall(run.stdout) == []
    assert json.loads(run.stdout)["results"]["bindings"][0]["x"]["value"] == "a\x85b\u202ec"


def test_rank_json_escapes_the_callers_text():
    run = run_cli("rank", "HP:0003326", "Proximal muscle weakness\u202e", "--format", "json")
    assert run.code == 0, run.stderr
    assert UNSAFE_IN_JSON.findall(run.stdout) == [] and unsafe(run.stderr) == []
    givens = [f["given"] for f in json.loads(run.stdout)["findings"]]
    assert "Proximal muscle weakness\u202e" in givens


def test_a_one_line_error_escapes_the_callers_input():
    run = run_cli("query", f"no-such{OSC}\u202equery")
    assert_clean_failure(run)
    assert unsafe(run.stderr) == [], run.stderr


@pytest.fixture
def hostile_endpoint() -> Iterator[str]:
    """An endpoint that answers every request with a 400 whose reason and body carry terminal escapes."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def answer() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    body = f"bad query {OSC}\x1b[2J\u202e\x9b tail".encode()
                    conn.sendall(b"HTTP/1.1 400 Bad \x1b]0;x\x07Request\r\nContent-Type: text/plain\r\n"
                                 b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
                except OSError:
                    pass

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql"
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def test_an_endpoints_error_answer_is_escaped_in_the_one_line_error(hostile_endpoint: str):
    run = run_cli("sparql", "ASK { ?s ?p ?o }", "--endpoint", hostile_endpoint)
    assert_clean_failure(run, mentions="400")
    assert unsafe(run.stderr) == [], repr(run.stderr)
    assert "bad query" in run.stderr
