"""The penalty for a finding a candidate's profile lacks follows the finding's information content;
HPO's split concepts match through the curated equivalence table."""

from __future__ import annotations

import math

import pytest

from iimgraph.rank import knowledge, rank
from iimgraph.rank.model import COMMON_BACKGROUND, MIN_MISSING_LR, background, missing_lr
from iimgraph.rank.profiles import Knowledge
from iimgraph.resources import rank_data_dir

from .conftest import read_tsv

ESR, RIMMED_VACUOLES, ANEMIA = "HP:0003565", "HP:0003805", "HP:0001903"


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return knowledge()


def test_missing_penalty_by_hand(kb: Knowledge) -> None:
    for term in (ESR, RIMMED_VACUOLES, ANEMIA):
        ic = -math.log(background(term, kb))
        expected = min(1.0, max(MIN_MISSING_LR, math.exp(-(ic - (-math.log(COMMON_BACKGROUND))) / 2)))
        assert missing_lr(term, kb) == pytest.approx(expected)
    assert missing_lr(ANEMIA, kb) == 1.0  # annotated to more than 1 in 20 HPO diseases: its absence says nothing


def test_missing_esr_costs_less_than_missing_rimmed_vacuoles(kb: Knowledge) -> None:
    """On the real profiles: a raised ESR missing from a profile costs less than rimmed vacuoles."""
    res = rank([ESR, RIMMED_VACUOLES])
    lacking = [r for r in res.rows if all(t.match == "no-annotation" for t in r.terms)]
    assert lacking
    for row in lacking:
        esr, rv = row.terms
        assert esr.lr > rv.lr, row.label
    assert missing_lr(ESR, kb) > missing_lr(RIMMED_VACUOLES, kb)


def test_split_concepts_match_through_the_equivalence_table(kb: Knowledge, reference_dir) -> None:
    rows = read_tsv_commented(rank_data_dir() / "equivalences.tsv")
    ref = hpo_labels(reference_dir)
    assert rows
    for row in rows:
        assert ref[row["term_a"]] == row["label_a"] and ref[row["term_b"]] == row["label_b"]
        assert row["evidence"] == "CUR" and row["reason"]
    # a profile annotated to one side of a split concept matches a finding coded with the other
    checked = 0
    for row in rows:
        for given, other in ((row["term_a"], row["term_b"]), (row["term_b"], row["term_a"])):
            with_other = [d for d, p in kb.profiles.items()
                          if any(other in kb.ancestors(t) for t in p.positive)
                          and not any(given in kb.ancestors(t) for t in p.positive)]
            for d in with_other[:2]:
                t = next(r for r in rank([given]).rows if r.disease == d).terms[0]
                assert t.match == "equivalent" and row["reason"] in t.explanation, (given, d)
                checked += 1
    assert checked >= 2


def hpo_labels(reference_dir) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """HPO 2025 id -> label, from the reference tables of the IIM and the look-alike terms."""
    return {r["hpo_id"]: r["label"] for name in ("hpo2025_terms.tsv", "hpo2025_lookalike_terms.tsv")
            for r in read_tsv(reference_dir / name)}


def read_tsv_commented(path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with open(path, encoding="utf-8") as fh:
        lines = [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")]
    return [dict(zip(lines[0], r, strict=True)) for r in lines[1:]]


def test_limb_girdle_weakness_is_read_as_proximal_weakness(kb: Knowledge, reference_dir) -> None:
    """HPO defines limb-girdle muscle weakness as weakness of "the muscles around the shoulders and the
    pelvis", proximal muscles, yet files it beside proximal muscle weakness, not under it; the curated
    subsumption table puts it under. A shoulder-girdle weakness then counts for a profile annotated to
    proximal weakness (IBM), and the explanation says through which row."""
    rows = read_tsv_commented(rank_data_dir() / "subsumptions.tsv")
    ref = hpo_labels(reference_dir)
    assert rows
    for row in rows:
        assert ref[row["term"]] == row["label"] and ref[row["under"]] == row["under_label"]
        assert row["evidence"] == "CUR" and row["reason"]
        assert row["under"] in kb.ancestors(row["term"])
    ibm, shoulder_girdle, proximal = "MONDO:0007827", "HP:0003547", "HP:0003701"
    assert proximal in kb.profiles[ibm].positive
    t = next(r for r in rank([shoulder_girdle]).rows if r.disease == ibm).terms[0]
    assert t.match == "annotated-more-general" and t.annotation == proximal
    assert "subsumptions.tsv" in t.explanation


def test_findings_that_reach_a_candidate_through_one_annotation_count_once(kb: Knowledge) -> None:
    """Reduced reflexes at two sites both sit below IBM's one annotation *Reduced tendon reflexes*:
    having either implies having it, so the two are one observation of it and carry its ratio once
    (before, each did, and a patient described in detail multiplied a general annotation's evidence)."""
    from iimgraph.rank.model import read_findings, score

    ibm, reflexes = "MONDO:0007827", "HP:0001315"
    patellar, achilles = "HP:0011808", "HP:0003438"

    def ratios(terms: list[str]) -> dict[str, float]:
        rows = score(read_findings(terms, [], [], kb)[0], kb, listed=False)
        return {r.disease: r.log10_lr for r in rows}

    one, other, both = ratios([patellar]), ratios([achilles]), ratios([patellar, achilles])
    row = next(r for r in score(read_findings([patellar, achilles], [], [], kb)[0], kb, listed=False)
               if r.disease == ibm)
    assert {t.annotation for t in row.terms} == {reflexes}
    assert sorted(t.match for t in row.terms) == ["annotated-more-general", "counted-once"]
    assert next(t for t in row.terms if t.match == "counted-once").lr == 1.0
    assert one[ibm] > 0.5  # the annotation's evidence is real, and counted
    assert both[ibm] == pytest.approx(max(one[ibm], other[ibm]))


def test_a_finding_another_given_finding_implies_carries_no_evidence(kb: Knowledge) -> None:
    """Weakness given beside proximal weakness, or no proximal weakness beside no weakness: the patient
    with the one has (or lacks) the other whatever the disease, so every candidate scores the pair
    exactly as the more informative finding alone (it is not counted among the findings listed either)."""
    weakness, proximal = "HP:0001324", "HP:0003701"

    def ratios(observed: list[str], absent: list[str]) -> dict[str, float]:
        return {r.disease: r.log10_lr for r in rank(observed, absent=absent).rows}

    pair, alone = ratios([weakness, proximal], []), ratios([proximal], [])
    assert pair.keys() == alone.keys()
    assert all(pair[d] == pytest.approx(alone[d], abs=1e-12) for d in alone)
    row = rank([weakness, proximal]).rows[0]
    implied = next(t for t in row.terms if t.term == weakness)
    assert (implied.match, implied.lr) == ("implied-by-finding", 1.0) and proximal in implied.explanation
    rash = "HP:0000988"
    pair, alone = ratios([rash], [weakness, proximal]), ratios([rash], [weakness])
    assert all(pair[d] == pytest.approx(alone[d], abs=1e-12) for d in alone)
    assert len({round(v, 6) for v in alone.values()}) > 10  # the findings do separate the candidates
