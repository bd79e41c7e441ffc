"""What the ranking model reads, loaded once per process: the HPO terms, their background
frequencies, and each candidate subtype's curated profile (phenotype annotations, autoantibody
links, onset records), each entry with the claim and sources it rests on.

The graph is read through the engine layer (pyoxigraph over the release N-Triples cache, as the
query path does), so ranking imports no rdflib once the cache exists. Background counts come from
the packaged HPO 2025-01-16 extract (``reference/hpo2025_terms.tsv``), the only place they exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from iimgraph import namespaces as ns
from iimgraph.build.graph_source import RELEASE, GraphSource
from iimgraph.claim_kinds import KINDS
from iimgraph.errors import DataError
from iimgraph.namespaces import OBO, display_curie
from iimgraph.resources import rank_data_dir, reference_dir

HP_PREFIX = OBO + "HP_"
EVIDENCE = ns.EVIDENCE
TEXT_MINED = EVIDENCE + "ITM"
HPO_ROOT = "HP:0000001"
PHENOTYPIC_ABNORMALITY = "HP:0000118"
ONSET_ROOT = "HP:0003674"
IIM_SCOPES = ("iim_root", "iim_subtree", "iim_related")
# Classes that group others without being a disease entity of their own (docs/rank.md): their claims
# reach their subclasses only as the group's, and they do not make two subclasses one lineage.
IIM_ROOT = "MONDO:0600023"
GROUPING_CLASSES = frozenset({IIM_ROOT, "MONDO:0020122", "MONDO:0018010"})

# HPO frequency terms -> the probability the model uses: the middle of the band the HPO
# definition gives (HP:0040281 very frequent 80-99 %, ...); docs/rank.md says why.
FREQUENCY_TERMS: dict[str, tuple[str, float]] = {
    "HP:0040280": ("Obligate (100%)", 1.0),
    "HP:0040281": ("Very frequent (80-99%)", 0.895),
    "HP:0040282": ("Frequent (30-79%)", 0.545),
    "HP:0040283": ("Occasional (5-29%)", 0.17),
    "HP:0040284": ("Very rare (1-4%)", 0.025),
    "HP:0040285": ("Excluded (0%)", 0.0),
}
# An annotation with no frequency qualifier (OMIM-style rows, the seed pages' statements): the
# middle of the "frequent" band, the band the curated IIM rows use most.
DEFAULT_FREQUENCY = 0.545
# Autoantibody links carry a role, not a frequency: "defining" (the class is named after, or
# defined by, the antibody) -> very frequent; "associated" (a curator grouping) -> occasional,
# the band the myositis-specific antibodies fall in within their broader subtype.
ANTIBODY_ROLE_FREQUENCY = {"defining": 0.895, "associated": 0.17}
# A class defined by one antibody alone (MONDO: "a dermatomyositis characterized by the presence of
# anti-MDA5 autoantibodies") has it in every patient: obligate.
SOLE_DEFINING_FREQUENCY = 1.0
# The antibody figures a source gives (iim:measure; docs/rank.md, Autoantibodies), by the measure's local name.
FIGURE_MEASURES = ("prevalence", "sensitivity", "specificity")
AUTOIMMUNE_ANTIBODY = "HP:0030057"


def name_key(text: str) -> str:
    """A label or synonym as the packaged ``search`` query compares it: lower case, letters and digits
    only (Jo-1, jo1, JO 1 are one text)."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def curie(iri: str) -> str:
    """``HP:0001324`` for an OBO IRI (the CURIE people write), else the project's display CURIE."""
    if iri.startswith(OBO):
        local = iri[len(OBO):]
        prefix, sep, rest = local.partition("_")
        if sep and prefix.isalpha():
            return f"{prefix}:{rest}"
    return display_curie(iri)


@dataclass(frozen=True)
class Annotation:
    """One profile entry: a curated claim that the subtype has (or lacks) an HPO feature."""

    term: str                      # HP CURIE
    kind: str                      # "phenotype" | "autoantibody"
    frequency: float               # probability the model uses
    frequency_term: str | None  # the HPO frequency term, when the claim gives one
    frequency_basis: str           # how ``frequency`` was obtained, for the explanation
    negated: bool
    evidence: str | None        # evidence code (TAS, PCS, IEA, ...)
    claim: str                     # the claim node's CURIE
    sources: tuple[str, ...]       # identifiers of its dcterms:source nodes
    inherited_from: str | None = None  # MONDO CURIE when the claim is made of an ancestor class
    role: str | None = None            # an autoantibody link's iim:role ("defining", "associated")
    specificity: float | None = None   # a source's specificity of the antibody for the class: P(+ | not D) = 1 - it
    specificity_basis: str | None = None


@dataclass(frozen=True)
class OnsetRecord:
    """One onset claim of a candidate read as an age interval [low, high) in years (None: unbounded).
    ``kind``: "defining" (the class is defined by the age group: juvenile, adult, neonatal DM),
    "stated" (the source says it plainly), "typical" ("usually", "most often", or a class
    label's age group), "possible" (hedged: "can affect"). Only stated and typical records of the
    candidate itself can count against an age (:attr:`binding`)."""

    low: float | None
    high: float | None
    kind: str
    term: str | None           # the HPO onset term, when the claim gives one
    claim: str
    sources: tuple[str, ...]
    evidence: str | None = None
    text: str = ""             # the source's words (iim:valueText), or how the record was made
    inherited_from: str | None = None

    @property
    def binding(self) -> bool:
        return self.kind != "possible" and self.inherited_from is None and (self.low, self.high) != (None, None)

    def describe(self) -> str:
        lo = "" if self.low is None else f"{self.low:g}"
        hi = "" if self.high is None else f"{self.high:g}"
        what = f"{self.term} " if self.term else ""
        return f"{what}[{lo}, {hi}) years, {self.kind}" + (f", stated of {self.inherited_from}" if self.inherited_from else "")


@dataclass
class Profile:
    """A candidate subtype and what the graph says of it. ``positive`` keeps, per HPO term, the
    annotation with the highest frequency (two claims of one finding are one finding)."""

    disease: str
    label: str
    annotations: list[Annotation] = field(default_factory=list)
    positive: dict[str, Annotation] = field(default_factory=dict)
    negated: dict[str, Annotation] = field(default_factory=dict)
    onsets: list[OnsetRecord] = field(default_factory=list)
    profile_of: str | None = None          # a derived candidate's parent (derived_candidates.tsv)
    derived_basis: str | None = None
    is_iim: bool = True
    _expected: float | None = field(default=None, repr=False, compare=False)
    implied_index: dict[str, Any] | None = field(default=None, repr=False, compare=False)  # model._implied

    def expected_features(self) -> float:
        """The expected number of the profile's features a patient has: the sum of the frequencies of
        its distinct positive annotations (docs/rank.md, the listing factor), inherited ones included:
        a derived candidate's broader profile pays for its breadth like any other."""
        if self._expected is None:
            self._expected = sum(a.frequency for a in self.positive.values())
        return self._expected

    def add(self, ann: Annotation) -> None:
        self._expected = None
        self.implied_index = None
        self.annotations.append(ann)
        if ann.negated or ann.frequency <= 0.0:
            self.negated.setdefault(ann.term, ann)
            return
        old = self.positive.get(ann.term)
        if old is None or (ann.inherited_from is None, ann.frequency) > (old.inherited_from is None, old.frequency):
            self.positive[ann.term] = ann


@dataclass(frozen=True)
class NotScorable:
    disease: str
    label: str
    reason: str


@dataclass
class Knowledge:
    """Everything one ranking needs, immutable after loading (shared by every call in the process)."""

    labels: dict[str, str]
    parents: dict[str, tuple[str, ...]]
    synonyms: dict[str, tuple[str, ...]]
    replaced_by: dict[str, str | None]   # obsolete or alternative id -> current id (None: no replacement)
    counts: dict[str, int]                  # n diseases annotated to the term or a descendant
    total_diseases: int
    hpo_version: str
    profiles: dict[str, Profile]
    not_scorable: list[NotScorable]
    disease_labels: dict[str, str]
    other_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    equivalents: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # term -> ((term, reason), ...)
    defining: dict[str, frozenset[str]] = field(default_factory=dict)  # antibody term -> classes it defines
    lineage: dict[str, frozenset[str]] = field(default_factory=dict)   # IIM class -> its ancestors and descendants
    bridges: dict[str, tuple[str, str]] = field(default_factory=dict)  # subsumptions.tsv: term -> (added parent, why)
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _names: dict[str, dict[str, set[str]]] = field(default_factory=dict, repr=False)
    match_index: dict[str, Any] = field(default_factory=dict, repr=False)  # model.related_candidates
    p_cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)  # model._memoised
    _defined: frozenset[str] | None = field(default=None, repr=False)

    @property
    def defined_classes(self) -> frozenset[str]:
        """The IIM classes some antibody defines (a "defining" link of their own)."""
        if self._defined is None:
            self._defined = frozenset().union(*self.defining.values()) if self.defining else frozenset()
        return self._defined

    def known(self, term: str) -> bool:
        return term in self.labels or term in self.parents or term in self.counts

    def ancestors(self, term: str) -> frozenset[str]:
        """The term and every ancestor (``rdfs:subClassOf``, transitively)."""
        hit = self._ancestors.get(term)
        if hit is not None:
            return hit
        seen = {term}
        stack = [term]
        while stack:
            for parent in self.parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        result = frozenset(seen)
        self._ancestors[term] = result
        return result

    def names(self, tier: str = "exact") -> dict[str, set[str]]:
        """A name key (:func:`name_key`) -> the current HPO terms that carry it, by tier: ``exact``
        (labels and exact synonyms), ``other`` (related, broad and narrow synonyms), ``initials``
        (the initials of a label's or exact synonym's words: "ILD" for interstitial lung disease)."""
        if not self._names:
            exact: dict[str, set[str]] = {}
            other: dict[str, set[str]] = {}
            initials: dict[str, set[str]] = {}
            for term, label in self.labels.items():
                if term in self.replaced_by:
                    continue
                for text in (label, *self.synonyms.get(term, ())):
                    exact.setdefault(name_key(text), set()).add(term)
                    words = re.findall(r"[A-Za-z0-9]+", text)
                    if len(words) >= 2:
                        initials.setdefault("".join(w[0] for w in words).lower(), set()).add(term)
                for text in self.other_synonyms.get(term, ()):
                    other.setdefault(name_key(text), set()).add(term)
            self._names.update(exact=exact, other=other, initials=initials)
        return self._names[tier]

    def label(self, term: str) -> str:
        hit = self.labels.get(term)  # the disease labels only for a term HPO does not label
        return hit if hit is not None else self.disease_labels.get(term, term)


# --- loading -----------------------------------------------------------------------------------------

_PREFIXES = "".join(f"PREFIX {p}: <{ns.PREFIX_MAP[p]}>\n" for p in ("rdfs", "owl", "oboInOwl", "biolink", "dcterms", "iim"))

_DISEASES = _PREFIXES + """SELECT ?d ?label ?scope ?parent WHERE {
  ?d iim:inScope ?scope .
  OPTIONAL { ?d rdfs:label ?label }
  OPTIONAL { ?d rdfs:subClassOf ?parent FILTER(isIRI(?parent)) }
}"""

_CLAIMS = _PREFIXES + """SELECT ?a ?type ?s ?o ?ev ?freq ?neg ?role ?src WHERE {
  VALUES ?type { """ + " ".join(f"<{k.iri}>" for k in KINDS if k.ranked) + """ }
  ?a a ?type ; biolink:subject ?s ; biolink:object ?o .
  OPTIONAL { ?a biolink:has_evidence ?ev }
  OPTIONAL { ?a biolink:frequency_qualifier ?freq }
  OPTIONAL { ?a biolink:negated ?neg }
  OPTIONAL { ?a iim:role ?role }
  OPTIONAL { ?a dcterms:source ?src }
  OPTIONAL { ?a iim:evidenceDirection ?dir }
}"""

_ONSETS = _PREFIXES + """SELECT ?c ?s ?onset ?lo ?hi ?unit ?kind ?text ?ev ?src WHERE {
  ?c biolink:subject ?s .
  { ?c biolink:onset_qualifier ?any } UNION { ?c iim:measure iim:AgeOfOnset }
  OPTIONAL { ?c biolink:onset_qualifier ?onset }
  OPTIONAL { ?c iim:lowerBound ?lo }
  OPTIONAL { ?c iim:upperBound ?hi }
  OPTIONAL { ?c iim:unit ?unit }
  OPTIONAL { ?c iim:qualifierKind ?kind }
  OPTIONAL { ?c iim:valueText ?text }
  OPTIONAL { ?c biolink:has_evidence ?ev }
  OPTIONAL { ?c dcterms:source ?src }
}"""

# iim:qualifierKind -> how an onset claim binds (docs/rank.md, Onset)
ONSET_KIND = {"Hedged": "possible", "Typical": "typical", "PartOfGroup": "typical", "Historical": "typical"}


@lru_cache(maxsize=1)
def onset_ages() -> dict[str, tuple[float | None, float | None]]:
    """HPO onset term -> its age interval [min, max) in years, from ``rank/data/onset_ages.tsv``
    (each row with the term's HPO definition as its source); (None, None): the term names no age."""
    out: dict[str, tuple[float | None, float | None]] = {}
    with open(rank_data_dir() / "onset_ages.tsv", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")]
    for row in rows[1:]:
        out[row[0]] = (float(row[2]) if row[2] else None, float(row[3]) if row[3] else None)
    return out


@lru_cache(maxsize=1)
def observing_tests(reference: Path | None = None) -> dict[str, tuple[tuple[str, str], ...]]:
    """HPO term -> the MAxO medical actions that observe it after birth (``is_observable_through`` rows
    of ``reference/maxo_diagnostic_iim.tsv``, MAxO diagnostic annotations 2025-05-31)."""
    import csv

    out: dict[str, list[tuple[str, str]]] = {}
    with open((reference or reference_dir()) / "maxo_diagnostic_iim.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["predicate_id"] == "is_observable_through":
                out.setdefault(row["hpo_id"], []).append((row["maxo_id"], row["maxo_label"]))
    return {k: tuple(sorted(set(v))) for k, v in out.items()}


def equivalences() -> dict[str, tuple[tuple[str, str], ...]]:
    """``rank/data/equivalences.tsv`` both ways: term -> the terms it matches as if it were them, with the reason."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in _data_rows("equivalences.tsv"):
        why = f"{row['term_a']} {row['label_a']} = {row['term_b']} {row['label_b']} [{row['evidence']}]: {row['reason']}"
        out.setdefault(row["term_a"], []).append((row["term_b"], why))
        out.setdefault(row["term_b"], []).append((row["term_a"], why))
    return {k: tuple(v) for k, v in out.items()}


def subsumptions() -> dict[str, tuple[str, str]]:
    """``rank/data/subsumptions.tsv``: term -> (the term HPO's definitions put it under, the row's reason)."""
    return {row["term"]: (row["under"], f"{row['term']} {row['label']} under {row['under']} {row['under_label']} "
                                        f"[{row['evidence']}, rank/data/subsumptions.tsv]")
            for row in _data_rows("subsumptions.tsv")}


def _data_rows(name: str) -> list[dict[str, str]]:
    """A TSV of ``rank/data`` (``#`` comment lines first) as dicts."""
    with open(rank_data_dir() / name, encoding="utf-8") as fh:
        lines = [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#") and line.strip()]
    return [dict(zip(lines[0], row, strict=False)) for row in lines[1:]]


#: claims imported from dismech (ontology/generated/dismech.ttl): their antibody figures are read
#: (_FIGURES); their phenotype statements enter the profiles (each cites a PMID with a verbatim quote;
#: evidence PCS) unless the publication refutes the statement; their antibody links stay out (the
#: figures and MONDO's defining links say more about an antibody than dismech's "presence" does)
DISMECH_CLAIMS = ns.CLAIM + "dismech-"
PHENOTYPE_KIND = next(k.iri for k in KINDS if k.ranked and k.iri.endswith("DiseaseToPhenotypicFeatureAssociation"))

_SOURCES = _PREFIXES + """SELECT ?src ?id WHERE { ?src dcterms:identifier ?id }"""


def _rows(engine: Any, text: str) -> list[dict[str, Any]]:
    return engine.execute(text).rows


HPO_TABLE = "hpo_terms.tsv.gz"


@dataclass(frozen=True)
class HpoTable:
    """The whole HPO release (``rank/data/hpo_terms.tsv.gz``, written by ``tools/hpo_table.py`` from
    ``hp.obo`` and ``phenotype.hpoa``): what every term is called, where it sits, what replaced it,
    and how many of HPO's annotated diseases have it (or a descendant)."""

    labels: dict[str, str]
    parents: dict[str, tuple[str, ...]]
    synonyms: dict[str, tuple[str, ...]]          # exact synonyms
    other_synonyms: dict[str, tuple[str, ...]]    # related, broad and narrow synonyms
    replaced_by: dict[str, str | None]
    counts: dict[str, int]
    total_diseases: int
    version: str


@lru_cache(maxsize=2)
def hpo_table(path: Path | None = None) -> HpoTable:
    """Read the packaged HPO table once per process (about 19,500 terms)."""
    import gzip

    path = path or rank_data_dir() / HPO_TABLE
    labels: dict[str, str] = {}
    parents: dict[str, tuple[str, ...]] = {}
    synonyms: dict[str, tuple[str, ...]] = {}
    other: dict[str, tuple[str, ...]] = {}
    replaced: dict[str, str | None] = {}
    counts: dict[str, int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        first = fh.readline()
        m = re.match(r"# HPO (\S+); diseases_with_phenotypic_annotations_total (\d+);", first)
        if not m:
            raise DataError(f"{path}: line 1 is not the HPO table's header comment")
        version, total = m.group(1).rsplit("/", 1)[-1], int(m.group(2))
        fh.readline()  # column names (tools/hpo_table.py COLUMNS)
        for line in fh:
            tid, label, ps, exact, rest, alts, obsolete, repl, n = line.rstrip("\n").split("\t")
            labels[tid] = label
            if ps:
                parents[tid] = tuple(ps.split("|"))
            if exact:
                synonyms[tid] = tuple(exact.split("|"))
            if rest:
                other[tid] = tuple(rest.split("|"))
            for alt in alts.split("|") if alts else ():
                replaced[alt] = tid  # an id kept as a current term's alternative wins over its obsolete stanza
            if obsolete == "yes" and (repl or replaced.get(tid) is None):
                replaced[tid] = repl.split("|")[0] if repl else None
            counts[tid] = int(n)
    return HpoTable(labels, parents, synonyms, other, replaced, counts, total, version)


@dataclass(frozen=True)
class _Diseases:
    """The disease classes the graph holds: each one's scope, label and MONDO parents."""

    scope: dict[str, str]
    labels: dict[str, str]
    parents: dict[str, set[str]]

    @property
    def iim(self) -> set[str]:
        return {d for d, s in self.scope.items() if s in IIM_SCOPES}

    def iim_ancestors(self, d: str, iim: set[str]) -> list[str]:
        out: list[str] = []
        stack = list(self.parents.get(d, ()))
        while stack:
            p = stack.pop()
            if p in iim and p not in out:
                out.append(p)
                stack.extend(self.parents.get(p, ()))
        return sorted(out)


def build_knowledge(engine: Any, reference: Path, *, include_text_mined: bool = False,
                    hpo: HpoTable | None = None, lookalikes: bool = True) -> Knowledge:
    """Read the graph (through ``engine.execute``), the packaged HPO release and the reference
    extracts into a :class:`Knowledge`."""
    hpo = hpo or hpo_table()
    diseases = _read_diseases(engine)
    iim = diseases.iim
    source_ids = {str(r["src"]): str(r["id"]) for r in _rows(engine, _SOURCES)}

    def source_name(iri: str) -> str:
        return source_ids.get(iri) or display_curie(iri)

    hpo_ancestors = hpo_ancestors_of(hpo)  # one memo for the figures and the profiles
    own = _own_annotations(_read_claims(engine, source_name, include_text_mined))
    _apply_figures(engine, own, source_name, hpo_ancestors)
    _add_definition_features(own)
    ages = onset_ages()
    onsets = _onset_records(_read_onsets(engine, source_name, include_text_mined), ages)
    _add_class_onsets(onsets)
    profiles, not_scorable = _profiles(diseases, iim, own, onsets, hpo_ancestors)
    ancestors_of = {d: set(diseases.iim_ancestors(d, iim)) - GROUPING_CLASSES for d in iim}
    lineage = {d: frozenset(ancestors_of[d] | {e for e in iim if d in ancestors_of[e]} | {d}) for d in iim}
    if lookalikes:
        profiles.update(lookalike_profiles(reference, ages))
    d_labels = diseases.labels
    for d in diseases.scope:
        d_labels.setdefault(d, d)
    bridges = subsumptions()
    parents = dict(hpo.parents)
    for term, (under, _) in bridges.items():
        parents[term] = (*parents.get(term, ()), under)
    return Knowledge(labels=hpo.labels, parents=parents, synonyms=hpo.synonyms, replaced_by=hpo.replaced_by,
                     counts=hpo.counts, total_diseases=hpo.total_diseases, hpo_version=hpo.version,
                     profiles=profiles, not_scorable=not_scorable, disease_labels=d_labels,
                     other_synonyms=hpo.other_synonyms, equivalents=equivalences(),
                     defining=_defining(own, iim), lineage=lineage, bridges=bridges)


def _read_diseases(engine: Any) -> _Diseases:
    """The IIM classes and their MONDO parents."""
    diseases = _Diseases({}, {}, {})
    for row in _rows(engine, _DISEASES):
        d = curie(row["d"])
        diseases.scope[d] = str(row["scope"])
        if row.get("label") is not None:
            diseases.labels.setdefault(d, str(row["label"]))
        if row.get("parent") is not None:
            diseases.parents.setdefault(d, set()).add(curie(row["parent"]))
    return diseases


def _skip_text_mined(row: dict[str, Any], include_text_mined: bool) -> bool:
    ev = row.get("ev")
    return ev is not None and str(ev) == TEXT_MINED and not include_text_mined


def _read_claims(engine: Any, source_name: Callable[[str], str], include_text_mined: bool) -> dict[str, dict[str, Any]]:
    """The phenotype and antibody claims, one entry per claim node (the rows repeat per source)."""
    claims: dict[str, dict[str, Any]] = {}
    for row in _rows(engine, _CLAIMS):
        if _skip_text_mined(row, include_text_mined) or not str(row["o"]).startswith(HP_PREFIX):
            continue
        key = str(row["a"])
        if key.startswith(DISMECH_CLAIMS) and (str(row["type"]) != PHENOTYPE_KIND
                                               or str(row.get("dir") or "supports") == "refutes"):
            continue
        ev = row.get("ev")
        entry = claims.setdefault(key, {"type": str(row["type"]), "s": curie(row["s"]), "o": curie(row["o"]),
                                        "ev": str(ev) if ev is not None else None, "freq": None, "neg": False,
                                        "role": None, "src": set()})
        if row.get("freq") is not None:
            entry["freq"] = curie(row["freq"])
        if row.get("neg") is not None and str(row["neg"]) in ("true", "1"):
            entry["neg"] = True
        if row.get("role") is not None:
            entry["role"] = str(row["role"])
        if row.get("src") is not None:
            entry["src"].add(source_name(str(row["src"])))
    return claims


def _own_annotations(claims: dict[str, dict[str, Any]]) -> dict[str, list[Annotation]]:
    """Each class's own annotations; the one antibody that defines a class (and has no figure) is obligate."""
    own: dict[str, list[Annotation]] = {}
    for key, e in sorted(claims.items()):
        own.setdefault(e["s"], []).append(_annotation(key, e))
    for anns in own.values():
        sole = [i for i, a in enumerate(anns) if a.kind == "autoantibody" and a.frequency_term is None
                and "role 'defining'" in a.frequency_basis]
        if len(sole) == 1:
            a = anns[sole[0]]
            anns[sole[0]] = replace(a, frequency=SOLE_DEFINING_FREQUENCY, frequency_basis=(
                f"the only antibody whose link to the class is 'defining' (the class is defined by it): "
                f"obligate, {SOLE_DEFINING_FREQUENCY:g}"))
    return own


def _read_onsets(engine: Any, source_name: Callable[[str], str],
                 include_text_mined: bool) -> dict[str, dict[str, dict[str, Any]]]:
    """The onset claims: disease -> claim -> its values as strings and its sources."""
    onset_rows: dict[str, dict[str, dict[str, Any]]] = {}
    for row in _rows(engine, _ONSETS):
        if _skip_text_mined(row, include_text_mined):
            continue
        rec = onset_rows.setdefault(curie(row["s"]), {}).setdefault(display_curie(str(row["c"])), {"src": set()})
        for key in ("onset", "lo", "hi", "unit", "kind", "text", "ev"):
            if row.get(key) is not None:
                rec[key] = str(row[key])
        if row.get("src") is not None:
            rec["src"].add(source_name(str(row["src"])))
    return onset_rows


def _onset_interval(rec: dict[str, Any], term: str | None,
                    ages: dict[str, tuple[float | None, float | None]]) -> tuple[float | None, float | None]:
    """An onset claim's age interval in years: its HPO onset term's, else its stated bounds."""
    if term is not None and term in ages:
        return ages[term]
    if rec.get("unit", "years") == "years" and ("lo" in rec or "hi" in rec):
        return (float(rec["lo"]) if "lo" in rec else None, float(rec["hi"]) if "hi" in rec else None)
    return None, None


def _onset_records(onset_rows: dict[str, dict[str, dict[str, Any]]],
                   ages: dict[str, tuple[float | None, float | None]]) -> dict[str, list[OnsetRecord]]:
    onsets: dict[str, list[OnsetRecord]] = {}
    for d, by_claim in onset_rows.items():
        for claim, rec in sorted(by_claim.items()):
            term = curie(rec["onset"]) if "onset" in rec else None
            low, high = _onset_interval(rec, term, ages)
            if (low, high) == (None, None):
                continue  # "any age", "children and adults": no interval to compare
            kind = ONSET_KIND.get(rec.get("kind", "").rsplit("/", 1)[-1], "stated")
            ev = rec.get("ev")
            onsets.setdefault(d, []).append(OnsetRecord(
                low, high, kind, term, claim, tuple(sorted(rec["src"])),
                ev[len(EVIDENCE):] if ev and ev.startswith(EVIDENCE) else ev, rec.get("text", "")))
    return onsets


def _add_class_onsets(onsets: dict[str, list[OnsetRecord]]) -> None:
    """The onset an age-named class's label implies (``rank/data/class_onsets.tsv``, its bounds quoted
    from their source), where the graph binds none."""
    for row in _data_rows("class_onsets.tsv"):
        if any(r.binding for r in onsets.get(row["mondo_id"], [])):
            continue
        low, high = (float(row[k]) if row[k] else None for k in ("min_years", "max_years"))
        onsets.setdefault(row["mondo_id"], []).append(OnsetRecord(
            low, high, "defining", row["hpo_onset"] or None, f"rank/data/class_onsets.tsv:{row['mondo_id']}",
            (row["source"],) if row["source"] else (), row["evidence"], row["basis"]))


def _profiles(diseases: _Diseases, iim: set[str], own: dict[str, list[Annotation]],
              onsets: dict[str, list[OnsetRecord]],
              hpo_ancestors: Callable[[str], frozenset[str]]) -> tuple[dict[str, Profile], list[NotScorable]]:
    """A profile for each scorable IIM subtype; the others with the reason they cannot be scored."""
    derived = {row["mondo_id"]: row for row in _data_rows("derived_candidates.tsv")}
    reasons = {row["mondo_id"]: row["reason"] for row in _data_rows("not_scorable.tsv")}
    profiles: dict[str, Profile] = {}
    not_scorable: list[NotScorable] = []
    caps = _definition_caps()
    for d in sorted(iim):
        label = diseases.labels.get(d, d)
        mine = own.get(d, [])
        if d == IIM_ROOT:
            continue  # the group itself, not a subtype: its statements reach the subtypes by inheritance
        spec = derived.get(d)
        if spec is None and (d in reasons or not any(a.kind == "phenotype" for a in mine)):
            reason = reasons.get(d) or ("only autoantibody links, no curated phenotype annotation" if mine
                                        else "no curated phenotype annotation, definition or antibody link")
            not_scorable.append(NotScorable(d, label, reason))
            continue
        inherit = [IIM_ROOT] if IIM_ROOT in diseases.iim_ancestors(d, iim) else []
        profiles[d] = _profile(d, label, spec, inherit, own, onsets, hpo_ancestors)
        if d in caps:
            _cap(profiles[d], caps[d], hpo_ancestors)
    return profiles, not_scorable


def _profile(d: str, label: str, spec: dict[str, str] | None, inherit: list[str], own: dict[str, list[Annotation]],
             onsets: dict[str, list[OnsetRecord]], hpo_ancestors: Callable[[str], frozenset[str]]) -> Profile:
    """One subtype's profile: its own annotations, a derived class's borrowed ones, the group's inherited
    ones, and the onsets."""
    prof = Profile(d, label)
    for ann in own.get(d, []):
        prof.add(ann)
    if spec is not None:
        _derive(prof, spec, own, hpo_ancestors)
    for anc in inherit:
        for ann in own.get(anc, []):
            # The group's statements about every IIM without a frequency carry over; a parent
            # subtype's profile only for the classes derived from it (derived_candidates.tsv).
            if ann.frequency_term is None and ann.kind == "phenotype" and ann.term not in prof.positive \
                    and not _ruled_out(ann.term, prof, hpo_ancestors):
                prof.add(_inherit(ann, anc))
    prof.onsets.extend(onsets.get(d, []))
    if spec is not None and not any(r.binding for r in prof.onsets):
        prof.onsets.extend(replace(r, inherited_from=spec["profile_of"]) for r in onsets.get(spec["profile_of"], []))
    for anc in inherit:  # a grouping class's onsets are shown, never counted against an age
        prof.onsets.extend(replace(r, inherited_from=anc) for r in onsets.get(anc, []))
    return prof


def _add_definition_features(own: dict[str, list[Annotation]]) -> None:
    """The findings a class's own definition names (``rank/data/definition_features.tsv``), where the
    graph annotates the class with none for that term: the definition names the finding a class is
    recognised by where its annotations do not (focal myositis' swollen muscle, juvenile polymyositis'
    distal weakness and atrophy)."""
    for row in _data_rows("definition_features.tsv"):
        if row.get("reads") == "often absent":
            continue  # a cap, applied to the whole profile (_definition_caps)
        d, term = row["mondo_id"], row["hpo_id"]
        if any(a.term == term and a.kind == "phenotype" for a in own.get(d, [])):
            continue  # the graph's own claim of the term wins, with or without a frequency
        name, value = FREQUENCY_TERMS[row["frequency"]]
        own.setdefault(d, []).append(Annotation(
            term=term, kind="phenotype", frequency=value, frequency_term=row["frequency"],
            frequency_basis=f"{row['frequency']} {name}: {value:g} ({row['source']}: \"{row['quote']}\"; {row['mapping']})",
            negated=False, evidence=row["evidence"], claim=f"rank/data/definition_features.tsv:{d}:{term}",
            sources=(row["source"],)))


def _definition_caps() -> dict[str, list[tuple[str, float, str]]]:
    """Class -> (term, most, why) for what a class's definition says its patients often lack
    (``definition_features.tsv`` rows read "often absent"): MONDO's anti-MDA5 DM "often associated with
    ... amyopathic or hypomyopathic muscle involvement" says weakness is often absent, so no annotation
    of the term or below it, its own or inherited from dermatomyositis, may say more than 1 - f."""
    caps: dict[str, list[tuple[str, float, str]]] = {}
    for row in _data_rows("definition_features.tsv"):
        if row.get("reads") == "often absent":
            name, value = FREQUENCY_TERMS[row["frequency"]]
            caps.setdefault(row["mondo_id"], []).append((row["hpo_id"], 1.0 - value, (
                f"at most 1 - {value:g}: the definition ({row['source']}) says it is often absent, "
                f"\"{row['quote']}\" ({row['frequency']} {name}; {row['mapping']})")))
    return caps


def _cap(prof: Profile, caps: list[tuple[str, float, str]], ancestors: Callable[[str], frozenset[str]]) -> None:
    for term, most, why in caps:
        for t, ann in list(prof.positive.items()):
            if term in ancestors(t) and ann.frequency > most:
                prof.positive[t] = replace(ann, frequency=most, frequency_basis=f"{ann.frequency_basis}; {why}")
    prof._expected = None
    prof.implied_index = None


def _defining(own: dict[str, list[Annotation]], iim: set[str]) -> dict[str, frozenset[str]]:
    """Antibody term -> the IIM classes it defines (role 'defining', not negated)."""
    defining: dict[str, set[str]] = {}
    for d, anns in own.items():
        for a in anns:
            if a.kind == "autoantibody" and a.role == "defining" and not a.negated and d in iim:
                defining.setdefault(a.term, set()).add(d)
    return {k: frozenset(v) for k, v in defining.items()}


_FIGURES = _PREFIXES + """SELECT ?c ?s ?o ?measure ?value ?threshold ?src WHERE {
  ?c a iim:AutoantibodyStatistic ; biolink:subject ?s ; biolink:object ?o ; iim:testMeasure ?measure ;
     iim:fraction ?value .
  OPTIONAL { ?c iim:threshold ?threshold }
  OPTIONAL { ?c dcterms:source ?src }
}"""


def hpo_ancestors_of(hpo: HpoTable) -> Callable[[str], frozenset[str]]:
    memo: dict[str, frozenset[str]] = {}

    def ancestors(term: str) -> frozenset[str]:
        if term not in memo:
            out = {term}
            for p in hpo.parents.get(term, ()):
                out |= ancestors(p)
            memo[term] = frozenset(out)
        return memo[term]

    return ancestors


@dataclass
class _Figure:
    value: float
    claim: str
    sources: set[str] = field(default_factory=set)

    def cite(self) -> str:
        return f"{self.claim}; " + ", ".join(sorted(self.sources)) if self.sources else self.claim


def _apply_figures(engine: Any, own: dict[str, list[Annotation]], source_name: Callable[[str], str],
                   ancestors: Callable[[str], frozenset[str]]) -> None:
    """Antibody figures the graph states (``iim:AutoantibodyStatistic``: ``iim:testMeasure`` prevalence,
    sensitivity or specificity, ``iim:fraction``, at an ``iim:threshold``). Per candidate and antibody,
    a sensitivity and specificity stated at one threshold are used together, the threshold with the
    best Youden index (sensitivity + specificity - 1) chosen; else the largest prevalence or sensitivity
    alone. It becomes P(antibody | D), replacing the role's band; the specificity gives
    P(antibody | not D) = 1 - specificity."""
    claims: dict[str, tuple[tuple[str, str], str, str, _Figure]] = {}
    for row in _rows(engine, _FIGURES):
        measure = str(row["measure"]).rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower()
        kind = next((m for m in FIGURE_MEASURES if m in measure), None)
        term = curie(row["o"])
        try:
            value = float(str(row["value"]))
        except ValueError:
            continue
        if kind is None or AUTOIMMUNE_ANTIBODY not in ancestors(term) or not 0.0 <= value <= 1.0:
            continue
        claim = display_curie(str(row["c"]))
        threshold = str(row["threshold"]) if row.get("threshold") is not None else ""
        entry = claims.setdefault(claim, ((curie(row["s"]), term), threshold, kind, _Figure(value, claim)))
        if row.get("src") is not None:
            entry[3].sources.add(source_name(str(row["src"])))
    stats: dict[tuple[str, str], dict[str, dict[str, _Figure]]] = {}
    for key, threshold, kind, fig in claims.values():
        by_kind = stats.setdefault(key, {}).setdefault(threshold, {})
        if kind not in by_kind or fig.value > by_kind[kind].value:
            by_kind[kind] = fig
    for (d, term), by_threshold in sorted(stats.items()):
        pairs = [(t, f) for t, f in by_threshold.items() if "sensitivity" in f and "specificity" in f]
        spec: _Figure | None = None
        if pairs:
            threshold, figs = max(pairs, key=lambda tf: (tf[1]["sensitivity"].value + tf[1]["specificity"].value, tf[0]))
            what, fig, spec = "sensitivity", figs["sensitivity"], figs["specificity"]
        else:
            single = [(f[k], t, k) for t, f in by_threshold.items() for k in ("sensitivity", "prevalence") if k in f]
            if not single:
                continue
            fig, threshold, what = max(single, key=lambda x: x[0].value)
        at = f" at {threshold}" if threshold else ""
        basis = f"{what} {fig.value:g}{at} ({fig.cite()})"
        extra: dict[str, Any] = {}
        if spec is not None:
            extra = {"specificity": spec.value, "specificity_basis": f"specificity {spec.value:g}{at} ({spec.cite()})"}
        anns = own.setdefault(d, [])
        idx = next((i for i, a in enumerate(anns) if a.term == term and not a.negated), None)
        if idx is None:
            anns.append(Annotation(term=term, kind="autoantibody", frequency=fig.value, frequency_term=None,
                                   frequency_basis=basis, negated=False, evidence=None, claim=fig.claim,
                                   sources=tuple(sorted(fig.sources)), **extra))
        else:
            a = anns[idx]
            anns[idx] = replace(a, frequency=fig.value, frequency_term=None,
                                frequency_basis=f"{basis}, instead of {a.frequency_basis}",
                                sources=tuple(sorted(set(a.sources) | fig.sources)), **extra)


def _hpoa_frequency(value: str) -> tuple[float, str | None, str]:
    """A ``phenotype.hpoa`` frequency cell: an HPO frequency term, n/m, a percentage, or empty."""
    value = value.strip()
    if value in FREQUENCY_TERMS:
        name, f = FREQUENCY_TERMS[value]
        return f, value, f"{value} {name}: {f:g}"
    m = re.fullmatch(r"(\d+)/(\d+)", value)
    if m and int(m.group(2)) > 0:
        f = min(int(m.group(1)) / int(m.group(2)), 1.0)
        return f, None, f"{value} patients: {f:.3g}"
    m = re.fullmatch(r"([\d.]+)%", value)
    if m:
        f = min(float(m.group(1)) / 100.0, 1.0)
        return f, None, f"{value}: {f:.3g}"
    return DEFAULT_FREQUENCY, None, f"no frequency stated: {DEFAULT_FREQUENCY:g}"


def lookalike_profiles(reference: Path, ages: dict[str, tuple[float | None, float | None]]) -> dict[str, Profile]:
    """The diseases clinicians confuse with IIM (``reference/hpo2025_lookalike_*.tsv``: HPO 2025-01-16
    annotations of 456 OMIM and Orphanet diseases, selected as its README says), as candidates marked
    not IIM: their phenotype rows (NOT rows as exclusions) and their onset rows as stated onsets."""
    import csv

    names: dict[str, str] = {}
    with open(reference / "hpo2025_lookalike_diseases.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            names[row["database_id"]] = row["disease_name"]
    profiles = {d: Profile(d, label, is_iim=False) for d, label in names.items()}
    with open(reference / "hpo2025_lookalike_annotations.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            prof = profiles.get(row["database_id"])
            if prof is None:
                continue
            claim = f"hpoa:{row['database_id']}/{row['hpo_id']}"
            source = (row["reference"],) if row["reference"] else ()
            if row["aspect"] == "C" and row["hpo_id"] in ages:
                lo, hi = ages[row["hpo_id"]]
                if (lo, hi) != (None, None):
                    prof.onsets.append(OnsetRecord(lo, hi, "stated", row["hpo_id"], claim, source, row["evidence"],
                                                   "HPO 2025-01-16 onset annotation"))
                continue
            if row["aspect"] != "P":
                continue
            f, f_term, basis = _hpoa_frequency(row["frequency"])
            negated = row["qualifier"] == "NOT" or f_term == "HP:0040285"
            prof.add(Annotation(term=row["hpo_id"], kind="phenotype", frequency=0.0 if negated else f,
                                frequency_term=f_term, frequency_basis=basis, negated=negated,
                                evidence=row["evidence"] or None, claim=claim, sources=source))
    return profiles


def _ruled_out(term: str, prof: Profile, ancestors: Callable[[str], frozenset[str]]) -> bool:
    """Is the term, or an ancestor of it, annotated NOT for the profile (a derived class's exclusion)?"""
    return bool(prof.negated) and bool(ancestors(term) & set(prof.negated))


def _derive(prof: Profile, spec: dict[str, str], own: dict[str, list[Annotation]],
            ancestors: Callable[[str], frozenset[str]]) -> None:
    """A derived candidate (``derived_candidates.tsv``): its parent's own annotations (phenotypes, and
    antibody links when the row says so), what its definition rules out, its own annotations winning."""
    parent = spec["profile_of"]
    source = f"rank/data/derived_candidates.tsv:{prof.disease}"
    for term in [t for t in spec["excludes"].split("|") if t]:
        prof.add(Annotation(term=term, kind="phenotype", frequency=0.0, frequency_term=None,
                            frequency_basis=f"ruled out by the definition: {spec['basis']}", negated=True,
                            evidence=spec["evidence"], claim=source, sources=(source,)))
    mine = set(prof.positive) | set(prof.negated)  # the candidate's own annotations win
    for ann in own.get(parent, []):
        if ann.kind == "autoantibody" and spec["antibodies"] != "yes":
            continue
        if ann.term in mine or ann.negated:
            continue
        if _ruled_out(ann.term, prof, ancestors):
            continue
        prof.add(_inherit(ann, parent))
    prof.profile_of = parent
    prof.derived_basis = spec["basis"]
    prof._expected = None


def _annotation(key: str, e: dict[str, Any]) -> Annotation:
    kind = "autoantibody" if e["type"].endswith("AutoantibodyAssociation") else "phenotype"
    freq_term = e["freq"]
    if freq_term in FREQUENCY_TERMS:
        name, value = FREQUENCY_TERMS[freq_term]
        basis = f"{freq_term} {name}: {value:g}"
    elif kind == "autoantibody" and e["role"] in ANTIBODY_ROLE_FREQUENCY:
        value = ANTIBODY_ROLE_FREQUENCY[e["role"]]
        basis = f"autoantibody link, role {e['role']!r}, no frequency stated: {value:g}"
        freq_term = None
    else:
        value = DEFAULT_FREQUENCY
        basis = f"no frequency stated: {value:g}"
        freq_term = None
    ev = e["ev"]
    return Annotation(term=e["o"], kind=kind, frequency=value, frequency_term=freq_term,
                      frequency_basis=basis, negated=bool(e["neg"]), role=e["role"],
                      evidence=ev[len(EVIDENCE):] if ev and ev.startswith(EVIDENCE) else ev,
                      claim=display_curie(key), sources=tuple(sorted(e["src"])))


def _inherit(ann: Annotation, ancestor: str) -> Annotation:
    return Annotation(term=ann.term, kind=ann.kind, frequency=ann.frequency, frequency_term=ann.frequency_term,
                      frequency_basis=ann.frequency_basis, negated=ann.negated, evidence=ann.evidence,
                      claim=ann.claim, sources=ann.sources, inherited_from=ancestor)


def knowledge(include_text_mined: bool = False, source: GraphSource = RELEASE, lookalikes: bool = True) -> Knowledge:
    """The knowledge of the graph ``source`` names (default: the release graph), loaded once per
    process and source, through the engine the query path uses for that source; ``lookalikes``: with
    the look-alike diseases as candidates. A working copy or companion file edited since is read again."""
    return _knowledge(include_text_mined, source, lookalikes, source.state())


@lru_cache(maxsize=4)
def _knowledge(include_text_mined: bool, source: GraphSource, lookalikes: bool, state: str) -> Knowledge:
    from iimgraph.rank import cache

    key = cache.knowledge_key(source, include_text_mined, lookalikes)
    kb = cache.load(key) if key else None
    if kb is None:
        from iimgraph.query.engines import engine_for  # only to build: a cached knowledge needs no engine

        kb = build_knowledge(engine_for(source), reference_dir(), include_text_mined=include_text_mined,
                             lookalikes=lookalikes)
        if key:
            from iimgraph.rank.model import prepare

            cache.store(key, prepare(kb))
    return kb
