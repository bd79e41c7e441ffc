"""The on-disk store: companions next to the IIM graph, loaded once, reloaded only when they change."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest

from iimgraph import run_sparql
from iimgraph.build.cache import release_ntriples
from iimgraph.errors import IIMGraphError, SourceError
from iimgraph.io.rdf import open_rdf
from iimgraph.query.engines import OxigraphEngine
from iimgraph.query.run import execute
from iimgraph.query.store import IIM_GRAPH, MANIFEST, open_store
from tests.cli import CLI

COMPANION_DISEASE = "http://purl.obolibrary.org/obo/MONDO_9999999"

CLASSES_TTL = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
<http://purl.obolibrary.org/obo/MONDO_9999999> rdfs:label "companion disease" ;
  oboInOwl:hasDbXref "OMIM:160750" ;
  rdfs:subClassOf <http://purl.obolibrary.org/obo/MONDO_0016367> .
"""

ASSOCIATION_NT = """\
<https://example.org/assoc/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/biolink/vocab/DiseaseToPhenotypicFeatureAssociation> .
<https://example.org/assoc/1> <https://w3id.org/biolink/vocab/subject> <http://purl.obolibrary.org/obo/MONDO_9999999> .
<https://example.org/assoc/1> <https://w3id.org/biolink/vocab/object> <http://purl.obolibrary.org/obo/HP_0003701> .
<https://example.org/assoc/1> <https://w3id.org/biolink/vocab/has_evidence> <https://w3id.org/iimgraph/vocab/evidence/TAS> .
"""


@pytest.fixture(scope="module", autouse=True)
def warm_cache() -> None:
    release_ntriples()


@pytest.fixture
def companions(tmp_path: Path) -> tuple[Path, Path]:
    ttl = tmp_path / "classes.ttl"
    ttl.write_text(CLASSES_TTL, encoding="utf-8")
    ntgz = tmp_path / "associations.nt.gz"
    ntgz.write_bytes(gzip.compress(ASSOCIATION_NT.encode()))
    return ttl, ntgz


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True,
                          timeout=300, env=env)


def rows(proc: subprocess.CompletedProcess) -> list[dict]:
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def loaded_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("iimgraph: loaded ")]


# --- the union --------------------------------------------------------------------------------------


def test_packaged_queries_see_the_iim_graph_and_every_companion(tmp_path, companions):
    ttl, ntgz = companions
    store = tmp_path / "store"
    found = rows(cli("query", "find-by-xref", "-p", "xref=OMIM:160750", "--store", str(store),
                     "--with", str(ttl), "--with", str(ntgz), "--format", "json"))
    diseases = {r["disease"] for r in found}
    assert "http://purl.obolibrary.org/obo/MONDO_0600024" in diseases  # from the IIM graph
    assert COMPANION_DISEASE in diseases  # from the Turtle companion
    # an association from the gzip N-Triples companion, on a disease labelled in the Turtle one,
    # under a phenotype labelled in the IIM graph
    pheno = rows(cli("query", "diseases-with-phenotype", "-p", "phenotype=HP:0003701", "--store", str(store),
                     "--format", "json"))
    mine = [r for r in pheno if r["disease"] == COMPANION_DISEASE]
    assert mine and mine[0]["label"] == "companion disease" and mine[0]["phenotype_label"]
    assert len(pheno) > len(mine)  # the IIM graph's own rows are still there
    manifest = json.loads((store / MANIFEST).read_text())
    assert set(manifest["companions"]) == {str(ttl.resolve()), str(ntgz.resolve())}
    assert manifest["companions"][str(ntgz.resolve())]["size"] == ntgz.stat().st_size
    assert manifest["iim"]["triples"] == len(OxigraphEngine())


def default_graph_size(handle) -> int:
    """Triples in the store's own default graph (not the union the engine reads)."""
    return int(next(iter(handle.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value)


def test_companions_share_the_default_graph_and_the_iim_graph_is_its_own(tmp_path, companions):
    # the default graph is what the engine's own bulk load fills (three indexes, not six): 1.5x faster
    ttl, ntgz = companions
    handle = open_store(tmp_path / "s", [ttl, ntgz], say=lambda m: None)
    try:
        engine = OxigraphEngine(store=handle)
        result = engine.execute("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        counts = {str(r["g"]): int(str(r["n"])) for r in result.rows}
        assert counts == {IIM_GRAPH: len(OxigraphEngine())}
        assert default_graph_size(handle) == 3 + 4
        assert handle.loaded == [IIM_GRAPH, *(str(p.resolve()) for p in (ttl, ntgz))]
    finally:
        handle.close()


def test_a_changed_companion_rebuilds_the_store_with_the_others_still_in(tmp_path, companions):
    ttl, ntgz = companions
    folder = tmp_path / "s"
    open_store(folder, [ttl, ntgz], say=lambda m: None).close()
    ttl.write_text(CLASSES_TTL.replace("companion disease", "companion disorder"), encoding="utf-8")
    os.utime(ttl, ns=(ttl.stat().st_atime_ns, ttl.stat().st_mtime_ns + 10**9))
    messages: list[str] = []
    handle = open_store(folder, [ttl], say=messages.append)
    try:
        assert any(m.startswith("rebuilding the store") and "changed" in m for m in messages), messages
        labels = run_sparql(f"SELECT ?l WHERE {{ <{COMPANION_DISEASE}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}",
                            engine=OxigraphEngine(store=handle))
        assert [str(r["l"]) for r in labels] == ["companion disorder"]  # the old label is gone
        assert default_graph_size(handle) == 3 + 4  # the other companion was loaded again
        assert set(handle.manifest["companions"]) == {str(ttl.resolve()), str(ntgz.resolve())}
        assert "pending" not in handle.manifest
    finally:
        handle.close()


# --- loaded once ------------------------------------------------------------------------------------


def test_second_call_reads_nothing_and_a_change_reloads(tmp_path, companions):
    ttl, _ = companions
    store = tmp_path / "store"
    args = ("query", "search", "-p", "text=companion", "--store", str(store), "--with", str(ttl), "--format", "json")
    first = cli(*args)
    assert [r["term"] for r in rows(first)] == [COMPANION_DISEASE]
    assert len(loaded_lines(first)) == 1
    manifest = (store / MANIFEST).read_bytes()

    # same size and mtime, other bytes: a call that re-parsed the file would see the new label
    stat = ttl.stat()
    ttl.write_text(CLASSES_TTL.replace("companion disease", "companion dizease"), encoding="utf-8")
    os.utime(ttl, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = cli(*args)
    assert [r["label"] for r in rows(second)] == ["companion disease"]
    assert loaded_lines(second) == []
    assert (store / MANIFEST).read_bytes() == manifest

    # a real change (new mtime): reloaded, old triples gone
    ttl.write_text(CLASSES_TTL.replace("companion disease", "companion disorder"), encoding="utf-8")
    os.utime(ttl, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    third = cli(*args)
    assert [r["label"] for r in rows(third)] == ["companion disorder"]
    assert len(loaded_lines(third)) == 1


def test_touched_but_unchanged_file_is_not_reloaded(tmp_path, companions):
    ttl, _ = companions
    messages: list[str] = []
    open_store(tmp_path / "s", [ttl], say=messages.append).close()
    assert sum(m.startswith("loaded ") for m in messages) == 1
    stat = ttl.stat()
    os.utime(ttl, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5 * 10**9))
    messages.clear()
    handle = open_store(tmp_path / "s", [ttl], say=messages.append)
    handle.close()
    assert messages == []
    assert handle.manifest["companions"][str(ttl.resolve())]["mtime_ns"] == stat.st_mtime_ns + 5 * 10**9


def test_store_alone_reopens_with_what_was_loaded(tmp_path, companions):
    ttl, _ = companions
    open_store(tmp_path / "s", [ttl], say=lambda m: None).close()
    handle = open_store(tmp_path / "s", say=lambda m: None)
    try:
        assert handle.loaded == []
        rows_ = run_sparql(f"SELECT ?l WHERE {{ <{COMPANION_DISEASE}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}", engine=OxigraphEngine(store=handle))
        assert [str(r["l"]) for r in rows_] == ["companion disease"]
    finally:
        handle.close()


def test_changed_iim_sources_replace_the_iim_graph_alone(tmp_path, companions, monkeypatch):
    ttl, _ = companions
    folder = tmp_path / "s"
    messages: list[str] = []
    open_store(folder, [ttl], say=messages.append).close()
    before = json.loads((folder / MANIFEST).read_text())

    import iimgraph.build.cache as cache

    new_release = b'<http://purl.obolibrary.org/obo/MONDO_0600023> <http://www.w3.org/2000/01/rdf-schema#label> "renamed" .\n'
    monkeypatch.setattr(cache, "sources_digest", lambda folder: "a-new-sources-hash")
    monkeypatch.setattr(cache, "release_ntriples", lambda: new_release)
    messages.clear()
    handle = open_store(folder, [ttl], say=messages.append)
    try:
        assert handle.loaded == [IIM_GRAPH]
        assert messages == []  # the companion was not re-read
        after = handle.manifest
        assert after["iim"]["key"] == "a-new-sources-hash" and after["iim"]["triples"] == 1
        assert after["companions"] == before["companions"]
        engine = OxigraphEngine(store=handle)
        labels = execute("search", {"text": "renamed"}, engine=engine).rows
        assert [str(r["term"]) for r in labels] == ["http://purl.obolibrary.org/obo/MONDO_0600023"]
        assert execute("search", {"text": "dermatomyositis"}, engine=engine).rows == []  # old graph gone
        assert execute("search", {"text": "companion"}, engine=engine).rows  # companion kept
    finally:
        handle.close()


def test_a_load_killed_midway_is_rebuilt_next_time(tmp_path, companions):
    import pyoxigraph as ox

    ttl, ntgz = companions
    folder = tmp_path / "s"
    open_store(folder, [ttl], say=lambda m: None).close()
    # what a loader killed while loading ntgz leaves: the file listed as pending, stray triples
    manifest = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**manifest, "pending": [str(ttl.resolve()), str(ntgz.resolve())]}))
    raw = ox.Store(str(folder / "oxigraph"))
    raw.add(ox.Quad(ox.NamedNode("http://example.org/half"), ox.NamedNode("http://example.org/p"), ox.Literal("x")))
    del raw
    handle = open_store(folder, say=lambda m: None)
    try:
        assert run_sparql("ASK { <http://example.org/half> ?p ?o }", engine=OxigraphEngine(store=handle))[0]["ask"] == "false"
        assert default_graph_size(handle) == 3 + 4  # both files the killed call meant to hold
        assert "pending" not in json.loads((folder / MANIFEST).read_text())
    finally:
        handle.close()


def test_a_store_of_the_named_graph_layout_is_rebuilt(tmp_path, companions):
    import pyoxigraph as ox

    ttl, _ = companions
    folder = tmp_path / "s"
    open_store(folder, [ttl], say=lambda m: None).close()
    manifest = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**manifest, "format": 1}))  # what an older iimgraph wrote
    raw = ox.Store(str(folder / "oxigraph"))
    raw.clear_graph(ox.DefaultGraph())
    raw.add(ox.Quad(ox.NamedNode(COMPANION_DISEASE), ox.NamedNode("http://example.org/p"), ox.Literal("old"),
                    ox.NamedNode(ttl.resolve().as_uri())))
    del raw
    messages: list[str] = []
    handle = open_store(folder, say=messages.append)
    try:
        assert any("older iimgraph" in m for m in messages), messages
        assert [g.value for g in handle.store.named_graphs()] == [IIM_GRAPH]
        assert default_graph_size(handle) == 3
        assert json.loads((folder / MANIFEST).read_text())["format"] == 2
    finally:
        handle.close()


def test_an_interrupted_load_is_cleaned_up(tmp_path, companions):
    import pyoxigraph as ox

    ttl, _ = companions
    folder = tmp_path / "s"
    open_store(folder, [ttl], say=lambda m: None).close()
    # what a killed loader leaves: triples in a graph the manifest does not list
    raw = ox.Store(str(folder / "oxigraph"))
    raw.add(ox.Quad(ox.NamedNode("http://example.org/half"), ox.NamedNode("http://example.org/p"),
                    ox.Literal("x"), ox.NamedNode("file:///half-loaded.nt")))
    del raw
    handle = open_store(folder, say=lambda m: None)
    try:
        assert [g.value for g in handle.store.named_graphs() if g.value.endswith("half-loaded.nt")] == []
        assert run_sparql("ASK { <http://example.org/half> ?p ?o }", engine=OxigraphEngine(store=handle))[0]["ask"] == "false"
    finally:
        handle.close()


def test_default_store_lives_in_the_cache(tmp_path, companions):
    ttl, _ = companions
    cache = tmp_path / "cache"
    cache.mkdir()
    from iimgraph import __version__
    from iimgraph.build.cache import cache_dir, sources_digest
    from iimgraph.resources import ontology_dir

    name = f"release-{__version__}-{sources_digest(ontology_dir())}.nt"
    (cache / name).write_bytes((cache_dir() / name).read_bytes())
    env = {**os.environ, "IIMGRAPH_CACHE_DIR": str(cache)}
    proc = cli("query", "search", "-p", "text=companion", "--with", str(ttl), "--format", "json", env=env)
    assert [r["term"] for r in rows(proc)] == [COMPANION_DISEASE]
    stores = list((cache / "stores").iterdir())
    assert len(stores) == 1 and (stores[0] / MANIFEST).is_file()


# --- bad input --------------------------------------------------------------------------------------


BAD_FILES = {
    "broken.ttl": (b"<http://a> <http://b> .\n", "not valid Turtle"),
    "broken.nt.gz": (gzip.compress(b"<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n"),
                     "not valid N-Triples (gzip)"),
    "truncated.nt.gz": (gzip.compress(b"<http://a> <http://b> <http://c> .\n" * 1000)[:-40], "truncated gzip"),
    "functional.owl": (b"Prefix(:=<http://example.org/>)\nOntology(<http://example.org/o>)\n",
                       "OWL functional syntax is not RDF"),
    "dataset.nq": (b"<http://a> <http://b> <http://c> <http://g> .\n", "holds named graphs"),
    # read before its named graph is seen: its triples are in with the others', so the next call rebuilds
    "dataset.jsonld": (b'{"@id": "http://g", "@graph": [{"@id": "http://a", "http://b": "c"}], "http://d": "e"}',
                       "holds named graphs"),
    "obographs.json": (b'{"graphs": [{"nodes": []}]}', "OBO Graphs JSON is not RDF"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_companion_is_one_line_exit_2_and_leaves_the_store_usable(tmp_path, companions, name):
    ttl, _ = companions
    content, message = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(content)
    store = tmp_path / "store"
    proc = cli("query", "search", "-p", "text=companion", "--store", str(store), "--with", str(ttl),
               "--with", str(bad))
    assert proc.returncode == 2
    errors = proc.stderr.strip().splitlines()
    assert len([e for e in errors if e.startswith("iimgraph: error:")]) == 1
    assert errors[-1].startswith(f"iimgraph: error: {bad}") and message in errors[-1]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    manifest = json.loads((store / MANIFEST).read_text())
    assert str(bad.resolve()) not in manifest["companions"]
    again = cli("query", "search", "-p", "text=companion", "--store", str(store), "--format", "json")
    assert [r["term"] for r in rows(again)] == [COMPANION_DISEASE]
    graphs = rows(cli("sparql", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "--store", str(store),
                      "--format", "json"))
    assert {r["g"] for r in graphs} == {IIM_GRAPH}
    leftover = cli("sparql", "ASK { ?s <http://d> ?o }", "--store", str(store), "--format", "json")
    assert json.loads(leftover.stdout)["boolean"] is False  # nothing of the bad file (dataset.jsonld's triple)


@pytest.mark.parametrize("args, message", [
    (("--with", "/no/such/file.ttl"), "/no/such/file.ttl: no such file"),
    (("--with", "{ttl}", "--engine", "rdflib"), "oxigraph engine"),
    (("--with", "{ttl}", "--endpoint", "http://127.0.0.1:9/sparql"), "cannot be combined with an endpoint"),
    (("--store", "{notstore}"), "not an iimgraph store"),
])
def test_misuse_is_one_line_exit_2(tmp_path, companions, args, message):
    ttl, _ = companions
    notstore = tmp_path / "home"
    notstore.mkdir()
    (notstore / "precious.txt").write_text("keep me")
    args = tuple(a.format(ttl=ttl, notstore=notstore) for a in args)
    proc = cli("query", "find-by-xref", "-p", "xref=OMIM:160750", *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert sorted(p.name for p in notstore.iterdir()) == ["precious.txt"]


def test_open_rdf_detects_formats_by_suffix_and_content(tmp_path):
    cases = {
        "a.ttl": (b"<http://a> <http://b> <http://c> .", "Turtle"),
        "a.nt.gz": (gzip.compress(b"<http://a> <http://b> <http://c> .\n"), "N-Triples (gzip)"),
        "a.owl": (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
                  "RDF/XML"),
        "a.owl.gz": (gzip.compress(b"@prefix owl: <http://www.w3.org/2002/07/owl#> ."), "Turtle (gzip)"),
        "a.json": (b'{"@id": "http://a", "http://b": "c"}', "JSON-LD"),
        "noext": (gzip.compress(b"<http://a> <http://b> <http://c> ."), "Turtle (gzip)"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with open_rdf(path) as source:
            assert source.format_name == expected, name
            source.stream.read()
            source.drain()
            import hashlib

            assert source.sha256() == hashlib.sha256(content).hexdigest()
    with pytest.raises(SourceError, match="OWL/XML is not RDF"):
        path = tmp_path / "x.owl"
        path.write_bytes(b'<?xml version="1.0"?>\n<Ontology xmlns="http://www.w3.org/2002/07/owl#"/>')
        with open_rdf(path):
            pass
    assert issubclass(SourceError, IIMGraphError)
