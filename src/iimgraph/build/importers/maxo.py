"""MAxO diagnostic annotations (``reference/maxo_diagnostic_iim.tsv``) -> ``maxo_diagnostic.ttl``.

Which medical action can observe an HPO term (``is_observable_through``; ``is_prenatally_observable_through``
kept apart): one node ``iimc:maxo-<HP>-<MAXO>[-prenatal]`` per row whose term the IIM annotations or
the myositis antibody list use, with the term (``iim:finding``), the action (``iim:observableThrough``,
a MAXO term with its label), whether it is prenatal (``iim:prenatal``), the curator (``iim:assignedBy``)
and the source (``iimsrc:maxo-annotations-2025-05``, CC BY 4.0). Not claims about a disease: facts
about the phenotype, which ``queries/observable-through.rq`` joins to the diseases annotated with it.
"""

from __future__ import annotations

import re
from pathlib import Path

from iimgraph.build.importers.common import HEADER, HP_CURIE, PREFIXES, ReferenceGapError, lit, obo, read_tsv
from iimgraph.namespaces import CC_BY_4

TABLE = "maxo_diagnostic_iim.tsv"
SOURCE = "iimsrc:maxo-annotations-2025-05"
PREDICATES = {"is_observable_through": "false", "is_prenatally_observable_through": "true"}


def build(reference: Path) -> tuple[str, dict[str, int]]:
    """(maxo_diagnostic.ttl, counts)."""
    nodes: dict[str, str] = {}
    labels: dict[str, str] = {}
    for n, row in enumerate(read_tsv(reference / TABLE), 2):
        if "yes" not in (row["in_hpo2025_iim_annotations"], row["in_hpo_myositis_autoantibody_terms"]):
            continue
        hp, maxo, pred = row["hpo_id"].strip(), row["maxo_id"].strip(), row["predicate_id"].strip()
        if not HP_CURIE.fullmatch(hp) or not re.fullmatch(r"MAXO:\d{7}", maxo) or pred not in PREDICATES:
            raise ReferenceGapError(f"{TABLE}:{n}: unexpected row {hp!r} {pred!r} {maxo!r}")
        maxo_iri = "obo:MAXO_" + maxo.split(":")[1]
        labels[maxo_iri] = row["maxo_label"].strip()
        local = f"maxo-{hp.replace(':', '_')}-{maxo.replace(':', '_')}" + ("-prenatal" if PREDICATES[pred] == "true" else "")
        nodes[local] = "\n".join([
            f"iimc:{local} iim:finding {obo(hp)} ;",
            f"    iim:observableThrough {maxo_iri} ;",
            f"    iim:prenatal {PREDICATES[pred]} ;",
            f"    iim:assignedBy {lit(row['creator_id'].strip())} ;",
            f"    dcterms:source {SOURCE} ."])
    source = "\n".join([
        f"{SOURCE} a dcterms:BibliographicResource, iim:ReferenceSnapshot ;",
        '    dcterms:title "MAxO diagnostic annotations (POET), version 2025-05-31"@en ;',
        '    dcterms:publisher "Monarch Initiative" ;',
        '    iim:repository "monarch-initiative/maxo-annotations" ;',
        '    iim:commit "42edd966faac5229ce7c35fc3848f2e6b3d45bda" ;',
        '    iim:path "data/poet/maxo_diagnostic_annotations.tsv" ;',
        f"    dcterms:license <{CC_BY_4}> ;",
        f"    iim:extract {lit(TABLE)} ."])
    out = [source] + [f"{iri} rdfs:label {lit(label)} ." for iri, label in sorted(labels.items())]
    out += [nodes[k] for k in sorted(nodes)]
    header = (HEADER + "# MAxO: which medical action can observe each HPO term the IIM annotations use (CC BY 4.0).\n"
              "# How: iimgraph.build.importers.maxo.\n")
    return header + PREFIXES + "\n" + "\n\n".join(out) + "\n", {"rows": len(nodes), "actions": len(labels)}
