#!/usr/bin/env python3
"""Regenerate ontology/classification.ttl and ontology/mappings/iimgraph.sssom.tsv from a reference folder.

This is the provenance of the first curated sources: it was run once against ``../shared/reference``
and its output was committed. After that, curators edit ``ontology/`` by hand; re-running this
script overwrites their edits, so do it only to take a new upstream snapshot (and review the diff).

usage: python tools/import_reference.py [REFERENCE_DIR] [ONTOLOGY_DIR]
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MONDO_SRC = "iimsrc:mondo-2026-08"
INGEST_SRC = "iimsrc:mondo-ingest-2026-03"
ORPHA25_SRC = "iimsrc:orphanet-2025"
ORDO18_SRC = "iimsrc:ordo-2018"
DO_SRC = "iimsrc:do-2026-07"
MEDGEN_SEED = "iimsrc:seed-medgen-familial-iim"
ORPHA_SEED = "iimsrc:seed-orphanet-polymyositis"

IN_SCOPE = {"iim_root", "iim_subtree", "iim_related_outside_mondo_iim_subtree"}
SCOPE_NAME = {"iim_root": "iim_root", "iim_subtree": "iim_subtree",
              "iim_related_outside_mondo_iim_subtree": "iim_related", "context_parent": "context"}
REPORT_SOURCE = {"ordo": "Orphanet", "doid": "Disease Ontology", "icd10cm": "ICD-10-CM",
                 "icd11foundation": "ICD-11 foundation", "omim": "OMIM", "ncit": "NCIT", "icd10who": "ICD-10"}

# Definitions the seed pages give, verbatim (familial IIM on MedGen says "[from MONDO]").
SEED_DEFINITIONS = {
    "MONDO:0600024": (
        "An instance of myositis that is caused by an inherited genomic modification in an individual, "
        "and has an unknown cause.", MEDGEN_SEED, "MONDO:0600024"),
}
# Seed pages that repeat a definition word for word (checked below, not assumed).
SEED_DEFINITION_PAGES = {"MONDO:0019127": (ORPHA_SEED, "004_c1fa7bdb1e8149f1.txt")}


def read(ref: Path, name: str) -> list[dict[str, str]]:
    with open(ref / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def q(text: str) -> str:
    """A Turtle string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def iri(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return f"obo:{prefix}_{local}"


def split(cell: str) -> list[str]:
    return [p.strip() for p in (cell or "").split("|") if p.strip()]


def axiom(source: str, prop: str, target: str, annotations: list[tuple[str, str]]) -> str:
    body = "".join(f" ;\n    {p} {o}" for p, o in annotations)
    return (f"[] a owl:Axiom ;\n    owl:annotatedSource {source} ;\n    owl:annotatedProperty {prop} ;\n"
            f"    owl:annotatedTarget {target}{body} .\n")


def classification(ref: Path) -> str:
    classes = read(ref, "mondo_iim_classes.tsv")
    keep = [r for r in classes if r["scope"] in IN_SCOPE or r["scope"] == "context_parent"]
    core = {r["mondo_id"] for r in keep if r["scope"] in IN_SCOPE}

    # exact-match partners, for definitions and synonyms from Orphanet 2018 and DO
    ordo = {r["mondo_ids"]: r for r in read(ref, "orphanet_iim_classes_ordo2018.tsv") if r["mondo_ids"] in core}
    doid = {r["mondo_ids"]: r for r in read(ref, "doid_iim_classes.tsv") if r["mondo_ids"] in core}
    exact = {(r["mondo_id"], r["xref_id"]) for r in read(ref, "mondo_iim_xrefs.tsv")
             if r["predicate_id"] == "skos:exactMatch"}

    synonyms: dict[str, dict[str, dict]] = defaultdict(dict)

    def add_syn(mid: str, text: str, scope: str | None, source: str, kind: str | None = None) -> None:
        label = next(r["label"] for r in keep if r["mondo_id"] == mid)
        if text.lower() == label.lower():
            return
        entry = synonyms[mid].setdefault(text.lower(), {"text": text, "scope": None, "sources": set(), "kind": None})
        entry["sources"].add(source)
        if scope and entry["scope"] is None:
            entry["scope"] = scope
        if kind:
            entry["kind"] = kind

    for r in read(ref, "mondo_iim_synonyms.tsv"):
        if r["mondo_id"] in core:
            add_syn(r["mondo_id"], r["synonym"], None, MONDO_SRC,
                    "former label" if r["synonym_type"] == "former_label" else None)
    for mid in core:
        for former in split(next(r["former_labels"] for r in keep if r["mondo_id"] == mid)):
            add_syn(mid, former, None, MONDO_SRC, "former label")
        o = ordo.get(mid)
        if o and (mid, o["orpha_id"]) in exact:
            for s in split(o["synonyms"]):
                m = re.match(r"(.*?) \[has(Exact|Related|Broad|Narrow)Synonym\]$", s)
                if m:
                    add_syn(mid, m.group(1), m.group(2), ORDO18_SRC)
        d = doid.get(mid)
        if d and (mid, d["doid"]) in exact:
            for s in split(d["synonyms"]):
                m = re.match(r"(.*?) \((EXACT|RELATED|BROAD|NARROW)\)$", s)
                if m:
                    add_syn(mid, m.group(1), m.group(2).capitalize(), DO_SRC)

    out = [HEADER_CLASSIFICATION]
    for r in sorted(keep, key=lambda r: (r["scope"] == "context_parent", r["mondo_id"])):
        mid = r["mondo_id"]
        s = iri(mid)
        lines = [f"{s} a owl:Class ;", f"    rdfs:label {q(r['label'])} ;",
                 f"    iim:inScope {q(SCOPE_NAME[r['scope']])} ;"]
        for p in split(r["parents"]):
            lines.append(f"    rdfs:subClassOf {iri(p)} ;")
        definition = def_annotations = None
        if mid in core:
            definition, def_annotations = pick_definition(r, ordo.get(mid), doid.get(mid), exact)
            if definition:
                lines.append(f"    obo:IAO_0000115 {q(definition)} ;")
            for key in sorted(synonyms[mid]):
                e = synonyms[mid][key]
                lines.append(f"    oboInOwl:has{e['scope'] or 'Related'}Synonym {q(e['text'])} ;")
        lines[-1] = lines[-1][:-2] + " ."
        out.append("\n".join(lines) + "\n")
        if definition:
            out.append(axiom(s, "obo:IAO_0000115", q(definition), def_annotations))
        for key in sorted(synonyms.get(mid, {})):
            e = synonyms[mid][key]
            ann = [("dcterms:source", ", ".join(sorted(e["sources"])))]
            if e["scope"] is None:
                ann.append(("rdfs:comment", q("scope not recorded in the source; OBO default RELATED")))
            if e["kind"]:
                ann.append(("iim:synonymKind", q(e["kind"])))
            out.append(axiom(s, f"oboInOwl:has{e['scope'] or 'Related'}Synonym", q(e["text"]), ann))
        out.append("\n")

    out.append(placements(ref, keep, core))
    return "".join(out)


def pick_definition(row, ordo_row, do_row, exact):  # type: ignore[no-untyped-def]
    """One definition per class: MONDO's recovered text, then a seed, then Orphanet 2018, then DO."""
    mid = row["mondo_id"]
    if row["definition"]:
        ann = [("dcterms:source", MONDO_SRC), ("oboInOwl:hasDbXref", q(mid)),
               ("iim:provenance", q(row["definition_provenance"]))]
        if mid in SEED_DEFINITION_PAGES:
            src, fname = SEED_DEFINITION_PAGES[mid]
            seed = SHARED_SEEDS / fname
            if seed.exists() and row["definition"][:-1] in seed.read_text(encoding="utf-8").replace("\n", " "):
                ann[0] = ("dcterms:source", f"{MONDO_SRC}, {src}")
        return row["definition"], ann
    if mid in SEED_DEFINITIONS:
        text, src, xref = SEED_DEFINITIONS[mid]
        return text, [("dcterms:source", src), ("oboInOwl:hasDbXref", q(xref)),
                      ("iim:provenance", q("MedGen page, marked [from MONDO]"))]
    if ordo_row and ordo_row["definition"] and (mid, ordo_row["orpha_id"]) in exact \
            and not re.search(r"#\d+;", ordo_row["definition"]):
        return ordo_row["definition"], [("dcterms:source", ORDO18_SRC), ("oboInOwl:hasDbXref", q(ordo_row["orpha_id"])),
                                        ("iim:provenance", q("Orphanet definition of the exactly matching class, ORDO 2.6"))]
    if do_row and do_row["definition"] and (mid, do_row["doid"]) in exact:
        return do_row["definition"], [("dcterms:source", DO_SRC), ("oboInOwl:hasDbXref", q(do_row["doid"])),
                                      ("iim:provenance", q("Disease Ontology definition of the exactly matching class"))]
    return None, None


def placements(ref: Path, keep, core) -> str:  # type: ignore[no-untyped-def]
    """Placement claims where a source puts a class somewhere MONDO does not, plus MONDO's own placement."""
    labels = {r["mondo_id"]: r["label"] for r in keep}
    out = ["# --- placements: where sources disagree with MONDO's hierarchy ---------------------------------\n\n"]
    edges = [e for e in read(ref, "mondo_iim_edges.tsv")
             if e["edge_status"] == "in_source_not_in_mondo" and e["subject"] in core]
    extra_labels = {}
    subjects = sorted({e["subject"] for e in edges})
    for sid in subjects:
        parents = split(next(r["parents"] for r in keep if r["mondo_id"] == sid))
        for p in parents:
            slug = f"{sid.replace(':', '_')}-under-{p.replace(':', '_')}-MONDO"
            out.append(
                f"iimc:placement-{slug} a iim:PlacementClaim, iim:Claim ;\n"
                f"    biolink:subject {iri(sid)} ;\n    biolink:predicate rdfs:subClassOf ;\n"
                f"    biolink:object {iri(p)} ;\n    iim:assertedBy \"MONDO\" ;\n"
                f"    biolink:has_evidence <https://w3id.org/iimgraph/vocab/evidence/TAS> ;\n"
                f"    dcterms:source {MONDO_SRC} .\n\n")
    orpha = {r["orpha_id"]: r for r in read(ref, "orphanet_iim_nomenclature_2025.tsv")}
    for e in sorted(edges, key=lambda e: (e["subject"], e["object"])):
        report = re.search(r"reports/(\w+)\.subclass", e["evidence"]).group(1)
        who = REPORT_SOURCE.get(report, report)
        slug = f"{e['subject'].replace(':', '_')}-under-{e['object'].replace(':', '_')}-{report}"
        confirmations = [c.strip() for c in e["source_confirmations"].split(";") if c.strip().startswith(report)]
        if e["object"] not in labels:
            extra_labels[e["object"]] = e["object_label"]
        lines = [f"iimc:placement-{slug} a iim:PlacementClaim, iim:Claim ;",
                 f"    biolink:subject {iri(e['subject'])} ;", "    biolink:predicate rdfs:subClassOf ;",
                 f"    biolink:object {iri(e['object'])} ;", f"    iim:assertedBy {q(who)} ;",
                 "    biolink:has_evidence <https://w3id.org/iimgraph/vocab/evidence/TAS> ;"]
        for c in confirmations:
            lines.append(f"    iim:sourceEdge {q(c.split(':', 2)[2])} ;")
        sources = [INGEST_SRC]
        if report == "ordo":
            # Orphanet 2025 states the same placement directly in its classification
            for oid, o in orpha.items():
                if o["mondo_ids"] == e["subject"]:
                    parents = split(o["parents_in_loaded_classifications"])
                    target = next((oo for oo in orpha.values() if oo["mondo_ids"] == e["object"]), None)
                    if target and target["orpha_id"] in parents:
                        sources.append(ORPHA25_SRC)
                        lines.append(f"    iim:sourceSubject {q(oid)} ;")
                        lines.append(f"    iim:sourceTerm {q(target['orpha_id'])} ;")
        lines.append(f"    dcterms:source {', '.join(sources)} .")
        out.append("\n".join(lines) + "\n\n")
    for mid in sorted(extra_labels):
        out.append(f"{iri(mid)} rdfs:label {q(extra_labels[mid])} ;\n    iim:inScope \"placement_target\" .\n\n")
    return "".join(out)


HEADER_CLASSIFICATION = """\
# IIM classification: MONDO classes, labels, parents (as MONDO has them), definitions and synonyms,
# and placement claims where another source disagrees with MONDO. Generated once by
# tools/import_reference.py from the reference snapshot; curated by hand since.
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
@prefix biolink: <https://w3id.org/biolink/vocab/> .
@prefix iim: <https://w3id.org/iimgraph/vocab/> .
@prefix iimc: <https://w3id.org/iimgraph/claim/> .
@prefix iimsrc: <https://w3id.org/iimgraph/source/> .

"""

SSSOM_COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                 "mapping_justification", "mapping_source", "comment"]


def mappings(ref: Path) -> list[dict[str, str]]:
    classes = {r["mondo_id"]: r for r in read(ref, "mondo_iim_classes.tsv") if r["scope"] in IN_SCOPE}
    rows = []
    for r in read(ref, "mondo_iim_xrefs.tsv"):
        if r["mondo_id"] not in classes:
            continue
        rows.append({"subject_id": r["mondo_id"], "subject_label": r["mondo_label"], "predicate_id": r["predicate_id"],
                     "object_id": r["xref_id"], "object_label": r["object_label"],
                     "mapping_justification": r["mapping_justification"], "mapping_source": MONDO_SRC,
                     "comment": "MONDO " + r["sssom_file"].rsplit("/", 1)[-1]})
    for o in read(ref, "orphanet_iim_nomenclature_2025.tsv"):
        mid = o["mondo_ids"]
        if mid not in classes:
            continue
        label = classes[mid]["label"]
        via = f"Orphanet 2025 nomenclature: {o['orpha_id']} ({o['preferred_term']}), which MONDO matches to {mid}"
        for code in split(o["icd10_codes"]):
            rows.append({"subject_id": mid, "subject_label": label, "predicate_id": "oboInOwl:hasDbXref",
                         "object_id": f"ICD10:{code}", "object_label": "", "mapping_justification": "semapv:MappingChaining",
                         "mapping_source": ORPHA25_SRC, "comment": via + "; ICD-10 (WHO)"})
        for cell in split(o["icd11_mms_codes_and_uris"]):
            m = re.match(r"([0-9A-Z]{4}(?:\.[0-9A-Z]+)?)", cell)
            if m:
                rows.append({"subject_id": mid, "subject_label": label, "predicate_id": "oboInOwl:hasDbXref",
                             "object_id": f"icd11.mms:{m.group(1)}", "object_label": "",
                             "mapping_justification": "semapv:MappingChaining", "mapping_source": ORPHA25_SRC,
                             "comment": via + f"; ICD-11 MMS, {cell}"})
    rows.sort(key=lambda r: (r["subject_id"], r["predicate_id"], r["object_id"], r["mapping_source"]))
    return rows


def write_sssom(rows: list[dict[str, str]], path: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from iimgraph.io.sssom import MappingSet
    from iimgraph.io.sssom import write_sssom as write

    write(MappingSet(metadata=SSSOM_METADATA, rows=rows), path)


SSSOM_METADATA = {
    "mapping_set_id": "https://w3id.org/iimgraph/mappings/iimgraph.sssom.tsv",
    "mapping_set_title": "iimgraph cross-references of the idiopathic inflammatory myopathies",
    "mapping_set_description": ("MONDO's mappings for the IIM classes (August 2026 release) and the ICD-10 and "
                                "ICD-11 MMS codes of the Orphanet 2025 nomenclature, chained through MONDO's "
                                "exact matches to Orphanet."),
    "license": "https://creativecommons.org/licenses/by/4.0/",
    "subject_source": "obo:mondo.owl",
}

SHARED_SEEDS = ROOT.parent / "shared" / "seeds"


def main(argv: list[str]) -> int:
    ref = Path(argv[0]) if argv else ROOT.parent / "shared" / "reference"
    onto = Path(argv[1]) if len(argv) > 1 else ROOT / "ontology"
    (onto / "classification.ttl").write_text(classification(ref), encoding="utf-8")
    write_sssom(mappings(ref), onto / "mappings" / "iimgraph.sssom.tsv")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
