"""Issue 3: clinical knowledge of the IIM subtypes, every claim with its source.

The graph comes from ``iimgraph.load_graph`` (conftest ``graph`` fixture): every ontology/**/*.ttl
plus the SSSOM mappings. Expectations come from the reference tables (packaged copy) and from
tests/data/seed_facts.tsv, a hand-checked table of what each seed page states.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from iimgraph.namespaces import CONVERTER
from iimgraph.terms import BIOLINK, IIM

from .conftest import ROOT, SHARED, read_tsv

CLINICAL = ROOT / "ontology" / "clinical"
SEEDS = SHARED / "seeds"
SEED_FACTS = Path(__file__).parent / "data" / "seed_facts.tsv"
TAS = URIRef(IIM + "evidence/TAS")
ITM = URIRef(IIM + "evidence/ITM")
CLAIM_TYPES = {
    BIOLINK.DiseaseToPhenotypicFeatureAssociation, IIM.AutoantibodyAssociation, IIM.DiagnosticAssociation,
    IIM.TreatmentAssociation, IIM.EpidemiologyObservation, IIM.InheritanceObservation, IIM.PlacementClaim,
}
VALUE_SLOTS = (IIM.lowerBound, IIM.upperBound, IIM.valueText)


def iri(curie: str) -> URIRef:
    expanded = CONVERTER.expand(curie)
    assert expanded, f"cannot expand {curie!r}"
    return URIRef(expanded)


def clinical_graph() -> Graph:
    """Only the clinical files (to tell this issue's claims from the classification's)."""
    g = Graph()
    for f in sorted(CLINICAL.glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


@pytest.fixture(scope="module")
def clinical() -> Graph:
    return clinical_graph()


@pytest.fixture(scope="module")
def allowed_subjects(mondo_classes) -> set[URIRef]:
    """IIM root, its subtree, and inclusion body myositis."""
    return {iri(r["mondo_id"]) for r in mondo_classes
            if r["scope"] in ("iim_root", "iim_subtree", "iim_related_outside_mondo_iim_subtree")}


def claim_problems(g: Graph) -> list[str]:
    """Every iim:Claim: a specific type, subject, predicate, object or value, evidence, a resolvable source."""
    problems = []
    for c in sorted(set(g.subjects(RDF.type, IIM.Claim))):
        types = set(g.objects(c, RDF.type))
        if not types & CLAIM_TYPES:
            problems.append(f"{c}: no specific claim type")
        if g.value(c, BIOLINK.subject) is None:
            problems.append(f"{c}: no biolink:subject")
        if g.value(c, BIOLINK.predicate) is None:
            problems.append(f"{c}: no biolink:predicate")
        if g.value(c, BIOLINK.object) is None and not any(g.value(c, p) is not None for p in VALUE_SLOTS):
            problems.append(f"{c}: neither biolink:object nor a value")
        if g.value(c, BIOLINK.has_evidence) is None:
            problems.append(f"{c}: no biolink:has_evidence")
        sources = list(g.objects(c, DCTERMS.source))
        if not sources:
            problems.append(f"{c}: no dcterms:source")
        for s in sources:
            if (s, RDF.type, DCTERMS.BibliographicResource) not in g:
                problems.append(f"{c}: source {s} is not a dcterms:BibliographicResource in the graph")
    return problems


# --- every claim is complete and sourced --------------------------------------------------------


def test_every_claim_has_subject_object_or_value_and_a_resolvable_source(graph):
    assert len(set(graph.subjects(RDF.type, IIM.Claim))) > 300
    assert claim_problems(graph) == []


def test_claim_check_catches_a_broken_claim(graph):
    """The check above is not a tautology: break one claim three ways and it must say so."""
    g = Graph()
    for t in graph:
        g.add(t)
    c = iri("iimc:phenotype-clinic-barcelona-MONDO_0016367-HP_0003701")
    assert (c, RDF.type, IIM.Claim) in g
    g.remove((c, DCTERMS.source, None))
    g.remove((c, BIOLINK.object, None))
    g.add((iri("iimc:epi-carenity-MONDO_0600023-prevalence-per-100000"), DCTERMS.source, iri("iimsrc:no-such-page")))
    problems = claim_problems(g)
    assert any("HP_0003701: no dcterms:source" in p for p in problems)
    assert any("HP_0003701: neither biolink:object" in p for p in problems)
    assert any("no-such-page is not a dcterms:BibliographicResource" in p for p in problems)


def test_clinical_claims_follow_the_contract(clinical, graph, allowed_subjects):
    claims = set(clinical.subjects(RDF.type, IIM.Claim))
    seed_sources = set(graph.subjects(IIM.seedFile, None))
    assert seed_sources, "ontology/sources.ttl must name the seed pages (iim:seedFile)"
    for c in claims:
        assert set(clinical.objects(c, RDF.type)) & CLAIM_TYPES, c
        assert clinical.value(c, BIOLINK.subject) in allowed_subjects, c
        assert clinical.value(c, BIOLINK.has_evidence) in (TAS, ITM), c
        assert str(c).startswith(str(iri("iimc:"))), c
        if set(clinical.objects(c, DCTERMS.source)) & seed_sources:
            assert clinical.value(c, IIM.quote) is not None, f"{c}: seed claim without iim:quote"
            assert clinical.value(c, BIOLINK.has_evidence) == TAS, c
        for p in (IIM.lowerBound, IIM.upperBound):
            for v in clinical.objects(c, p):
                assert isinstance(v, Literal) and v.datatype == XSD.decimal, (c, p, v)


def test_every_seed_quote_is_verbatim_in_its_seed_page(clinical, graph):
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is absent")
    checked = 0
    for c, quote in clinical.subject_objects(IIM.quote):
        files = [graph.value(s, IIM.seedFile) for s in clinical.objects(c, DCTERMS.source)]
        files = [f for f in files if f is not None]
        assert files, f"{c} has a quote but no seed-page source"
        text = (SEEDS / str(files[0])).read_text(encoding="utf-8")
        assert str(quote) in text, f"{c}: quote not verbatim in {files[0]}: {quote!r}"
        checked += 1
    assert checked >= 80


# --- the seed facts table ---------------------------------------------------------------------------


def _seed_rows() -> list[dict[str, str]]:
    return read_tsv(SEED_FACTS)


#: spec kind -> (predicate, how the rest of the spec becomes the object)
_SPEC_KINDS = {
    "finding": (IIM.finding, iri),
    "distinguishes": (IIM.distinguishes, iri),
    "response": (IIM.response, Literal),
    "measure": (IIM.measure, iri),
    "onset": (BIOLINK.onset_qualifier, iri),
    "text": (IIM.valueText, Literal),
}


def _matches(g: Graph, c: URIRef, spec: str) -> bool:
    """``spec`` is ' | '-separated: CURIE (the object), or finding:/distinguishes:/response:/measure:/range:/text:/onset:."""
    for part in (p.strip() for p in spec.split(" | ")):
        kind, _, rest = part.partition(":")
        if kind in _SPEC_KINDS:
            predicate, to_object = _SPEC_KINDS[kind]
            ok = (c, predicate, to_object(rest)) in g
        elif kind == "range":
            bounds, _, unit = rest.partition(" ")
            lo, _, hi = bounds.partition("..")
            ok = str(g.value(c, IIM.unit)) == unit
            for pred, want in ((IIM.lowerBound, lo), (IIM.upperBound, hi)):
                got = g.value(c, pred)
                ok = ok and ((got is None) if not want else (got is not None and Decimal(str(got)) == Decimal(want)))
        else:
            ok = (c, BIOLINK.object, iri(part)) in g
        if not ok:
            return False
    return True


@pytest.mark.parametrize("row", _seed_rows(), ids=lambda r: f"{r['seed_file'][:3]}-{r['subject']}-{r['object_or_value'][:40]}")
def test_seed_fact_is_in_the_graph(graph, row):
    sources = set(graph.subjects(IIM.seedFile, Literal(row["seed_file"])))
    assert len(sources) == 1, f"no single source node for seed file {row['seed_file']}"
    source = sources.pop()
    assert (source, RDF.type, DCTERMS.BibliographicResource) in graph
    candidates = [
        c for c in graph.subjects(BIOLINK.subject, iri(row["subject"]))
        if (c, RDF.type, iri(row["claim_type"])) in graph and (c, RDF.type, IIM.Claim) in graph
        and (c, DCTERMS.source, source) in graph and (c, IIM.quote, Literal(row["statement"])) in graph
        and _matches(graph, c, row["object_or_value"])
    ]
    assert len(candidates) == 1, f"expected one claim for {row}, found {candidates}"
    assert Path(ROOT / row["where"]).is_file()
    assert (candidates[0], None, None) in clinical_graph_of(row["where"])
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is absent: verbatim check skipped")
    assert row["statement"] in (SEEDS / row["seed_file"]).read_text(encoding="utf-8")


_FILE_GRAPHS: dict[str, Graph] = {}


def clinical_graph_of(path: str) -> Graph:
    if path not in _FILE_GRAPHS:
        _FILE_GRAPHS[path] = Graph().parse(ROOT / path, format="turtle")
    return _FILE_GRAPHS[path]


def test_seed_facts_cover_every_seed_claim(clinical, graph):
    """No seed-sourced claim in the graph is missing from the table (the table is the checklist)."""
    rows = _seed_rows()
    quotes = {(r["subject"], r["statement"]) for r in rows}
    seed_sources = set(graph.subjects(IIM.seedFile, None))
    for c in set(clinical.subjects(RDF.type, IIM.Claim)):
        if set(clinical.objects(c, DCTERMS.source)) & seed_sources:
            subject = CONVERTER.compress(str(clinical.value(c, BIOLINK.subject)))
            assert (subject, str(clinical.value(c, IIM.quote))) in quotes, c
    assert {r["seed_file"][:3] for r in rows} == {"000", "001", "002", "003", "004"}


# --- HPO annotations: curated and text-mined views -------------------------------------------------

FULL_VIEW = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
SELECT DISTINCT ?a WHERE { ?a a biolink:DiseaseToPhenotypicFeatureAssociation ; biolink:subject ?d ; biolink:object ?p . }
"""
CURATED_VIEW = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
SELECT DISTINCT ?a WHERE {
  ?a a biolink:DiseaseToPhenotypicFeatureAssociation ; biolink:subject ?d ; biolink:object ?p .
  FILTER NOT EXISTS { ?a biolink:has_evidence <https://w3id.org/iimgraph/vocab/evidence/ITM> }
}
"""


def test_curated_and_full_views_differ_exactly_by_the_text_mined_rows(graph, reference_dir):
    rows = read_tsv(reference_dir / "hpo_iim_annotations.tsv")
    n_itm = sum(r["evidence"] == "ITM" for r in rows)
    assert n_itm == 246
    full = {r.a for r in graph.query(FULL_VIEW)}
    curated = {r.a for r in graph.query(CURATED_VIEW)}
    itm_nodes = set(graph.subjects(BIOLINK.has_evidence, ITM))
    assert len(full) - len(curated) == n_itm
    assert full - curated == itm_nodes
    assert all(str(a).split("/")[-1].startswith("hpoa-") and str(a).endswith("-ITM") for a in itm_nodes)
    assert curated >= {iri("iimc:hpoa-MONDO_0600024-HP_0003701-TAS")}


def test_every_hpoa_row_is_a_claim(graph, reference_dir):
    rows = read_tsv(reference_dir / "hpo_iim_annotations.tsv")
    hpoa_nodes = {a for a in graph.subjects(RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation)
                  if str(a).startswith(str(iri("iimc:hpoa-")))}
    assert len(hpoa_nodes) == len(rows) == 249
    for r in rows:
        for mondo in r["mondo_ids"].split("|"):
            neg = "-NOT" if r["qualifier"] == "NOT" else ""
            a = iri(f"iimc:hpoa-{mondo.replace(':', '_')}-{r['hpo_id'].replace(':', '_')}-{r['evidence']}{neg}")
            assert graph.value(a, BIOLINK.subject) == iri(mondo)
            assert graph.value(a, BIOLINK.object) == iri(r["hpo_id"])
            assert graph.value(a, BIOLINK.predicate) == BIOLINK.has_phenotype
            assert graph.value(a, BIOLINK.has_evidence) == URIRef(IIM + "evidence/" + r["evidence"])
            assert (graph.value(a, BIOLINK.negated) == Literal(True)) == bool(neg)
            sources = set(graph.objects(a, DCTERMS.source))
            want = {iri("iimsrc:hpo-annotations-2015")} | {
                iri(f"iimsrc:pmid-{int(p)}") for p in re.findall(r"PMID:(\d+)", r["reference"])}
            assert sources == want, a
            for s in sources - {iri("iimsrc:hpo-annotations-2015")}:
                pmid = str(s).rsplit("-", 1)[1]
                assert graph.value(s, DCTERMS.identifier) == Literal(f"PMID:{pmid}")


# --- HPO terms: verified ids and current labels ----------------------------------------------------


def test_every_hpo_term_used_is_in_the_reference_with_its_current_label(clinical, graph, reference_dir):
    labels = {r["hpo_id"]: r["label_current"] or r["label_in_parent_source"]
              for r in read_tsv(reference_dir / "hpo_terms.tsv")}
    labels.update({r["hpo_id"]: r["label"] for r in read_tsv(reference_dir / "hpo_frequency_onset_terms.tsv")})
    hp = str(iri("HP:0000001"))[: -len("0000001")]
    used = {o for s, p, o in clinical if isinstance(o, URIRef) and str(o).startswith(hp)}
    assert len(used) > 150
    for term in used:
        curie = "HP:" + str(term)[len(hp):]
        assert curie in labels, f"{curie} is not in the reference"
        assert graph.value(term, RDFS.label) == Literal(labels[curie]), curie
        for parent in graph.objects(term, RDFS.subClassOf):
            assert graph.value(parent, RDFS.label) is not None, f"ancestor {parent} of {curie} has no label"


# --- autoantibodies --------------------------------------------------------------------------------


def test_autoantibody_links_follow_the_reference_columns(graph, reference_dir):
    rows = read_tsv(reference_dir / "hpo_myositis_autoantibody_terms.tsv")
    group_target = {"anti-synthetase (ASS)": "MONDO:0019344", "DM-specific": "MONDO:0016367",
                    "IMNM-specific": "MONDO:0016098", "IBM-associated": "MONDO:0007827",
                    "myositis-associated (overlap)": "MONDO:0016099"}
    expected = set()
    for r in rows:
        if r["mondo_class_named_after_this_antibody"]:
            expected.add((r["mondo_class_named_after_this_antibody"], r["hpo_id"], "defining"))
        if r["clinical_grouping_curator_note"] in group_target:
            target = group_target[r["clinical_grouping_curator_note"]]
            role = "defining" if target == "MONDO:0019344" else "associated"
            if (target, r["hpo_id"], "defining") not in expected:
                expected.add((target, r["hpo_id"], role))
    got = set()
    for a in graph.subjects(RDF.type, IIM.AutoantibodyAssociation):
        assert graph.value(a, DCTERMS.source) == iri("iimsrc:hpo-2026-08")
        assert graph.value(a, BIOLINK.predicate) == IIM.hasAutoantibody
        basis = str(graph.value(a, IIM.basis))
        assert "mondo_class_named_after_this_antibody" in basis or "clinical_grouping_curator_note" in basis
        got.add((CONVERTER.compress(str(graph.value(a, BIOLINK.subject))),
                 CONVERTER.compress(str(graph.value(a, BIOLINK.object))), str(graph.value(a, IIM.role))))
    assert got == expected
    assert ("MONDO:1010064", "HP:0033033", "defining") in got  # anti-MDA5 dermatomyositis
    assert ("MONDO:0016098", "HP:0033713", "associated") in got  # anti-SRP, IMNM


# --- diagnosis, treatment, epidemiology ----------------------------------------------------------


def test_tests_and_therapies_are_typed_project_concepts(graph):
    for claim_type, concept_type in ((IIM.DiagnosticAssociation, IIM.DiagnosticTest),
                                     (IIM.TreatmentAssociation, IIM.Therapy)):
        claims = list(graph.subjects(RDF.type, claim_type))
        assert claims
        for c in claims:
            obj = graph.value(c, BIOLINK.object)
            assert str(obj).startswith(str(iri("iimt:"))), c
            assert (obj, RDF.type, concept_type) in graph and graph.value(obj, RDFS.label) is not None, obj
    biopsy = iri("iimc:diagnosis-clinic-barcelona-MONDO_0019127-test-muscle-biopsy")
    assert (biopsy, IIM.distinguishes, iri("MONDO:0016098")) in graph


def test_differing_figures_stay_side_by_side(graph):
    q = """
    PREFIX biolink: <https://w3id.org/biolink/vocab/>
    PREFIX iim: <https://w3id.org/iimgraph/vocab/>
    PREFIX dcterms: <http://purl.org/dc/terms/>
    SELECT ?o ?m ?lo ?hi ?src WHERE {
      ?o a iim:EpidemiologyObservation ; biolink:subject ?d ; iim:measure ?m ; dcterms:source ?src .
      OPTIONAL { ?o iim:lowerBound ?lo } OPTIONAL { ?o iim:upperBound ?hi }
    }"""
    rows = list(graph.query(q, initBindings={"d": iri("MONDO:0600023")}))
    figures = {(str(r.m).rsplit("/", 1)[1], r.lo and Decimal(str(r.lo)), r.hi and Decimal(str(r.hi))) for r in rows}
    assert ("Incidence", Decimal("2.1"), Decimal("7.7")) in figures
    assert ("Prevalence", Decimal("6"), Decimal("7")) in figures
    ibm = list(graph.query(q, initBindings={"d": iri("MONDO:0007827")}))
    assert {r.src for r in ibm} == {iri("iimsrc:seed-clinic-barcelona"), iri("iimsrc:seed-carenity")}


def test_inheritance_observations_disagree_each_with_its_source(graph):
    obs = {c: graph.value(c, DCTERMS.source) for c in graph.subjects(RDF.type, IIM.InheritanceObservation)}
    ad = [c for c in obs if graph.value(c, BIOLINK.object) == iri("HP:0000006")]
    assert len(ad) == 1 and obs[ad[0]] == iri("iimsrc:hpo-annotations-2015")
    assert graph.value(ad[0], BIOLINK.subject) == iri("MONDO:0600024")
    acquired = [c for c in obs if obs[c] == iri("iimsrc:seed-clinic-barcelona")]
    assert len(acquired) == 1 and "not transmitted" in str(graph.value(acquired[0], IIM.quote))


# --- generators are deterministic and the checked-in output is current -------------------------------


@pytest.mark.parametrize("script,outputs", [
    ("import_hpoa.py", ["hpo_annotations.ttl", "pmid_sources.ttl"]),
    ("import_hpo_terms.py", ["hpo_terms.ttl"]),
])
def test_generated_files_are_current(tmp_path, reference_dir, script, outputs):
    work = tmp_path / "clinical"
    shutil.copytree(CLINICAL, work)
    for name in outputs:
        (work / name).unlink()
    if script == "import_hpoa.py":
        args = [str(reference_dir / "hpo_iim_annotations.tsv"), "--out-dir", str(work)]
    else:
        args = [str(reference_dir), "--clinical-dir", str(work)]
    subprocess.run([sys.executable, str(ROOT / "tools" / script), *args], check=True, capture_output=True)
    for name in outputs:
        assert (work / name).read_bytes() == (CLINICAL / name).read_bytes(), f"{name} is stale: rerun tools/{script}"
