"""Phenotype-driven ranking of the IIM subtypes with likelihood ratios, after LIRICAL
(Robinson et al. 2020, Am J Hum Genet, PMID 32755546), on the graph's curated profiles.

For each finding and candidate subtype D the model computes LR = P(finding | D) / P(finding | not D):
P(. | D) from D's annotations (the frequency band, an annotation of a descendant or ancestor of the
finding through the HPO hierarchy, a floor when D has none), P(. | not D) from the finding's background
frequency across the 12,680 diseases HPO annotates. The composite LR is the product; the post-test
probability follows from the pre-test probability (uniform over the candidates unless given).
Every constant is here and in ``docs/rank.md`` with the reason for its value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from iimgraph.build.graph_source import RELEASE, GraphSource
from iimgraph.errors import TermError
from iimgraph.rank.profiles import HP_PREFIX, ONSET_ROOT, Annotation, Knowledge, NotScorable, Profile, curie, knowledge, name_key

NOTICE = "research use; not for diagnosis"

# LR given to a finding the subtype has no annotation for (nor for an ancestor or a descendant of it),
# and the least a matched finding counts: an unexplained finding costs one order of magnitude.
NO_ANNOTATION_LR = 0.1
# LR of an observed finding the subtype is annotated NOT to have (or frequency "Excluded (0%)").
EXCLUDED_LR = 0.01
# Floor of P(finding absent | D): an obligate feature reported absent must not give log(0).
MIN_ABSENT_PROBABILITY = 0.01
# Pseudo-count for a phenotype term no HPO disease is annotated to (its background is not zero).
PSEUDO_COUNT = 0.5
# Background of a term outside the phenotype counts (mode of inheritance, clinical modifiers, ...):
# HPO's per-term counts cover phenotypic annotations only.
NON_PHENOTYPE_BACKGROUND = 0.1
NON_PHENOTYPE_ROOTS = frozenset({"HP:0000005", "HP:0012823", "HP:0031797", "HP:0040279"})
# Onset: P(onset | D) when D's recorded onset is compatible (same term, ancestor or descendant),
# when it is not, and P(onset | not D) (an onset class covers about half of the IIM patients).
ONSET_COMPATIBLE = 0.9
ONSET_INCOMPATIBLE = 0.1
ONSET_BACKGROUND = 0.5

_HP_CURIE = re.compile(r"^HP[:_](\d{7})$", re.I)


@dataclass(frozen=True)
class TermLR:
    """One finding's likelihood ratio for one subtype, and the annotation it rests on."""

    term: str
    label: str
    status: str                       # "observed" | "absent" | "onset"
    lr: float
    log10_lr: float
    match: str                        # exact | annotated-more-specific | annotated-more-general | excluded
                                      # | no-annotation | onset-compatible | onset-incompatible | no-onset-record
    explanation: str
    p_given_subtype: float
    p_background: float
    annotation: str | None = None  # the annotated HPO term used
    annotation_label: str | None = None
    annotation_kind: str | None = None  # phenotype | autoantibody | onset
    frequency: float | None = None
    frequency_term: str | None = None
    evidence: str | None = None
    claim: str | None = None
    sources: tuple[str, ...] = ()
    inherited_from: str | None = None
    listing_factor: float = 1.0       # the share of the subtype's expected findings a list this long holds


@dataclass(frozen=True)
class RankedSubtype:
    """A candidate subtype with its post-test probability and the per-finding explanation."""

    rank: int
    disease: str
    label: str
    post_test_probability: float
    pretest_probability: float
    log10_lr: float
    terms: tuple[TermLR, ...]
    notice: str = NOTICE


@dataclass(frozen=True)
class Finding:
    term: str
    given: str
    status: str


@dataclass(frozen=True)
class RankResult:
    rows: tuple[RankedSubtype, ...]
    findings: tuple[Finding, ...]
    not_scorable: tuple[NotScorable, ...]
    notes: tuple[str, ...]            # how input was read (labels, obsolete ids replaced, onset routed)
    hpo_version: str
    candidates: int
    notice: str = NOTICE


# --- reading the findings ----------------------------------------------------------------------------


def resolve(text: str, kb: Knowledge) -> tuple[str, str | None]:
    """The current HPO CURIE for a CURIE, IRI, label or synonym, and a note when it was not given as is."""
    given = " ".join(str(text).split())
    if not given:
        raise TermError("an empty finding was given")
    note: str | None = None
    m = _HP_CURIE.match(given)
    if m:
        term = f"HP:{m.group(1)}"
    elif given.startswith(HP_PREFIX):
        term = curie(given)
        if not _HP_CURIE.match(term):
            raise TermError(f"{given!r} is not an HPO term IRI")
    elif re.match(r"^[A-Za-z][\w.-]*:\S", given) and not given.lower().startswith(("http:", "https:")) \
            and " " not in given:
        raise TermError(f"{given!r} is not an HPO term (findings are HP:nnnnnnn, their IRIs, or labels)")
    elif given.lower().startswith(("http:", "https:")):
        raise TermError(f"{given!r} is not an HPO term IRI (http://purl.obolibrary.org/obo/HP_nnnnnnn)")
    else:
        term = _by_name(given, kb)
        note = f"{given!r} read as {term} ({kb.label(term)})"
    if term in kb.replaced_by:
        new = kb.replaced_by[term]
        if not new:
            raise TermError(f"{term} ({kb.label(term)}) is obsolete in HPO {kb.hpo_version} and has no replacement")
        note = f"{term} is obsolete or an alternative id in HPO {kb.hpo_version}: replaced by {new} ({kb.label(new)})"
        term = new
    if not kb.known(term):
        raise TermError(f"unknown HPO term {term}: not among the HPO {kb.hpo_version} terms iimgraph holds")
    return term, note


def _by_name(text: str, kb: Knowledge) -> str:
    names = kb.names()
    key = name_key(text)
    if not key:
        raise TermError(f"{text!r} has no letter or digit: not a finding")
    exact = names.get(key, set())
    if len(exact) == 1:
        return next(iter(exact))
    if not exact:
        exact = {t for name, terms in names.items() if key in name for t in terms}
        if len(exact) == 1:
            return next(iter(exact))
    if not exact:
        raise TermError(f"no HPO term has the label or synonym {text!r}")
    ranked = sorted(exact, key=lambda t: (len(kb.label(t)), kb.label(t), t))
    shown = ", ".join(f"{t} ({kb.label(t)})" for t in ranked[:10])
    more = f" and {len(ranked) - 10} more" if len(ranked) > 10 else ""
    raise TermError(f"{text!r} is ambiguous: {shown}{more}; give one CURIE",
                    tuple((t, kb.label(t)) for t in ranked))


def read_findings(observed: Iterable[str], absent: Iterable[str], onset: Iterable[str],
                  kb: Knowledge) -> tuple[list[Finding], list[str]]:
    """Resolve every finding; an observed onset term is read as an onset, said in the notes."""
    findings: list[Finding] = []
    notes: list[str] = []
    status_of: dict[str, str] = {}
    for status, items in (("observed", observed), ("absent", absent), ("onset", onset)):
        for text in items:
            term, note = resolve(text, kb)
            if note:
                notes.append(note)
            is_onset = ONSET_ROOT in kb.ancestors(term)
            kind = status
            if status == "onset" and not is_onset:
                raise TermError(f"{term} ({kb.label(term)}) is not an onset term (under {ONSET_ROOT} Onset)")
            if status == "observed" and is_onset:
                notes.append(f"{term} ({kb.label(term)}) is an onset term: scored as the onset")
                kind = "onset"
            previous = status_of.get(term)
            if previous == kind:
                continue
            if previous is not None:
                raise TermError(f"{term} ({kb.label(term)}) is given as both {previous} and {kind}")
            status_of[term] = kind
            findings.append(Finding(term, str(text), kind))
    if not findings:
        raise TermError("no findings given: name at least one HPO term")
    return findings, notes


# --- the likelihood ratios ---------------------------------------------------------------------------


def background(term: str, kb: Knowledge) -> float:
    """P(term | not D): the share of HPO's annotated diseases that have the term or a descendant."""
    n = kb.counts.get(term, 0)
    if n <= 0 and kb.ancestors(term) & NON_PHENOTYPE_ROOTS:
        return NON_PHENOTYPE_BACKGROUND
    return min(max(n, PSEUDO_COUNT) / kb.total_diseases, 0.999)


def _related(term: str, prof: Profile, kb: Knowledge) -> tuple[list[Annotation], list[Annotation]]:
    """D's annotations to the term or a descendant (they imply it), and to a strict ancestor."""
    ancestors = kb.ancestors(term)
    implying = [a for t, a in prof.positive.items() if term in kb.ancestors(t)]
    general = [a for t, a in prof.positive.items() if t in ancestors and t != term]
    return implying, general


def _p_present(term: str, prof: Profile, kb: Knowledge, bg: float) -> tuple[float, str, Annotation | None, str]:
    implying, general = _related(term, prof, kb)
    # Having a more specific feature implies having the query term, so P(term | D) is at least the
    # frequency of each annotation to the term or a descendant: the largest of them (no independence
    # assumption between features; an annotation of the term itself already covers its sub-forms).
    p_imp = max((a.frequency for a in implying), default=0.0)
    best_gen: Annotation | None = None
    p_gen = 0.0
    for a in general:
        p = a.frequency * bg / background(a.term, kb)
        if p > p_gen:
            p_gen, best_gen = p, a
    if implying and p_imp >= p_gen:
        exact = [a for a in implying if a.term == term]
        best = max(implying, key=lambda a: (a.frequency, a.term == term))
        if best.term == term:
            more = f" (and {len(implying) - 1} more specific term(s))" if len(implying) > 1 else ""
            return p_imp, "exact", best, f"annotated{more}: {best.frequency_basis}"
        return p_imp, "exact" if exact else "annotated-more-specific", best, \
            f"annotated to the more specific {best.term}: {best.frequency_basis}"
    if best_gen is not None:
        return p_gen, "annotated-more-general", best_gen, \
            (f"annotated to the more general {best_gen.term}: f x bg(term) / bg({best_gen.term}) = "
             f"{best_gen.frequency:g} x {bg:.3g} / {background(best_gen.term, kb):.3g}")
    return 0.0, "no-annotation", None, "no annotation for the term, an ancestor or a descendant"


def listing_factor(n_observed: int, prof: Profile) -> float:
    """The chance that a feature a patient of the subtype has is among ``n_observed`` listed findings:
    ``min(1, n / E)`` with E the profile's expected number of features (the sum of its frequencies)."""
    expected = prof.expected_features()
    if n_observed <= 0 or expected <= n_observed:
        return 1.0
    return n_observed / expected


def term_lr(finding: Finding, prof: Profile, kb: Knowledge, listing: float = 1.0) -> TermLR:
    """The likelihood ratio of one finding for one subtype, with what it rests on. ``listing``
    (:func:`listing_factor`) scales P(observed finding | D); absent findings and onsets are not scaled."""
    term = finding.term
    label = kb.label(term)
    if finding.status == "onset":
        return _onset_lr(term, label, prof, kb)
    bg = background(term, kb)
    ancestors = kb.ancestors(term)
    excluded = [a for t, a in prof.negated.items() if t in ancestors]
    if finding.status == "observed":
        if excluded:
            a = excluded[0]
            return _row(finding, label, EXCLUDED_LR, "excluded", f"annotated NOT to have {a.term}",
                        EXCLUDED_LR * bg, bg, a, kb)
        p, match, ann, why = _p_present(term, prof, kb, bg)
        if match != "no-annotation" and listing < 1.0:
            why += f"; x listing factor {listing:.3g} (n / E = the findings listed / {prof.expected_features():.3g})"
            p *= listing
        lr = p / bg
        if lr < NO_ANNOTATION_LR:
            if match != "no-annotation":
                why += f"; below the floor, LR {NO_ANNOTATION_LR:g}"
            p, lr = NO_ANNOTATION_LR * bg, NO_ANNOTATION_LR
        return _row(finding, label, lr, match, why, p, bg, ann, kb, listing)
    # absent: the subtype's annotations count against it by the chance it would have shown the feature
    if excluded:
        p_no = 1.0
        match, ann, why = "excluded", excluded[0], f"annotated NOT to have {excluded[0].term}: P(absent | D) = 1"
    else:
        p, match, ann, why = _p_present(term, prof, kb, bg)
        p_no = max(1.0 - p, MIN_ABSENT_PROBABILITY)
        why = f"P(absent | D) = {p_no:.3g} ({why})"
    lr = p_no / (1.0 - bg)
    return _row(finding, label, lr, match, why, p_no, 1.0 - bg, ann, kb)


def _row(finding: Finding, label: str, lr: float, match: str, why: str, p: float, bg: float,
         ann: Annotation | None, kb: Knowledge, listing: float = 1.0) -> TermLR:
    kwargs = {}
    if ann is not None:
        kwargs = {"annotation": ann.term, "annotation_label": kb.label(ann.term), "annotation_kind": ann.kind,
                      "frequency": ann.frequency, "frequency_term": ann.frequency_term, "evidence": ann.evidence,
                      "claim": ann.claim, "sources": ann.sources, "inherited_from": ann.inherited_from}
    return TermLR(term=finding.term, label=label, status=finding.status, lr=lr, log10_lr=math.log10(lr),
                  match=match, explanation=why, p_given_subtype=p, p_background=bg, listing_factor=listing, **kwargs)  # type: ignore[arg-type]


def _onset_lr(term: str, label: str, prof: Profile, kb: Knowledge) -> TermLR:
    if not prof.onsets:
        return TermLR(term, label, "onset", 1.0, 0.0, "no-onset-record", "no onset recorded for the subtype",
                      ONSET_BACKGROUND, ONSET_BACKGROUND)
    ancestors = kb.ancestors(term)
    for onset, claim, sources in prof.onsets:
        if onset in ancestors or term in kb.ancestors(onset):
            lr = ONSET_COMPATIBLE / ONSET_BACKGROUND
            return TermLR(term, label, "onset", lr, math.log10(lr), "onset-compatible",
                          f"recorded onset {onset} ({kb.label(onset)}) is compatible", ONSET_COMPATIBLE,
                          ONSET_BACKGROUND, onset, kb.label(onset), "onset", claim=claim, sources=sources)
    onset, claim, sources = prof.onsets[0]
    recorded = ", ".join(sorted({f"{o} ({kb.label(o)})" for o, _, _ in prof.onsets}))
    lr = ONSET_INCOMPATIBLE / ONSET_BACKGROUND
    return TermLR(term, label, "onset", lr, math.log10(lr), "onset-incompatible",
                  f"recorded onset {recorded} is not compatible", ONSET_INCOMPATIBLE, ONSET_BACKGROUND,
                  onset, kb.label(onset), "onset", claim=claim, sources=sources)


# --- ranking -----------------------------------------------------------------------------------------


def score(findings: Sequence[Finding], kb: Knowledge, prior: Mapping[str, float] | None = None, *,
          listed: bool = True) -> list[RankedSubtype]:
    """Every candidate scored and sorted by post-test probability (ties share a rank).

    ``listed=False`` leaves out the listing factor (:func:`listing_factor`): LIRICAL's form, which
    the benchmark reports beside the model for comparison.
    """
    profiles = kb.profiles
    k = len(profiles)
    n_observed = sum(1 for f in findings if f.status == "observed")
    scored = []
    for d, prof in profiles.items():
        listing = listing_factor(n_observed, prof) if listed else 1.0
        terms = tuple(term_lr(f, prof, kb, listing) for f in findings)
        total = sum(t.log10_lr for t in terms)
        p0 = (prior or {}).get(d, 1.0 / k)
        log_odds = math.log10(p0 / (1.0 - p0)) + total if p0 < 1.0 else math.inf
        post = 1.0 / (1.0 + 10.0 ** (-min(max(log_odds, -300.0), 300.0)))
        scored.append((post, total, prof, p0, terms))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].label, s[2].disease))
    rows: list[RankedSubtype] = []
    for i, (post, total, prof, p0, terms) in enumerate(scored):
        rank = rows[-1].rank if rows and math.isclose(rows[-1].log10_lr, total, abs_tol=1e-9) \
            and math.isclose(rows[-1].pretest_probability, p0) else i + 1
        rows.append(RankedSubtype(rank, prof.disease, prof.label, post, p0, total, terms))
    return rows


def _check_prior(prior: Mapping[str, float] | None, kb: Knowledge) -> dict[str, float] | None:
    if not prior:
        return None
    out: dict[str, float] = {}
    for key, value in prior.items():
        d = curie(str(key)) if str(key).startswith("http") else str(key).strip()
        if d not in kb.profiles:
            raise TermError(f"prior names {key!r}, which is not a candidate subtype")
        p = float(value)
        if not 0.0 < p < 1.0:
            raise TermError(f"prior of {d} must be between 0 and 1 (exclusive), not {value!r}")
        out[d] = p
    return out


def rank(observed: Iterable[str] = (), absent: Iterable[str] = (), onset: Iterable[str] = (), *,
         top: int | None = None, prior: Mapping[str, float] | None = None,
         include_text_mined: bool = False, kb: Knowledge | None = None,
         source: GraphSource = RELEASE) -> RankResult:
    """Rank the IIM subtypes for a patient's findings (HPO CURIEs, IRIs, labels or synonyms).

    ``absent``: findings looked for and not found; ``onset``: HPO onset terms; ``prior``: pre-test
    probabilities by MONDO CURIE (default uniform over the candidates). Text-mined (ITM)
    annotations are left out unless ``include_text_mined``. ``source``: the graph whose profiles
    are read (default the release graph; a working copy: :class:`iimgraph.build.graph_source.Sources`).
    Research use; not for diagnosis.
    """
    kb = kb or knowledge(include_text_mined, source)
    findings, notes = read_findings(list(observed), list(absent), list(onset), kb)
    rows = score(findings, kb, _check_prior(prior, kb))
    if top is not None:
        if top < 1:
            raise TermError(f"--top must be at least 1, not {top}")
        rows = rows[:top]
    return RankResult(rows=tuple(rows), findings=tuple(findings), not_scorable=tuple(kb.not_scorable),
                      notes=tuple(notes), hpo_version=kb.hpo_version, candidates=len(kb.profiles))
