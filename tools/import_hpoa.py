#!/usr/bin/env python3
"""Regenerate ontology/clinical/hpo_annotations.ttl and pmid_sources.ttl from hpo_iim_annotations.tsv.

Provenance tool, not part of the package: the generated Turtle is checked in and is the curated
source from then on. Output is deterministic (rows sorted by their claim IRI, PMIDs numerically),
so re-running it on the same input gives byte-identical files.

One row of the TSV becomes one ``biolink:DiseaseToPhenotypicFeatureAssociation`` node:

* IRI ``iimc:hpoa-<MONDO_x>-<HP_y>-<EVIDENCE>`` (``-NOT`` appended for a negated row);
* subject: every MONDO id in the row's ``mondo_ids`` column (one node per MONDO id);
* ``biolink:has_evidence`` ``iim:evidence/TAS`` (curated) or ``iim:evidence/ITM`` (text-mined), so
  a researcher can leave the text-mined rows out;
* ``biolink:negated true`` for qualifier ``NOT``;
* ``dcterms:source iimsrc:hpo-annotations-2015`` on every row, plus ``iimsrc:pmid-N`` for each PMID
  in the ``reference`` column (those PMID sources go to pmid_sources.ttl).

usage: tools/import_hpoa.py [PATH_TO_hpo_iim_annotations.tsv] [--out-dir ontology/clinical]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from iimgraph.atomic import write_text_atomic  # noqa: E402

DEFAULT_TSV = ROOT.parent / "shared" / "reference" / "hpo_iim_annotations.tsv"
DEFAULT_OUT = ROOT / "ontology" / "clinical"

#: PMIDs already defined in ontology/sources.ttl (the MedGen seed's list); never redefined here.
PMIDS_DEFINED_ELSEWHERE = {"37026610", "33902423", "23858627", "9550481"}

EVIDENCE = {
    "TAS": "<https://w3id.org/iimgraph/vocab/evidence/TAS>",
    "ITM": "<https://w3id.org/iimgraph/vocab/evidence/ITM>",
}

PREFIXES = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix biolink: <https://w3id.org/biolink/vocab/> .
@prefix iim: <https://w3id.org/iimgraph/vocab/> .
@prefix iimc: <https://w3id.org/iimgraph/claim/> .
@prefix iimsrc: <https://w3id.org/iimgraph/source/> .
"""


def lit(text: str) -> str:
    """A Turtle string literal (escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def obo(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    if prefix not in ("MONDO", "HP") or not re.fullmatch(r"\d{7}", local):
        raise ValueError(f"unexpected identifier {curie!r}")
    return f"obo:{prefix}_{local}"


def iso_date(value: str) -> str | None:
    """'17.02.2009' -> '2009-02-17'."""
    m = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", value.strip())
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def pmids(reference: str) -> list[str]:
    out = []
    for token in reference.split(";"):
        m = re.fullmatch(r"PMID:(\d+)", token.strip())
        if m:
            out.append(str(int(m.group(1))))
    return out


def build(tsv: Path) -> tuple[str, str, dict[str, int]]:
    rows = list(csv.DictReader(tsv.open(encoding="utf-8"), delimiter="\t"))
    nodes: dict[str, str] = {}
    all_pmids: set[str] = set()
    counts = {"rows": len(rows), "TAS": 0, "ITM": 0, "negated": 0}
    for row in rows:
        evidence = row["evidence"].strip()
        if evidence not in EVIDENCE:
            raise ValueError(f"unknown evidence code {evidence!r} in row {row}")
        negated = row["qualifier"].strip().upper() == "NOT"
        row_pmids = pmids(row["reference"])
        all_pmids.update(row_pmids)
        for mondo in filter(None, (m.strip() for m in row["mondo_ids"].split("|"))):
            local = f"hpoa-{mondo.replace(':', '_')}-{row['hpo_id'].replace(':', '_')}-{evidence}"
            if negated:
                local += "-NOT"
            if local in nodes:
                raise ValueError(f"two rows give the same claim IRI iimc:{local}")
            counts[evidence] += 1
            counts["negated"] += negated
            sources = ["iimsrc:hpo-annotations-2015"] + [
                f"iimsrc:pmid-{p}" for p in sorted(set(row_pmids), key=int)
            ]
            lines = [
                f"iimc:{local} a biolink:DiseaseToPhenotypicFeatureAssociation, iim:Claim ;",
                f"    biolink:subject {obo(mondo)} ;",
                "    biolink:predicate biolink:has_phenotype ;",
                f"    biolink:object {obo(row['hpo_id'])} ;",
                f"    biolink:has_evidence {EVIDENCE[evidence]} ;",
            ]
            if negated:
                lines.append("    biolink:negated true ;")
            lines.append("    dcterms:source " + ", ".join(sources) + " ;")
            lines.append(f"    iim:annotationSet {lit(row['annotation_set'])} ;")
            lines.append(f"    iim:sourceDiseaseId {lit(row['disease_id'])} ;")
            lines.append(f"    iim:sourceDiseaseName {lit(row['disease_name'])} ;")
            if row["mapping_note"].strip():
                lines.append(f"    iim:mappingNote {lit(row['mapping_note'].strip())} ;")
            lines.append(f"    iim:sourceLabel {lit(row['hpo_label_in_source'])} ;")
            if row["reference"].strip() and not row_pmids:
                lines.append(f"    iim:sourceReference {lit(row['reference'].strip())} ;")
            if row["description"].strip():
                lines.append(f"    rdfs:comment {lit(row['description'].strip())} ;")
            if row["assigned_by"].strip():
                lines.append(f"    iim:assignedBy {lit(row['assigned_by'].strip())} ;")
            date = iso_date(row["date_created"])
            if date:
                lines.append(f"    iim:dateCreated {lit(date)}^^xsd:date ;")
            lines[-1] = lines[-1][:-2] + " ."
            nodes[local] = "\n".join(lines)

    header = (
        "# HPO disease-phenotype annotations for the IIM classes, from the 2015 fork of\n"
        "# hpo-annotation-data (see reference/README.md). GENERATED by tools/import_hpoa.py from\n"
        "# hpo_iim_annotations.tsv; checked in as the curated source.\n"
        "# Curated rows: biolink:has_evidence iim:evidence/TAS. Text-mined rows (BioLark over PubMed\n"
        "# abstracts, 2015): biolink:has_evidence iim:evidence/ITM -- noisy; curated views leave them out.\n"
    )
    body = "\n\n".join(nodes[k] for k in sorted(nodes))
    annotations = header + PREFIXES + "\n" + body + "\n"

    new_pmids = sorted(all_pmids - PMIDS_DEFINED_ELSEWHERE, key=int)
    pm_lines = [
        "# PubMed records cited by the text-mined HPO annotations (the `reference` column of\n"
        "# hpo_iim_annotations.tsv). GENERATED by tools/import_hpoa.py. Titles are not in the\n"
        "# reference snapshot, so none is given. The MedGen seed's PMIDs live in ontology/sources.ttl.\n"
        + PREFIXES
    ]
    for p in new_pmids:
        pm_lines.append(
            f"iimsrc:pmid-{p} a dcterms:BibliographicResource ;\n"
            f'    dcterms:identifier "PMID:{p}" ;\n'
            "    dcterms:isReferencedBy iimsrc:hpo-annotations-2015 ."
        )
    counts["pmids"] = len(new_pmids)
    return annotations, "\n\n".join(pm_lines) + "\n", counts


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tsv", nargs="?", type=Path, default=DEFAULT_TSV)
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    annotations, pmid_ttl, counts = build(args.tsv)
    for name, text in (("hpo_annotations.ttl", annotations), ("pmid_sources.ttl", pmid_ttl)):
        write_text_atomic(args.out_dir / name, text)
    print(f"import_hpoa: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
