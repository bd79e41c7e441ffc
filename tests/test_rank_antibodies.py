"""Antibodies as evidence with numbers: a class defined by one antibody has it in every patient; a
prevalence, sensitivity or specificity the graph states replaces the role's band, and the explanation
names the claim and source each number came from."""

from __future__ import annotations

import pytest

from iimgraph.rank import knowledge
from iimgraph.rank.model import rank
from iimgraph.rank.profiles import SOLE_DEFINING_FREQUENCY, Knowledge, build_knowledge
from iimgraph.resources import reference_dir

IBM, ASS, MDA5_DM = "MONDO:0007827", "MONDO:0019344", "MONDO:1010064"
ANTI_CN1A, ANTI_MDA5, ANTI_JO1 = "HP:0034153", "HP:0033033", "HP:0034152"


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return knowledge()


def test_a_sole_defining_antibody_is_obligate(kb: Knowledge) -> None:
    link = kb.profiles[MDA5_DM].positive[ANTI_MDA5]
    assert link.frequency == SOLE_DEFINING_FREQUENCY == 1.0 and "defining" in link.frequency_basis
    # antisynthetase syndrome is defined by a group of antibodies: no single one is obligate
    jo1 = kb.profiles[ASS].positive[ANTI_JO1]
    assert jo1.frequency < 1.0
    # an anti-MDA5 result reported negative all but rules out anti-MDA5 dermatomyositis
    row = next(r for r in rank(["HP:0025508"], absent=[ANTI_MDA5], kb=kb).rows if r.disease == MDA5_DM)
    assert row.terms[1].lr < 0.02


# One figure as a source states it (dismech_iim.tsv, Inclusion Body Myositis, PMID:23596012: "Moderate
# reactivity of anti-cN1A autoantibodies was 70% sensitive and 92% specific"), as claims of the shape
# docs/rank.md gives for antibody figures, added to the release graph for this test only.
_FIGURES = """
@prefix biolink: <https://w3id.org/biolink/vocab/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix iim: <https://w3id.org/iimgraph/vocab/> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/iimgraph/claim/test-cn1a-sens> biolink:subject obo:MONDO_0007827 ; biolink:object obo:HP_0034153 ;
    iim:measure iim:Sensitivity ; iim:lowerBound "70"^^xsd:decimal ; iim:unit "%" ;
    dcterms:source <https://w3id.org/iimgraph/source/test-pmid-23596012> .
<https://w3id.org/iimgraph/claim/test-cn1a-spec> biolink:subject obo:MONDO_0007827 ; biolink:object obo:HP_0034153 ;
    iim:measure iim:Specificity ; iim:lowerBound "92"^^xsd:decimal ; iim:unit "%" ;
    dcterms:source <https://w3id.org/iimgraph/source/test-pmid-23596012> .
<https://w3id.org/iimgraph/source/test-pmid-23596012> dcterms:identifier "PMID:23596012" .
"""


def test_figures_come_from_the_graph() -> None:
    import pyoxigraph as ox

    from iimgraph.build.cache import release_ntriples
    from iimgraph.query.engines import OxigraphEngine

    engine = OxigraphEngine(release_ntriples())
    engine.store.load(_FIGURES.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    kb = build_knowledge(engine, reference_dir())
    ann = kb.profiles[IBM].positive[ANTI_CN1A]
    assert ann.frequency == pytest.approx(0.70) and "sensitivity 0.7 (PMID:23596012" in ann.frequency_basis
    assert ann.specificity == pytest.approx(0.92) and "PMID:23596012" in (ann.specificity_basis or "")
    row = next(r for r in rank([ANTI_CN1A], kb=kb).rows if r.disease == IBM)
    t = row.terms[0]
    # P(+ | IBM) = 0.70 x listing factor; P(+ | not IBM) = 1 - 0.92
    assert t.p_background == pytest.approx(0.08)
    assert t.lr == pytest.approx(0.70 * t.listing_factor / 0.08)
    assert "PMID:23596012" in t.explanation and "specificity" in t.explanation
    absent = next(r for r in rank(["HP:0003805"], absent=[ANTI_CN1A], kb=kb).rows if r.disease == IBM).terms[1]
    assert absent.lr == pytest.approx((1 - 0.70) / 0.92)
