"""Issue 16: OAK reads the release's mappings with the field's CURIEs.

The prefixes and IRIs we write are Bioregistry's OBO context (the generated table
``iimgraph.field_prefixes``), except the few where we keep MONDO's spelling
(``namespaces.MONDO_SPELLINGS``). OAK's rdflib adapter contracts IRIs with its own built-in map
(prefixmaps' ``obo`` context plus ``EFO``, ``SCTID``, ``ORPHANET``) and never with the file's
prefixes, so the prefixes of the release's SSSOM ``curie_map`` are passed with ``--prefix`` (its
``--named-prefix-map bioregistry`` stops on an overlap in this oaklib). OAK's OWL, RDF and SQL
readers all report ``semapv:UnspecifiedMatching``: the justification is in the SSSOM file.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iimgraph.field_prefixes import FIELD_PREFIXES
from iimgraph.namespaces import MONDO_SPELLINGS, PREFIX_MAP
from tests.needs import TEST_EXTRA, missing, module

ROOT = Path(__file__).resolve().parents[1]
DISEASE = "MONDO:0016367"  # dermatomyositis
RUNOAK = shutil.which("runoak") or str(Path(sys.executable).parent / "runoak")


def _sssom_table(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The ``curie_map`` and the rows of an SSSOM TSV (as OAK and we write it)."""
    curie_map: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    in_map = False
    for line in lines:
        if not line.startswith("#"):
            break
        if line.startswith("#curie_map:"):
            in_map = True
        elif in_map and line.startswith("#  ") and ": " in line:
            prefix, _, ns = line[3:].partition(": ")
            curie_map[prefix.strip()] = ns.strip()
        else:
            in_map = False
    rows = list(csv.DictReader((ln for ln in lines if not ln.startswith("#")), delimiter="\t"))
    return curie_map, rows


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory) -> Path:
    from iimgraph.release.release import write_release

    out = tmp_path_factory.mktemp("release")
    write_release(out, version="2026-12-01", validate=False)
    return out


@pytest.fixture(scope="module")
def oak_rows(release_dir, tmp_path_factory) -> list[dict[str, str]]:
    if not Path(RUNOAK).exists():
        missing("runoak (oaklib)", TEST_EXTRA)
    default_map = module("oaklib.interfaces.basic_ontology_interface", "oaklib").get_default_prefix_map()
    curie_map, _ = _sssom_table(release_dir / "iimgraph.sssom.tsv")
    args = [RUNOAK]
    for prefix, ns in curie_map.items():
        # OAK refuses a second prefix for a namespace it binds itself (ORDO is its ORPHANET)
        if prefix not in default_map and ns not in default_map.values():
            args += ["--prefix", f"{prefix}={ns}"]
    out = tmp_path_factory.mktemp("oak") / "mappings.sssom.tsv"
    args += ["-i", str(release_dir / "iimgraph.ttl"), "mappings", DISEASE, "-O", "sssom", "-o", str(out)]
    # a local file: nothing to fetch; no proxy, so an attempt would fail rather than wait
    env = {**os.environ, "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, cwd=out.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    _, rows = _sssom_table(out)
    assert rows, proc.stderr[-2000:]
    return rows


def test_field_table_is_bioregistrys():
    module("bioregistry")
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import field_prefixes  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "tools"))
    text = (ROOT / "src" / "iimgraph" / "field_prefixes.py").read_text(encoding="utf-8")
    assert field_prefixes.render() == text, "regenerate with: python tools/field_prefixes.py"


def test_we_write_the_fields_prefixes_and_iris_except_mondo_spellings(release_dir):
    disagree = {ours for ours, field in FIELD_PREFIXES.items() if field is not None and field != (ours, PREFIX_MAP[ours])}
    assert disagree == MONDO_SPELLINGS
    curie_map, rows = _sssom_table(release_dir / "iimgraph.sssom.tsv")
    used = {row["object_id"].partition(":")[0] for row in rows}
    for prefix in used - MONDO_SPELLINGS:
        field = FIELD_PREFIXES.get(prefix)
        if field is not None:  # ICD9, icd11.mms: not in Bioregistry's OBO context
            assert (prefix, curie_map[prefix]) == field


def test_oak_prints_curies_not_iris(oak_rows):
    raw = [r["object_id"] for r in oak_rows if r["object_id"].startswith(("http:", "https:"))]
    assert raw == []


def test_oak_prints_the_same_curie_for_an_xref_and_its_skos_match(oak_rows):
    xrefs = {r["object_id"] for r in oak_rows if r["predicate_id"] == "oio:hasDbXref"}
    skos = {r["object_id"] for r in oak_rows if r["predicate_id"].startswith("skos:")}
    assert {"MESH:D003882", "UMLS:C0011633", "icd11.foundation:739030149", "Orphanet:221"} <= xrefs
    # OAK spells the ORDO namespace ORPHANET from its built-in map (and refuses another prefix for it)
    assert "ORPHANET:221" in skos and "Orphanet:221" not in skos
    assert {c.replace("ORPHANET:", "Orphanet:", 1) for c in skos} <= xrefs


def test_oak_reports_no_justification_the_sssom_file_carries_it(oak_rows, release_dir):
    assert {r["mapping_justification"] for r in oak_rows} == {"semapv:UnspecifiedMatching"}
    _, rows = _sssom_table(release_dir / "iimgraph.sssom.tsv")
    ours = {r["mapping_justification"] for r in rows if r["subject_id"] == DISEASE}
    assert ours and "semapv:UnspecifiedMatching" not in ours


def _readme_oak_recipe(release_dir: Path) -> str:
    """The release README's OAK lines (the prefix options, then each ``runoak``), as a user copies them."""
    text = (release_dir / "README.md").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.startswith(("PREFIXES=", "runoak $PREFIXES "))]
    assert len(lines) >= 2 and lines[0].startswith("PREFIXES="), lines
    return "\n".join(["set -e", *lines])


def test_release_prefix_map_has_one_orphanet_spelling(release_dir):
    """The release's prefix map (curies' extended form) spells the ORDO namespace as Bioregistry does,
    ``Orphanet``, with HPO's ``ORPHA`` only as a declared synonym; it covers every CURIE the products write."""
    curies = module("curies")
    import json

    records = json.loads((release_dir / "iimgraph.prefixes.json").read_text(encoding="utf-8"))
    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "iimgraph.prefixes.json" in manifest["files"]
    converter = curies.load_extended_prefix_map(records)
    orpha = "http://www.orpha.net/ORDO/Orphanet_221"
    assert converter.compress(orpha) == "Orphanet:221" and converter.standardize_curie("ORPHA:221") == "Orphanet:221"
    assert converter.expand("iimt:therapy-plasma-exchange") == "https://w3id.org/iimgraph/term/therapy-plasma-exchange"
    assert [r["prefix"] for r in records if r["uri_prefix"] == "http://www.orpha.net/ORDO/Orphanet_"] == ["Orphanet"]
    _, rows = _sssom_table(release_dir / "iimgraph.sssom.tsv")
    used = {c.partition(":")[0] for r in rows for c in (r["subject_id"], r["object_id"])}
    nodes = (release_dir / "iimgraph_nodes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    edges = list(csv.DictReader((release_dir / "iimgraph_edges.tsv").open(encoding="utf-8"), delimiter="\t"))
    used |= {ln.partition(":")[0] for ln in nodes}
    used |= {p.partition(":")[0] for e in edges for p in e["publications"].split("|") if p and not p.startswith("http")}
    assert used <= {r["prefix"] for r in records}, used - {r["prefix"] for r in records}
    assert not {"ORPHA", "ORPHANET", "ORDO"} & used  # one spelling in the files we write (phenotype.hpoa is HPO's format)


def test_oak_resolves_our_curies_with_the_readme_recipe(release_dir):
    """The release README's OAK recipe, run as written: OAK takes its prefixes from the release's map, prints
    every skos:exactMatch object as a CURIE, and resolves a project CURIE (iimt:) to its label."""
    if not Path(RUNOAK).exists():
        missing("runoak (oaklib)", TEST_EXTRA)
    # the README's python3 and runoak are those of the environment OAK is installed in
    env = {**os.environ, "PATH": f"{Path(RUNOAK).parent}:{os.environ.get('PATH', '')}",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    proc = subprocess.run(["bash", "-c", _readme_oak_recipe(release_dir)], capture_output=True, text=True, timeout=300,
                          env=env, cwd=release_dir)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [ln.split("\t") for ln in proc.stdout.splitlines() if ln.startswith("MONDO:0016367\t")]
    skos = [r[3] for r in rows if len(r) > 3 and r[2].startswith("skos:")]
    assert skos and not [c for c in skos if c.startswith(("http:", "https:"))], proc.stdout[-2000:]
    assert "UMLS:C0011633" in skos and "MESH:D003882" in skos
    assert "iimt:therapy-plasma-exchange ! plasma exchange" in proc.stdout, proc.stdout[-2000:]
