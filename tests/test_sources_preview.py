"""Issue 15: a curator previews a working copy: ``query``/``sparql``/``serve --sources DIR`` read the graph built from DIR."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import CLI, invoke
from tests.servers import free_port, stop, wait_until_up

EDIT = """@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

obo:MONDO_0019127 oboInOwl:hasDbXref "OMIM:160750" ;
    rdfs:comment "working-copy note" .
"""
PM = "http://purl.obolibrary.org/obo/MONDO_0019127"


def copy_with_edit(tmp_path_factory, name: str, edit: str) -> Path:
    """A working copy of the packaged sources with one more file, ``clinical/<name>``."""
    from iimgraph.resources import ontology_dir

    root = tmp_path_factory.mktemp("wc") / "ontology"
    shutil.copytree(ontology_dir(), root)
    (root / "clinical" / name).write_text(edit, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def working_copy(tmp_path_factory) -> Path:
    return copy_with_edit(tmp_path_factory, "edit.ttl", EDIT)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return invoke(*args)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_query_sources_reads_the_working_copy(working_copy, engine):
    packaged = _cli("query", "find-by-xref", "-p", "xref=OMIM:160750", "--format", "json", "--engine", engine)
    edited = _cli("query", "find-by-xref", "-p", "xref=OMIM:160750", "--format", "json", "--engine", engine,
                  "--sources", str(working_copy))
    assert packaged.returncode == 0 and edited.returncode == 0, packaged.stderr + edited.stderr
    diseases = lambda proc: {b["disease"]["value"] for b in json.loads(proc.stdout)["results"]["bindings"]}  # noqa: E731
    assert PM not in diseases(packaged)
    assert diseases(edited) == diseases(packaged) | {PM}


def test_sparql_sources_reads_the_working_copy(working_copy):
    query = f'SELECT ?c WHERE {{ <{PM}> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }}'
    proc = _cli("sparql", query, "--format", "csv", "--sources", str(working_copy))
    assert proc.returncode == 0, proc.stderr
    assert "working-copy note" in proc.stdout
    assert "working-copy note" not in _cli("sparql", query, "--format", "csv").stdout


def test_sources_must_be_a_folder_and_is_local(tmp_path, working_copy):
    proc = _cli("query", "subtypes", "-p", "root=MONDO:0600023", "--sources", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "nope" in proc.stderr
    proc = _cli("query", "subtypes", "-p", "root=MONDO:0600023", "--sources", str(working_copy),
                "--endpoint", "http://127.0.0.1:9/sparql")
    assert proc.returncode == 2 and "--sources" in proc.stderr and "Traceback" not in proc.stderr


@contextlib.contextmanager
def serving(sources: Path) -> Iterator[str]:
    """`iimgraph serve --sources DIR` on a free port, until the block ends; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port), "--sources", str(sources)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, url + "/sparql?query=ASK%7B%7D", seconds=120, what="serve --sources")
        yield url
    finally:
        stop(proc)


def test_serve_sources_serves_the_working_copy(working_copy):
    with serving(working_copy) as url:
        query = f'SELECT ?c WHERE {{ <{PM}> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }}'
        with urllib.request.urlopen(f"{url}/sparql?query={urllib.parse.quote(query)}", timeout=60) as answer:
            rows = json.loads(answer.read())["results"]["bindings"]
        assert [r["c"]["value"] for r in rows] == ["working-copy note"]
        with urllib.request.urlopen(f"{url}/term/MONDO_0019127?format=ttl", timeout=120) as answer:
            assert "working-copy note" in answer.read().decode("utf-8")


#: a working-copy edit of a ranking profile: eosinophilic fasciitis gets flexion contracture, very frequent
PROFILE_EDIT = """@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix biolink: <https://w3id.org/biolink/vocab/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix iim: <https://w3id.org/iimgraph/vocab/> .
@prefix iimc: <https://w3id.org/iimgraph/claim/> .
@prefix iimsrc: <https://w3id.org/iimgraph/source/> .

iimc:working-copy-edit a biolink:DiseaseToPhenotypicFeatureAssociation, iim:Claim ;
    biolink:subject obo:MONDO_0009175 ;
    biolink:predicate biolink:has_phenotype ;
    biolink:object obo:HP_0001371 ;
    biolink:has_evidence <https://w3id.org/iimgraph/vocab/evidence/CUR> ;
    biolink:frequency_qualifier obo:HP_0040281 ;
    dcterms:source iimsrc:hpo-annotations-2025-01-16 .
"""
FINDINGS = ("HP:0003326", "HP:0001371")  # myalgia, flexion contracture
FASCIITIS = "MONDO:0009175"


@pytest.fixture(scope="module")
def edited_profile(tmp_path_factory) -> Path:
    return copy_with_edit(tmp_path_factory, "profile_edit.ttl", PROFILE_EDIT)


def _claims(ranking: dict, disease: str) -> set[str]:
    row = next(r for r in ranking["results"] if r["disease"] == disease)
    return {t["claim"] for t in row["terms"] if t.get("claim")}


def test_rank_sources_ranks_with_the_working_copy(edited_profile):
    """The library and `rank --sources` read the edited profile; the release does not have it."""
    import iimgraph

    released = iimgraph.rank(list(FINDINGS))
    edited = iimgraph.rank(list(FINDINGS), sources=edited_profile)
    fasciitis = lambda result: next(r for r in result.rows if r.disease == FASCIITIS)  # noqa: E731
    assert fasciitis(edited).post_test_probability > fasciitis(released).post_test_probability
    proc = _cli("rank", *FINDINGS, "--format", "json", "--sources", str(edited_profile))
    assert proc.returncode == 0, proc.stderr
    assert "iimc:working-copy-edit" in _claims(json.loads(proc.stdout), FASCIITIS)


def test_serve_sources_ranks_with_the_working_copy(edited_profile):
    """`serve --sources DIR` answers /rank from the working copy (it answered from the release)."""
    with serving(edited_profile) as url, \
            urllib.request.urlopen(f"{url}/rank?hpo={','.join(FINDINGS)}", timeout=120) as answer:
        ranking = json.loads(answer.read())
    assert "iimc:working-copy-edit" in _claims(ranking, FASCIITIS)
    released = _cli("rank", *FINDINGS, "--format", "json")
    assert released.returncode == 0, released.stderr
    assert "iimc:working-copy-edit" not in _claims(json.loads(released.stdout), FASCIITIS)


def _edit(path: Path, text: str) -> None:
    """Rewrite ``path`` so that its size and modification time both change (what an editor's save does)."""
    import os

    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_python_session_sees_an_edit_to_its_working_copy(tmp_path_factory, engine):
    """A long-lived process (a notebook) asks again after the curator saves: the answer follows the edit."""
    import iimgraph

    wc = copy_with_edit(tmp_path_factory, "note.ttl", EDIT)
    query = f'SELECT ?c WHERE {{ <{PM}> <http://www.w3.org/2000/01/rdf-schema#comment> ?c }}'
    first = iimgraph.run_sparql(query, sources=wc, engine=engine, timeout=None)
    _edit(wc / "clinical" / "note.ttl", EDIT.replace("working-copy note", "second, longer working-copy note"))
    second = iimgraph.run_sparql(query, sources=wc, engine=engine, timeout=None)
    assert [r["c"] for r in first] == ["working-copy note"]
    assert [r["c"] for r in second] == ["second, longer working-copy note"]


def test_a_python_session_sees_an_edit_to_a_companion_file(tmp_path):
    import iimgraph
    from iimgraph.build.graph_source import Store

    companion = tmp_path / "extra.ttl"
    companion.write_text('<http://example.org/a> <http://example.org/says> "one" .\n', encoding="utf-8")
    source = Store(tmp_path / "store", [companion])
    query = "SELECT ?o WHERE { <http://example.org/a> <http://example.org/says> ?o }"
    first = iimgraph.run_sparql(query, source=source, timeout=None)
    _edit(companion, '<http://example.org/a> <http://example.org/says> "two, later" .\n')
    second = iimgraph.run_sparql(query, source=source, timeout=None)
    assert [r["o"] for r in first] == ["one"] and [r["o"] for r in second] == ["two, later"]


def test_a_python_session_ranks_with_the_edited_working_copy(tmp_path_factory):
    """The ranking data of a working copy is read again after the curator saves an edit to it."""
    import iimgraph

    wc = copy_with_edit(tmp_path_factory, "profile_edit.ttl", "# the curator's new file, still empty\n")
    fasciitis = lambda result: next(r for r in result.rows if r.disease == FASCIITIS)  # noqa: E731
    before = iimgraph.rank(list(FINDINGS), sources=wc)
    _edit(wc / "clinical" / "profile_edit.ttl", PROFILE_EDIT)
    after = iimgraph.rank(list(FINDINGS), sources=wc)
    assert fasciitis(after).post_test_probability > fasciitis(before).post_test_probability
