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
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from iimgraph.formats import WRITABLE, RdfFormat
from iimgraph.io.rdf import parse_data
from iimgraph.release.export import serialize
from iimgraph.terms import BIOLINK, IIM, SSSOM
from tests.cli import CLI

from .conftest import ROOT


@pytest.fixture(scope="module")
def release_graph():
    from iimgraph import build_graph

    return build_graph(version="2026-11-21")


@pytest.mark.parametrize("fmt", [f.value for f in WRITABLE])
def test_every_export_format_parses_back_to_the_release_graph(graph, canonical_graph, fmt):
    assert isomorphic(parse_data(serialize(canonical_graph, fmt, already_canonical=True), fmt), graph)


def test_cli_export_writes_the_graph(tmp_path, graph):
    out = tmp_path / "g.nt"
    proc = subprocess.run([*CLI, "export", "--format", "nt", "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    g = Graph().parse(out, format="nt")
    assert isomorphic(g, graph)


def test_release_files_match_the_manifest_and_the_graph(release_dir, release_graph):
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
    for name, fmt in (("iimgraph.ttl", "ttl"), ("iimgraph.nt", "nt"), ("iimgraph.owl", "owl")):
        assert isomorphic(parse_data((release_dir / name).read_bytes(), fmt), release_graph), name
    void = Graph().parse(release_dir / "void.ttl")
    dataset = URIRef("https://w3id.org/iimgraph/releases/2026-11-21/void#dataset")
    triples = void.value(dataset, URIRef("http://rdfs.org/ns/void#triples"))
    assert int(triples) == len(release_graph)


def test_jsonld_expands_with_the_shipped_context_and_no_network(release_dir, release_graph, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access during JSON-LD parsing")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    doc = json.loads((release_dir / "iimgraph.jsonld").read_text())
    assert doc["@context"] == "iimgraph.context.jsonld"
    context = json.loads((release_dir / "iimgraph.context.jsonld").read_text())
    assert context["@context"]["label"] == "rdfs:label"
    g = parse_data((release_dir / "iimgraph.jsonld").read_bytes(), RdfFormat.JSONLD, context=context["@context"])
    assert isomorphic(g, release_graph)


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
    assert len(rows) == len(curated) + len(inheritance) > 0
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

    proc = subprocess.run([*CLI, "diff", str(release_dir), str(src), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    changes = {(c["kind"], c["term"], c["detail"]) for c in json.loads(proc.stdout)["changes"]}
    assert changes == {
        ("label_changed", "MONDO:0016099", "overlap myositis -> overlap myositis (edited)"),
        ("synonym_added", "MONDO:0001907", "exact: adult DM"),
        ("mapping_removed", "MONDO:0600024", "xref OMIM:160750"),
        ("claim_removed", claim_iri, ""),
    }


def test_diff_of_identical_sides_is_empty_and_md_renders(release_dir):
    proc = subprocess.run([*CLI, "diff", str(release_dir), str(release_dir / "iimgraph.ttl"), "--format", "md"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "No changes" in proc.stdout


def test_build_writes_the_release_graph_and_export_writes_it_byte_stably(tmp_path):
    """`build` (the edit loop) skips blank-node canonicalisation; it writes the same graph as the
    canonical `export`, and two exports in two processes are the same bytes."""
    from tests.cli import run_cli

    built, exported, again = tmp_path / "b.nt", tmp_path / "e.nt", tmp_path / "e2.nt"
    assert run_cli("build", "--format", "nt", "--out", str(built)).returncode == 0
    assert run_cli("export", "--format", "nt", "--out", str(exported)).returncode == 0
    assert run_cli("export", "--format", "nt", "--out", str(again), env={"PYTHONHASHSEED": "7"}).returncode == 0
    assert exported.read_bytes() == again.read_bytes()
    assert isomorphic(parse_data(built.read_bytes(), RdfFormat.NTRIPLES), parse_data(exported.read_bytes(), RdfFormat.NTRIPLES))
