"""What to test next (--suggest: expected information gain, with the MAxO test that observes each),
and the output: probabilities to 3 significant digits, never "1", table lines within the terminal."""

from __future__ import annotations

import math

import pytest

from iimgraph.rank import rank
from iimgraph.rank.explain import probability, render
from iimgraph.rank.model import suggest
from iimgraph.rank.profiles import Annotation, Knowledge, Profile

from .cli import run_cli


def _ann(term: str, f: float) -> Annotation:
    return Annotation(term=term, kind="phenotype", frequency=f, frequency_term=None, frequency_basis="test",
                      negated=False, evidence="TAS", claim=f"iimc:test-{term}", sources=("PMID:1",))


def test_expected_information_gain_by_hand() -> None:
    """Two candidates at even odds; one has a finding in 90 % of its patients, the other never (its
    background 1 %: P 0.01 at the floor). Its result splits them: gain = 1 - P(+)H(+) - P(-)H(-)."""
    parents = {"HP:1000001": ("HP:0000118",), "HP:1000002": ("HP:0000118",), "HP:0000118": ("HP:0000001",)}
    labels = {"HP:0000001": "All", "HP:0000118": "Phenotypic abnormality", "HP:1000001": "alpha", "HP:1000002": "beta"}
    counts = {"HP:0000001": 1000, "HP:0000118": 1000, "HP:1000001": 10, "HP:1000002": 10}
    one, two = Profile("MONDO:1", "one"), Profile("MONDO:2", "two")
    one.add(_ann("HP:1000001", 0.9))
    one.add(_ann("HP:1000002", 0.5))
    two.add(_ann("HP:1000002", 0.5))
    kb = Knowledge(labels=labels, parents=parents, synonyms={}, replaced_by={}, counts=counts, total_diseases=1000,
                   hpo_version="test", profiles={"MONDO:1": one, "MONDO:2": two}, not_scorable=[], disease_labels={})
    res = rank(["HP:1000002"], kb=kb, suggestions=3)
    assert [s.term for s in res.suggestions] == ["HP:1000001"]  # beta is given; nothing else is annotated
    s = res.suggestions[0]
    w = next(r.posterior for r in res.rows if r.disease == "MONDO:1")
    p1 = 0.9
    p2 = 0.01  # missing from two: floor sqrt(0.01 / 0.05) x 0.01 = 0.0045, raised to the 0.01 minimum
    p_plus = w * p1 + (1 - w) * p2

    def h(a: float, b: float) -> float:
        t = a + b
        return -sum(x / t * math.log2(x / t) for x in (a, b) if x > 0)

    expected = h(w, 1 - w) - p_plus * h(w * p1, (1 - w) * p2) - (1 - p_plus) * h(w * (1 - p1), (1 - w) * (1 - p2))
    assert s.expected_information_gain == pytest.approx(expected) and s.p_present == pytest.approx(p_plus)
    assert suggest(res.rows[:1], res.findings, kb, 3) == []  # one candidate: nothing to separate


def test_suggestions_on_the_real_profiles_name_their_tests() -> None:
    res = rank(["HP:0003701", "HP:0003236"], age=55, suggestions=5)
    assert len(res.suggestions) == 5
    gains = [s.expected_information_gain for s in res.suggestions]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0
    assert all(s.term not in ("HP:0003701", "HP:0003236") for s in res.suggestions)
    with_tests = [s for s in res.suggestions if s.tests]
    assert with_tests and all(m.startswith("MAXO:") for s in with_tests for m, _ in s.tests)
    out = run_cli("rank", "HP:0003701", "HP:0003236", "--age", "55", "--suggest", "3")
    assert out.returncode == 0 and "What to test next" in out.stdout and "MAXO:" in out.stdout


def test_probabilities_print_to_three_significant_digits_never_one() -> None:
    assert probability(0.99984) == "> 0.999" and probability(0.9994) == "0.999"
    assert probability(0.1004) == "0.100" and probability(1.234e-5) == "1.23e-05" and probability(0.0) == "< 1e-300"
    res = rank(["HP:0033033", "HP:0025508", "HP:0040324", "HP:0006530"], age=50, top=3)
    import re

    text = render(res, "table", 200)
    printed = re.findall(r"(?:posterior|post-test|P\(IIM\) =) (> 0\.999|< 1e-300|\d[\d.e+-]*)", text)
    assert len(printed) == 7  # P(IIM) and two per row
    assert all(p == "> 0.999" or re.fullmatch(r"\d\.\d\d|0\.\d{3,}|\d\.\d\de-\d+", p) for p in printed), printed
    assert "1" not in printed and "1.00" not in printed


def test_table_lines_fit_the_terminal() -> None:
    res = rank(["HP:0003701", "HP:0003236", "HP:0034152"], age=50, top=3, suggestions=2)
    for width in (60, 100):
        assert max(len(line) for line in render(res, "table", width).splitlines()) <= width
    out = run_cli("rank", "HP:0003701", "HP:0003236", "--top", "2", env={"COLUMNS": "70"})
    assert out.returncode == 0 and max(len(line) for line in out.stdout.splitlines()) <= 70
