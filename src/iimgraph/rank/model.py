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

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from iimgraph.build.graph_source import RELEASE, GraphSource
from iimgraph.errors import TermError
from iimgraph.namespaces import PREFIX_MAP
from iimgraph.rank.profiles import (
    HP_PREFIX,
    ONSET_ROOT,
    PHENOTYPIC_ABNORMALITY,
    Annotation,
    Knowledge,
    NotScorable,
    OnsetRecord,
    Profile,
    curie,
    knowledge,
    name_key,
    observing_tests,
    onset_ages,
)
from iimgraph.settings import AGE_YEARS

NOTICE = "research use; not for diagnosis"

# A finding the candidate has no annotation for (nor for an ancestor, a descendant or an equivalent):
# LR = exp(-(IC(q) - IC_COMMON) / 2), at most 1 and at least MIN_MISSING_LR, IC(q) = -ln bg(q)
# (docs/rank.md): a finding as common as COMMON_BACKGROUND across HPO's diseases costs nothing
# when a profile omits it, each further nat of information a factor e^-1/2. It is also the least
# a matched finding counts.
COMMON_BACKGROUND = 0.05
MIN_MISSING_LR = 0.01
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
# Onset (docs/rank.md): the patient's age at onset (an --age, or an onset term's interval) against
# D's binding onset records. P(age inside D's records | D) by how the source states them, its
# complement outside; P(inside | not D) is the share of the onset ages ONSET_SPAN that D's records
# cover (no source gives the onset ages of all IIM patients: spread evenly over 0-80 years), kept
# within ONSET_BACKGROUND_BOUNDS.
ONSET_INSIDE = {"defining": 0.99, "stated": 0.9, "typical": 0.75}
ONSET_OUTSIDE = {"defining": 0.01, "stated": 0.1, "typical": 0.25}
ONSET_SPAN = (0.0, 80.0)
ONSET_BACKGROUND_BOUNDS = (0.05, 0.95)
ONSET_BACKGROUND = 0.5  # shown for candidates with nothing to compare
# Pre-test probability that the findings are IIM at all, when the look-alike diseases are candidates
# too (docs/rank.md): even odds, shared evenly within each group.
IIM_PRIOR = 0.5

_HP_CURIE = re.compile(r"^HP[:_](\d{7})$", re.I)


@dataclass(frozen=True)
class TermLR:
    """One finding's likelihood ratio for one subtype, and the annotation it rests on."""

    term: str
    label: str
    status: str                       # "observed" | "absent" | "onset"
    lr: float
    log10_lr: float
    match: str                        # exact | annotated-more-specific | annotated-more-general | equivalent | excluded
                                      # | defines-another | counted-once | implied-by-finding
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
    """A candidate with its two probabilities and the per-finding explanation.

    ``posterior``: P(D | findings) with the candidates mutually exclusive and exhaustive (the
    posteriors of all candidates sum to 1). ``post_test_probability``: LIRICAL's per-disease
    post-test probability, D against "not D" from D's own pre-test probability (they do not sum to 1).
    """

    rank: int
    disease: str
    label: str
    post_test_probability: float
    pretest_probability: float
    log10_lr: float
    terms: tuple[TermLR, ...]
    posterior: float = 0.0
    is_iim: bool = True
    notice: str = NOTICE


@dataclass(frozen=True)
class Finding:
    term: str                         # HP CURIE, or "age 63" for an --age
    given: str
    status: str                       # observed | absent | onset
    low: float | None = None          # onset: the age interval [low, high) in years, as the term defines it
    high: float | None = None


@dataclass(frozen=True)
class Suggestion:
    """A finding whose result would most change the top of the ranking, and the tests that observe it."""

    term: str
    label: str
    expected_information_gain: float  # bits, over the top candidates' posteriors
    p_present: float                  # P(finding present | findings so far), over the same candidates
    tests: tuple[tuple[str, str], ...] = ()  # (MAXO id, label): MAxO "is observable through"


@dataclass(frozen=True)
class RankResult:
    rows: tuple[RankedSubtype, ...]
    findings: tuple[Finding, ...]
    not_scorable: tuple[NotScorable, ...]
    notes: tuple[str, ...]            # how input was read (labels, obsolete ids replaced, onset routed)
    hpo_version: str
    candidates: int
    iim_probability: float = 1.0      # the sum of the IIM candidates' posteriors
    suggestions: tuple[Suggestion, ...] = ()
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
        raise TermError(f"{given!r} is not an HPO term IRI ({PREFIX_MAP['HP']}nnnnnnn)")
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
        raise TermError(f"unknown HPO term {term}: not in HPO {kb.hpo_version}")
    return term, note


def _by_name(text: str, kb: Knowledge) -> str:
    """Exact matches before fuzzy ones: a label or exact synonym, then a related/broad/narrow
    synonym, then (for one short word) the initials of a label or exact synonym ("ILD"), and only
    then the labels and synonyms that contain the text. The first tier with one term answers; a
    tier with several is an error listing them."""
    key = name_key(text)
    if not key:
        raise TermError(f"{text!r} has no letter or digit: not a finding")
    tiers: list[set[str]] = [kb.names("exact").get(key, set()), kb.names("other").get(key, set())]
    if re.fullmatch(r"[A-Za-z]{2,6}", text.strip()):
        tiers.append(kb.names("initials").get(key, set()))
    hits: set[str] = set()
    for hits in tiers:
        if hits:
            break
    if not hits:
        hits = {t for tier in ("exact", "other") for name, terms in kb.names(tier).items() if key in name
                for t in terms}
    if len(hits) == 1:
        return next(iter(hits))
    if not hits:
        raise TermError(f"no HPO {kb.hpo_version} term has the label or synonym {text!r}")
    ranked = sorted(hits, key=lambda t: (len(kb.label(t)), kb.label(t), t))
    shown = ", ".join(f"{t} ({kb.label(t)})" for t in ranked[:10])
    more = f" and {len(ranked) - 10} more" if len(ranked) > 10 else ""
    raise TermError(f"{text!r} is ambiguous: {shown}{more}; give one CURIE",
                    tuple((t, kb.label(t)) for t in ranked))


def read_findings(observed: Iterable[str], absent: Iterable[str], onset: Iterable[str],
                  kb: Knowledge, age: float | None = None) -> tuple[list[Finding], list[str]]:
    """Resolve every finding; an observed onset term is read as an onset, said in the notes; ``age``
    (years at first symptom) is an onset of its own."""
    ages = onset_ages()
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
            low, high = ages.get(term, (None, None)) if kind == "onset" else (None, None)
            findings.append(Finding(term, str(text), kind, low, high))
    absent_terms = [f.term for f in findings if f.status == "absent"]
    for f in findings:
        if f.status == "observed" and absent_terms:
            above = kb.ancestors(f.term)
            for clash in (a for a in absent_terms if a in above):
                # HPO says the one implies the other, but a report can hold both: "ANA negative" is a
                # screening test that misses anti-Ro or anti-Jo-1, which HPO places under ANA positivity
                notes.append(f"{f.term} ({kb.label(f.term)}) is given as observed and {clash} "
                             f"({kb.label(clash)}), which HPO says it implies, as absent: both scored as given")
    if age is not None:
        if not isinstance(age, (int, float)) or not AGE_YEARS.low <= float(age) <= AGE_YEARS.high:
            raise TermError(f"--age {age!r} is not an age in years (0 to 130)")
        if any(f.status == "onset" for f in findings):
            raise TermError("give the age at onset once: --age or an onset term, not both")
        findings.append(Finding(f"age {float(age):g}", str(age), "onset", float(age), float(age)))
    if not findings:
        raise TermError("no findings given: name at least one HPO term")
    return findings, notes


# --- the likelihood ratios ---------------------------------------------------------------------------


# most entries the knowledge's memo keeps (rows, P(finding | D), per-term values: about 0.5 KB each,
# so ~50 MB at most) before it starts again
TERM_LR_MEMO = 100_000


_MEMO_SIZE = ("@size",)  # the memo's own entry: how many values it holds, a finding's rows counting one each


def _memoised(kb: Knowledge, key: tuple[Any, ...], compute: Callable[[], Any],
              weight: Callable[[Any], int] | None = None) -> Any:
    """``compute()`` kept in the knowledge's one memo under ``key`` (everything kept there is a pure
    function of the knowledge and the key), the memo bounded at ``TERM_LR_MEMO`` values (``weight``:
    how many values the computed one holds, when not one)."""
    memo = kb.p_cache
    hit = memo.get(key)
    if hit is None:
        hit = compute()
        n = 1 if weight is None else weight(hit)
        size = memo.get(_MEMO_SIZE, 0) + n
        if size > TERM_LR_MEMO:
            memo.clear()
            size = n
        memo[key] = hit
        memo[_MEMO_SIZE] = size
    return hit


def _per_term(func: Callable[[str, Knowledge], float]) -> Callable[[str, Knowledge], float]:
    """``func(term, kb)`` memoised: a pure function of the term and the knowledge, asked again for
    every candidate a finding touches."""
    tag = "@" + func.__name__

    @functools.wraps(func)
    def memo(term: str, kb: Knowledge) -> float:
        return _memoised(kb, (tag, term), lambda: func(term, kb))

    return memo


@_per_term
def background(term: str, kb: Knowledge) -> float:
    """P(term | not D): the share of HPO's annotated diseases that have the term or a descendant."""
    n = kb.counts.get(term, 0)
    if n <= 0 and kb.ancestors(term) & NON_PHENOTYPE_ROOTS:
        return NON_PHENOTYPE_BACKGROUND
    return min(max(n, PSEUDO_COUNT) / kb.total_diseases, 0.999)


@_per_term
def missing_lr(term: str, kb: Knowledge) -> float:
    """The likelihood ratio of a finding no annotation of the candidate explains: the more common the
    finding across diseases (the less information it carries), the less its absence from a curated
    profile says, since profiles list what characterises a disease, not every finding its patients have."""
    ic = -math.log(background(term, kb))
    return min(1.0, max(MIN_MISSING_LR, math.exp(-(ic + math.log(COMMON_BACKGROUND)) / 2.0)))


def _implied(prof: Profile, kb: Knowledge) -> dict[str, tuple[Annotation, bool, int]]:
    """Per HPO term, the annotation of D that best implies it (the highest frequency, the term itself
    first on a tie), whether the term itself is annotated, and how many annotations imply it; built
    once per profile (every term a positive annotation implies is one of its ancestors)."""
    index = prof.implied_index
    if index is None:
        best: dict[str, tuple[Annotation, bool, int]] = {}
        for t, ann in prof.positive.items():
            for x in kb.ancestors(t):
                old = best.get(x)
                if old is None:
                    best[x] = (ann, t == x, 1)
                    continue
                keep = old[0] if (old[0].frequency, old[0].term == x) >= (ann.frequency, t == x) else ann
                best[x] = (keep, old[1] or t == x, old[2] + 1)
        index = prof.implied_index = best
    return index


def _implied_at(term: str, kb: Knowledge) -> Mapping[str, tuple[Annotation, bool, int]] | None:
    """``_implied(prof, kb).get(term)`` of every candidate that has it, when the knowledge keeps these
    by term (one read for all candidates; a knowledge read from the cache does, ``rank/cache.py``, for
    the candidates it was read with)."""
    size, table = kb.__dict__.get("implied_by_term", (None, None))
    return table.get(term, {}) if size == len(kb.profiles) else None


def _p_present(term: str, prof: Profile, kb: Knowledge, bg: float) -> tuple[float, str, Annotation | None, str]:
    """P(term | D) from D's annotations, how it was matched, the annotation used and why (memoised
    per term and candidate: a pure function of the knowledge)."""
    if not prof.disease:
        return _p_present_uncached(term, prof, kb, bg)
    return _memoised(kb, (term, prof.disease), lambda: _p_present_uncached(term, prof, kb, bg))


_LOOK_UP: Any = object()  # _p_present_uncached's ``hit`` when the caller has not looked it up


def _p_present_uncached(term: str, prof: Profile, kb: Knowledge, bg: float, above: Mapping[str, float] | None = None,
                        hit: Any = _LOOK_UP) -> tuple[float, str, Annotation | None, str]:
    """``above``: as :func:`_more_general` takes it; ``hit``: ``_implied(prof, kb).get(term)`` when the
    caller has it (:func:`_implied_at`)."""
    if hit is _LOOK_UP:
        hit = _implied(prof, kb).get(term)
    if hit is None:
        for other, why in kb.equivalents.get(term, ()):
            same = _implied(prof, kb).get(other)
            if same is not None:
                return same[0].frequency, "equivalent", same[0], \
                    f"matched through the equivalence {why}: {same[0].frequency_basis}"
    # Having a more specific feature implies having the query term, so P(term | D) is at least the
    # frequency of each annotation to the term or a descendant: the largest of them (no independence
    # assumption between features; an annotation of the term itself already covers its sub-forms).
    p_imp = hit[0].frequency if hit else 0.0
    inherited = hit is not None and hit[0].inherited_from is not None
    general = _more_general(term, prof, kb, bg, own_only=inherited, above=above) if hit is None or inherited else None
    if inherited and general is not None and general[0] > p_imp:
        # the class's own claim of a broader term (anti-SAE DM's defining anti-SAE) outranks a claim of the
        # term it inherits from its parent (DM's anti-SAE1 row), as its own claim of the same term does
        hit = None
    if hit:
        best, exact, n = hit
        if best.term == term:
            more = f" (and {n - 1} more specific term(s))" if n > 1 else ""
            return p_imp, "exact", best, f"annotated{more}: {best.frequency_basis}"
        return p_imp, "exact" if exact else "annotated-more-specific", best, \
            f"annotated to the more specific {best.term}: {best.frequency_basis}{_bridged(best.term, term, kb)}"
    if general is not None:
        p_gen, best_gen = general
        return p_gen, "annotated-more-general", best_gen, _memoised(
            kb, ("@general", term, best_gen.term, best_gen.frequency, bg),  # the same for each candidate annotated so
            lambda: f"annotated to the more general {best_gen.term}: f x bg(term) / bg({best_gen.term}) = "
                    f"{best_gen.frequency:g} x {bg:.3g} / {background(best_gen.term, kb):.3g}{_bridged(term, best_gen.term, kb)}")
    return 0.0, "no-annotation", None, "no annotation for the term, an ancestor or a descendant"


def _more_general(term: str, prof: Profile, kb: Knowledge, bg: float, *,
                  own_only: bool = False, above: Mapping[str, float] | None = None) -> tuple[float, Annotation] | None:
    """The best estimate of P(term | D) from an annotation of a strict ancestor a: f(a) x bg(term) / bg(a)
    (``own_only``: the class's own annotations, not those inherited from a parent; ``above``:
    :func:`_annotated_above`, when the caller has it)."""
    best: tuple[float, Annotation] | None = None
    for t, bg_t in (_annotated_above(term, kb) if above is None else above).items():
        a = prof.positive.get(t)
        if a is None or (own_only and a.inherited_from is not None):
            continue
        p = a.frequency * bg / bg_t  # bg(a.term): ``positive`` is keyed by each annotation's term
        if best is None or p > best[0]:
            best = (p, a)
    return best


def _annotated_above(term: str, kb: Knowledge) -> dict[str, float]:
    """The term's strict ancestors some candidate has an annotation of (at or NOT), in the order
    ``kb.ancestors(term)`` gives them, with their backgrounds: the only ones :func:`_more_general`
    can find an annotation at."""
    at = _match_index(kb)["at"]
    return {t: background(t, kb) for t in kb.ancestors(term) if t != term and t in at}


def _bridged(lower: str, upper: str, kb: Knowledge) -> str:
    """The curated subsumption (``subsumptions.tsv``) that puts ``lower`` under ``upper``, said, when
    HPO's own hierarchy does not (memoised: asked again for each candidate annotated to one term)."""
    return _memoised(kb, ("@bridged", lower, upper), lambda: _bridged_uncached(lower, upper, kb))


def _bridged_uncached(lower: str, upper: str, kb: Knowledge) -> str:
    for term, (under, why) in kb.bridges.items():
        if term in kb.ancestors(lower) and upper in kb.ancestors(under):
            plain: set[str] = set()
            for parent in kb.parents.get(term, ()):
                if parent != under:
                    plain |= kb.ancestors(parent)
            if upper not in plain | {term}:
                return f" (through the curated subsumption {why})"
    return ""


def _defined_elsewhere(term: str, prof: Profile, kb: Knowledge, owners: list[str] | None = None) -> str | None:
    """The IIM class an antibody finding defines (a "defining" link), when that class is neither this
    IIM candidate nor in its lineage (an ancestor or a descendant, grouping classes aside), or when this
    candidate is itself defined by another antibody and is not an ancestor or descendant of that class
    (anti-Mi2 DM for an anti-TIF1 result): a patient with a class's defining antibody is classed in
    that class (docs/rank.md)."""
    if not prof.is_iim or not kb.defining:
        return None
    if owners is None:
        owners = _owners(term, kb)
    if prof.disease in owners:
        return None
    mine = kb.lineage.get(prof.disease, frozenset({prof.disease}))
    self_defined = prof.disease in kb.defined_classes
    for owner in owners:
        if owner in mine:
            continue
        if self_defined or not (kb.lineage.get(owner, frozenset()) & mine):
            return owner
    return None


def _owners(term: str, kb: Knowledge) -> list[str]:
    """The IIM classes the term (or an ancestor of it) defines, in the order :func:`_defined_elsewhere` tries them."""
    return [owner for x in kb.ancestors(term) for owner in sorted(kb.defining.get(x, ()))]


def _listing(listing: float, prof: Profile) -> tuple[float, str]:
    """A listing factor and what a matched row's explanation adds for it (nothing at 1)."""
    if listing >= 1.0:
        return listing, ""
    return listing, f"; x listing factor {listing:.3g} (n / E = the findings listed / {prof.expected_features():.3g})"


def _listed(n_listed: int, prof: Profile, kb: Knowledge) -> tuple[float, str]:
    """:func:`_listing` of the candidate's listing factor for ``n_listed`` findings (memoised: the same
    for each finding of a query that touches the candidate)."""
    key = ("@listing", prof.disease, n_listed)
    hit = kb.p_cache.get(key)  # asked ~900 times a query: the memo read without a closure first
    if hit is not None:
        return hit
    return _memoised(kb, key, lambda: _listing(listing_factor(n_listed, prof), prof))


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
    if finding.status == "onset":
        term = finding.term
        label = kb.label(term) if term.startswith("HP:") else "age at first symptom (years)"
        if not prof.disease:
            return _onset_lr(finding, label, prof)
        return _memoised(kb, ("@onset", finding.term, prof.disease), lambda: _onset_lr(finding, label, prof))
    return _lr_row(_Asked(finding, kb), prof, kb, _listing(listing, prof))


class _Asked:
    """What every candidate's row for one finding reads of the finding alone: computed once per
    finding, not once per (finding, candidate) pair."""

    __slots__ = ("above", "ancestors", "below_floor", "bg", "finding", "floor", "implied", "label", "owners",
                 "unannotated")

    def __init__(self, finding: Finding, kb: Knowledge) -> None:
        term = finding.term
        self.finding = finding
        self.label = kb.label(term) if term.startswith("HP:") else "age at first symptom (years)"
        self.bg = background(term, kb)
        self.ancestors = kb.ancestors(term)
        self.owners = _owners(term, kb) if kb.defining else []
        self.floor = missing_lr(term, kb) if finding.status == "observed" else 0.0
        self.above = _annotated_above(term, kb)
        self.implied = _implied_at(term, kb)
        # what an observed finding's row says when its LR is raised to the floor (matched, or not)
        self.below_floor = f"; below the floor for a missing finding, LR {self.floor:.3g}"
        self.unannotated = (f": LR exp(-(IC {-math.log(self.bg):.2f} - IC_common {-math.log(COMMON_BACKGROUND):.2f}) / 2) "
                            f"= {self.floor:.3g}")


def _lr_row(asked: _Asked, prof: Profile, kb: Knowledge, listed: tuple[float, str] = (1.0, "")) -> TermLR:
    """:func:`term_lr` of an observed or absent finding (``listed``: as :func:`_listing` gives it)."""
    finding = asked.finding
    term, label, bg = finding.term, asked.label, asked.bg
    excluded = [a for t, a in prof.negated.items() if t in asked.ancestors] if prof.negated else []
    if finding.status == "observed":
        listing = listed[0]
        if excluded:
            a = excluded[0]
            return _row(finding, label, EXCLUDED_LR, "excluded", f"annotated NOT to have {a.term}",
                        EXCLUDED_LR * bg, bg, a, kb)
        p, match, ann, why = _p_present_uncached(term, prof, kb, bg, asked.above, _LOOK_UP if asked.implied is None
                                                 else asked.implied.get(prof.disease))
        # (no class the finding defines: none elsewhere)
        owner = _defined_elsewhere(term, prof, kb, asked.owners) if asked.owners and match != "no-annotation" else None
        if owner is not None:
            p, match = 0.0, "defines-another"
            why = (f"{term} defines {owner} ({kb.label(owner)}): a patient with it is classed there, so this "
                   f"candidate's own annotation ({why}) is not counted")
        if ann is not None and ann.specificity is not None and match in ("exact", "annotated-more-specific"):
            bg = max(1.0 - ann.specificity, bg)
            why += f"; P(+ | not D) = 1 - {ann.specificity_basis}"
        if match not in ("no-annotation", "defines-another") and listing < 1.0:
            why += listed[1]
            p *= listing
        lr = p / bg
        floor = asked.floor
        if lr < floor:
            why += asked.below_floor if match != "no-annotation" else asked.unannotated  # bg is the finding's here
            p, lr = floor * bg, floor
        return _row(finding, label, lr, match, why, p, bg, ann, kb, listing)
    # absent: the subtype's annotations count against it by the chance it would have shown the feature
    if excluded:
        p_no = 1.0
        match, ann, why = "excluded", excluded[0], f"annotated NOT to have {excluded[0].term}: P(absent | D) = 1"
    else:
        p, match, ann, why = _p_present_uncached(term, prof, kb, bg, asked.above, _LOOK_UP if asked.implied is None
                                                 else asked.implied.get(prof.disease))
        p_no = max(1.0 - p, MIN_ABSENT_PROBABILITY)
        why = f"P(absent | D) = {p_no:.3g} ({why})"
        if ann is not None and ann.specificity is not None and match in ("exact", "annotated-more-specific"):
            bg = max(1.0 - ann.specificity, bg)
            why += f"; P(absent | not D) = {ann.specificity_basis}"
    lr = p_no / (1.0 - bg)
    return _row(finding, label, lr, match, why, p_no, 1.0 - bg, ann, kb)


_T = TypeVar("_T")


def _frozen(cls: type[_T], fields: dict[str, Any]) -> _T:
    """An instance of a frozen dataclass (no ``__post_init__``) from the values of all its fields, in
    their order: what its ``__init__`` makes, without one ``object.__setattr__`` per field (5 us for a
    :class:`TermLR`'s 19, paid for each (finding, candidate) pair a query scores)."""
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", fields)
    return obj


def _row(finding: Finding, label: str, lr: float, match: str, why: str, p: float, bg: float,
         ann: Annotation | None, kb: Knowledge, listing: float = 1.0) -> TermLR:
    # all the fields in their order, in one literal (a third faster than merging dicts), as _frozen does
    row = object.__new__(TermLR)
    if ann is None:
        object.__setattr__(row, "__dict__", {
            "term": finding.term, "label": label, "status": finding.status, "lr": lr, "log10_lr": math.log10(lr),
            "match": match, "explanation": why, "p_given_subtype": p, "p_background": bg, "annotation": None,
            "annotation_label": None, "annotation_kind": None, "frequency": None, "frequency_term": None,
            "evidence": None, "claim": None, "sources": (), "inherited_from": None, "listing_factor": listing})
        return row
    object.__setattr__(row, "__dict__", {
        "term": finding.term, "label": label, "status": finding.status, "lr": lr, "log10_lr": math.log10(lr),
        "match": match, "explanation": why, "p_given_subtype": p, "p_background": bg, "annotation": ann.term,
        "annotation_label": kb.label(ann.term), "annotation_kind": ann.kind, "frequency": ann.frequency,
        "frequency_term": ann.frequency_term, "evidence": ann.evidence, "claim": ann.claim, "sources": ann.sources,
        "inherited_from": ann.inherited_from, "listing_factor": listing})
    return row


def _finding_rows(finding: Finding, kb: Knowledge, n_listed: int) -> tuple[TermLR, dict[str, TermLR]]:
    """One observed or absent finding's row shared by the candidates it does not touch (no annotation
    at, below or above it), and the row of each candidate it touches (:func:`term_lr` with
    ``listing_factor(n_listed, prof)``), memoised together per finding and ``n_listed``: what
    depends on the finding alone (:class:`_Asked`) is computed once for all of them."""

    def compute() -> tuple[TermLR, dict[str, TermLR]]:
        asked = _Asked(finding, kb)
        related = related_candidates(finding.term, kb)
        profiles = kb.profiles
        rows = {d: _lr_row(asked, profiles[d], kb, _listed(n_listed, profiles[d], kb)) for d in related}
        return _lr_row(asked, _EMPTY, kb), rows

    # keyed by the number of candidates too, should candidates be added (related_candidates)
    return _memoised(kb, ("@rows", finding.term, finding.status, n_listed, len(kb.profiles)), compute,
                     weight=lambda found: 1 + len(found[1]))


def overlaps(low: float | None, high: float | None, rec: OnsetRecord) -> bool:
    """Does the patient's onset [low, high) (a point when low == high) meet the record's interval?"""
    r_lo = -math.inf if rec.low is None else rec.low
    r_hi = math.inf if rec.high is None else rec.high
    p_lo = -math.inf if low is None else low
    p_hi = math.inf if high is None else high
    if p_lo == p_hi:
        return r_lo <= p_lo < r_hi
    return p_lo < r_hi and r_lo < p_hi


def _onset_lr(finding: Finding, label: str, prof: Profile) -> TermLR:
    """Intervals compared, not HPO ancestry: D's binding records (its own stated or typical onsets)
    either meet the patient's onset or not; possible (hedged) records and a grouping class's never
    count against an age (LR 1)."""
    term = finding.term

    def row(lr: float, match: str, why: str, p: float, rec: OnsetRecord | None, bg: float = ONSET_BACKGROUND) -> TermLR:
        extra = {} if rec is None else {"annotation": rec.term, "annotation_label": rec.describe(),
                                        "annotation_kind": "onset", "claim": rec.claim, "sources": rec.sources,
                                        "evidence": rec.evidence, "inherited_from": rec.inherited_from}
        return TermLR(term, label, "onset", lr, math.log10(lr), match, why, p, bg, **extra)  # type: ignore[arg-type]

    if finding.low is None and finding.high is None:
        return row(1.0, "no-onset-age", f"{term} names no age range: not compared", ONSET_BACKGROUND, None)
    binding = [r for r in prof.onsets if r.binding]
    if not binding:
        others = "; ".join(r.describe() for r in prof.onsets)
        why = (f"no onset of its own that can exclude an age ({others}: possible or stated of a grouping class)"
               if others else "no onset recorded for the candidate")
        return row(1.0, "no-onset-record", why, ONSET_BACKGROUND, prof.onsets[0] if prof.onsets else None)
    covered = onset_coverage(binding)
    inside = [r for r in binding if overlaps(finding.low, finding.high, r)]
    if inside:
        rec = max(inside, key=lambda r: ONSET_INSIDE[r.kind])
        p = ONSET_INSIDE[rec.kind]
        return row(p / covered, "onset-compatible",
                   f"within the recorded onset {rec.describe()}: P {p:g} / share of onset ages covered {covered:.3g}",
                   p, rec, covered)
    # the strongest record decides: a source's stated bound is not weakened by another source's
    # 'usually' of the same ages (IBM: over 50, stated; most often after 50, typical)
    rec = min(binding, key=lambda r: ONSET_OUTSIDE[r.kind])
    p = ONSET_OUTSIDE[rec.kind]
    shown = "; ".join(r.describe() for r in binding)
    return row(p / (1.0 - covered), "onset-incompatible",
               f"outside every recorded onset ({shown}): P {p:g} / share of onset ages outside {1.0 - covered:.3g}",
               p, rec, 1.0 - covered)


def onset_coverage(records: Sequence[OnsetRecord]) -> float:
    """P(an onset inside the records | not D): the share of ``ONSET_SPAN`` the union of their intervals covers."""
    lo_span, hi_span = ONSET_SPAN
    spans = sorted((max(lo_span, r.low if r.low is not None else lo_span),
                    min(hi_span, r.high if r.high is not None else hi_span)) for r in records)
    total, end = 0.0, lo_span
    for lo, hi in spans:
        lo = max(lo, end)
        if hi > lo:
            total += hi - lo
            end = hi
    share = total / (hi_span - lo_span)
    return min(max(share, ONSET_BACKGROUND_BOUNDS[0]), ONSET_BACKGROUND_BOUNDS[1])


# --- ranking -----------------------------------------------------------------------------------------


_EMPTY = Profile("", "")


def related_candidates(term: str, kb: Knowledge) -> frozenset[str]:
    """The candidates with an annotation at, below or above the term (or its equivalents), or annotated
    NOT for an ancestor of it: the only ones whose likelihood ratio for it is their own."""
    index = _match_index(kb)
    out: set[str] = set(index["below"].get(term, ()))
    for a in kb.ancestors(term):
        out |= index["at"].get(a, set())
    for other, _ in kb.equivalents.get(term, ()):
        out |= index["below"].get(other, set())
    return frozenset(out)


def _match_index(kb: Knowledge) -> dict[str, Any]:
    """The candidates per term :func:`related_candidates` reads: ``below`` (annotated at or below
    it), ``at`` (annotated at it, or NOT)."""
    index = kb.match_index
    if index.get("size") != len(kb.profiles):  # built once; again if candidates were added
        index.clear()
        index["size"] = len(kb.profiles)
        below: dict[str, set[str]] = {}
        at: dict[str, set[str]] = {}
        for d, prof in kb.profiles.items():
            for t in prof.positive:
                at.setdefault(t, set()).add(d)
                for x in kb.ancestors(t):
                    below.setdefault(x, set()).add(d)
            for t in prof.negated:
                at.setdefault(t, set()).add(d)
        index.update(below=below, at=at)
    return index


def prepare(kb: Knowledge) -> Knowledge:
    """Build the match indices the first query would build (each profile's implied terms, the
    candidates per term), so that a knowledge cached on disk holds them and a cold query skips them."""
    for prof in kb.profiles.values():
        _implied(prof, kb)
    related_candidates(PHENOTYPIC_ABNORMALITY, kb)
    return kb


def default_priors(kb: Knowledge) -> dict[str, float]:
    """Pre-test probabilities: IIM_PRIOR shared evenly by the IIM candidates, the rest by the
    look-alikes (uniform over the candidates when there are none)."""
    iim = [d for d, p in kb.profiles.items() if p.is_iim]
    other = [d for d, p in kb.profiles.items() if not p.is_iim]
    if not iim or not other:
        return {d: 1.0 / len(kb.profiles) for d in kb.profiles}
    return {**{d: IIM_PRIOR / len(iim) for d in iim}, **{d: (1.0 - IIM_PRIOR) / len(other) for d in other}}


def score(findings: Sequence[Finding], kb: Knowledge, prior: Mapping[str, float] | None = None, *,
          listed: bool = True) -> list[RankedSubtype]:
    """Every candidate scored and sorted by posterior (ties share a rank).

    ``listed=False`` leaves out the listing factor (:func:`listing_factor`): LIRICAL's form, which
    the benchmark reports beside the model for comparison.
    """
    profiles = kb.profiles
    defaults = _memoised(kb, ("@priors", len(profiles)), lambda: default_priors(kb))
    priors = {**defaults, **prior} if prior else defaults
    implied = implied_by_others(findings, kb)
    n_observed = sum(1 for f in findings if f.status == "observed" and f not in implied)
    # A finding no annotation of a candidate touches (most findings for most candidates) has one
    # likelihood ratio for all of them: computed once, against an empty profile; the candidates it
    # touches have their rows computed together (_finding_rows). A finding another given finding
    # implies has LR 1 for all of them.
    shared: list[tuple[Finding, TermLR | None, dict[str, TermLR] | None]] = []
    for f in findings:
        if f in implied:
            shared.append((f, _implied_row(f, implied[f], kb), {}))
        elif f.status == "onset":
            shared.append((f, None, None))
        else:
            un, touching = _finding_rows(f, kb, n_observed if listed else 0)
            shared.append((f, un, touching))
    # A candidate no finding touches (no onset given, related to none) has the shared rows only:
    # one tuple and one sum for all of them.
    touched: set[str] | None = set().union(*(rows for _, _, rows in shared if rows is not None)) \
        if all(rows is not None for _, _, rows in shared) else None
    plain = tuple(un for _, un, _ in shared if un is not None)
    plain_total = sum(t.log10_lr for t in plain)
    # each touched candidate's rows, and their log10 LRs, in the findings' order: the shared ones
    # replaced by its own where a finding touches it; and the candidates two observed findings reach
    # through one annotation, the only ones _counted_once changes (a shared row has no annotation)
    own: dict[str, list[TermLR]] = {}
    own_logs: dict[str, list[float]] = {}
    twice: set[str] = set()
    if touched is not None:
        plain_logs = [t.log10_lr for t in plain]
        own = {d: list(plain) for d in touched}
        own_logs = {d: plain_logs.copy() for d in touched}
        reached: set[tuple[str, str]] = set()
        for i, (f, _, by_candidate) in enumerate(shared):
            observed = f.status == "observed"
            for d, row in (by_candidate or {}).items():
                own[d][i] = row
                own_logs[d][i] = row.log10_lr
                if observed and row.annotation is not None and row.match in _ONCE_MATCHES:
                    if (d, row.annotation) in reached:
                        twice.add(d)
                    reached.add((d, row.annotation))
    scored = []
    of_prior: dict[float, tuple[float, float]] = {}  # a pre-test probability -> log10 of its odds, log10 of it
    for d, prof in profiles.items():
        terms: tuple[TermLR, ...]
        total: float
        if touched is not None:
            if d in touched:
                if d in twice:
                    terms = _counted_once(tuple(own[d]))
                    total = sum([t.log10_lr for t in terms])
                else:
                    terms = tuple(own[d])
                    total = sum(own_logs[d])
            else:
                terms, total = plain, plain_total
        else:
            terms = _counted_once(tuple([term_lr(f, prof, kb) if rows is None or un is None else rows.get(d, un)
                                         for f, un, rows in shared]))
            total = sum([t.log10_lr for t in terms])
        p0 = priors[d]
        logs = of_prior.get(p0)
        if logs is None:
            logs = of_prior[p0] = (math.log10(p0 / (1.0 - p0)) if p0 < 1.0 else math.inf, math.log10(p0))
        log_odds = logs[0] + total if p0 < 1.0 else math.inf
        post = 1.0 / (1.0 + 10.0 ** (-min(max(log_odds, -300.0), 300.0)))
        scored.append((logs[1] + total, post, total, prof, p0, terms))
    top = max(s[0] for s in scored)
    norm = sum(10.0 ** (s[0] - top) for s in scored)
    scored.sort(key=lambda s: (-s[0], -s[2], s[3].label, s[3].disease))
    depths = _parents_first(scored)
    rows: list[RankedSubtype] = []
    for i, (log_joint, post, total, prof, p0, terms) in enumerate(scored):
        rank = rows[-1].rank if rows and math.isclose(rows[-1].log10_lr, total, abs_tol=1e-9) \
            and math.isclose(rows[-1].pretest_probability, p0) and depths[i] == depths[i - 1] else i + 1
        rows.append(_frozen(RankedSubtype, {
            "rank": rank, "disease": prof.disease, "label": prof.label, "post_test_probability": post,
            "pretest_probability": p0, "log10_lr": total, "terms": terms,
            "posterior": 10.0 ** (log_joint - top) / norm, "is_iim": prof.is_iim, "notice": NOTICE}))
    return rows


def implied_by_others(findings: Sequence[Finding], kb: Knowledge) -> dict[Finding, Finding]:
    """The findings another given finding implies, each with the one implying it: an observed finding
    that is an ancestor of another observed one (a patient with proximal weakness has weakness), an
    absent finding below another absent one (no weakness means no proximal weakness). Whatever the
    candidate, P(implied | the other) is 1, so it carries no evidence (LR 1) and is not counted
    among the findings listed (docs/rank.md)."""
    out: dict[Finding, Finding] = {}
    for status, general_first in (("observed", True), ("absent", False)):
        given = [f for f in findings if f.status == status and f.term.startswith("HP:")]
        for f in given:
            for g in given:
                if g.term == f.term:
                    continue
                if (f.term in kb.ancestors(g.term)) if general_first else (g.term in kb.ancestors(f.term)):
                    out[f] = g
                    break
    return out


def _implied_row(finding: Finding, by: Finding, kb: Knowledge) -> TermLR:
    """The one row every candidate gets for a finding another given finding implies: LR 1, P the same
    with or without the candidate (its background), and which finding implies it."""
    bg = background(finding.term, kb)
    p = bg if finding.status == "observed" else 1.0 - bg
    how = "is implied by" if finding.status == "observed" else "follows from"
    return TermLR(finding.term, kb.label(finding.term), finding.status, 1.0, 0.0, "implied-by-finding",
                  f"{how} {by.term} ({kb.label(by.term)}), also given: no evidence of its own (LR 1)", p, p)


def _counted_once(terms: tuple[TermLR, ...]) -> tuple[TermLR, ...]:
    """One annotation's evidence counted once: of the observed findings that reach a candidate through
    the same annotation a (a itself, or a finding below it), one keeps its likelihood ratio and the
    others get 1. Having a finding below a implies having a, so k such findings are one observation of
    a and k - 1 of which form a takes, a share (bg(q) / bg(a)) that is the same with or without the
    candidate: P(q1..qk | D) / P(q1..qk | not D) = f(a) / bg(a), the ratio of one (docs/rank.md)."""
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(terms):
        if t.status == "observed" and t.annotation is not None and t.match in _ONCE_MATCHES:
            groups.setdefault(t.annotation, []).append(i)
    if all(len(idx) < 2 for idx in groups.values()):
        return terms
    out = list(terms)
    for ann, idx in groups.items():
        if len(idx) < 2:
            continue
        keep = max(idx, key=lambda i: (terms[i].log10_lr, -i))
        for i in idx:
            if i != keep:
                t = terms[i]
                # dataclasses.replace without its __init__ (_frozen): ~100 of these a query
                out[i] = _frozen(TermLR, {
                    **t.__dict__, "lr": 1.0, "log10_lr": 0.0, "match": "counted-once", "p_given_subtype": t.p_background,
                    "explanation": f"reaches this candidate only through {ann}, whose evidence "
                                   f"{terms[keep].term} already carries (LR 1; alone: {t.lr:.3g})"})
    return tuple(out)


_ONCE_MATCHES = frozenset({"exact", "annotated-more-general", "equivalent"})


def _parents_first(scored: list[Any]) -> list[int]:
    """Reorder, in place, each run of candidates with equal scores and priors so that a candidate
    derived from another of the run (``derived_candidates.tsv``) comes after it, and return each
    row's depth within its run (rows share a rank only at one depth). With the same evidence for
    both, nothing observed places the patient in the subclass (an age for adult DM, an antibody for
    anti-MDA5 DM), so the broader class is the answer (docs/rank.md, Candidates)."""
    depths: list[int] = []
    i = 0
    while i < len(scored):
        j = i + 1
        while j < len(scored) and math.isclose(scored[j][2], scored[i][2], abs_tol=1e-9) \
                and math.isclose(scored[j][4], scored[i][4]):
            j += 1
        if j == i + 1:  # a run of one
            depths.append(0)
            i = j
            continue
        run = {s[3].disease: s[3] for s in scored[i:j]}

        def depth(prof: Profile, run: dict[str, Profile] = run) -> int:
            n = 0
            while prof.profile_of in run and n < len(run):
                prof = run[prof.profile_of]
                n += 1
            return n

        # each depth once; sorted stably by it: the order above within a depth
        ordered = sorted([(depth(s[3]), s) for s in scored[i:j]], key=lambda pair: pair[0])
        scored[i:j] = [s for _, s in ordered]
        depths.extend(n for n, _ in ordered)
        i = j
    return depths


# --suggest: the candidates whose posteriors a test should separate, and the most a suggestion list holds
SUGGEST_TOP_CANDIDATES = 10
SUGGEST_MIN_P = 0.01


def _entropy(ps: Sequence[float]) -> float:
    total = math.fsum(ps)
    return -math.fsum(p / total * math.log2(p / total) for p in ps if p > 0.0) if total > 0 else 0.0


def suggest(rows: Sequence[RankedSubtype], findings: Sequence[Finding], kb: Knowledge, n: int) -> list[Suggestion]:
    """The findings whose result (present or absent) would most change the posteriors of the top
    candidates: the expected information gain, in bits, H(now) - P(+) H(if present) - P(-) H(if absent),
    over the SUGGEST_TOP_CANDIDATES best candidates' renormalised posteriors. Candidate findings are
    their annotated features not yet given (nor an ancestor or descendant of one given); P(finding | D)
    is the model's (frequency, hierarchy and equivalences; a missing finding at its floor)."""
    top = [r for r in rows[:SUGGEST_TOP_CANDIDATES] if r.posterior > 0.0]
    if len(top) < 2:
        return []
    given = {f.term for f in findings if f.term.startswith("HP:")}
    near: set[str] = set()
    for g in given:
        near |= kb.ancestors(g)
    weights = [r.posterior for r in top]
    h_now = _entropy(weights)
    tests = observing_tests()
    pool = sorted({t for r in top for t in kb.profiles[r.disease].positive
                   if t not in near and not (kb.ancestors(t) & given)})
    out: list[Suggestion] = []
    for term in pool:
        bg = background(term, kb)
        ps = []
        for r in top:
            prof = kb.profiles[r.disease]
            p, match, _, _ = _p_present(term, prof, kb, bg)
            if match == "no-annotation":
                p = missing_lr(term, kb) * bg
            if any(t in kb.ancestors(term) for t in prof.negated):
                p = EXCLUDED_LR * bg
            ps.append(min(max(p, SUGGEST_MIN_P), 1.0 - SUGGEST_MIN_P))
        p_plus = math.fsum(w * p for w, p in zip(weights, ps, strict=True)) / math.fsum(weights)
        gain = h_now - p_plus * _entropy([w * p for w, p in zip(weights, ps, strict=True)]) \
            - (1.0 - p_plus) * _entropy([w * (1.0 - p) for w, p in zip(weights, ps, strict=True)])
        out.append(Suggestion(term, kb.label(term), gain, p_plus, tests.get(term, ())))
    out.sort(key=lambda s: (-s.expected_information_gain, s.term))
    return out[:n]


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
         age: float | None = None, top: int | None = None, prior: Mapping[str, float] | None = None,
         include_text_mined: bool = False, lookalikes: bool = True, suggestions: int = 0,
         kb: Knowledge | None = None, source: GraphSource = RELEASE) -> RankResult:
    """Rank the IIM subtypes for a patient's findings (HPO CURIEs, IRIs, labels or synonyms).

    ``absent``: findings looked for and not found; ``onset``: HPO onset terms, or ``age``: the age in
    years at the first symptom (one or the other); ``prior``: pre-test
    probabilities by MONDO CURIE (default uniform over the candidates). Text-mined (ITM)
    annotations are left out unless ``include_text_mined``; ``lookalikes=False`` ranks the IIM
    classes only; ``suggestions``: how many findings to suggest testing next (:func:`suggest`).
    ``source``: the graph whose profiles are read (default the release graph; a working copy:
    :class:`iimgraph.build.graph_source.Sources`). Research use; not for diagnosis.
    """
    kb = kb or knowledge(include_text_mined, source, lookalikes)
    findings, notes = read_findings(list(observed), list(absent), list(onset), kb, age)
    rows = score(findings, kb, _check_prior(prior, kb))
    iim_probability = math.fsum(r.posterior for r in rows if r.is_iim)
    suggested = tuple(suggest(rows, findings, kb, suggestions)) if suggestions > 0 else ()
    if top is not None:
        if top < 1:
            raise TermError(f"--top must be at least 1, not {top}")
        rows = rows[:top]
    return RankResult(rows=tuple(rows), findings=tuple(findings), not_scorable=tuple(kb.not_scorable),
                      notes=tuple(notes), hpo_version=kb.hpo_version, candidates=len(kb.profiles),
                      iim_probability=iim_probability, suggestions=suggested)
