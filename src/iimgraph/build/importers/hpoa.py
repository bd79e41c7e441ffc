"""HPO disease-phenotype annotations -> ``hpo_annotations.ttl`` and ``annotation_sources.ttl``.

Two reference tables feed it:

* ``hpo2025_iim_annotations.tsv`` (HPO release 2025-01-16, ``phenotype.hpoa``): every row whose
  disease is an IIM class (the IIM root, its MONDO subtree, inclusion body myositis). The 28 rows of
  GNE myopathy (ORPHA:602; hereditary, under IBM in MONDO but not IIM) are left out. Eosinophilic
  fasciitis and focal myositis are kept: the MONDO extract places both under acquired IIM
  (MONDO:0020122, ``in_mondo`` edges of mondo_iim_edges.tsv), although the reference README counts
  them as non-IIM neighbours. Aspect ``P``
  rows become ``biolink:DiseaseToPhenotypicFeatureAssociation`` nodes
  ``iimc:hpoa2025-<MONDO>-<HP>[-NOT]``; aspect ``I`` rows become ``iim:InheritanceObservation``
  nodes ``iimc:inheritance-hpoa2025-<MONDO>-<HP>``. Each carries the frequency, onset, sex and
  modifier the row gives, its evidence code, ``biolink:negated`` for ``NOT``, the biocuration
  string, and two sources: the annotation file (``iimsrc:hpo-annotations-2025-01-16``) and the row's
  reference (``iimsrc:orpha-N``, ``iimsrc:omim-N`` or ``iimsrc:pmid-N``).
* ``hpo_iim_annotations.tsv`` (the 2015 fork): the text-mined rows (``ITM``) as before,
  ``iimc:hpoa-<MONDO>-<HP>-ITM``; its curated rows are superseded where the 2025 file annotates
  the same disease with the same term, and are then left out.

Output is deterministic: nodes sorted by IRI, sources by identifier.
"""

from __future__ import annotations

import re
from pathlib import Path

from iimgraph.build.importers.common import (
    HEADER,
    HP_CURIE,
    PREFIXES,
    ReferenceGapError,
    iim_scope,
    lit,
    obo,
    read_tsv,
    split,
)
from iimgraph.namespaces import EVIDENCE as EVIDENCE_IRI

ANNOTATIONS_2025 = "hpo2025_iim_annotations.tsv"
ANNOTATIONS_2015 = "hpo_iim_annotations.tsv"
SOURCE_2025 = "iimsrc:hpo-annotations-2025-01-16"
SOURCE_2015 = "iimsrc:hpo-annotations-2015"
EVIDENCE = {code: f"<{EVIDENCE_IRI}{code}>" for code in ("TAS", "PCS", "IEA", "ITM")}

#: PMIDs already defined in ontology/sources.ttl (the MedGen seed's list); never redefined here.
PMIDS_DEFINED_ELSEWHERE = {"37026610", "33902423", "23858627", "9550481"}


def _pmids(reference: str) -> list[str]:
    return [str(int(m)) for m in re.findall(r"PMID:(\d+)", reference)]


def _reference_source(token: str) -> tuple[str, str]:
    """A row's reference (``ORPHA:221``, ``OMIM:160750``, ``PMID:123``) -> (source IRI, identifier)."""
    m = re.fullmatch(r"(ORPHA|OMIM|PMID):(\d+)", token.strip())
    if not m:
        raise ReferenceGapError(f"unexpected reference {token!r} in {ANNOTATIONS_2025}")
    prefix, local = m.group(1), str(int(m.group(2)))
    return f"iimsrc:{prefix.lower()}-{local}", f"{prefix}:{local}"


def _biocuration(cell: str) -> tuple[str, str | None]:
    """``ORPHA:orphadata[2025-01-16]`` -> (``ORPHA:orphadata``, ``2025-01-16``); the first entry only."""
    first = split(cell, ";")[0] if cell.strip() else ""
    m = re.fullmatch(r"(.+)\[(\d{4}-\d{2}-\d{2})\]", first)
    return (m.group(1), m.group(2)) if m else (first, None)


def _hp(curie: str, where: str) -> str:
    if not HP_CURIE.fullmatch(curie):
        raise ReferenceGapError(f"{where}: {curie!r} is not an HPO identifier")
    return obo(curie)


def _iso_date(value: str) -> str | None:
    m = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", value.strip())
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def build(reference: Path) -> tuple[str, str, dict[str, int]]:
    """(hpo_annotations.ttl, annotation_sources.ttl, counts)."""
    scope = iim_scope(reference)
    rows25 = read_tsv(reference / ANNOTATIONS_2025)
    rows15 = read_tsv(reference / ANNOTATIONS_2015)
    nodes: dict[str, str] = {}
    sources: dict[str, str] = {}  # source IRI -> identifier
    disease_names: dict[str, str] = {}
    pmid_2015: set[str] = set()
    counts = {"rows_2025": len(rows25), "phenotypes_2025": 0, "inheritance_2025": 0, "out_of_scope_2025": 0,
              "itm_2015": 0, "superseded_2015": 0}
    annotated_2025: set[tuple[str, str]] = set()

    for n, row in enumerate(rows25, 2):
        where = f"{ANNOTATIONS_2025}:{n}"
        mondo = row["mondo_id"].strip()
        if mondo not in scope:
            counts["out_of_scope_2025"] += 1
            continue
        evidence = row["evidence"].strip()
        if evidence not in EVIDENCE or evidence == "ITM":
            raise ReferenceGapError(f"{where}: unknown evidence code {evidence!r}")
        hp = _hp(row["hpo_id"].strip(), where)
        negated = row["qualifier"].strip().upper() == "NOT"
        aspect = row["aspect"].strip()
        annotated_2025.add((mondo, row["hpo_id"].strip()))
        refs = [_reference_source(t) for t in split(row["reference"], ";")]
        for iri, ident in refs:
            sources[iri] = ident
            if ident.startswith(("ORPHA:", "OMIM:")):
                disease_names.setdefault(iri, row["disease_name"].strip())
        src = [SOURCE_2025, *sorted({iri for iri, _ in refs})]
        stem = f"{mondo.replace(':', '_')}-{row['hpo_id'].strip().replace(':', '_')}"
        if aspect == "I":
            local = f"inheritance-hpoa2025-{stem}"
            types = "iim:InheritanceObservation, iim:Claim"
            predicate = "biolink:has_mode_of_inheritance"
            counts["inheritance_2025"] += 1
        elif aspect in ("P", "C", "M", "H"):
            local = f"hpoa2025-{stem}"
            types = "biolink:DiseaseToPhenotypicFeatureAssociation, iim:Claim"
            predicate = "biolink:has_phenotype"
            counts["phenotypes_2025"] += 1
        else:
            raise ReferenceGapError(f"{where}: unknown aspect {aspect!r}")
        if negated:
            local += "-NOT"
        if local in nodes:
            raise ReferenceGapError(f"{where}: two rows give the same claim IRI iimc:{local}")
        lines = [
            f"iimc:{local} a {types} ;",
            f"    biolink:subject {obo(mondo)} ;",
            f"    biolink:predicate {predicate} ;",
            f"    biolink:object {hp} ;",
            f"    biolink:has_evidence {EVIDENCE[evidence]} ;",
        ]
        if negated:
            lines.append("    biolink:negated true ;")
        if row["frequency"].strip():
            freq = row["frequency"].strip()
            if HP_CURIE.fullmatch(freq):
                lines.append(f"    biolink:frequency_qualifier {obo(freq)} ;")
            else:  # n/m or a percentage: kept as the file writes it
                lines.append(f"    iim:frequencyText {lit(freq)} ;")
        if row["onset"].strip():
            lines.append(f"    biolink:onset_qualifier {_hp(row['onset'].strip(), where)} ;")
        if row["sex"].strip():
            lines.append(f"    biolink:sex_qualifier {lit(row['sex'].strip().lower())} ;")
        for modifier in sorted(split(row["modifier"], ";")):
            lines.append(f"    iim:modifier {_hp(modifier, where)} ;")
        lines.append("    dcterms:source " + ", ".join(src) + " ;")
        lines.append(f"    iim:aspect {lit(aspect)} ;")
        lines.append(f"    iim:sourceDiseaseId {lit(row['database_id'].strip())} ;")
        lines.append(f"    iim:sourceDiseaseName {lit(row['disease_name'].strip())} ;")
        lines.append(f"    iim:biocuration {lit(row['biocuration'].strip())} ;")
        assigned, created = _biocuration(row["biocuration"])
        if assigned:
            lines.append(f"    iim:assignedBy {lit(assigned)} ;")
        if created:
            lines.append(f"    iim:dateCreated {lit(created)}^^xsd:date ;")
        lines[-1] = lines[-1][:-2] + " ."
        nodes[local] = "\n".join(lines)

    for n, row in enumerate(rows15, 2):
        evidence = row["evidence"].strip()
        mondos = split(row["mondo_ids"])
        if evidence != "ITM":
            if evidence not in EVIDENCE:
                raise ReferenceGapError(f"{ANNOTATIONS_2015}:{n}: unknown evidence code {evidence!r}")
            if all((m, row["hpo_id"].strip()) in annotated_2025 for m in mondos):
                counts["superseded_2015"] += 1
                continue
        negated = row["qualifier"].strip().upper() == "NOT"
        row_pmids = _pmids(row["reference"])
        pmid_2015.update(row_pmids)
        for mondo in mondos:
            if evidence != "ITM" and (mondo, row["hpo_id"].strip()) in annotated_2025:
                continue
            local = f"hpoa-{mondo.replace(':', '_')}-{row['hpo_id'].strip().replace(':', '_')}-{evidence}"
            if negated:
                local += "-NOT"
            if local in nodes:
                raise ReferenceGapError(f"{ANNOTATIONS_2015}:{n}: two rows give the same claim IRI iimc:{local}")
            counts["itm_2015"] += evidence == "ITM"
            src = [SOURCE_2015] + [f"iimsrc:pmid-{p}" for p in sorted(set(row_pmids), key=int)]
            lines = [
                f"iimc:{local} a biolink:DiseaseToPhenotypicFeatureAssociation, iim:Claim ;",
                f"    biolink:subject {obo(mondo)} ;",
                "    biolink:predicate biolink:has_phenotype ;",
                f"    biolink:object {_hp(row['hpo_id'].strip(), ANNOTATIONS_2015)} ;",
                f"    biolink:has_evidence {EVIDENCE[evidence]} ;",
            ]
            if negated:
                lines.append("    biolink:negated true ;")
            lines.append("    dcterms:source " + ", ".join(src) + " ;")
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
            date = _iso_date(row["date_created"])
            if date:
                lines.append(f"    iim:dateCreated {lit(date)}^^xsd:date ;")
            lines[-1] = lines[-1][:-2] + " ."
            nodes[local] = "\n".join(lines)

    head = (
        HEADER
        + "# HPO disease-phenotype annotations of the IIM classes.\n"
        "# * HPO release 2025-01-16 (phenotype.hpoa, reference/hpo2025_iim_annotations.tsv): curated Orphanet and\n"
        "#   OMIM rows with HPO frequency terms, iimc:hpoa2025-*; the mode-of-inheritance row (aspect I) is an\n"
        "#   iim:InheritanceObservation. GNE myopathy (ORPHA:602) is left out (hereditary; not IIM in MONDO);\n"
        "#   eosinophilic fasciitis and focal myositis are kept (MONDO places both under MONDO:0020122).\n"
        "# * 2015 fork (reference/hpo_iim_annotations.tsv): text-mined rows (BioLark over PubMed abstracts,\n"
        "#   biolink:has_evidence iim:evidence/ITM, iimc:hpoa-*-ITM) -- noisy; curated views leave them out. Its\n"
        "#   curated rows are superseded by the 2025 file and left out.\n"
    )
    annotations = head + PREFIXES + "\n" + "\n\n".join(nodes[k] for k in sorted(nodes)) + "\n"

    blocks = []
    for iri, ident in sorted(sources.items(), key=lambda kv: (kv[1].split(":")[0], int(kv[1].split(":")[1]))):
        prefix = ident.split(":")[0]
        lines = [f"{iri} a dcterms:BibliographicResource ;", f"    dcterms:identifier {lit(ident)} ;"]
        if prefix == "ORPHA":
            lines.append(f"    dcterms:title {lit('Orphanet: ' + disease_names[iri])} ;")
            lines.append('    dcterms:publisher "Orphanet (INSERM)" ;')
        elif prefix == "OMIM":
            lines.append(f"    dcterms:title {lit('OMIM ' + ident.split(':')[1] + ': ' + disease_names[iri])} ;")
        lines.append(f"    dcterms:isReferencedBy {SOURCE_2025} .")
        blocks.append("\n".join(lines))
    pmids_2025 = {s.split(':')[1] for s in sources.values() if s.startswith('PMID:')}
    for p in sorted(pmid_2015 - PMIDS_DEFINED_ELSEWHERE - pmids_2025, key=int):
        blocks.append(
            f"iimsrc:pmid-{p} a dcterms:BibliographicResource ;\n"
            f'    dcterms:identifier "PMID:{p}" ;\n'
            f"    dcterms:isReferencedBy {SOURCE_2015} ."
        )
    src_head = (
        HEADER
        + "# The references the HPO annotation rows cite: the Orphanet and OMIM entries of the 2025-01-16 rows, and the\n"
        "# PubMed records of the 2015 text-mined rows (titles are not in the reference, so none is given). The\n"
        "# MedGen seed's PMIDs and the annotation files themselves are described in ontology/sources.ttl.\n"
    )
    counts["reference_sources"] = len(sources)
    counts["pmids_2015"] = len(blocks) - len(sources)
    return annotations, src_head + PREFIXES + "\n" + "\n\n".join(blocks) + "\n", counts
