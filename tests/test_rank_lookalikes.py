"""Look-alike diseases ranked beside the IIM classes, marked not IIM; posteriors normalised over all
candidates beside LIRICAL's per-disease post-test probability; the probability of IIM."""

from __future__ import annotations

import json
import math

import pytest

from iimgraph.rank import knowledge, rank
from iimgraph.rank.model import IIM_PRIOR, background
from iimgraph.rank.profiles import Knowledge

from .cli import run_cli
from .conftest import read_tsv

GNE_MYOPATHY = "OMIM:605820"  # Nonaka myopathy, a look-alike of inclusion body myositis


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return knowledge()


def test_the_456_lookalikes_are_candidates_marked_not_iim(kb: Knowledge, reference_dir) -> None:
    ids = {r["database_id"] for r in read_tsv(reference_dir / "hpo2025_lookalike_diseases.tsv")}
    assert len(ids) == 456
    assert ids <= set(kb.profiles)
    assert all(not kb.profiles[d].is_iim for d in ids)
    assert all(p.is_iim for d, p in kb.profiles.items() if d not in ids)


def test_posteriors_sum_to_one_and_iim_probability_is_their_iim_share(kb: Knowledge) -> None:
    res = rank(["HP:0003701", "HP:0003236", "HP:0034152"], age=50)
    assert math.fsum(r.posterior for r in res.rows) == pytest.approx(1.0)
    assert res.iim_probability == pytest.approx(math.fsum(r.posterior for r in res.rows if r.is_iim))
    assert sum(r.pretest_probability for r in res.rows if r.is_iim) == pytest.approx(IIM_PRIOR)
    assert [r.posterior for r in res.rows] == sorted((r.posterior for r in res.rows), reverse=True)
    # LIRICAL's per-disease post-test probabilities are each against "not this one": they need not sum to 1
    assert all(0.0 <= r.post_test_probability <= 1.0 for r in res.rows)
    top = rank(["HP:0003701", "HP:0003236", "HP:0034152"], age=50, top=3)
    assert len(top.rows) == 3 and top.iim_probability == pytest.approx(res.iim_probability)


def test_a_lookalike_outranks_iim_on_its_own_hallmark_findings(kb: Knowledge) -> None:
    prof = kb.profiles[GNE_MYOPATHY]
    hallmarks = sorted(prof.positive, key=lambda t: (-prof.positive[t].frequency, background(t, kb), t))[:6]
    assert "HP:0003805" in hallmarks  # rimmed vacuoles, shared with inclusion body myositis
    res = rank(hallmarks)
    assert res.rows[0].disease == GNE_MYOPATHY and not res.rows[0].is_iim
    assert res.iim_probability < 0.5


def test_json_reports_iim_probability_and_says_which_probability_is_which() -> None:
    out = run_cli("rank", "HP:0003805", "HP:0003701", "--format", "json", "--top", "5")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert 0.0 <= data["iim_probability"] <= 1.0
    assert set(data["probabilities"]) == {"iim_probability", "posterior", "post_test_probability"}
    assert "sum to 1" in data["probabilities"]["posterior"] and "LIRICAL" in data["probabilities"]["post_test_probability"]
    assert {"posterior", "post_test_probability", "is_iim"} <= set(data["results"][0])
