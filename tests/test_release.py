"""Issue 6: exports, the release folder, byte stability, atomic writes and the semantic diff."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from iimgraph.formats import WRITABLE, RdfFormat
from iimgraph.io.rdf import parse_data
from iimgraph.namespaces import display_curie as curie
from iimgraph.release.export import serialize
from iimgraph.terms import BIOLINK, IIM, SSSOM
from tests.cli import CLI, invoke, run_cli
from tests.graphs import fingerprint, same_graph

from .conftest import ROOT


@pytest.mark.parametrize("fmt", [f.value for f in WRITABLE])
def test_every_export_format_parses_back_to_the_release_graph(canonical_graph, graph_fingerprint, fmt):
    """The formats agree: same triples (the fingerprint); one isomorphism check per product is in
    test_release_files_match_the_manifest_and_the_graph."""
    assert fingerprint(parse_data(serialize(canonical_graph, fmt, already_canonical=True), fmt)) == graph_fingerprint


def test_release_files_match_the_manifest_and_the_graph(release_dir, release_graph, release_fingerprint):
    manifest = json.loads((release_dir / "manifest.json").read_text())
    assert manifest["version"] == "2026-11-21"
    assert manifest["version_iri"] == "https://w3id.org/iimgraph/releases/2026-11-21/iimgraph.owl"
    assert "iimsrc:mondo-2026-08" in manifest["upstream_sources"]
    assert manifest["upstream_sources"]["iimsrc:mondo-2026-08"]["commit"].startswith("fad2512")
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((release_dir / name).read_bytes()).hexdigest() == entry["sha256"], name
    for name in ("iimgraph.ttl", "iimgraph.nt", "iimgraph.owl", "iimgraph.jsonld", "iimgraph.context.jsonld",
                 "iimgraph.sssom.tsv", "phenotype.hpoa", "phenotype.mondo.hpoa", "void.ttl", "iimgraph-base.ttl"):
        assert name in manifest["files"], name
    assert any(n.startswith("shapes/") for n in manifest["files"])
    # the one whole-graph isomorphism check of the full product; its other formats agree with it
    assert same_graph(parse_data((release_dir / "iimgraph.nt").read_bytes(), "nt"), release_graph)
    for name, fmt in (("iimgraph.ttl", "ttl"), ("iimgraph.owl", "owl")):
        assert fingerprint(parse_data((release_dir / name).read_bytes(), fmt)) == release_fingerprint, name
    void = Graph().parse(release_dir / "void.ttl")
    dataset = URIRef("https://w3id.org/iimgraph/releases/2026-11-21/void#dataset")
    triples = void.value(dataset, URIRef("http://rdfs.org/ns/void#triples"))
    assert int(triples) == len(release_graph)


def test_jsonld_carries_the_shipped_context_inline(release_dir, release_fingerprint, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access during JSON-LD parsing")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    doc = json.loads((release_dir / "iimgraph.jsonld").read_text())
    context = json.loads((release_dir / "iimgraph.context.jsonld").read_text())  # still published, for portals
    assert context["@context"]["label"] == "rdfs:label"
    assert doc["@context"] == context["@context"]
    g = parse_data((release_dir / "iimgraph.jsonld").read_bytes(), RdfFormat.JSONLD)
    assert fingerprint(g) == release_fingerprint


def _offline(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """No socket may connect, and PyLD's document loader refuses every URL: a context must be inline."""
    import pyld.jsonld

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access while loading JSON-LD: {args[1:] or kwargs}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(pyld.jsonld, "_default_document_loader", refuse)


def _load_three_ways(path: Path) -> dict[str, Graph]:
    """The same JSON-LD file read alone by rdflib, PyLD and pyoxigraph (each as the tool would, no base, no context file)."""
    import pyld.jsonld
    import pyoxigraph

    data = path.read_bytes()
    graphs = {"rdflib": Graph().parse(data=data, format="json-ld")}
    doc = json.loads(data)
    graphs["pyld"] = Graph().parse(data=pyld.jsonld.to_rdf(doc, {"format": "application/n-quads"}), format="nt")
    quads = pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.JSON_LD)
    graphs["pyoxigraph"] = Graph().parse(data="".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads),
                                         format="nt")
    store = pyoxigraph.Store()
    store.load(data, format=pyoxigraph.RdfFormat.JSON_LD)
    assert len(store) == len(graphs["pyoxigraph"]), "pyoxigraph.Store loads every triple"
    return graphs


@pytest.mark.parametrize("how", ["export", "build", "release"])
def test_a_lone_jsonld_file_loads_in_rdflib_pyld_and_oxigraph_offline(tmp_path, monkeypatch, release_dir, how,
                                                                     graph_fingerprint, release_fingerprint):
    if how == "release":
        path = tmp_path / "alone" / "iimgraph.jsonld"  # copied away from its context file
        path.parent.mkdir()
        shutil.copy(release_dir / "iimgraph.jsonld", path)
        expected = release_fingerprint
    else:
        path = tmp_path / "g.jsonld"
        proc = invoke(how, "--format", "jsonld", "--out", str(path))
        assert proc.returncode == 0, proc.stderr
        expected = graph_fingerprint
    _offline(monkeypatch)
    for tool, graph in _load_three_ways(path).items():
        assert fingerprint(graph) == expected, tool


def test_sssom_has_required_columns_and_one_row_per_mapping(release_dir, release_graph):
    lines = [ln for ln in (release_dir / "iimgraph.sssom.tsv").read_text().splitlines() if not ln.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    for col in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
        assert col in rows[0], col
    meta = [ln for ln in (release_dir / "iimgraph.sssom.tsv").read_text().splitlines() if ln.startswith("#")]
    assert any(ln.startswith("#license:") for ln in meta) and any(ln.startswith("#mapping_set_id:") for ln in meta)
    n_axioms = len(set(release_graph.subjects(SSSOM.mapping_justification, None)))
    assert len(rows) == n_axioms
    assert len({(r["subject_id"], r["predicate_id"], r["object_id"], r["mapping_source"]) for r in rows}) == len(rows)


def test_hpoa_has_one_row_per_curated_phenotype_annotation(release_dir, release_graph):
    lines = [ln for ln in (release_dir / "phenotype.mondo.hpoa").read_text().splitlines() if not ln.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    assert list(rows[0]) == ["database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset",
                             "frequency", "sex", "modifier", "aspect", "biocuration"]
    curated = [n for n in release_graph.subjects(RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation)
               if release_graph.value(n, BIOLINK.has_evidence) != IIM["evidence/ITM"]]
    inheritance = [n for n in release_graph.subjects(RDF.type, IIM.InheritanceObservation)
                   if str(release_graph.value(n, BIOLINK.object)).startswith("http://purl.obolibrary.org/obo/HP_")]
    # one row per (disease, term, qualifier), however many claims state it (HPO, Orphadata, dismech)
    stated = {(release_graph.value(n, BIOLINK.subject), release_graph.value(n, BIOLINK.object),
               str(release_graph.value(n, BIOLINK.negated)).lower() == "true") for n in curated + inheritance}
    assert len(rows) == len(stated) > 0
    assert len({(r["database_id"], r["hpo_id"], r["qualifier"]) for r in rows}) == len(rows)
    pairs = {(r["database_id"], r["hpo_id"]) for r in rows}
    assert all((curie(release_graph.value(n, BIOLINK.subject)), curie(release_graph.value(n, BIOLINK.object))) in pairs
               for n in curated + inheritance)
    assert all(r["evidence"] != "ITM" for r in rows)
    familial = [r for r in rows if r["database_id"] == "MONDO:0600024" and r["hpo_id"] == "HP:0000006"]
    assert familial and familial[0]["aspect"] == "I" and "OMIM:160750" in familial[0]["reference"]


def test_base_leaves_out_external_term_descriptions(release_graph):
    from iimgraph.release.release import base_graph

    base = base_graph(release_graph)
    hp = URIRef("http://purl.obolibrary.org/obo/HP_0003701")
    assert release_graph.value(hp, RDFS.label) is not None
    assert base.value(hp, RDFS.label) is None
    pm = URIRef("http://purl.obolibrary.org/obo/MONDO_0019127")
    assert base.value(pm, RDFS.label) == Literal("polymyositis")
    assert len(set(base.subjects(RDF.type, IIM.Claim))) == len(set(release_graph.subjects(RDF.type, IIM.Claim)))


def test_two_releases_in_two_processes_are_byte_identical(tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"r{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([*CLI, "release", "--out", str(out), "--version", "9.9.9"], env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert len(files) >= 12
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel


def test_failed_export_keeps_the_old_file_and_leaves_no_partial(tmp_path, monkeypatch, graph):
    from iimgraph.atomic import write_bytes_atomic
    from iimgraph.release.export import serialize

    out = tmp_path / "g.ttl"
    out.write_text("old content")

    def broken(self, *args, **kwargs):  # the writer dies halfway through
        raise KeyboardInterrupt

    monkeypatch.setattr("os.fsync", broken)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(out, serialize(graph, "ttl"))
    assert out.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["g.ttl"]


def _copy_sources(tmp_path: Path) -> Path:
    src = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", src)
    return src


def test_diff_names_exactly_the_changes_made(tmp_path, release_dir):
    src = _copy_sources(tmp_path)
    cls = src / "classification.ttl"
    text = cls.read_text()
    text = text.replace('rdfs:label "overlap myositis" ;', 'rdfs:label "overlap myositis (edited)" ;', 1)
    text = text.replace('oboInOwl:hasRelatedSynonym "adult onset dermatomyositis" ;',
                        'oboInOwl:hasRelatedSynonym "adult onset dermatomyositis" ;\n'
                        '    oboInOwl:hasExactSynonym "adult DM" ;', 1)
    cls.write_text(text)
    sssom = src / "mappings" / "iimgraph.sssom.tsv"
    lines = sssom.read_text().splitlines(keepends=True)
    removed = next(i for i, ln in enumerate(lines) if ln.startswith("MONDO:0600024\t") and "\tOMIM:160750\t" in ln
                   and "hasDbXref" in ln)
    del lines[removed]
    sssom.write_text("".join(lines))
    clin = next((src / "clinical").glob("treatments.ttl"))
    ttl = clin.read_text()
    first_claim = ttl.index("\niimc:")
    end = ttl.index(" .\n", first_claim) + 3
    claim_iri = ttl[first_claim + 1:].split()[0]
    clin.write_text(ttl[:first_claim + 1] + ttl[end:])

    proc = invoke("diff", str(release_dir), str(src), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    changes = {(c["kind"], c["term"], c["detail"]) for c in json.loads(proc.stdout)["changes"]}
    assert changes == {
        ("label_changed", "MONDO:0016099", "overlap myositis -> overlap myositis (edited)"),
        ("synonym_added", "MONDO:0001907", "exact: adult DM"),
        ("mapping_removed", "MONDO:0600024", "xref OMIM:160750"),
        ("claim_removed", claim_iri, ""),
    }


def test_diff_of_identical_sides_is_empty_and_md_renders(release_dir):
    proc = invoke("diff", str(release_dir), str(release_dir / "iimgraph.ttl"), "--format", "md")
    assert proc.returncode == 0, proc.stderr
    assert "No changes" in proc.stdout


# --- issue 15: release validates first --------------------------------------------------------------

@pytest.fixture(scope="module")
def failing_sources(tmp_path_factory) -> Path:
    """The shipped sources with one phenotype association naming an HPO term that does not exist."""
    from iimgraph.resources import ontology_dir

    root = tmp_path_factory.mktemp("failing") / "ontology"
    shutil.copytree(ontology_dir(), root)
    path = root / "clinical" / "phenotypes_seeds.ttl"
    text = path.read_text(encoding="utf-8")
    at = text.index("biolink:object obo:HP_")
    end = text.index(" ", at + len("biolink:object "))
    path.write_text(text[:at] + "biolink:object obo:HP_9999999" + text[end:], encoding="utf-8")
    return root


def test_release_refuses_sources_that_fail_validation_and_writes_nothing(tmp_path, failing_sources):
    out = tmp_path / "release"
    proc = invoke("release", "--out", str(out), "--sources", str(failing_sources), "--no-reason")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".release-")]  # no staging left behind
    assert "unknown_identifier" in proc.stderr and "HP:9999999" in proc.stderr
    assert "nothing written" in proc.stderr and "--no-validate" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_release_no_validate_writes_failing_sources(tmp_path, failing_sources):
    out = tmp_path / "release"
    proc = invoke("release", "--out", str(out), "--sources", str(failing_sources), "--no-validate")
    assert proc.returncode == 0, proc.stderr
    assert "HP_9999999" in (out / "iimgraph.nt").read_text(encoding="utf-8")


def test_write_release_raises_validation_failed_with_the_report(tmp_path, failing_sources):
    from iimgraph.errors import ValidationFailed
    from iimgraph.release.release import write_release

    with pytest.raises(ValidationFailed) as caught:
        write_release(tmp_path / "r", sources=failing_sources, reason=False)
    assert [f.value for f in caught.value.report.failing("ERROR")] == ["HP:9999999"]
    assert not (tmp_path / "r").exists()


def test_release_folder_has_a_readme_naming_every_file_and_a_cc_by_licence(release_dir):
    manifest = json.loads((release_dir / "manifest.json").read_text())
    assert {"README.md", "LICENSE"} <= set(manifest["files"])
    readme = (release_dir / "README.md").read_text(encoding="utf-8")
    on_disk = sorted(p.relative_to(release_dir).as_posix() for p in release_dir.rglob("*") if p.is_file())
    for name in on_disk:
        shown = "shapes/*.ttl" if name.startswith("shapes/") else name
        row = next((ln for ln in readme.splitlines() if ln.startswith(f"| `{shown}` |")), None)
        assert row is not None and not row.endswith("|  |"), f"README.md does not describe {name}"
    assert "2026-11-21" in readme and "bulk_load" in readme and "Graph().parse" in readme
    licence = (release_dir / "LICENSE").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in licence
    assert "https://creativecommons.org/licenses/by/4.0/" in licence
    assert "Section 8 -- Interpretation." in licence  # the whole legal code, not a pointer to it
    header = Graph().parse(ROOT / "ontology" / "header.ttl")
    assert URIRef("https://creativecommons.org/licenses/by/4.0/") in set(header.objects(None, URIRef("http://purl.org/dc/terms/license")))


def test_build_writes_the_release_graph_and_export_writes_it_byte_stably(tmp_path, graph_fingerprint):
    """`build` (the edit loop) skips blank-node canonicalisation; it writes the same graph as the
    canonical `export`, and two exports, here and in another process with another hash seed, are the
    same bytes."""
    built, exported, again = tmp_path / "b.nt", tmp_path / "e.nt", tmp_path / "e2.nt"
    assert invoke("build", "--format", "nt", "--out", str(built)).returncode == 0
    assert invoke("export", "--format", "nt", "--out", str(exported)).returncode == 0
    assert run_cli("export", "--format", "nt", "--out", str(again), env={"PYTHONHASHSEED": "7"}).returncode == 0
    assert exported.read_bytes() == again.read_bytes()
    assert fingerprint(parse_data(exported.read_bytes(), RdfFormat.NTRIPLES)) == graph_fingerprint
    assert fingerprint(parse_data(built.read_bytes(), RdfFormat.NTRIPLES)) == graph_fingerprint
