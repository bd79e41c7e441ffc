"""Synthetic whole-ontology companions (a MONDO-shaped and an HP-shaped Turtle file) for ``--with`` runs.

usage: python benchmarks/generate_ontologies.py --triples 5e6 --out-dir /tmp/iimgraph-bench/ontologies-5e6

Why: ``--with mondo.owl --with hp.owl`` joins the IIM graph with whole ontologies, millions of triples
of classes and their annotations rather than claims. So each class here has what an OBO release gives
its classes: a type, a label, a parent (a tree), a definition with its ``owl:Axiom`` (the definition's
reference), exact and related synonyms, database cross-references (each with an axiom naming its
source, as MONDO annotates them), a ``skos:exactMatch``, an ``oboInOwl:id``; every fifth class a second
parent. About 60% of the triples are the disease file and 40% the phenotype file, written as Turtle
with ``[ ... ]`` blank-node axioms, the way a release's Turtle reads.

A whole ontology also reaches the classes the IIM graph already has: every ``ATTACH``-th leaf of each
tree is placed under one of the IIM graph's own MONDO (or HP) classes, taken from the release graph
(cycling through them), so the queries that walk the hierarchy from an IIM class see the companions.

Identifiers are synthetic and say so: ``MONDO_9xxxxxx`` and ``HP_9xxxxxx`` (ranges neither ontology
uses, as in ``generate.py``), cross-references in the same 9xxxxxx range of seven digits (beyond
OMIM's six), labels "synthetic ontology disease 123" / "synthetic ontology phenotype 45". The output
is deterministic for a size and a release graph; written as it is made (flat memory).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path

BASE = 9_000_000
BRANCHING = 10
ATTACH = 20_000
PER_DISEASE = 27  # triples per disease class (average, axioms included)
PER_PHENOTYPE = 13
DISEASE_SHARE = 0.6

PREFIXES = """\
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix oio: <http://www.geneontology.org/formats/oboInOwl#> .
"""


def counts(triples: float) -> tuple[int, int]:
    """(disease classes, phenotype classes) for about ``triples`` triples in the two files together."""
    return (max(20, int(triples * DISEASE_SHARE) // PER_DISEASE),
            max(20, int(triples * (1 - DISEASE_SHARE)) // PER_PHENOTYPE))


def iim_classes(ntriples: bytes, prefix: str) -> list[str]:
    """The release graph's own classes of one ontology (``MONDO`` or ``HP``) that have a label, sorted."""
    pattern = re.compile(rb"^<http://purl\.obolibrary\.org/obo/(" + prefix.encode()
                         + rb"_\d{7})> <http://www\.w3\.org/2000/01/rdf-schema#label> ", re.M)
    return sorted({m.group(1).decode() for m in pattern.finditer(ntriples)})


def _axiom(source: str, prop: str, target: str, annotation: str) -> str:
    return (f"[] a owl:Axiom ; owl:annotatedSource {source} ; owl:annotatedProperty {prop} ;\n"
            f"  owl:annotatedTarget {target} ; {annotation} .\n")


def _parents(i: int, n: int, local: str, anchors: list[str]) -> list[str]:
    parents = [f"obo:{local}_{BASE + (i - 1) // BRANCHING:07d}"] if i else []
    if i and i % 5 == 0 and i > BRANCHING:
        parents.append(f"obo:{local}_{BASE + (i - 1) // (BRANCHING * BRANCHING):07d}")
    leaf = i * BRANCHING + 1 >= n
    if leaf and anchors and i % ATTACH == 0:
        parents.append(f"obo:{anchors[(i // ATTACH) % len(anchors)]}")
    return parents


def diseases(n: int, anchors: list[str]) -> Iterator[str]:
    """Turtle blocks of ``n`` MONDO-shaped classes (about ``PER_DISEASE`` triples each)."""
    yield PREFIXES
    for i in range(n):
        num = BASE + i
        c = f"obo:MONDO_{num:07d}"
        definition = f'"A synthetic ontology disease class, number {i}."'
        xrefs = (f'"OMIM:{num}"', f'"Orphanet:{num}"', f'"UMLS:C{num}"', f'"DOID:{num}"')
        parents = _parents(i, n, "MONDO", anchors)
        yield (f"{c} a owl:Class ;\n  rdfs:label \"synthetic ontology disease {i}\" ;\n"
               + "".join(f"  rdfs:subClassOf {p} ;\n" for p in parents)
               + f"  obo:IAO_0000115 {definition} ;\n"
               f"  oio:hasExactSynonym \"synthetic disorder {i}\" ;\n"
               f"  oio:hasRelatedSynonym \"synthetic condition {i}\" ;\n"
               f"  oio:hasDbXref {', '.join(xrefs)} ;\n"
               f"  skos:exactMatch <https://omim.org/entry/{num}> ;\n"
               f"  oio:id \"MONDO:{num}\" .\n")
        yield _axiom(c, "obo:IAO_0000115", definition, f'oio:hasDbXref "PMID:{90_000_000 + i}"')
        for x in xrefs[:2]:
            yield _axiom(c, "oio:hasDbXref", x, 'oio:source "MONDO:equivalentTo"')


def phenotypes(n: int, anchors: list[str]) -> Iterator[str]:
    """Turtle blocks of ``n`` HP-shaped classes (about ``PER_PHENOTYPE`` triples each)."""
    yield PREFIXES
    for j in range(n):
        num = BASE + j
        c = f"obo:HP_{num:07d}"
        definition = f'"A synthetic ontology phenotype class, number {j}."'
        parents = _parents(j, n, "HP", anchors)
        yield (f"{c} a owl:Class ;\n  rdfs:label \"synthetic ontology phenotype {j}\" ;\n"
               + "".join(f"  rdfs:subClassOf {p} ;\n" for p in parents)
               + f"  obo:IAO_0000115 {definition} ;\n"
               f"  oio:hasExactSynonym \"synthetic finding {j}\" ;\n"
               f"  oio:hasDbXref \"UMLS:C{num}\", \"SNOMEDCT_US:{num}\" ;\n"
               f"  oio:id \"HP:{num}\" .\n")
        yield _axiom(c, "obo:IAO_0000115", definition, f'oio:hasDbXref "PMID:{90_000_000 + j}"')


def _write(blocks: Iterator[str], out: Path) -> None:
    with open(out, "w", encoding="utf-8") as fh:
        batch: list[str] = []
        for block in blocks:
            batch.append(block)
            if len(batch) >= 5_000:
                fh.write("".join(batch))
                batch.clear()
        fh.write("".join(batch))


def write(triples: float, folder: Path, release: bytes) -> tuple[Path, Path]:
    """``mondo-like.ttl`` and ``hp-like.ttl`` in ``folder`` for about ``triples`` triples together."""
    folder.mkdir(parents=True, exist_ok=True)
    n_disease, n_phenotype = counts(triples)
    mondo, hp = folder / "mondo-like.ttl", folder / "hp-like.ttl"
    _write(diseases(n_disease, iim_classes(release, "MONDO")), mondo)
    _write(phenotypes(n_phenotype, iim_classes(release, "HP")), hp)
    return mondo, hp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=float, required=True, help="about how many triples, both files together")
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args()
    from iimgraph.build.cache import release_ntriples

    for path in write(args.triples, args.out_dir, release_ntriples()):
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
