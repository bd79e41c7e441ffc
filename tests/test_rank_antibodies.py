"""Antibodies as evidence with numbers: a class defined by one antibody has it in every patient; a
prevalence, sensitivity or specificity the graph states replaces the role's band, and the explanation
names the claim and source each number came from."""

from __future__ import annotations

import pytest

from iimgraph.rank import knowledge
from iimgraph.rank.model import rank
from iimgraph.rank.profiles import SOLE_DEFINING_FREQUENCY, Knowledge

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


def test_figures_come_from_the_graph(kb: Knowledge) -> None:
    """The graph's antibody statistics (dismech, PMID:23596012: "Moderate reactivity of anti-cN1A
    autoantibodies was 70% sensitive and 92% specific, and high reactivity was 34% sensitive and 98%
    specific"): the threshold with the better Youden index (0.70 + 0.92 - 1 > 0.34 + 0.98 - 1) is used."""
    import iimgraph

    rows = iimgraph.run_query("antibody-statistics", {"disease": IBM, "antibody": ANTI_CN1A})
    figures = {(str(r["measure"]), str(r["threshold"])): float(str(r["value"])) for r in rows}
    sens = next(v for (m, t), v in figures.items() if "ensitivity" in m and t.lower().startswith("moderate"))
    spec = next(v for (m, t), v in figures.items() if "pecificity" in m and t.lower().startswith("moderate"))
    ann = kb.profiles[IBM].positive[ANTI_CN1A]
    assert (ann.frequency, ann.specificity) == pytest.approx((sens, spec)) == (0.70, 0.92)
    assert "sensitivity 0.7 at Moderate reactivity" in ann.frequency_basis and "PMID:23596012" in ann.frequency_basis
    assert "PMID:23596012" in (ann.specificity_basis or "")
    row = next(r for r in rank([ANTI_CN1A], kb=kb).rows if r.disease == IBM)
    t = row.terms[0]
    # P(+ | IBM) = 0.70 x listing factor; P(+ | not IBM) = 1 - 0.92
    assert t.p_background == pytest.approx(0.08)
    assert t.lr == pytest.approx(0.70 * t.listing_factor / 0.08)
    assert "PMID:23596012" in t.explanation and "specificity" in t.explanation
    absent = next(r for r in rank(["HP:0003805"], absent=[ANTI_CN1A], kb=kb).rows if r.disease == IBM).terms[1]
    assert absent.lr == pytest.approx((1 - 0.70) / 0.92)


def test_a_defining_antibody_classes_the_patient_in_its_syndrome(kb: Knowledge) -> None:
    """Anti-Jo-1 defines antisynthetase syndrome; Orphanet's polymyositis profile also lists it as
    frequent. With the antibody, polymyositis' own annotation is not counted (the patient is classed
    in the syndrome), so antisynthetase syndrome ranks above polymyositis; DM's subclasses keep their
    links to DM's antibodies (one lineage)."""
    pm = "MONDO:0019127"
    assert ASS in kb.defining[ANTI_JO1] and pm not in kb.lineage[ASS]
    res = rank(["HP:0003701", ANTI_JO1, "HP:0006530"], age=50, kb=kb)
    order = [r.disease for r in res.rows]
    assert order.index(ASS) < order.index(pm)
    t = next(r for r in res.rows if r.disease == pm).terms[1]
    assert t.match == "defines-another" and ASS in t.explanation
    jdm = next(r for r in rank([ANTI_MDA5], kb=kb).rows if r.disease == "MONDO:0008054").terms[0]
    assert jdm.match != "defines-another"


def test_a_class_defined_by_its_own_antibody_does_not_count_another_defining_antibody(kb: Knowledge) -> None:
    """Anti-Mi2 and anti-TIF1 DM both take DM's phenotype profile, which lists the anti-TIF1 result;
    MONDO defines each by its own antibody. A patient with anti-TIF1 is classed in anti-TIF1 DM, so
    anti-Mi2 DM does not count it (before, the two tied on every DM patient with anti-TIF1), while a
    class defined by no antibody in DM's lineage (juvenile DM) keeps it."""
    mi2, tif1, jdm = "MONDO:1010065", "MONDO:1010087", "MONDO:0008054"
    anti_tif1 = "HP:0034105"
    res = rank(["HP:0025508", "HP:0040324", "HP:0003701", anti_tif1], kb=kb)
    rows = {r.disease: r for r in res.rows}
    assert rows[tif1].rank < rows[mi2].rank
    assert rows[tif1].log10_lr > rows[mi2].log10_lr + 1.0
    t = next(t for t in rows[mi2].terms if t.term == anti_tif1)
    assert t.match == "defines-another" and tif1 in t.explanation
    assert next(t for t in rows[jdm].terms if t.term == anti_tif1).match != "defines-another"
    assert next(t for t in rows[tif1].terms if t.term == anti_tif1).match == "exact"


def test_a_class_s_own_defining_antibody_outranks_an_inherited_row_of_its_sub_form() -> None:
    """MONDO defines anti-SAE DM by anti-SAE antibodies (HP:0034139); HPO's row for dermatomyositis names
    anti-SAE1 (HP:0034140, a sub-form) as frequent. For an anti-SAE1 result, anti-SAE DM's probability comes
    from its own defining link, not from the row it inherits from DM (0.545)."""
    from iimgraph.rank import rank

    res = rank(["HP:0034140", "HP:0025508"], age=60)
    row = next(r for r in res.rows if r.disease == "MONDO:1010088")
    t = next(t for t in row.terms if t.term == "HP:0034140")
    assert t.annotation == "HP:0034139" and t.inherited_from is None, t
    assert t.match == "annotated-more-general" and t.p_given_subtype / t.listing_factor > 0.545, t
    dm = next(r for r in res.rows if r.disease == "MONDO:0016367")
    assert next(t for t in dm.terms if t.term == "HP:0034140").annotation == "HP:0034140"
