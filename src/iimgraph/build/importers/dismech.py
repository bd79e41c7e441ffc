"""dismech IIM statements (``reference/dismech_iim.tsv``) -> ``dismech.ttl``.

dismech (the Disorder Mechanisms Knowledge Base, BSD-3-Clause) is curated with AI assistance; each
statement taken here carries its evidence reference (PMID, ORPHA or NCT), dismech's exact quote
(``iim:quote``), the direction of that evidence (``iim:evidenceDirection``: supports, partially
supports, refutes) and two sources: the dismech file at its commit (whose source node says the curation
is AI-assisted) and the reference the evidence cites. One claim per statement and evidence item; a
statement with no evidence item is left out (no PMID to carry).

Taken, per kind of dismech statement:

* ``phenotype`` (and ``antibody_biomarker``/``imaging`` rows that bind an HPO term):
  ``biolink:DiseaseToPhenotypicFeatureAssociation``; dismech's frequency enumeration (the HPO scale's
  names) as the HPO frequency term, its words kept in ``iim:frequencyText``.
* ``antibody_biomarker`` naming a myositis antibody: ``iim:AutoantibodyAssociation`` (role
  "associated") to the HPO positivity term the name maps to (:data:`ANTIBODY_TERMS`, by the term's HPO
  label or synonym); where the quote states a prevalence, sensitivity or specificity, also one
  ``iim:AutoantibodyStatistic`` per figure (:data:`STATISTICS`): ``iim:testMeasure``, the figure as an
  ``xsd:decimal`` fraction in ``iim:fraction`` (0.734 for 73.4 %), the words giving it in ``iim:valueText``
  and any threshold in ``iim:threshold``, both verbatim substrings of the quote (checked here).
* ``treatment``: ``iim:TreatmentAssociation`` (``biolink:treated_by``) to the first agent dismech binds
  (CHEBI or NCIT), dismech's name of the treatment in ``iim:sourceLabel``; evidence that refutes it is
  ``biolink:negated true`` (so no export reads a refuted treatment as one that works).
* ``trial``: a source node ``iimsrc:nct-N`` (``iim:ClinicalTrial``) with phase, status, the disease
  and dismech's quote; treatments whose evidence is the trial cite it.
* ``differential``: ``iim:DifferentialDiagnosis`` (``iim:hasDifferentialDiagnosis``) to the MONDO class
  dismech binds, or only dismech's words (``iim:valueText``) where it binds none.
* ``gene``: ``iim:GeneAssociation`` (``iim:hasGeneAssociation``) to the HGNC gene, dismech's words in
  ``iim:valueText``; none where dismech binds no gene.
* ``inheritance``: ``iim:InheritanceObservation`` with dismech's words.

Left out: mechanisms and their edges, discussions, hypotheses, animal models, histopathology,
progression, classification and the grouping's rows (no claim kind of the graph holds them).

Evidence codes: a PMID whose evidence dismech marks HUMAN_CLINICAL is PCS (published clinical study);
any other PMID, an Orphanet row and a trial record are TAS (the claim restates that source).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from iimgraph.build.importers.common import HEADER, HP_CURIE, PREFIXES, ReferenceGapError, iim_scope, lit, obo, read_tsv
from iimgraph.namespaces import BSD_3_CLAUSE, EVIDENCE, HGNC

TABLE = "dismech_iim.tsv"
REPOSITORY = "monarch-initiative/dismech"
EV = f"<{EVIDENCE}{{}}>"
FREQUENCY = {"OBLIGATE": "HP:0040280", "VERY_FREQUENT": "HP:0040281", "FREQUENT": "HP:0040282",
             "OCCASIONAL": "HP:0040283", "VERY_RARE": "HP:0040284", "EXCLUDED": "HP:0040285"}
DIRECTION = {"SUPPORT": "supports", "PARTIAL": "partially supports", "REFUTE": "refutes"}

#: dismech's antibody names -> the HPO positivity terms they name (HPO label or synonym in
#: reference/hpo_myositis_autoantibody_terms.tsv: Anti-Jo-1, Anti-PL-7, Anti-PL-12, Anti-Ro52, Anti-cN1A)
ANTIBODY_TERMS: dict[str, tuple[str, ...]] = {
    "Anti-Jo-1 (Anti-Histidyl-tRNA Synthetase) Autoantibody": ("HP:0034152",),
    "Anti-PL-7 / Anti-PL-12 (and other non-Jo-1 anti-ARS) Autoantibodies": ("HP:0034143", "HP:0034145"),
    "Anti-Ro52 (TRIM21) Co-Antibody": ("HP:0034093",),
    "Anti-cN1A (NT5C1A) Autoantibody": ("HP:0034153",),
}

#: (dismech statement, PMID) -> figures its quote states: (measure, fraction, words of the quote, threshold words)
STATISTICS: dict[tuple[str, str], list[tuple[str, str, str, str]]] = {
    ("Anti-cN1A (NT5C1A) Autoantibody", "23460448"): [
        ("prevalence", "0.33", "detected in 33% of sIBM patient sera", "high concentrations"),
    ],
    ("Anti-cN1A (NT5C1A) Autoantibody", "23596012"): [
        ("sensitivity", "0.70", "70% sensitive", "Moderate reactivity"),
        ("specificity", "0.92", "92% specific", "Moderate reactivity"),
        ("sensitivity", "0.34", "34% sensitive", "high reactivity"),
        ("specificity", "0.98", "98% specific", "high reactivity"),
    ],
    ("Anti-Jo-1 (Anti-Histidyl-tRNA Synthetase) Autoantibody", "28339994"): [
        ("prevalence", "0.734", "One hundred and twenty-four (73.4%) patients were positive for anti-Jo1", ""),
    ],
}
MEASURES = {"prevalence": "iim:AntibodyPrevalence", "sensitivity": "iim:Sensitivity", "specificity": "iim:Specificity"}

_TAKEN = {"phenotype", "antibody_biomarker", "imaging", "treatment", "trial", "differential", "gene", "inheritance"}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _values(cell: str) -> dict[str, str]:
    out = {}
    for part in cell.split("; "):
        key, sep, value = part.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _term(curie: str, where: str) -> str:
    """An IRI for a term dismech binds (MONDO, HP, CHEBI, NCIT, HGNC)."""
    prefix, _, local = curie.partition(":")
    if prefix in ("MONDO", "HP"):
        return obo(curie)
    if prefix == "CHEBI" and local.isdigit():
        return f"obo:CHEBI_{local}"
    if prefix == "NCIT" and re.fullmatch(r"C\d+", local):
        return f"obo:NCIT_{local}"
    if prefix.lower() == "hgnc" and local.isdigit():
        return f"<{HGNC}{local}>"
    raise ReferenceGapError(f"{where}: unexpected term {curie!r}")


def _file_source(path: str) -> str:
    return "iimsrc:dismech-" + _slug(Path(path).stem)


def build(reference: Path) -> tuple[str, dict[str, int]]:
    """(dismech.ttl, counts)."""
    scope = iim_scope(reference)
    rows = read_tsv(reference / TABLE)
    claims: dict[str, list[str]] = {}
    files: dict[str, tuple[str, str]] = {}  # source IRI -> (path, commit)
    pmids: set[int] = set()
    trials: dict[str, list[str]] = {}
    terms: dict[str, str] = {}  # external term IRI -> dismech's label of it
    counts = dict.fromkeys(("phenotypes", "autoantibodies", "statistics", "treatments", "trials", "differentials",
                            "genes", "inheritance", "without_evidence", "not_taken"), 0)
    seen_statistics: set[tuple[str, str, str]] = set()
    evidence_index: dict[str, int] = {}

    for n, row in enumerate(rows, 2):
        where = f"{TABLE}:{n}"
        kind = row["kind"].strip()
        mondo = row["mondo_id"].strip()
        if kind not in _TAKEN or mondo not in scope:
            counts["not_taken"] += 1
            continue
        ref = row["evidence_reference"].strip()
        if not ref:
            counts["without_evidence"] += 1
            continue
        src_file = _file_source(row["disorder_file"])
        files[src_file] = (row["disorder_file"].strip(), row["dismech_commit"].strip())
        quote = row["evidence_snippet"].strip()
        direction = DIRECTION.get(row["evidence_supports"].strip())
        if direction is None:
            raise ReferenceGapError(f"{where}: unknown evidence_supports {row['evidence_supports']!r}")
        m = re.fullmatch(r"PMID:(\d+)|ORPHA:(\d+)|clinicaltrials:(NCT\d{8})", ref)
        if not m:
            raise ReferenceGapError(f"{where}: unexpected evidence reference {ref!r}")
        if m.group(1):
            pmid = int(m.group(1))
            pmids.add(pmid)
            ref_src = f"iimsrc:pmid-{pmid}"
            code = "PCS" if row["evidence_source"].strip() == "HUMAN_CLINICAL" else "TAS"
        elif m.group(2):
            ref_src, code = f"iimsrc:orpha-{m.group(2)}", "TAS"
        else:
            ref_src, code = f"iimsrc:nct-{m.group(3)}", "TAS"
        statement = row["statement"].strip()
        term_id = row["term_id"].strip()
        values = _values(row["value_as_written"])
        stem = f"dismech-{mondo.replace(':', '_')}-{_slug(row['yaml_path'])}"
        evidence_index[stem] = k = evidence_index.get(stem, 0) + 1  # the statement's k-th evidence item
        common = [
            f"    biolink:subject {obo(mondo)} ;",
            f"    biolink:has_evidence {EV.format(code)} ;",
            f"    dcterms:source {src_file}, {ref_src} ;",
            f"    iim:quote {lit(quote)} ;" if quote else "",
            f"    iim:evidenceDirection {lit(direction)} ;",
            f"    iim:sourceLabel {lit(statement)} ;",
            f"    iim:dismechPath {lit(row['yaml_path'].strip())} ;",
        ]
        common = [c for c in common if c]

        def add(local: str, types: str, predicate: str, body: list[str], where: str = where,
                common: list[str] = common) -> None:
            if local in claims:
                raise ReferenceGapError(f"{where}: two rows give the same claim IRI iimc:{local}")
            claims[local] = [f"iimc:{local} a {types}, iim:Claim ;", *common[:1],
                             f"    biolink:predicate {predicate} ;", *body, *common[1:]]

        if kind == "trial":
            phase, status = values.get("phase", ""), values.get("status", "")
            trials[term_id] = [f"iimsrc:nct-{term_id} a dcterms:BibliographicResource, iim:ClinicalTrial ;",
                               f"    dcterms:identifier {lit('clinicaltrials:' + term_id)} ;",
                               f"    dcterms:subject {obo(mondo)} ;",
                               f"    iim:trialPhase {lit(phase)} ;",
                               f"    iim:trialStatus {lit(status)} ;",
                               f"    iim:quote {lit(quote)} ;",
                               f"    dcterms:isReferencedBy {src_file} ."]
            counts["trials"] += 1
            continue
        if kind == "antibody_biomarker" and statement in ANTIBODY_TERMS:
            basis = f"dismech names the antibody {statement!r}; mapped to the HPO term by its label or synonym"
            for hp in ANTIBODY_TERMS[statement]:
                add(f"{stem}-{hp.replace(':', '_')}-e{k}", "iim:AutoantibodyAssociation", "iim:hasAutoantibody",
                    [f"    biolink:object {obo(hp)} ;", '    iim:role "associated" ;', f"    iim:basis {lit(basis)} ;"])
                counts["autoantibodies"] += 1
            for measure, fraction, words, threshold in STATISTICS.get((statement, m.group(1) or ""), []):
                if words not in quote or (threshold and threshold not in quote):
                    continue  # another evidence item of the same statement and PMID
                seen_statistics.add((statement, m.group(1), words))
                number = Decimal(re.search(r"(\d+(?:\.\d+)?)%", words).group(1)) / 100  # type: ignore[union-attr]
                if number != Decimal(fraction):
                    raise ReferenceGapError(f"{where}: {fraction} is not the {words!r} of the quote")
                for hp in ANTIBODY_TERMS[statement]:
                    tag = _slug(f"{measure} {threshold}") if threshold else measure
                    add(f"{stem}-{hp.replace(':', '_')}-{tag}-e{k}", "iim:AutoantibodyStatistic", "iim:hasAutoantibody",
                        [f"    biolink:object {obo(hp)} ;", f"    iim:testMeasure {MEASURES[measure]} ;",
                         f"    iim:fraction {lit(fraction)}^^xsd:decimal ;", f"    iim:valueText {lit(words)} ;",
                         *([f"    iim:threshold {lit(threshold)} ;"] if threshold else []),
                         "    iim:basis \"the figure is the project curator's reading of dismech's quote (importer table"
                         " STATISTICS); statement and quote are dismech's\" ;"])
                    counts["statistics"] += 1
            continue
        if kind in ("phenotype", "antibody_biomarker", "imaging"):
            if not HP_CURIE.fullmatch(term_id):
                counts["not_taken"] += 1
                continue
            body = [f"    biolink:object {obo(term_id)} ;"]
            freq = values.get("frequency", "")
            if freq:
                if freq not in FREQUENCY:
                    raise ReferenceGapError(f"{where}: unknown frequency {freq!r}")
                body += [f"    biolink:frequency_qualifier {obo(FREQUENCY[freq])} ;",
                         f"    iim:frequencyText {lit(freq + ' (dismech)')} ;"]
            add(f"{stem}-e{k}", "biolink:DiseaseToPhenotypicFeatureAssociation", "biolink:has_phenotype", body)
            counts["phenotypes"] += 1
        elif kind == "treatment":
            iri = _term(term_id, where)
            terms.setdefault(iri, row["term_label"].strip())
            body = [f"    biolink:object {iri} ;"]
            if direction == "refutes":
                body.append("    biolink:negated true ;")
            add(f"{stem}-e{k}", "iim:TreatmentAssociation", "biolink:treated_by", body)
            counts["treatments"] += 1
        elif kind == "differential":
            body = [f"    iim:valueText {lit(statement)} ;"]
            if term_id:
                body.insert(0, f"    biolink:object {_term(term_id, where)} ;")
            add(f"{stem}-e{k}", "iim:DifferentialDiagnosis", "iim:hasDifferentialDiagnosis", body)
            counts["differentials"] += 1
        elif kind == "gene":
            body = [f"    iim:valueText {lit(statement)} ;"]
            if term_id:
                iri = _term(term_id, where)
                terms.setdefault(iri, row["term_label"].strip())
                body.insert(0, f"    biolink:object {iri} ;")
            add(f"{stem}-e{k}", "iim:GeneAssociation", "iim:hasGeneAssociation", body)
            counts["genes"] += 1
        elif kind == "inheritance":
            add(f"{stem}-e{k}", "iim:InheritanceObservation", "biolink:has_mode_of_inheritance",
                [f"    iim:valueText {lit(statement)} ;"])
            counts["inheritance"] += 1

    missing = {(st, pmid, f[2]) for (st, pmid), figures in STATISTICS.items() for f in figures} - seen_statistics
    if missing:
        raise ReferenceGapError(f"{TABLE}: no row for the statistics of {sorted(missing)}")

    blocks = []
    for iri, (path, commit) in sorted(files.items()):
        blocks.append("\n".join([
            f"{iri} a dcterms:BibliographicResource, iim:ReferenceSnapshot ;",
            f"    dcterms:title {lit('dismech: ' + Path(path).stem.replace('_', ' '))}@en ;",
            '    dcterms:publisher "Monarch Initiative" ;',
            f"    iim:repository {lit(REPOSITORY)} ;",
            f"    iim:commit {lit(commit)} ;",
            f"    iim:path {lit(path)} ;",
            f"    dcterms:license <{BSD_3_CLAUSE}> ;",
            "    iim:curationMethod \"AI-assisted\" ;",
            "    rdfs:comment \"Disorder Mechanisms Knowledge Base entry. AI-assisted curation: dismech's README says the"
            " knowledge base 'is curated with Claude Code'; its quotes are checked against PubMed abstracts by dismech's"
            " reference validator and were not checked again here.\"@en ;",
            f"    iim:extract {lit(TABLE)} ."]))
    for pmid in sorted(pmids):
        blocks.append(f"iimsrc:pmid-{pmid} a dcterms:BibliographicResource ;\n"
                      f'    dcterms:identifier "PMID:{pmid}" .')
    for nct in sorted(trials):
        blocks.append("\n".join(trials[nct]))
    for iri, label in sorted(terms.items()):
        if label:
            blocks.append(f"{iri} rdfs:label {lit(label)} .")
    for local in sorted(claims):
        lines = claims[local]
        lines[-1] = lines[-1][:-2] + " ."
        blocks.append("\n".join(lines))
    head = (HEADER
            + "# dismech IIM statements (reference/dismech_iim.tsv; monarch-initiative/dismech, BSD-3-Clause). AI-assisted\n"
            "# curation: every claim carries dismech's quote, the PMID / ORPHA / NCT it cites, the direction of that\n"
            "# evidence and the dismech file at its commit. What is taken and how: iimgraph.build.importers.dismech.\n")
    counts["pmids"] = len(pmids)
    return head + PREFIXES + "\n" + "\n\n".join(blocks) + "\n", counts
