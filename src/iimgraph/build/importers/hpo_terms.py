"""HPO term data -> ``hpo_terms.ttl``: every HPO term the graph uses, with its ancestors up to HP:0000001.

Term data come from ``hpo2025_terms.tsv`` (``hp.obo`` of the HPO release 2025-01-16; a term it lacks from
``hpo2025_lookalike_terms.tsv``, the same release's data for other diseases' terms): scoped
synonyms (``oboInOwl:has{Exact,Related,Broad,Narrow}Synonym``), parents (``rdfs:subClassOf``),
``oboInOwl:hasAlternativeId`` for alt_ids, ``owl:deprecated`` / ``IAO:0100001`` (term replaced by)
for obsolete terms, and, for the terms the graph uses (not their ancestors), the definition
(``IAO:0000115``) with its xrefs as ``oboInOwl:hasDbXref`` on an ``owl:Axiom`` annotating it, OBO
style. Ancestors get no definition and synonym types are not kept: every axiom is a blank node,
and rdflib's canonical labelling (export, diff, the build-twice test) is quadratic in blank nodes.

The label is the current HPO label of ``hpo_terms.tsv`` (2026) where that table has one (the
package's label check holds every HPO label to it); the 2025-01-16 label, where it differs, is kept as
``iim:hpo2025Label``. A term absent from the 2025 file but in ``hpo_terms.tsv`` (older HPO copies)
keeps that table's label and parents, with a comment. An HPO identifier in neither table is an
error: nothing is written.

Frequency and onset terms also get the band they stand for (``iim:frequencyBand``, from
``hpo_frequency_onset_terms.tsv``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from iimgraph.build.importers.common import (
    HEADER,
    HP_IRI,
    PREFIXES,
    ReferenceGapError,
    hp_key,
    lit,
    obo,
    read_tsv,
    split,
)

TERMS_2025 = "hpo2025_terms.tsv"
LOOKALIKE_TERMS_2025 = "hpo2025_lookalike_terms.tsv"
SOURCE = "iimsrc:hpo-2025-01-16"
SCOPES = {"EXACT": "oboInOwl:hasExactSynonym", "RELATED": "oboInOwl:hasRelatedSynonym",
          "BROAD": "oboInOwl:hasBroadSynonym", "NARROW": "oboInOwl:hasNarrowSynonym"}
SYNONYM = re.compile(r"(.*\S)\s*\[(EXACT|RELATED|BROAD|NARROW)(?:\s+(\S+))?\]")
ROOT = "HP:0000001"


def used_terms(texts: Iterable[str]) -> set[str]:
    used: set[str] = set()
    for text in texts:
        used.update(f"HP:{m}" for m in HP_IRI.findall(text))
    return used


def _synonyms(cell: str, term: str) -> list[tuple[str, str, str | None]]:
    out = []
    for item in split(cell):
        m = SYNONYM.fullmatch(item)
        if not m:
            raise ReferenceGapError(f"{TERMS_2025}: synonym {item!r} of {term} has no scope")
        out.append((m.group(1), m.group(2), m.group(3)))
    return out


def _definition_xref(xref: str) -> str:
    """A definition xref as an axiom annotation: a CURIE of a known prefix is an ``oboInOwl:hasDbXref``;
    a contributor (an ORCID IRI, ``HPO_CONTRIBUTOR:``) is ``dcterms:contributor``; anything else (ISBN, ...) is a
    ``dcterms:bibliographicCitation`` string, so that every hasDbXref goes through the one prefix map."""
    from iimgraph.namespaces import CONVERTER, ORCID

    if re.fullmatch(re.escape(ORCID) + r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", xref):
        return f"dcterms:contributor <{xref}>"
    prefix = xref.split(":", 1)[0]
    if prefix == "HPO_CONTRIBUTOR":
        return f"dcterms:contributor {lit(xref)}"
    if ":" in xref and prefix in CONVERTER.prefix_map and not xref.startswith(("http:", "https:")):
        return f"oboInOwl:hasDbXref {lit(xref)}"
    return f"dcterms:bibliographicCitation {lit(xref)}"


def _axiom(source: str, prop: str, target: str, annotations: list[str]) -> str:
    return ("[] a owl:Axiom ;\n"
            f"    owl:annotatedSource {source} ;\n"
            f"    owl:annotatedProperty {prop} ;\n"
            f"    owl:annotatedTarget {target} ;\n"
            + " ;\n".join("    " + a for a in annotations) + " .")


def build(reference: Path, texts: Iterable[str]) -> tuple[str, dict[str, int]]:
    # the look-alike extract is the same release's hp.obo for the terms of other diseases (dismech binds some)
    terms = {r["hpo_id"]: r for r in read_tsv(reference / LOOKALIKE_TERMS_2025)}
    terms.update({r["hpo_id"]: r for r in read_tsv(reference / TERMS_2025)})
    older = {r["hpo_id"]: r for r in read_tsv(reference / "hpo_terms.tsv")}
    bands = {r["hpo_id"]: r for r in read_tsv(reference / "hpo_frequency_onset_terms.tsv")}
    current = {k: r["label_current"] for k, r in older.items()
               if r["in_current_hpo_label_list"] == "yes" and r["label_current"]}

    used = used_terms(texts)
    unknown = sorted((t for t in used if t not in terms and t not in older), key=hp_key)
    if unknown:
        raise ReferenceGapError(f"HPO ids used but in no reference table: {', '.join(unknown)}")

    def parents(t: str) -> list[str]:
        row = terms.get(t)
        cells = row["parents"] if row is not None else older[t]["parents"]
        return sorted(split(cells), key=hp_key)

    wanted: set[str] = set()
    stack = sorted(used, key=hp_key)
    while stack:
        t = stack.pop()
        if t in wanted:
            continue
        if t not in terms and t not in older:
            raise ReferenceGapError(f"HPO ancestor {t} is in no reference table")
        wanted.add(t)
        stack.extend(parents(t))
    # obsolete terms bring their replacements
    for t in sorted(wanted, key=hp_key):
        if t in terms and terms[t]["replaced_by"].strip():
            for r in split(terms[t]["replaced_by"]):
                stack.append(r)
    while stack:
        t = stack.pop()
        if t in wanted:
            continue
        if t not in terms:
            raise ReferenceGapError(f"HPO replacement {t} is not in {TERMS_2025}")
        wanted.add(t)
        stack.extend(parents(t))

    blocks = []
    n_syn = n_def = 0
    for t in sorted(wanted, key=hp_key):
        iri = obo(t)
        row = terms.get(t)
        lines = [f"{iri} a owl:Class ;"]
        extra: list[str] = []
        if row is None:
            o = older[t]
            label = o["label_current"] or o["label_in_parent_source"]
            lines.append(f"    rdfs:label {lit(label)} ;")
            lines.append("    rdfs:comment " + lit(
                "Not in HPO release 2025-01-16 nor in the current HPO label list (2026): label and parents as in the "
                "older HPO copy named by iim:parentsSource (reference/README.md, caveat 3).") + " ;")
            lines.append(f"    iim:parentsSource {lit(o['parents_source'])} ;")
            ps = parents(t)
            if ps:
                lines.append("    rdfs:subClassOf " + ", ".join(obo(p) for p in ps) + " ;")
            lines.append("    dcterms:source iimsrc:hpo-2026-08 .")
            blocks.append("\n".join(lines))
            continue
        label = current.get(t, row["label"])
        lines.append(f"    rdfs:label {lit(label)} ;")
        if label != row["label"]:
            lines.append(f"    iim:hpo2025Label {lit(row['label'])} ;")
        if row["definition"].strip() and t in used:
            n_def += 1
            definition = lit(row["definition"].strip())
            lines.append(f"    obo:IAO_0000115 {definition} ;")
            annotations = [_definition_xref(x) for x in sorted(split(row["definition_xrefs"]))]
            annotations.append(f"dcterms:source {SOURCE}")
            extra.append(_axiom(iri, "obo:IAO_0000115", definition, annotations))
        by_scope: dict[str, list[str]] = {}
        for text, scope, _kind in sorted(set(_synonyms(row["synonyms"], t))):
            n_syn += 1
            by_scope.setdefault(SCOPES[scope], []).append(lit(text))
        for prop in sorted(by_scope):
            lines.append(f"    {prop} " + ", ".join(by_scope[prop]) + " ;")
        ps = parents(t)
        if ps:
            lines.append("    rdfs:subClassOf " + ", ".join(obo(p) for p in ps) + " ;")
        alts = sorted(split(row["alt_ids"]), key=hp_key)
        if alts:
            lines.append("    oboInOwl:hasAlternativeId " + ", ".join(lit(a) for a in alts) + " ;")
        if row["is_obsolete"].strip() == "yes":
            lines.append("    owl:deprecated true ;")
            for r in split(row["replaced_by"]):
                lines.append(f"    obo:IAO_0100001 {obo(r)} ;")
        if row["n_diseases_annotated_incl_descendants"].strip():
            lines.append(f"    iim:hpoAnnotatedDiseases {int(row['n_diseases_annotated_incl_descendants'])} ;")
        if t in bands:
            b = bands[t]
            lines.append(f"    iim:frequencyBand {lit(b['kind'] + ': ' + b['range'])} ;")
        lines.append(f"    dcterms:source {SOURCE} .")
        blocks.append("\n".join(lines + extra))
    head = (
        HEADER
        + "# HPO terms the graph uses (ontology/**/*.ttl), with all their ancestors up to HP:0000001: term data of\n"
        "# the HPO release 2025-01-16 (reference/hpo2025_terms.tsv), labels as in the current HPO label list\n"
        "# (reference/hpo_terms.tsv) where it has one.\n"
    )
    text = head + PREFIXES + "\n" + "\n\n".join(blocks) + "\n"
    return text, {"used": len(used), "with_ancestors": len(wanted), "definitions": n_def, "synonyms": n_syn}
