"""What the ranking model reads, loaded once per process: the HPO terms, their background
frequencies, and each candidate subtype's curated profile (phenotype annotations, autoantibody
links, onset records), each entry with the claim and sources it rests on.

The graph is read through the engine layer (pyoxigraph over the release N-Triples cache, as the
query path does), so ranking imports no rdflib once the cache exists. Background counts come from
the packaged HPO 2025-01-16 extract (``reference/hpo2025_terms.tsv``), the only place they exist.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from iimgraph.build.graph_source import RELEASE, GraphSource
from iimgraph.claim_kinds import KINDS
from iimgraph.namespaces import OBO, display_curie
from iimgraph.query.engines import engine_for
from iimgraph.resources import reference_dir

HP_PREFIX = OBO + "HP_"
EVIDENCE = "https://w3id.org/iimgraph/vocab/evidence/"
TEXT_MINED = EVIDENCE + "ITM"
HPO_ROOT = "HP:0000001"
PHENOTYPIC_ABNORMALITY = "HP:0000118"
ONSET_ROOT = "HP:0003674"
IIM_ROOT = "MONDO:0600023"
IIM_SCOPES = ("iim_root", "iim_subtree", "iim_related")

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


@dataclass
class Profile:
    """A candidate subtype and what the graph says of it. ``positive`` keeps, per HPO term, the
    annotation with the highest frequency (two claims of one finding are one finding)."""

    disease: str
    label: str
    annotations: list[Annotation] = field(default_factory=list)
    positive: dict[str, Annotation] = field(default_factory=dict)
    negated: dict[str, Annotation] = field(default_factory=dict)
    onsets: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)  # (HP term, claim, sources)
    _expected: float | None = field(default=None, repr=False, compare=False)

    def expected_features(self) -> float:
        """The expected number of the profile's features a patient has: the sum of the frequencies of
        its distinct positive annotations (docs/rank.md, the listing factor)."""
        if self._expected is None:
            self._expected = sum(a.frequency for a in self.positive.values())
        return self._expected

    def add(self, ann: Annotation) -> None:
        self._expected = None
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
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _names: dict[str, set[str]] = field(default_factory=dict, repr=False)

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

    def names(self) -> dict[str, set[str]]:
        """Lower-cased label or synonym -> the current HPO terms that carry it (for resolving words)."""
        if not self._names:
            for term, label in self.labels.items():
                if term not in self.replaced_by:
                    self._names.setdefault(name_key(label), set()).add(term)
            for term, syns in self.synonyms.items():
                if term not in self.replaced_by:
                    for syn in syns:
                        self._names.setdefault(name_key(syn), set()).add(term)
        return self._names

    def label(self, term: str) -> str:
        return self.labels.get(term, self.disease_labels.get(term, term))


# --- loading -----------------------------------------------------------------------------------------

_PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX iim: <https://w3id.org/iimgraph/vocab/>
"""

_HP_TERMS = _PREFIXES + """SELECT ?t ?p ?o WHERE {
  VALUES ?p { rdfs:label rdfs:subClassOf oboInOwl:hasExactSynonym oboInOwl:hasRelatedSynonym
              oboInOwl:hasBroadSynonym oboInOwl:hasNarrowSynonym owl:deprecated
              <http://purl.obolibrary.org/obo/IAO_0100001> oboInOwl:hasAlternativeId }
  ?t ?p ?o .
  FILTER(STRSTARTS(STR(?t), "http://purl.obolibrary.org/obo/HP_"))
}"""

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
}"""

_ONSETS = _PREFIXES + """SELECT ?c ?s ?onset ?ev ?src WHERE {
  ?c biolink:subject ?s ; biolink:onset_qualifier ?onset .
  OPTIONAL { ?c biolink:has_evidence ?ev }
  OPTIONAL { ?c dcterms:source ?src }
}"""

#: claims imported from dismech (ontology/generated/dismech.ttl)
DISMECH_CLAIMS = "https://w3id.org/iimgraph/claim/dismech-"

_SOURCES = _PREFIXES + """SELECT ?src ?id WHERE { ?src dcterms:identifier ?id }"""


def _rows(engine: Any, text: str) -> list[dict[str, Any]]:
    return engine.execute(text).rows


def _reference_terms(folder: Path) -> tuple[dict[str, dict[str, str]], int, str]:
    rows: dict[str, dict[str, str]] = {}
    with open(folder / "hpo2025_terms.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            rows[row["hpo_id"]] = row
    meta: dict[str, str] = {}
    with open(folder / "hpo2025_meta.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            meta[row["key"]] = row["value"]
    return rows, int(meta["diseases_with_phenotypic_annotations_total"]), meta.get("hp_obo_data_version", "")


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def build_knowledge(engine: Any, reference: Path, *, include_text_mined: bool = False) -> Knowledge:
    """Read the graph (through ``engine.execute``) and the reference counts into a :class:`Knowledge`."""
    labels: dict[str, str] = {}
    parents: dict[str, set[str]] = {}
    synonyms: dict[str, set[str]] = {}
    replaced: dict[str, str | None] = {}
    deprecated: set[str] = set()
    for row in _rows(engine, _HP_TERMS):
        t, p, o = curie(row["t"]), str(row["p"]), row["o"]
        if p.endswith("#label"):
            labels.setdefault(t, str(o))
        elif p.endswith("#subClassOf"):
            if str(o).startswith(HP_PREFIX):
                parents.setdefault(t, set()).add(curie(o))
        elif p.endswith("Synonym"):
            synonyms.setdefault(t, set()).add(str(o))
        elif p.endswith("#deprecated"):
            if str(o) in ("true", "1"):
                deprecated.add(t)
        elif p.endswith("IAO_0100001"):
            replaced[t] = curie(o) if str(o).startswith(OBO) else str(o)
        elif p.endswith("hasAlternativeId"):
            replaced[str(o).replace("_", ":")] = t

    ref, total, version = _reference_terms(reference)
    counts: dict[str, int] = {}
    for hpo_id, row in ref.items():
        try:
            counts[hpo_id] = int(row.get("n_diseases_annotated_incl_descendants") or 0)
        except ValueError:
            counts[hpo_id] = 0
        if row.get("is_obsolete") == "yes" or row.get("is_obsolete") == "true":
            deprecated.add(hpo_id)
            replaced.setdefault(hpo_id, (row.get("replaced_by") or "").strip() or None)
        for alt in _split(row.get("alt_ids", "")):
            replaced.setdefault(alt, hpo_id)
        if hpo_id not in labels and row.get("label"):
            labels[hpo_id] = row["label"]
        if not parents.get(hpo_id):  # the graph's parents win; the extract fills terms it lacks
            ps = _split(row.get("parents", ""))
            if ps:
                parents[hpo_id] = set(ps)
        for syn in _split(row.get("synonyms", "")):
            synonyms.setdefault(hpo_id, set()).add(syn.split(" [", 1)[0].strip())
    for term in deprecated:
        replaced.setdefault(term, None)

    # diseases: the IIM classes and their MONDO parents
    scope: dict[str, str] = {}
    d_labels: dict[str, str] = {}
    d_parents: dict[str, set[str]] = {}
    for row in _rows(engine, _DISEASES):
        d = curie(row["d"])
        scope[d] = str(row["scope"])
        if row.get("label") is not None:
            d_labels.setdefault(d, str(row["label"]))
        if row.get("parent") is not None:
            d_parents.setdefault(d, set()).add(curie(row["parent"]))
    iim = {d for d, s in scope.items() if s in IIM_SCOPES}

    source_ids = {str(r["src"]): str(r["id"]) for r in _rows(engine, _SOURCES)}

    def source_name(iri: str) -> str:
        return source_ids.get(iri) or display_curie(iri)

    # claims, one entry per claim node (rows repeat per source)
    claims: dict[str, dict[str, Any]] = {}
    for row in _rows(engine, _CLAIMS):
        ev = row.get("ev")
        if ev is not None and str(ev) == TEXT_MINED and not include_text_mined:
            continue
        if not str(row["o"]).startswith(HP_PREFIX):
            continue
        key = str(row["a"])
        if key.startswith(DISMECH_CLAIMS):
            continue  # dismech's AI-assisted statements stay out of the profiles until rank's own issue takes them
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

    own: dict[str, list[Annotation]] = {}
    for key, e in sorted(claims.items()):
        ann = _annotation(key, e)
        own.setdefault(e["s"], []).append(ann)

    onsets: dict[str, dict[str, tuple[str, str, set[str]]]] = {}
    for row in _rows(engine, _ONSETS):
        ev = row.get("ev")
        if ev is not None and str(ev) == TEXT_MINED and not include_text_mined:
            continue
        d = curie(row["s"])
        claim = display_curie(str(row["c"]))
        record = onsets.setdefault(d, {}).setdefault(claim, (curie(row["onset"]), claim, set()))
        if row.get("src") is not None:
            record[2].add(source_name(str(row["src"])))

    def iim_ancestors(d: str) -> list[str]:
        out: list[str] = []
        stack = list(d_parents.get(d, ()))
        while stack:
            p = stack.pop()
            if p in iim and p not in out:
                out.append(p)
                stack.extend(d_parents.get(p, ()))
        return sorted(out)

    profiles: dict[str, Profile] = {}
    not_scorable: list[NotScorable] = []
    for d in sorted(iim):
        label = d_labels.get(d, d)
        mine = own.get(d, [])
        if d == IIM_ROOT:
            continue  # the group itself, not a subtype: its statements reach the subtypes by inheritance
        if not any(a.kind == "phenotype" for a in mine):
            reason = ("only autoantibody links, no curated phenotype annotation" if mine
                      else "no curated phenotype annotation")
            not_scorable.append(NotScorable(d, label, reason))
            continue
        prof = Profile(d, label)
        for ann in mine:
            prof.add(ann)
        inherit = [IIM_ROOT] if IIM_ROOT in iim_ancestors(d) else []
        for anc in inherit:
            for ann in own.get(anc, []):
                # Only the group's statements about every IIM carry over (docs/rank.md): a parent
                # subtype's profile passed down would make the child's a superset, which the parent
                # could then never outrank, and a frequency belongs to its own patients.
                if ann.frequency_term is None and ann.kind == "phenotype" and ann.term not in prof.positive:
                    prof.add(_inherit(ann, anc))
        for rec_d in [d] + ([] if onsets.get(d) else inherit):
            for onset_term, claim, srcs in sorted(onsets.get(rec_d, {}).values()):
                prof.onsets.append((onset_term, claim, tuple(sorted(srcs))))
        profiles[d] = prof
    for d in scope:
        d_labels.setdefault(d, d)
    return Knowledge(labels=labels, parents={k: tuple(sorted(v)) for k, v in parents.items()},
                     synonyms={k: tuple(sorted(v)) for k, v in synonyms.items()}, replaced_by=replaced,
                     counts=counts, total_diseases=total, hpo_version=version.rsplit("/", 1)[-1],
                     profiles=profiles, not_scorable=not_scorable, disease_labels=d_labels)


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
                      frequency_basis=basis, negated=bool(e["neg"]),
                      evidence=ev[len(EVIDENCE):] if ev and ev.startswith(EVIDENCE) else ev,
                      claim=display_curie(key), sources=tuple(sorted(e["src"])))


def _inherit(ann: Annotation, ancestor: str) -> Annotation:
    return Annotation(term=ann.term, kind=ann.kind, frequency=ann.frequency, frequency_term=ann.frequency_term,
                      frequency_basis=ann.frequency_basis, negated=ann.negated, evidence=ann.evidence,
                      claim=ann.claim, sources=ann.sources, inherited_from=ancestor)


@lru_cache(maxsize=4)
def knowledge(include_text_mined: bool = False, source: GraphSource = RELEASE) -> Knowledge:
    """The knowledge of the graph ``source`` names (default: the release graph), loaded once per
    process and source, through the engine the query path uses for that source."""
    return build_knowledge(engine_for(source), reference_dir(), include_text_mined=include_text_mined)
