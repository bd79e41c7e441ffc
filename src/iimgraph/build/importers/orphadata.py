"""Orphadata 2025-12-09 (``reference/orphadata_2025-12_iim*.tsv``) -> ``orphadata.ttl``.

Orphanet's own data for dermatomyositis (ORPHA:221) and polymyositis (ORPHA:732), CC BY 4.0, newer than
the HPO release 2025-01-16 that carries Orphanet's phenotype rows:

* the phenotype rows that release lacks (``in_hpo2025_iim_annotations`` = no: Gottron sign and Holster
  sign for dermatomyositis): ``biolink:DiseaseToPhenotypicFeatureAssociation`` ``iimc:orphadata2025-…``
  with the HPO frequency term of Orphanet's class and its words in ``iim:frequencyText``;
* every epidemiology, age-of-onset and inheritance row: an ``iim:EpidemiologyObservation`` (a prevalence
  class as bounds and unit, the geography as population) or an ``iim:InheritanceObservation``, the
  value in Orphanet's words (``iim:valueText``; an onset class is kept as words, with no HPO term), with
  the reference Orphanet gives (``iimsrc:pmid-N``, or ``ORPHANET``/``EXPERT`` in ``iim:sourceReference``);
* each mapping's precision (``Exact``, ``Narrower``, as Orphanet writes it) as ``iim:orphanetMappingPrecision``
  on a node ``iimc:orphadata2025-mapping-…`` beside our own SSSOM predicate, which is not changed.

Every node cites the snapshot (``iimsrc:orphadata-2025-12``) and the disease's Orphanet entry
(``iimsrc:orpha-N``); evidence TAS (the claims restate Orphanet).
"""

from __future__ import annotations

import re
from pathlib import Path

from iimgraph.build.importers.common import HEADER, HP_CURIE, PREFIXES, ReferenceGapError, lit, obo, read_tsv
from iimgraph.namespaces import CC_BY_4, EVIDENCE

PHENOTYPES = "orphadata_2025-12_iim.tsv"
EPIDEMIOLOGY = "orphadata_2025-12_iim_epidemiology.tsv"
MAPPINGS = "orphadata_2025-12_iim_mappings.tsv"
SNAPSHOT = "iimsrc:orphadata-2025-12"
TAS = f"<{EVIDENCE}TAS>"
MEASURES = {"Annual incidence": ("iim:Incidence", "iim:hasIncidence"),
            "Point prevalence": ("iim:Prevalence", "iim:hasPrevalence"),
            "Age of onset": ("iim:AgeOfOnset", "iim:hasAgeOfOnset")}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _band(value: str, where: str) -> tuple[str, str, str]:
    """``1-9 / 100 000`` -> (``1``, ``9``, ``per 100,000 people``)."""
    m = re.fullmatch(r"(\d+)-(\d+) / ([\d ]+)", value.strip())
    if not m:
        raise ReferenceGapError(f"{where}: unexpected prevalence class {value!r}")
    per = f"{int(m.group(3).replace(' ', '')):,}"
    return m.group(1), m.group(2), f"per {per} people"


def build(reference: Path) -> tuple[str, dict[str, int]]:
    """(orphadata.ttl, counts)."""
    blocks: dict[str, str] = {}
    commits: dict[str, str] = {}
    pmids: set[int] = set()
    counts = {"phenotypes_new": 0, "phenotypes_in_hpo2025": 0, "epidemiology": 0, "inheritance": 0, "mappings": 0}

    for n, row in enumerate(read_tsv(reference / PHENOTYPES), 2):
        commits[row["source_file"]] = row["source_commit"]
        if row["in_hpo2025_iim_annotations"].strip() == "yes":
            counts["phenotypes_in_hpo2025"] += 1
            continue
        hp, freq = row["hpo_id"].strip(), row["frequency_hpo_term"].strip()
        if not HP_CURIE.fullmatch(hp) or not HP_CURIE.fullmatch(freq):
            raise ReferenceGapError(f"{PHENOTYPES}:{n}: unexpected term {hp!r} / {freq!r}")
        orpha = row["orpha_id"].split(":")[1]
        local = f"orphadata2025-{row['mondo_id'].replace(':', '_')}-{hp.replace(':', '_')}"
        blocks[local] = "\n".join([
            f"iimc:{local} a biolink:DiseaseToPhenotypicFeatureAssociation, iim:Claim ;",
            f"    biolink:subject {obo(row['mondo_id'])} ;",
            "    biolink:predicate biolink:has_phenotype ;",
            f"    biolink:object {obo(hp)} ;",
            f"    biolink:has_evidence {TAS} ;",
            f"    biolink:frequency_qualifier {obo(freq)} ;",
            f"    iim:frequencyText {lit(row['frequency_orphadata'])} ;",
            f"    iim:sourceLabel {lit(row['hpo_label_orphadata'])} ;",
            f"    dcterms:source {SNAPSHOT}, iimsrc:orpha-{orpha} ;",
            f"    iim:sourceDiseaseId {lit(row['orpha_id'])} ;",
            f"    iim:sourceDiseaseName {lit(row['orpha_name'])} ."])
        counts["phenotypes_new"] += 1

    for n, row in enumerate(read_tsv(reference / EPIDEMIOLOGY), 2):
        where = f"{EPIDEMIOLOGY}:{n}"
        commits[row["source_file"]] = row["source_commit"]
        orpha = row["orpha_id"].split(":")[1]
        item, value, geo, ref = row["item_type"].strip(), row["value"].strip(), row["geography"].strip(), row["source"].strip()
        sources = [SNAPSHOT, f"iimsrc:orpha-{orpha}"]
        extra: list[str] = []
        if re.fullmatch(r"PMID:\d+", ref):
            pmids.add(int(ref[5:]))
            sources.append(f"iimsrc:pmid-{int(ref[5:])}")
        elif ref:
            extra.append(f"    iim:sourceReference {lit(ref)} ;")
        local = f"orphadata2025-{row['mondo_id'].replace(':', '_')}-{_slug(item)}-{_slug(value)}"
        local += f"-{_slug(geo)}" if geo else ""
        head = [f"    biolink:subject {obo(row['mondo_id'])} ;"]
        if item == "Inheritance":
            types, body = "iim:InheritanceObservation", ["    biolink:predicate biolink:has_mode_of_inheritance ;"]
            counts["inheritance"] += 1
        elif item in MEASURES:
            measure, predicate = MEASURES[item]
            types = "iim:EpidemiologyObservation"
            body = [f"    biolink:predicate {predicate} ;", f"    iim:measure {measure} ;"]
            if item != "Age of onset":
                low, high, unit = _band(value, where)
                body += [f'    iim:lowerBound "{low}"^^xsd:decimal ;', f'    iim:upperBound "{high}"^^xsd:decimal ;',
                         f"    iim:unit {lit(unit)} ;",
                         f"    iim:population {lit((item.lower() + ', ' + geo) if geo else item.lower())} ;"]
            counts["epidemiology"] += 1
        else:
            raise ReferenceGapError(f"{where}: unknown item_type {item!r}")
        if local in blocks:
            raise ReferenceGapError(f"{where}: two rows give the same claim IRI iimc:{local}")
        blocks[local] = "\n".join([f"iimc:{local} a {types}, iim:Claim ;", *head, *body,
                                   f"    biolink:has_evidence {TAS} ;", f"    iim:valueText {lit(value)} ;", *extra,
                                   f"    dcterms:source {', '.join(sources)} ;",
                                   f"    iim:sourceDiseaseId {lit(row['orpha_id'])} ."])

    for n, row in enumerate(read_tsv(reference / MAPPINGS), 2):
        commits[row["source_file"]] = row["source_commit"]
        target = row["reference_curie"].strip()
        local = f"orphadata2025-mapping-{row['mondo_id'].replace(':', '_')}-{_slug(target)}"
        if local in blocks:
            raise ReferenceGapError(f"{MAPPINGS}:{n}: two rows give the same node iimc:{local}")
        blocks[local] = "\n".join([
            f"iimc:{local} iim:mappingSubject {obo(row['mondo_id'])} ;",
            f"    iim:mappingTarget {lit(target)} ;",
            f"    iim:sourceReference {lit(row['reference_as_written'])} ;",
            f"    iim:orphanetMappingPrecision {lit(row['mapping_precision'])} ;",
            f"    iim:sourceDiseaseId {lit(row['orpha_id'])} ;",
            f"    dcterms:source {SNAPSHOT}, iimsrc:orpha-{row['orpha_id'].split(':')[1]} ."])
        counts["mappings"] += 1

    paths = "; ".join(f"{path}@{commit}" for path, commit in sorted(commits.items()))
    snapshot = "\n".join([
        f"{SNAPSHOT} a dcterms:BibliographicResource, iim:ReferenceSnapshot ;",
        '    dcterms:title "Orphadata snapshot 2025-12-09 (products 1, 4, 6, 9_prev, 9_ages), as cached by dismech"@en ;',
        '    dcterms:publisher "Orphanet (INSERM)" ;',
        '    dcterms:issued "2025-12-09"^^xsd:date ;',
        '    iim:repository "monarch-initiative/dismech" ;',
        f"    iim:path {lit(paths)} ;",
        f"    dcterms:license <{CC_BY_4}> ;",
        f"    iim:extract {lit(PHENOTYPES)}, {lit(EPIDEMIOLOGY)}, {lit(MAPPINGS)} ."])
    out = [snapshot]
    out += [f'iimsrc:pmid-{p} a dcterms:BibliographicResource ;\n    dcterms:identifier "PMID:{p}" .' for p in sorted(pmids)]
    out += [blocks[k] for k in sorted(blocks)]
    header = (HEADER
            + "# Orphadata 2025-12-09 (CC BY 4.0) for dermatomyositis and polymyositis: the phenotype rows the HPO release\n"
            "# 2025-01-16 lacks, epidemiology / onset / inheritance rows with their references, and Orphanet's mapping\n"
            "# precision beside our own predicate. How: iimgraph.build.importers.orphadata.\n")
    return header + PREFIXES + "\n" + "\n\n".join(out) + "\n", counts
