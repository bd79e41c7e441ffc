"""Issue 3: clinical knowledge of the IIM subtypes, every claim with its source.

The graph comes from ``iimgraph.load_graph`` (conftest ``graph`` fixture): every ontology/**/*.ttl
plus the SSSOM mappings. Expectations come from the reference tables (packaged copy) and from
tests/data/seed_facts.tsv, a hand-checked table of what each seed page states.
"""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from iimgraph.claim_kinds import KINDS
from iimgraph.namespaces import CONVERTER, XSD
from iimgraph.terms import BIOLINK, IIM
from tests import needs
from tests.needs import missing

from .conftest import ROOT, SHARED, read_tsv

CLINICAL = ROOT / "ontology" / "clinical"
SEEDS = SHARED / "seeds"
XSD_DECIMAL = URIRef(XSD + "decimal")  # not rdflib's XSD namespace object: pytest probing it at collection made it warn
SEED_FACTS = Path(__file__).parent / "data" / "seed_facts.tsv"
TAS = URIRef(IIM + "evidence/TAS")
CUR = URIRef(IIM + "evidence/CUR")
ITM = URIRef(IIM + "evidence/ITM")
CLAIM_TYPES = {URIRef(k.iri) for k in KINDS}
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
    stated = set(clinical.subjects(RDF.type, IIM.StatedConcept))
    for c in claims:
        assert set(clinical.objects(c, RDF.type)) & CLAIM_TYPES, c
        assert clinical.value(c, BIOLINK.subject) in allowed_subjects | stated, c
        assert clinical.value(c, BIOLINK.has_evidence) in (TAS, ITM, CUR), c
        assert str(c).startswith(str(iri("iimc:"))), c
        if set(clinical.objects(c, DCTERMS.source)) & seed_sources:
            assert clinical.value(c, IIM.quote) is not None, f"{c}: seed claim without iim:quote"
            # TAS, or CUR where a term is the curator's mapping of the source's words (kept in iim:valueText)
            assert clinical.value(c, BIOLINK.has_evidence) == TAS or (
                clinical.value(c, BIOLINK.has_evidence) == CUR and clinical.value(c, IIM.valueText) is not None), c
        for p in (IIM.lowerBound, IIM.upperBound):
            for v in clinical.objects(c, p):
                assert isinstance(v, Literal) and v.datatype == XSD_DECIMAL, (c, p, v)


def test_every_seed_quote_is_verbatim_in_its_seed_page(clinical, graph):
    if not SEEDS.is_dir():
        missing(needs.SHARED)
    checked = 0
    for c, quote in clinical.subject_objects(IIM.quote):
        files = [graph.value(s, IIM.seedFile) for s in clinical.objects(c, DCTERMS.source)]
        files = [f for f in files if f is not None]
        assert files, f"{c} has a quote but no seed-page source"
        text = (SEEDS / str(files[0])).read_text(encoding="utf-8")
        assert str(quote) in text, f"{c}: quote not verbatim in {files[0]}: {quote!r}"
        checked += 1
    assert checked >= 80


def test_a_curators_mapping_carries_evidence_cur(clinical):
    """A claim whose HPO term is the curator's mapping of the page's words (its comment says so) is a
    curator's inference: CUR, not TAS (four seed claims carried TAS)."""
    cur = URIRef("https://w3id.org/iimgraph/vocab/evidence/CUR")
    mapped = [c for c, text in clinical.subject_objects(RDFS.comment) if str(text).startswith("Curator's mapping")]
    assert len(mapped) >= 8
    wrong = [c for c in mapped if set(clinical.objects(c, BIOLINK.has_evidence)) != {cur}]
    assert not wrong, wrong
    # the words mapped are the page's own: verbatim in the claim's quote
    for c in mapped:
        words, quote = clinical.value(c, IIM.valueText), clinical.value(c, IIM.quote)
        assert words is not None and quote is not None and str(words) in str(quote), (c, words)


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
    "qualifier": (IIM.qualifierKind, iri),
    "predicate": (BIOLINK.predicate, iri),
    "modifier": (IIM.modifier, iri),
    "negated": (BIOLINK.negated, lambda v: Literal(v == "true")),
}


def _matches(g: Graph, c: URIRef, spec: str) -> bool:
    """``spec`` is ' | '-separated: CURIE (the object), or finding:/distinguishes:/response:/measure:/range:/text:/onset:/qualifier:/predicate:/modifier:/negated:."""
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
        missing(needs.SHARED)
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
    assert curated >= {iri("iimc:hpoa2025-MONDO_0600024-HP_0003701")}


def test_text_mined_2015_rows_are_claims_and_curated_2015_rows_are_superseded(graph, reference_dir):
    rows = read_tsv(reference_dir / "hpo_iim_annotations.tsv")
    hpoa_nodes = {a for a in graph.subjects(RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation)
                  if str(a).startswith(str(iri("iimc:hpoa-")))}
    assert len(hpoa_nodes) == sum(r["evidence"] == "ITM" for r in rows) == 246
    for r in rows:
        for mondo in r["mondo_ids"].split("|"):
            neg = "-NOT" if r["qualifier"] == "NOT" else ""
            a = iri(f"iimc:hpoa-{mondo.replace(':', '_')}-{r['hpo_id'].replace(':', '_')}-{r['evidence']}{neg}")
            if r["evidence"] == "TAS":  # the 2025 file has the same three OMIM 160750 rows
                assert (a, None, None) not in graph
                assert (None, BIOLINK.object, iri(r["hpo_id"])) in graph
                continue
            assert graph.value(a, BIOLINK.subject) == iri(mondo)
            assert graph.value(a, BIOLINK.object) == iri(r["hpo_id"])
            assert graph.value(a, BIOLINK.predicate) == BIOLINK.has_phenotype
            assert graph.value(a, BIOLINK.has_evidence) == ITM
            assert (graph.value(a, BIOLINK.negated) == Literal(True)) == bool(neg)
            sources = set(graph.objects(a, DCTERMS.source))
            want = {iri("iimsrc:hpo-annotations-2015")} | {
                iri(f"iimsrc:pmid-{int(p)}") for p in re.findall(r"PMID:(\d+)", r["reference"])}
            assert sources == want, a
            for s in sources - {iri("iimsrc:hpo-annotations-2015")}:
                pmid = str(s).rsplit("-", 1)[1]
                assert graph.value(s, DCTERMS.identifier) == Literal(f"PMID:{pmid}")


def test_every_hpo2025_row_of_an_iim_class_is_a_claim(graph, reference_dir, core_ids):
    rows = read_tsv(reference_dir / "hpo2025_iim_annotations.tsv")
    assert len(rows) == 354
    release = iri("iimsrc:hpo-annotations-2025-01-16")
    assert (release, RDF.type, DCTERMS.BibliographicResource) in graph
    assert "cfa39f1416b8f29a206156d43ec36ce532873a778a11fcfdfb8d46386b9ab0d6" in {
        str(o) for o in graph.objects(release, IIM.distributionSha256)}
    kept = [r for r in rows if r["mondo_id"] in core_ids]
    left_out = {r["mondo_id"] for r in rows} - core_ids
    assert left_out == {"MONDO:0011603"}  # GNE myopathy: hereditary, not IIM in MONDO
    assert len(kept) == 326
    # the rows' own claims, and the 21 curated antibody links whose link such a row states
    claims = set(graph.subjects(DCTERMS.source, release))
    links = {c for c in claims if (c, RDF.type, IIM.AutoantibodyAssociation) in graph}
    assert len(links) == 21 and len(claims - links) == 326
    for r in kept:
        stem = f"{r['mondo_id'].replace(':', '_')}-{r['hpo_id'].replace(':', '_')}"
        neg = "-NOT" if r["qualifier"] == "NOT" else ""
        if r["aspect"] == "I":
            c = iri(f"iimc:inheritance-hpoa2025-{stem}{neg}")
            assert (c, RDF.type, IIM.InheritanceObservation) in graph
            assert (c, RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation) not in graph
        else:
            c = iri(f"iimc:hpoa2025-{stem}{neg}")
            assert (c, RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation) in graph
        assert c in claims
        assert graph.value(c, BIOLINK.subject) == iri(r["mondo_id"])
        assert graph.value(c, BIOLINK.object) == iri(r["hpo_id"])
        assert graph.value(c, BIOLINK.has_evidence) == URIRef(IIM + "evidence/" + r["evidence"])
        assert (graph.value(c, BIOLINK.negated) == Literal(True)) == bool(neg)
        want_freq = iri(r["frequency"]) if r["frequency"] else None
        assert graph.value(c, BIOLINK.frequency_qualifier) == want_freq, c
        ref = r["reference"].replace("ORPHA:", "orpha-").replace("OMIM:", "omim-")
        sources = set(graph.objects(c, DCTERMS.source))
        assert sources == {release, iri("iimsrc:" + ref)}, c
        assert graph.value(iri("iimsrc:" + ref), DCTERMS.identifier) == Literal(r["reference"])
        assert str(graph.value(c, IIM.biocuration)) == r["biocuration"]
    # the one negated row and a frequency: the words of the file, not a default
    assert sum(r["qualifier"] == "NOT" for r in kept) == len(set(graph.subjects(BIOLINK.negated, Literal(True))) & claims)
    jo1 = iri("iimc:hpoa2025-MONDO_0019344-HP_0034152")
    assert graph.value(jo1, BIOLINK.frequency_qualifier) is not None


def test_mode_of_inheritance_is_not_a_phenotype(graph):
    """HP:0000006 (autosomal dominant inheritance) on familial IIM: an inheritance observation only."""
    ad = iri("HP:0000006")
    phen = [a for a in graph.subjects(BIOLINK.object, ad)
            if (a, RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation) in graph]
    assert phen == []
    inheritance_branch = iri("HP:0000005")
    for a in graph.subjects(RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation):
        obj = graph.value(a, BIOLINK.object)
        assert inheritance_branch not in set(graph.transitive_objects(obj, RDFS.subClassOf)), (a, obj)


# --- HPO terms: verified ids, current labels, 2025 term data ----------------------------------------


def test_every_hpo_term_used_is_in_the_reference_with_its_current_label(graph, reference_dir):
    t25 = {r["hpo_id"]: r for r in read_tsv(reference_dir / "hpo2025_lookalike_terms.tsv")}  # same release
    t25.update({r["hpo_id"]: r for r in read_tsv(reference_dir / "hpo2025_terms.tsv")})
    current = {r["hpo_id"]: r["label_current"] for r in read_tsv(reference_dir / "hpo_terms.tsv")
               if r["in_current_hpo_label_list"] == "yes" and r["label_current"]}
    hp = str(iri("HP:0000001"))[: -len("0000001")]
    used = {o for c in graph.subjects(RDF.type, IIM.Claim) for p, o in graph.predicate_objects(c)
            if isinstance(o, URIRef) and str(o).startswith(hp)}
    assert len(used) > 250
    root = iri("HP:0000001")
    for term in used:
        curie = "HP:" + str(term)[len(hp):]
        assert curie in t25 or curie in current or curie == "HP:0003741", f"{curie} is not in the reference"
        if curie in t25:
            want = current.get(curie, t25[curie]["label"])
            assert graph.value(term, RDFS.label) == Literal(want), curie
            # ancestors up to the root: no "parent unknown" term any more
            assert root in set(graph.transitive_objects(term, RDFS.subClassOf)), f"{curie} does not reach HP:0000001"
        for parent in graph.objects(term, RDFS.subClassOf):
            assert graph.value(parent, RDFS.label) is not None, f"ancestor {parent} of {curie} has no label"


OBO_DEF = URIRef("http://purl.obolibrary.org/obo/IAO_0000115")


def test_hpo_terms_carry_definition_axioms_scoped_synonyms_and_alt_ids(graph, reference_dir):
    from rdflib.namespace import OWL
    oio = "http://www.geneontology.org/formats/oboInOwl#"
    jo1 = iri("HP:0034152")
    row = {r["hpo_id"]: r for r in read_tsv(reference_dir / "hpo2025_terms.tsv")}["HP:0034152"]
    definition = graph.value(jo1, OBO_DEF)
    assert str(definition) == row["definition"]
    axioms = [a for a in graph.subjects(OWL.annotatedSource, jo1) if graph.value(a, OWL.annotatedProperty) == OBO_DEF]
    assert len(axioms) == 1 and graph.value(axioms[0], OWL.annotatedTarget) == definition
    given = set(row["definition_xrefs"].split("|"))
    assert {str(x) for x in graph.objects(axioms[0], URIRef(oio + "hasDbXref"))} == {x for x in given if x.startswith("PMID:")}
    assert {str(x) for x in graph.objects(axioms[0], DCTERMS.contributor)} == {x for x in given if "orcid.org" in x}
    # an ORCID among a definition's xrefs is its contributor, not a cross-reference
    xrefs = {str(o) for o in graph.objects(None, URIRef(oio + "hasDbXref"))}
    assert not [x for x in xrefs if x.startswith(("http", "HPO_CONTRIBUTOR"))]
    assert any(str(o).startswith("https://orcid.org/") for o in graph.objects(None, DCTERMS.contributor))
    assert Literal("Anti-Jo-1 antibody positivity") in set(graph.objects(jo1, URIRef(oio + "hasExactSynonym")))
    assert Literal("HP:0033029") in set(graph.objects(jo1, URIRef(oio + "hasAlternativeId")))
    # every scope lands on its own property
    for scope, prop in (("RELATED", "hasRelatedSynonym"), ("BROAD", "hasBroadSynonym"), ("NARROW", "hasNarrowSynonym")):
        assert any(True for _ in graph.subject_objects(URIRef(oio + prop))), scope
    # the autoantibody terms bring their synonyms
    syn = {str(o).lower() for s in graph.subjects(RDFS.subClassOf * "+", iri("HP:0030057"))  # type: ignore[operator]
           for p in ("hasExactSynonym", "hasRelatedSynonym") for o in graph.objects(s, URIRef(oio + p))}
    for name in ("jo-1", "pl-7", "pl-12", "anti-ej", "anti-oj", "anti-ks", "tif1-gamma", "nxp-2", "anti-sae",
                 "srp", "hmgcr", "cn1a", "pm/scl", "ro52", "u1-rnp"):
        assert any(name in s for s in syn), name


# --- importers: package modules, deterministic, refuse unknown ids ---------------------------------


def test_generated_files_are_current(tmp_path):
    from iimgraph.build.importers import generate, write

    out = tmp_path / "generated"
    write(out)
    generated = ROOT / "ontology" / "generated"
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in generated.glob("*.ttl")) == [
        "annotation_sources.ttl", "dismech.ttl", "hpo_annotations.ttl", "hpo_terms.ttl", "hpo_translations.ttl", "maxo_diagnostic.ttl", "orphadata.ttl"]
    for name in names:
        assert (out / name).read_bytes() == (generated / name).read_bytes(), (
            f"{name} is stale: rerun python -m iimgraph.build.importers")
        assert (out / name).read_text(encoding="utf-8").startswith("# GENERATED by python -m iimgraph.build.importers")
    again, _ = generate()
    assert again == {n: (out / n).read_text(encoding="utf-8") for n in names}
    assert not (ROOT / "tools" / "import_hpoa.py").exists() and not (ROOT / "tools" / "import_hpo_terms.py").exists()


def test_importer_refuses_an_hpo_id_that_is_not_in_the_reference(tmp_path, reference_dir):
    from iimgraph.build.importers import ReferenceGapError, generate

    onto = tmp_path / "ontology"
    (onto / "clinical").mkdir(parents=True)
    (onto / "clinical" / "x.ttl").write_text(
        "@prefix obo: <http://purl.obolibrary.org/obo/> .\nobo:MONDO_0016367 <http://example.org/p> obo:HP_9999999 .\n")
    with pytest.raises(ReferenceGapError, match="HP:9999999"):
        generate(reference_dir, onto)
    proc = subprocess.run([sys.executable, "-m", "iimgraph.build.importers", "--ontology", str(onto),
                           "--out-dir", str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2 and "HP:9999999" in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# --- dismech --------------------------------------------------------------------------------------


def test_every_dismech_claim_carries_its_row_quote_reference_direction_and_ai_assisted_source(graph, reference_dir):
    rows = read_tsv(reference_dir / "dismech_iim.tsv")
    snippets = {(r["mondo_id"], r["yaml_path"], r["evidence_snippet"].strip()): r for r in rows if r["evidence_reference"]}
    claims = [c for c in graph.subjects(RDF.type, IIM.Claim) if "/claim/dismech-" in str(c)]
    assert len(claims) > 200
    direction = {"SUPPORT": "supports", "PARTIAL": "partially supports", "REFUTE": "refutes"}
    for c in claims:
        subject = CONVERTER.compress(str(graph.value(c, BIOLINK.subject)))
        row = snippets[(subject, str(graph.value(c, IIM.dismechPath)), str(graph.value(c, IIM.quote)))]
        assert str(graph.value(c, IIM.evidenceDirection)) == direction[row["evidence_supports"]], c
        sources = set(graph.objects(c, DCTERMS.source))
        prefix, _, local = row["evidence_reference"].partition(":")
        expected = {"PMID": f"pmid-{int(local) if local.isdigit() else local}", "ORPHA": f"orpha-{local}",
                    "clinicaltrials": f"nct-{local}"}[prefix]
        assert URIRef("https://w3id.org/iimgraph/source/" + expected) in sources, c
        dismech = [s for s in sources if "/source/dismech-" in str(s)]
        assert len(dismech) == 1 and str(graph.value(dismech[0], IIM.curationMethod)) == "AI-assisted", c
        assert str(graph.value(dismech[0], IIM.commit)) == row["dismech_commit"], c
    # the three refuted IBM treatments are negated treatment claims
    refuted = {str(graph.value(c, IIM.sourceLabel)) for c in claims
               if (c, RDF.type, IIM.TreatmentAssociation) in graph and (c, BIOLINK.negated, Literal(True)) in graph}
    assert refuted == {"Conventional Immunosuppression (corticosteroids, methotrexate, azathioprine)", "Arimoclomol",
                       "Bimagrumab"}


def test_antibody_statistics_are_typed_fractions_read_verbatim_from_the_quote(graph):
    stats = list(graph.subjects(RDF.type, IIM.AutoantibodyStatistic))
    assert len(stats) == 6
    for c in stats:
        value = graph.value(c, IIM.fraction)
        assert value.datatype == XSD_DECIMAL and Decimal(0) <= value.toPython() <= Decimal(1), c
        quote = str(graph.value(c, IIM.quote))
        words = str(graph.value(c, IIM.valueText))
        assert words in quote
        assert Decimal(re.search(r"(\d+(?:\.\d+)?)%", words).group(1)) / 100 == value.toPython()
        threshold = graph.value(c, IIM.threshold)
        assert threshold is None or str(threshold) in quote
    rows = {(str(r["label"]), str(r["measure"]), str(r["threshold"]) if r["threshold"] else None):
            (Decimal(str(r["value"])), str(r["pmid"])) for r in iimgraph_run("antibody-statistics", disease="MONDO:0007827")}
    assert rows[("inclusion body myositis", "sensitivity", "Moderate reactivity")] == (Decimal("0.70"), "PMID:23596012")
    assert rows[("inclusion body myositis", "specificity", "high reactivity")] == (Decimal("0.98"), "PMID:23596012")
    assert rows[("inclusion body myositis", "prevalence among patients", "high concentrations")] == (
        Decimal("0.33"), "PMID:23460448")


def iimgraph_run(name: str, **params: object) -> list[dict]:
    import iimgraph

    return iimgraph.run_query(name, params)


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
    named = {r["mondo_class_named_after_this_antibody"] for r in rows} - {""}
    orpha_rows = {(r["mondo_id"], r["hpo_id"]): r["reference"] for r in read_tsv(reference_dir / "hpo2025_iim_annotations.tsv")
                  if r["reference"].startswith("ORPHA:") and r["qualifier"] != "NOT"}
    for a in graph.subjects(RDF.type, IIM.AutoantibodyAssociation):
        if "/claim/dismech-" in str(a):
            continue  # dismech's links: test_every_dismech_claim_carries_its_row_quote_reference_direction...
        sources = set(graph.objects(a, DCTERMS.source))
        subject = CONVERTER.compress(str(graph.value(a, BIOLINK.subject)))
        assert graph.value(a, BIOLINK.predicate) == IIM.hasAutoantibody
        basis = str(graph.value(a, IIM.basis))
        obj = CONVERTER.compress(str(graph.value(a, BIOLINK.object)))
        # HPO supplied the antibody terms, not the links: never a source of one
        assert iri("iimsrc:hpo-2026-08") not in sources, a
        orpha = orpha_rows.get((subject, obj))
        if orpha:  # Orphanet's annotation row states the link: cited, TAS
            assert {iri("iimsrc:orpha-" + orpha.split(":")[1]), iri("iimsrc:hpo-annotations-2025-01-16")} <= sources, a
            assert graph.value(a, BIOLINK.has_evidence) == TAS and orpha in basis, a
        if subject in named and str(graph.value(a, IIM.role)) == "defining" and "MONDO's" in basis:
            # MONDO's definition or class name states the link: MONDO is the source, TAS
            assert iri("iimsrc:mondo-2026-08") in sources and graph.value(a, BIOLINK.has_evidence) == TAS, a
        elif not orpha:
            # only the curator grouping column: a curator inference, never TAS
            assert graph.value(a, BIOLINK.has_evidence) == CUR, a
            assert iri("iimsrc:curator-autoantibody-grouping") in sources, a
            assert "clinical_grouping_curator_note" in basis and "curator inference" in basis
        got.add((CONVERTER.compress(str(graph.value(a, BIOLINK.subject))),
                 CONVERTER.compress(str(graph.value(a, BIOLINK.object))), str(graph.value(a, IIM.role))))
    assert got == expected
    assert ("MONDO:1010064", "HP:0033033", "defining") in got  # anti-MDA5 dermatomyositis
    assert ("MONDO:0016098", "HP:0033713", "associated") in got  # anti-SRP, IMNM
    mda5 = iri("iimc:autoantibody-MONDO_1010064-HP_0033033")
    assert graph.value(mda5, BIOLINK.has_evidence) == TAS and iri("iimsrc:mondo-2026-08") in set(graph.objects(mda5, DCTERMS.source))
    srp = iri("iimc:autoantibody-MONDO_0016098-HP_0033713")
    assert graph.value(srp, BIOLINK.has_evidence) == TAS  # Orphanet's ORPHA:206569 row states it
    # only overlap myositis' anti-U1-RNP, anti-PM-Scl100 and anti-PM-Scl75 rest on the curator column alone
    assert {CONVERTER.compress(str(graph.value(a, BIOLINK.object))) for a in graph.subjects(RDF.type, IIM.AutoantibodyAssociation)
            if graph.value(a, BIOLINK.has_evidence) == CUR} == {"HP:0033028", "HP:0034085", "HP:0034086"}


def test_a_defining_antibody_orphanet_counts_as_only_frequent_is_a_recorded_disagreement(graph):
    import iimgraph

    link = iri("iimc:autoantibody-MONDO_0019344-HP_0034147")
    row = iri("iimc:hpoa2025-MONDO_0019344-HP_0034147")
    assert str(graph.value(link, IIM.role)) == "defining"
    assert graph.value(row, BIOLINK.frequency_qualifier) == iri("HP:0040282")
    assert (link, IIM.conflictsWith, row) in graph
    rows = [r for r in iimgraph.run_query("conflicts", {}) if str(r["topic"]) == "autoantibody role"]
    claims = {CONVERTER.compress(str(r["claim"])) for r in rows}
    assert {"iimc:autoantibody-MONDO_0019344-HP_0034147", "iimc:hpoa2025-MONDO_0019344-HP_0034147"} <= claims


# --- diagnosis, treatment, epidemiology ----------------------------------------------------------


def test_tests_and_therapies_are_typed_project_concepts(graph):
    for claim_type, concept_type in ((IIM.DiagnosticAssociation, IIM.DiagnosticTest),
                                     (IIM.TreatmentAssociation, IIM.Therapy)):
        claims = list(graph.subjects(RDF.type, claim_type))
        assert claims
        for c in claims:
            obj = graph.value(c, BIOLINK.object)
            if "/claim/dismech-" in str(c):  # dismech binds CHEBI and NCIT terms, with their labels
                assert str(obj).startswith((str(iri("CHEBI:1"))[:-1], str(iri("NCIT:C1"))[:-2])), c
                assert graph.value(obj, RDFS.label) is not None, obj
                continue
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
    # "Muscle diseases have an annual incidence of 2.1-7.7 ...": about muscle diseases, so not on IIM
    assert ("Incidence", Decimal("2.1"), Decimal("7.7")) not in figures
    assert ("Prevalence", Decimal("6"), Decimal("7")) in figures
    ibm = list(graph.query(q, initBindings={"d": iri("MONDO:0007827")}))
    assert {r.src for r in ibm} == {iri("iimsrc:seed-clinic-barcelona"), iri("iimsrc:seed-carenity")}


def test_inheritance_observations_disagree_each_with_its_source(graph):
    obs = {c: set(graph.objects(c, DCTERMS.source)) for c in graph.subjects(RDF.type, IIM.InheritanceObservation)}
    ad = [c for c in obs if graph.value(c, BIOLINK.object) == iri("HP:0000006")]
    assert len(ad) == 1 and iri("iimsrc:hpo-annotations-2025-01-16") in obs[ad[0]]
    assert iri("iimsrc:omim-160750") in obs[ad[0]]
    assert graph.value(ad[0], BIOLINK.subject) == iri("MONDO:0600024")
    acquired = [c for c in obs if iri("iimsrc:seed-clinic-barcelona") in obs[c]]
    assert len(acquired) == 1 and "not transmitted" in str(graph.value(acquired[0], IIM.quote))


# --- audit fixes ------------------------------------------------------------------------------------


def test_muscle_disease_incidence_is_attached_to_no_iim_class(graph, allowed_subjects):
    claims = list(graph.subjects(IIM.quote, Literal(
        "Muscle diseases have an annual incidence of 2.1-7.7 cases per million people.")))
    assert len(claims) == 1
    subject = graph.value(claims[0], BIOLINK.subject)
    assert subject not in allowed_subjects and (subject, RDF.type, IIM.StatedConcept) in graph
    assert "muscle diseases" in str(graph.value(claims[0], IIM.population))


def test_children_under_10_is_a_possible_onset_not_an_upper_bound(graph):
    c = iri("iimc:epi-carenity-MONDO_0016367-ageofonset-children-under-10")
    assert graph.value(c, IIM.upperBound) is None and graph.value(c, IIM.lowerBound) is None
    assert graph.value(c, BIOLINK.onset_qualifier) == iri("HP:0410280")  # pediatric onset holds "under 10"
    dm_bounds = [graph.value(o, IIM.upperBound) for o in graph.subjects(BIOLINK.subject, iri("MONDO:0016367"))
                 if graph.value(o, IIM.measure) == IIM.AgeOfOnset]
    assert Literal(Decimal("10.0"), datatype=XSD_DECIMAL) not in dm_bounds


def test_acquired_not_transmitted_is_not_inherited_by_familial_iim_and_conflicts_with_omim(graph):
    from rdflib.namespace import RDFS as _R
    familial = iri("MONDO:0600024")
    c = [o for o in graph.subjects(IIM.quote, None)
         if "not transmitted from parents to children" in str(graph.value(o, IIM.quote))
         and (o, RDF.type, IIM.InheritanceObservation) in graph]
    assert len(c) == 1
    subject = graph.value(c[0], BIOLINK.subject)
    assert subject == iri("MONDO:0020122")
    # familial IIM does not sit under the class the claim is on
    assert subject not in set(graph.transitive_objects(familial, _R.subClassOf))
    other = graph.value(c[0], IIM.conflictsWith)
    assert graph.value(other, BIOLINK.subject) == familial and graph.value(other, BIOLINK.object) == iri("HP:0000006")


# --- hedged and qualified claims ------------------------------------------------------------------

QUALIFIED = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX iim: <https://w3id.org/iimgraph/vocab/>
SELECT ?claim ?object ?source (GROUP_CONCAT(DISTINCT STR(?kind); separator=" ") AS ?kinds) WHERE {
  ?claim a iim:Claim ; biolink:subject ?disease ; dcterms:source ?source .
  OPTIONAL { ?claim biolink:object ?object }
  OPTIONAL { ?claim iim:qualifierKind ?kind }
} GROUP BY ?claim ?object ?source
"""


def _kinds(graph: Graph, disease: str) -> dict[tuple[str, str, str], set[str]]:
    """(claim local name, object CURIE, source local name) -> the qualifier kinds' local names."""
    out = {}
    for r in graph.query(QUALIFIED, initBindings={"disease": iri(disease)}):
        obj = CONVERTER.compress(str(r.object)) if r.object is not None else ""
        kinds = {k.rsplit("/", 1)[1] for k in str(r.kinds).split()}
        out[(str(r.claim).rsplit("/", 1)[1], obj, str(r.source).rsplit("/", 1)[1])] = kinds
    return out


def test_a_query_tells_hedged_claims_from_plain_ones(graph):
    iim_ = _kinds(graph, "MONDO:0600023")
    # "The majority of the inflammatory myopathies are considered to be autoimmune disorders" (NINDS)
    # is hedged twice; Carenity's "a group of rare autoimmune diseases" is plain
    autoimmune = {k[2]: v for k, v in iim_.items() if k[1] == "HP:0002960"}
    assert autoimmune == {"seed-ninds": {"PartOfGroup", "Hedged"}, "seed-carenity": set()}
    # MedGen: IIM "usually appears" in adults 40-60 or children 5-15
    onset = {k[0]: v for k, v in iim_.items() if k[2] == "seed-medgen-familial-iim" and "ageofonset" in k[0]}
    assert onset["epi-medgen-MONDO_0600023-ageofonset-adults-40-60"] == {"Typical"}
    assert onset["epi-medgen-MONDO_0600023-ageofonset-children-5-15"] == {"Typical"}
    assert onset["epi-medgen-MONDO_0600023-ageofonset-any-age"] == set()
    # Orphanet: polymyositis is "historically characterized" by features that "are non-specific";
    # the Clinic Barcelona page's proximal weakness of polymyositis is plain
    pm = _kinds(graph, "MONDO:0019127")
    orphanet = {k[1] or k[0]: v for k, v in pm.items() if k[2] == "seed-orphanet-polymyositis"}
    for obj in ("HP:0003701", "HP:0003236", "HP:0003458", "iimt:test-muscle-biopsy"):
        assert orphanet[obj] == {"Historical", "NonSpecific"}, obj
    assert orphanet["iimt:test-differential-assessment"] == set()
    assert pm[("phenotype-clinic-barcelona-MONDO_0019127-HP_0003701", "HP:0003701", "seed-clinic-barcelona")] == set()
    # antisynthetase syndrome: the lungs' "inflammation or fibrosis" sits on the broader HPO term that holds
    # both; pulmonary fibrosis alone is marked as one of the alternatives
    ass = {k[1]: v for k, v in _kinds(graph, "MONDO:0019344").items() if k[2] == "seed-clinic-barcelona"}
    assert ass["HP:0002088"] == {"PartOfGroup"}
    assert ass["HP:0002206"] == {"Alternative", "PartOfGroup"}
    assert iri("HP:0002206") in set(graph.transitive_subjects(RDFS.subClassOf, iri("HP:0002088")))


def test_qualifier_words_are_verbatim_and_come_with_a_kind(clinical, graph):
    qualified = set(clinical.subjects(IIM.qualifierText, None)) | set(clinical.subjects(IIM.qualifierKind, None))
    assert len(qualified) >= 20
    for c in qualified:
        kinds = set(clinical.objects(c, IIM.qualifierKind))
        assert kinds and all((k, RDF.type, IIM.ClaimQualifier) in graph for k in kinds), c
        texts = [str(t) for t in clinical.objects(c, IIM.qualifierText)]
        assert texts, c
        if SEEDS.is_dir():
            files = [graph.value(s, IIM.seedFile) for s in clinical.objects(c, DCTERMS.source)]
            page = (SEEDS / str(next(f for f in files if f is not None))).read_text(encoding="utf-8")
            assert all(t in page for t in texts), (c, texts)


# --- supportive care is not a treatment of the disease -------------------------------------------


def test_supportive_care_is_not_treated_by_and_the_treatments_query_shows_the_difference(graph):
    from iimgraph import run_query

    rows = run_query("treatments", {"disease": "MONDO:0600023"})
    relation = {str(r["treatment"]).rsplit("/", 1)[1]: str(r["relation"]) for r in rows}
    hedge = {str(r["treatment"]).rsplit("/", 1)[1]: (str(r["qualifier"] or ""), str(r["qualifier_text"] or ""))
             for r in rows}
    treated_by, supportive = str(BIOLINK.treated_by), str(IIM.hasSupportiveCare)
    for care, words in (("therapy-occupational-therapy", "It may be helpful"),
                        ("therapy-psychological-care", "can be of use")):
        assert relation[care] == supportive, care
        assert hedge[care] == (str(IIM.Hedged), words), care
        assert (iri("iimt:" + care), RDF.type, IIM.SupportiveCare) in graph
    for drug in ("therapy-corticosteroids", "therapy-immunosuppressants", "therapy-immunoglobulins"):
        assert relation[drug] == treated_by and hedge[drug] == ("", ""), drug
        assert (iri("iimt:" + drug), RDF.type, IIM.SupportiveCare) not in graph
    # "Most patients with IMM get better with treatment": no therapy named, so not the "usual treatments"
    assert "therapy-usual-iim-treatments" not in relation
    assert relation["therapy-treatment-as-stated"] == treated_by
    usual = iri("iimt:therapy-usual-iim-treatments")
    assert "not a stand-in" in str(graph.value(usual, RDFS.comment))
    assert list(graph.subjects(BIOLINK.object, usual)) == [
        iri("iimc:treatment-carenity-MONDO_0007827-therapy-usual-iim-treatments")]


# --- seed statements that had no claim although the reference has the HPO term ------------------


@pytest.mark.parametrize(("disease", "phenotype", "source", "kinds", "evidence"), [
    ("MONDO:0019344", "HP:6001013", "seed-clinic-barcelona", {"PartOfGroup"}, "TAS"),  # 'mechanic's hands'
    ("MONDO:0016367", "HP:0003551", "seed-clinic-barcelona", {"PartOfGroup"}, "TAS"),  # 'often ... climbing stairs'
    ("MONDO:0016367", "HP:0003551", "seed-medgen-familial-iim", {"PartOfGroup"}, "TAS"),  # 'may find it difficult to climb stairs'
    ("MONDO:0019127", "HP:0003551", "seed-medgen-familial-iim", {"PartOfGroup"}, "TAS"),
    # 'muscles of the wrists and fingers': distal weakness is the curator's reading of the page's words
    ("MONDO:0007827", "HP:0002460", "seed-medgen-familial-iim", set(), "CUR"),
])
def test_seed_statement_with_a_reference_term_is_a_claim(graph, disease, phenotype, source, kinds, evidence):
    got = {k: v for k, v in _kinds(graph, disease).items() if k[1] == phenotype and k[2] == source}
    assert len(got) == 1, got
    (claim, _, _), found = next(iter(got.items()))
    assert found == kinds
    c = iri("iimc:" + claim)
    assert (c, RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation) in graph
    assert graph.value(c, BIOLINK.has_evidence) == {"TAS": TAS, "CUR": CUR}[evidence]
    assert graph.value(iri(phenotype), RDFS.label) is not None


def test_slow_progressive_weakness_of_ibm_carries_the_hpo_pace_modifier(graph):
    c = iri("iimc:phenotype-ninds-MONDO_0007827-HP_0003323")
    assert graph.value(c, IIM.modifier) == iri("HP:0003677")
    assert str(graph.value(iri("HP:0003677"), RDFS.label)) == "Slowly progressive"


# --- course, cause and a finding said to be absent ------------------------------------------------

COURSE_AND_CAUSE = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX iim: <https://w3id.org/iimgraph/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?type ?predicate ?concept ?label ?negated ?quote ?source WHERE {
  VALUES ?type { iim:FindingObservation iim:CourseObservation iim:CauseObservation }
  ?claim a ?type ; biolink:subject ?disease ; biolink:predicate ?predicate ; iim:quote ?quote ; dcterms:source ?source .
  OPTIONAL { ?claim biolink:object ?concept . ?concept rdfs:label ?label }
  OPTIONAL { ?claim biolink:negated ?negated }
}
"""


def test_no_visible_swelling_course_and_cause_are_quoted_concepts_with_their_seed(graph):
    rows = list(graph.query(COURSE_AND_CAUSE, initBindings={"disease": iri("MONDO:0600023")}))
    by_concept = {str(r.concept).rsplit("/", 1)[1]: r for r in rows if r.concept is not None}
    swelling = by_concept["finding-visible-muscle-swelling"]
    assert swelling.type == IIM.FindingObservation and swelling.negated == Literal(True)
    assert swelling.predicate == IIM.hasFinding and swelling.source == iri("iimsrc:seed-clinic-barcelona")
    assert 'no external visiible "swelling"' in str(swelling.quote)
    assert (iri("iimt:finding-visible-muscle-swelling"), RDF.type, IIM.StatedFinding) in graph
    for concept in ("course-treatable-and-controllable", "course-remission", "course-relapse",
                    "course-complete-recovery-of-muscle-function"):
        r = by_concept[concept]
        assert r.type == IIM.CourseObservation and r.predicate == IIM.hasCourse and r.negated is None, concept
        assert (r.concept, RDF.type, IIM.ClinicalCourse) in graph
    for concept in ("cause-immune-system-malfunction", "cause-genetic-predisposition-with-environmental-factors"):
        r = by_concept[concept]
        assert r.type == IIM.CauseObservation and r.predicate == IIM.hasCause and r.source == iri("iimsrc:seed-carenity")
        assert (r.concept, RDF.type, IIM.Cause) in graph
    # the relapse and the genetic cause are hedged by the page; the immune malfunction is stated plainly
    kinds = _kinds(graph, "MONDO:0600023")
    assert kinds[("course-carenity-MONDO_0600023-relapse", "iimt:course-relapse", "seed-carenity")] == {
        "PartOfGroup", "Hedged"}
    genetic = "iimt:cause-genetic-predisposition-with-environmental-factors"
    assert kinds[("cause-carenity-MONDO_0600023-genetic-predisposition-with-environmental-factors", genetic,
                  "seed-carenity")] == {"Hedged"}
    assert kinds[("cause-carenity-MONDO_0600023-immune-system-malfunction", "iimt:cause-immune-system-malfunction",
                  "seed-carenity")] == set()
    # "no specific cause of this disorder has been identified": a cause observation with the page's words only
    none = iri("iimc:cause-carenity-MONDO_0600023-no-specific-cause-identified")
    assert graph.value(none, BIOLINK.object) is None and str(graph.value(none, IIM.valueText)) == "no specific cause identified"
    ibm = list(graph.query(COURSE_AND_CAUSE, initBindings={"disease": iri("MONDO:0007827")}))
    # Carenity's pace; MedGen's stumbling and grasping (no HPO term names them: the page's words, hedged "may")
    assert sorted(str(r.label) for r in ibm) == ["difficulty grasping items", "frequent stumbling while walking",
                                                 "very slow development, up to several years"]


# --- Orphanet 2025 synonyms and ORDO 2018 cross-references of the matched classes -----------------

OIO = "http://www.geneontology.org/formats/oboInOwl#"
OWL_NS = "http://www.w3.org/2002/07/owl#"


def _axiom_sources(g: Graph, subject: URIRef, prop: URIRef, target: Literal) -> set[URIRef]:
    out: set[URIRef] = set()
    for a in g.subjects(URIRef(OWL_NS + "annotatedTarget"), target):
        if (a, URIRef(OWL_NS + "annotatedSource"), subject) in g and (a, URIRef(OWL_NS + "annotatedProperty"), prop) in g:
            out |= {URIRef(s) for s in g.objects(a, DCTERMS.source)}
    return out


def test_orphanet_2025_synonyms_and_ordo_2018_xrefs_are_on_the_matched_class(graph):
    asyn, imnm, ibm = iri("MONDO:0019344"), iri("MONDO:0016098"), iri("MONDO:0007827")
    related = URIRef(OIO + "hasRelatedSynonym")
    exact = URIRef(OIO + "hasExactSynonym")
    # a synonym only the 2025 nomenclature gives (no scope there: OBO default RELATED)
    assert (asyn, related, Literal("Anti-ARS syndrome")) in graph
    assert _axiom_sources(graph, asyn, related, Literal("Anti-ARS syndrome")) == {iri("iimsrc:orphanet-2025")}
    assert (imnm, related, Literal("AINM")) in graph
    # a synonym MONDO and ORDO 2018 already gave now also names the 2025 nomenclature
    assert _axiom_sources(graph, ibm, exact, Literal("sIBM")) == {
        iri("iimsrc:mondo-2026-08"), iri("iimsrc:ordo-2018"), iri("iimsrc:orphanet-2025")}
    # ORDO 2018 cross-references MONDO does not give, sourced to ORDO 2018
    xref = URIRef(OIO + "hasDbXref")
    for mondo, curie in (("MONDO:0008054", "UMLS:C2931785"), ("MONDO:0008054", "MESH:C538250"),
                         ("MONDO:0020122", "UMLS:C0751356")):
        assert (iri(mondo), xref, Literal(curie)) in graph, curie
        assert _axiom_sources(graph, iri(mondo), xref, Literal(curie)) == {iri("iimsrc:ordo-2018")}, curie


def test_medgen_synonyms_of_familial_iim_that_mondo_puts_elsewhere_are_recorded_conflicts(graph):
    """MedGen gives two synonyms for familial IIM that MONDO's 2023 synonym report puts on acquired IIM
    and on juvenile dermatomyositis: both placements stay, each with its source, and conflicts lists them."""
    related = URIRef(OIO + "hasRelatedSynonym")
    familial, acquired, jdm = iri("MONDO:0600024"), iri("MONDO:0020122"), iri("MONDO:0008054")
    medgen, mondo = iri("iimsrc:seed-medgen-familial-iim"), iri("iimsrc:mondo-2026-08")
    pairs = ((Literal("Idiopathic inflammatory myopathy, familial"), acquired,
              Literal("idiopathic inflammatory myopathy, familial")),
             (Literal("Myopathy, familial idiopathic inflammatory"), jdm,
              Literal("myopathy, familial idiopathic inflammatory")))
    rows = list(graph.query((ROOT / "queries" / "conflicts.rq").read_text(encoding="utf-8")))
    listed = {(r.subject, str(r.unit), r.source) for r in rows if r.topic == Literal("recorded")}
    for medgen_text, other_class, mondo_text in pairs:
        assert (familial, related, medgen_text) in graph
        assert _axiom_sources(graph, familial, related, medgen_text) == {medgen}
        assert (other_class, related, mondo_text) in graph
        assert _axiom_sources(graph, other_class, related, mondo_text) == {mondo}
        assert (familial, str(medgen_text), medgen) in listed
        assert (other_class, str(mondo_text), mondo) in listed


# --- placements the seed pages give ----------------------------------------------------------------


def test_each_seed_listing_of_iim_subtypes_is_one_placement_claim_per_listed_subtype(graph):
    """The six groups (Clinic Barcelona), the diseases IMM includes (Carenity), the forms (MedGen), the
    four main types (NINDS) and Orphanet's "A rare idiopathic inflammatory myopathy": each listed subtype
    placed under IIM, stated by the page (TAS), with its quote and seed source."""
    listed = {
        "seed-clinic-barcelona": {"MONDO:0016367", "MONDO:0007827", "MONDO:0016098", "MONDO:0019344",
                                  "MONDO:0016099", "MONDO:0019127"},
        "seed-carenity": {"MONDO:0016367", "MONDO:0019127", "MONDO:0016099", "MONDO:0007827",
                          "iimt:cancer-associated-myositis", "MONDO:0016098"},
        "seed-medgen-familial-iim": {"MONDO:0019127", "MONDO:0016367", "MONDO:0007827"},
        "seed-ninds": {"MONDO:0019127", "MONDO:0016367", "MONDO:0007827", "MONDO:0016098"},
        "seed-orphanet-polymyositis": {"MONDO:0019127"},
    }
    found: dict[str, set[str]] = {}
    for c in graph.subjects(RDF.type, IIM.PlacementClaim):
        names = [str(s).rsplit("/", 1)[1] for s in graph.objects(c, DCTERMS.source)]
        if not any(n.startswith("seed-") for n in names):
            continue
        (name,) = names
        assert graph.value(c, BIOLINK.predicate) == RDFS.subClassOf, c
        assert graph.value(c, BIOLINK.object) == iri("MONDO:0600023"), c
        assert graph.value(c, BIOLINK.has_evidence) == TAS, c
        assert graph.value(c, IIM.quote) is not None and graph.value(c, IIM.assertedBy) is not None, c
        found.setdefault(name, set()).add(CONVERTER.compress(str(graph.value(c, BIOLINK.subject))))
    assert found == listed
    # a disease the page names that no MONDO class of the reference matches is the page's concept
    cam = iri("iimt:cancer-associated-myositis")
    assert (cam, RDF.type, IIM.StatedConcept) in graph
    assert graph.value(cam, DCTERMS.source) == iri("iimsrc:seed-carenity")
    # the seeds do not move inclusion body myositis in MONDO's hierarchy: both placements are kept
    assert (iri("MONDO:0007827"), RDFS.subClassOf, iri("MONDO:0600023")) not in graph


def test_overlap_myositis_occurs_with_the_autoimmune_diseases_the_page_names_as_examples(graph):
    """Clinic Barcelona: myositis 'together with another autoimmune disease (including systemic lupus
    erythematosus, systemic sclerosis, vasculitis, and so on)': three examples, each a quoted concept
    (no MONDO class of the reference), and the page's "including" kept as the claim's qualifier."""
    overlap = iri("MONDO:0016099")
    claims = [c for c in graph.subjects(RDF.type, IIM.CooccurrenceObservation)
              if (c, BIOLINK.subject, overlap) in graph]
    others = {str(graph.value(c, BIOLINK.object)).rsplit("/", 1)[1] for c in claims}
    assert others == {"systemic-lupus-erythematosus", "systemic-sclerosis", "vasculitis"}
    for c in claims:
        other = graph.value(c, BIOLINK.object)
        assert (other, RDF.type, IIM.StatedConcept) in graph
        assert graph.value(c, BIOLINK.predicate) == IIM.occursWith
        assert graph.value(c, IIM.qualifierKind) == IIM.PartOfGroup
        assert (c, DCTERMS.source, iri("iimsrc:seed-clinic-barcelona")) in graph


def test_an_onset_term_the_source_does_not_name_is_the_curators_mapping(graph):
    # Orphanet writes "Elderly"; Late onset (>= 60 years) is the curator's reading, so not TAS
    elderly = iri("iimc:epi-orphanet-polymyositis-MONDO_0019127-ageofonset-elderly")
    assert str(graph.value(elderly, IIM.valueText)) == "Elderly"
    assert graph.value(elderly, BIOLINK.onset_qualifier) == iri("HP:0003584")
    assert graph.value(elderly, BIOLINK.has_evidence) == URIRef("https://w3id.org/iimgraph/vocab/evidence/CUR")


def test_orphadata_2025_12_rows_hpo_2025_lacks_epidemiology_and_mapping_precision(graph, reference_dir):
    dm = iri("MONDO:0016367")
    new = {graph.value(c, BIOLINK.object): graph.value(c, BIOLINK.frequency_qualifier)
           for c in graph.subjects(DCTERMS.source, iri("iimsrc:orphadata-2025-12"))
           if (c, RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation) in graph}
    assert new == {iri("HP:0430033"): iri("HP:0040283"), iri("HP:6000006"): iri("HP:0040283")}  # Gottron, Holster
    assert all(graph.value(c, BIOLINK.subject) == dm for c in graph.subjects(BIOLINK.object, iri("HP:0430033"))
               if "orphadata2025" in str(c))
    rows = read_tsv(reference_dir / "orphadata_2025-12_iim_epidemiology.tsv")
    obs = [c for c in graph.subjects(DCTERMS.source, iri("iimsrc:orphadata-2025-12"))
           if (c, RDF.type, IIM.EpidemiologyObservation) in graph or (c, RDF.type, IIM.InheritanceObservation) in graph]
    assert len(obs) == len(rows) == 28
    for c in obs:  # every figure with a PMID cites it
        assert str(graph.value(c, IIM.valueText))
    pm_inh = [c for c in obs if (c, RDF.type, IIM.InheritanceObservation) in graph
              and graph.value(c, BIOLINK.subject) == iri("MONDO:0019127")]
    assert [str(graph.value(c, IIM.valueText)) for c in pm_inh] == ["Not applicable"]
    germany = iri("iimc:orphadata2025-MONDO_0016367-point-prevalence-1-5-10-000-germany")
    assert (graph.value(germany, IIM.lowerBound).toPython(), graph.value(germany, IIM.upperBound).toPython(),
            str(graph.value(germany, IIM.unit))) == (Decimal(1), Decimal(5), "per 10,000 people")
    assert iri("iimsrc:pmid-36581896") in set(graph.objects(germany, DCTERMS.source))
    precision = {(str(graph.value(m, IIM.mappingTarget)), str(graph.value(m, IIM.orphanetMappingPrecision)))
                 for m in graph.subjects(IIM.mappingSubject, dm)}
    assert ("ICD11:4A41.00", "Exact") in precision and len(precision) == 8


def test_translations_are_language_tagged_and_a_candidate_is_never_official(graph, reference_dir):
    official, candidate = IIM.translation, IIM.candidateTranslation
    weakness = iri("HP:0003701")
    assert all(v.language for p in (official, candidate) for v in graph.objects(weakness, p))
    assert {v.language for v in graph.objects(weakness, official)} >= {"es", "ja", "zh"}
    rows = read_tsv(reference_dir / "hpo_translations_iim.tsv")
    cand = {(r["hpo_id"], r["translation_language"], r["translation_value"]) for r in rows
            if r["translation_status"] == "CANDIDATE" and r["predicate_id"] == "rdfs:label"}
    for s_, o in graph.subject_objects(official):
        assert (CONVERTER.compress(str(s_)), o.language, str(o)) not in cand, (s_, o)
    assert any(True for _ in graph.subject_objects(candidate))
    # the English label stays the one rdfs:label
    assert [str(v) for v in graph.objects(weakness, RDFS.label)] == ["Proximal muscle weakness"]


def test_iim_prevalence_below_polymyositis_prevalence_is_a_recorded_disagreement():
    import iimgraph

    rows = iimgraph.run_query("conflicts", {})
    claims = {CONVERTER.compress(str(r["claim"])) for r in rows}
    assert {"iimc:epi-carenity-MONDO_0600023-prevalence-per-100000",
            "iimc:epi-orphanet-polymyositis-MONDO_0019127-prevalence-per-100000"} <= claims


def test_orphanet_antibody_rows_of_polymyositis_disagree_with_its_page_telling_it_apart():
    import iimgraph

    claims = {CONVERTER.compress(str(r["claim"])) for r in iimgraph.run_query("conflicts", {})}
    assert {"iimc:diagnosis-orphanet-polymyositis-MONDO_0019127-test-differential-assessment",
            "iimc:hpoa2025-MONDO_0019127-HP_0033713", "iimc:hpoa2025-MONDO_0019127-HP_0034147"} <= claims


def test_medgen_synonym_idiopathic_myopathy_is_on_familial_iim_with_its_source(graph):
    related = URIRef(OIO + "hasRelatedSynonym")
    familial = iri("MONDO:0600024")
    assert (familial, related, Literal("Idiopathic myopathy")) in graph
    assert _axiom_sources(graph, familial, related, Literal("Idiopathic myopathy")) == {iri("iimsrc:seed-medgen-familial-iim")}


def test_the_seed_pages_inheritance_positions_are_recorded_disagreements():
    """Clinic Barcelona: acquired, not transmitted; MedGen: familial IIM caused by an inherited genomic
    modification; Carenity: a genetic predisposition as a possible cause; Orphanet: polymyositis' inheritance
    'Not applicable'. Each position is a claim with its source, and the conflicts query lists them."""
    import iimgraph

    rows = [r for r in iimgraph.run_query("conflicts", {}) if str(r["topic"]) == "inheritance"]
    claims = {CONVERTER.compress(str(r["claim"])) for r in rows}
    assert {"iimc:inheritance-clinic-barcelona-MONDO_0020122-acquired",
            "iimc:inheritance-medgen-MONDO_0600024-inherited",
            "iimc:inheritance-carenity-MONDO_0600023-genetic-predisposition",
            "iimc:inheritance-orphanet-polymyositis-MONDO_0019127-not-applicable"} <= claims
    # and a disease-level query answers it: the inheritance of familial IIM, with MedGen's words
    familial = iimgraph.run_query("disease", {"disease": "MONDO:0600024"})
    assert any(str(r["section"]) == "7 disagreement" for r in familial)
