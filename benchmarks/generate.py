"""Synthetic graphs in the data contract's shape, streamed to N-Triples (optionally gzip), for scaling runs.

usage: python benchmarks/generate.py --triples 1000000 --out /tmp/synthetic-1e6.nt[.gz]

What it writes (ARCHITECTURE.md "Data contract"): MONDO-shaped disease classes in a tree (label,
parent, ``iim:inScope``, a related synonym, an ``IAO:0000115`` definition with its ``owl:Axiom``
annotation), ``oboInOwl:hasDbXref`` + ``skos:exactMatch`` mappings each with an axiom carrying
``sssom:mapping_justification`` and ``dcterms:source``, three
``biolink:DiseaseToPhenotypicFeatureAssociation`` nodes per disease (subject, predicate, object,
evidence, frequency, source; some with onset, some text-mined), and every tenth disease an
autoantibody, a treatment and two epidemiology observations, every fiftieth two placement claims;
an HPO-shaped phenotype tree, sources and therapies. So every packaged query returns rows on it
(see :func:`example_params`).

Identifiers are synthetic and say so: diseases are ``MONDO_9xxxxxx`` and phenotypes ``HP_9xxxxxx``
(ranges neither ontology uses), labels read "synthetic disease 123", claims and sources live under
``…/claim/gen-`` and ``…/source/gen-``. Lines are written as they are made: memory stays flat at
any size. The output is deterministic (same size, same bytes).
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

OBO = "http://purl.obolibrary.org/obo/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
OWL_CLASS = "<http://www.w3.org/2002/07/owl#Class>"
AXIOM = "<http://www.w3.org/2002/07/owl#Axiom>"
A_SOURCE = "<http://www.w3.org/2002/07/owl#annotatedSource>"
A_PROPERTY = "<http://www.w3.org/2002/07/owl#annotatedProperty>"
A_TARGET = "<http://www.w3.org/2002/07/owl#annotatedTarget>"
DEFINITION = f"<{OBO}IAO_0000115>"
XREF = "<http://www.geneontology.org/formats/oboInOwl#hasDbXref>"
RELATED = "<http://www.geneontology.org/formats/oboInOwl#hasRelatedSynonym>"
EXACT = "<http://www.w3.org/2004/02/skos/core#exactMatch>"
JUSTIFICATION = "<https://w3id.org/sssom/mapping_justification>"
MANUAL = "<https://w3id.org/semapv/vocab/ManualMappingCuration>"
DCT_SOURCE = "<http://purl.org/dc/terms/source>"
DCT_TITLE = "<http://purl.org/dc/terms/title>"
DCT_ID = "<http://purl.org/dc/terms/identifier>"
BIBLIO = "<http://purl.org/dc/terms/BibliographicResource>"
BL = "https://w3id.org/biolink/vocab/"
IIM = "https://w3id.org/iimgraph/vocab/"
CLAIM = "https://w3id.org/iimgraph/claim/gen-"
SRC = "https://w3id.org/iimgraph/source/gen-"
TERM = "https://w3id.org/iimgraph/term/gen-therapy-"
DECIMAL = "<http://www.w3.org/2001/XMLSchema#decimal>"
EVIDENCE = "https://w3id.org/iimgraph/vocab/evidence/"
FREQUENCIES = ("HP_0040280", "HP_0040281", "HP_0040282", "HP_0040283", "HP_0040284")
ONSETS = ("HP_0003577", "HP_0003593", "HP_0011463", "HP_0003581")

DISEASE_BASE = 9_000_000
PHENOTYPE_BASE = 9_000_000
PER_DISEASE = 62  # average triples per disease with its share of phenotypes, sources and claims
N_SOURCES = 500
N_THERAPIES = 50
BRANCHING = 10


def disease(i: int) -> str:
    return f"<{OBO}MONDO_{DISEASE_BASE + i:07d}>"


def phenotype(j: int) -> str:
    return f"<{OBO}HP_{PHENOTYPE_BASE + j:07d}>"


def source(k: int) -> str:
    return f"<{SRC}{k % N_SOURCES}>"


def diseases_for(triples: float) -> int:
    return max(20, int(triples) // PER_DISEASE)


def lines(triples: int) -> Iterator[str]:
    """N-Triples lines of a graph of about ``triples`` triples (within a few percent)."""
    n = diseases_for(triples)
    n_pheno = max(10, n // 2)
    for k in range(N_SOURCES):
        s = source(k)
        yield f"{s} {RDF_TYPE} {BIBLIO} .\n"
        yield f'{s} {DCT_TITLE} "synthetic source {k}" .\n'
        yield f'{s} {DCT_ID} "PMID:{90000000 + k}" .\n'
    for t in range(N_THERAPIES):
        yield f'<{TERM}{t}> {LABEL} "synthetic therapy {t}" .\n'
    for j in range(n_pheno):
        p = phenotype(j)
        yield f"{p} {RDF_TYPE} {OWL_CLASS} .\n"
        yield f'{p} {LABEL} "synthetic phenotype {j}" .\n'
        if j:
            yield f"{p} {SUBCLASS} {phenotype((j - 1) // BRANCHING)} .\n"
    for i in range(n):
        d = disease(i)
        local = f"MONDO_{DISEASE_BASE + i:07d}"
        src = source(i)
        yield f"{d} {RDF_TYPE} {OWL_CLASS} .\n"
        yield f'{d} {LABEL} "synthetic disease {i}" .\n'
        if i:
            yield f"{d} {SUBCLASS} {disease((i - 1) // BRANCHING)} .\n"
        yield f'{d} <{IIM}inScope> "iim_subtree" .\n'
        yield f'{d} {RELATED} "synthetic myositis {i}" .\n'
        definition = f'"A synthetic disease number {i}, made for benchmarks."'
        yield f"{d} {DEFINITION} {definition} .\n"
        for b, (prop, target, extra) in enumerate((
                (DEFINITION, definition, f'{XREF} "PMID:{90000000 + i % N_SOURCES}"'),
                (XREF, f'"OMIM:{DISEASE_BASE + i}"', f"{JUSTIFICATION} {MANUAL}"),
                (EXACT, f"<https://omim.org/entry/{DISEASE_BASE + i}>", f"{JUSTIFICATION} {MANUAL}"),
                (XREF, f'"Orphanet:{DISEASE_BASE + i}"', f"{JUSTIFICATION} {MANUAL}"))):
            if b:
                yield f"{d} {prop} {target} .\n"
            ax = f"_:a{i}x{b}"
            yield f"{ax} {RDF_TYPE} {AXIOM} .\n"
            yield f"{ax} {A_SOURCE} {d} .\n"
            yield f"{ax} {A_PROPERTY} {prop} .\n"
            yield f"{ax} {A_TARGET} {target} .\n"
            yield f"{ax} {extra} .\n"
            yield f"{ax} {DCT_SOURCE} {src} .\n"
        for r in range(3):
            j = (i * 7 + r * 131) % n_pheno
            c = f"<{CLAIM}hpoa-{local}-{r}>"
            yield f"{c} {RDF_TYPE} <{BL}DiseaseToPhenotypicFeatureAssociation> .\n"
            yield f"{c} {RDF_TYPE} <{IIM}Claim> .\n"
            yield f"{c} <{BL}subject> {d} .\n"
            yield f"{c} <{BL}predicate> <{BL}has_phenotype> .\n"
            yield f"{c} <{BL}object> {phenotype(j)} .\n"
            yield f"{c} <{BL}has_evidence> <{EVIDENCE}{'ITM' if r == 2 else 'TAS'}> .\n"
            yield f"{c} <{BL}frequency_qualifier> <{OBO}{FREQUENCIES[(i + r) % len(FREQUENCIES)]}> .\n"
            yield f"{c} {DCT_SOURCE} {source(i + r)} .\n"
            if r == 0 and i % 5 == 0:
                yield f"{c} <{BL}onset_qualifier> <{OBO}{ONSETS[i % len(ONSETS)]}> .\n"
        if i % 10 == 0:
            yield from _claims_every_tenth(i, d, local, n_pheno)
        if i % 50 == 0 and i:
            yield from _placements(i, d, local)


def _claim(c: str, kind: str, d: str, predicate: str, src: str) -> Iterator[str]:
    yield f"{c} {RDF_TYPE} <{kind}> .\n"
    yield f"{c} {RDF_TYPE} <{IIM}Claim> .\n"
    yield f"{c} <{BL}subject> {d} .\n"
    yield f"{c} <{BL}predicate> {predicate} .\n"
    yield f"{c} <{BL}has_evidence> <{EVIDENCE}TAS> .\n"
    yield f"{c} {DCT_SOURCE} {src} .\n"


def _claims_every_tenth(i: int, d: str, local: str, n_pheno: int) -> Iterator[str]:
    c = f"<{CLAIM}autoantibody-{local}>"
    yield from _claim(c, IIM + "AutoantibodyAssociation", d, f"<{IIM}hasAutoantibody>", source(i))
    yield f"{c} <{BL}object> {phenotype((i * 3) % n_pheno)} .\n"
    yield f'{c} <{IIM}role> "{"defining" if i % 20 == 0 else "associated"}" .\n'
    c = f"<{CLAIM}treatment-{local}>"
    yield from _claim(c, IIM + "TreatmentAssociation", d, f"<{BL}treated_by>", source(i + 1))
    yield f"{c} <{BL}object> <{TERM}{i % N_THERAPIES}> .\n"
    for e, (low, high) in enumerate(((i % 7 + 1, i % 7 + 5), (i % 5 + 2, i % 5 + 9))):
        c = f"<{CLAIM}epi-{local}-{e}>"
        yield from _claim(c, IIM + "EpidemiologyObservation", d, f"<{IIM}hasPrevalence>", source(i + e))
        yield f"{c} <{IIM}measure> <{IIM}Prevalence> .\n"
        yield f'{c} <{IIM}lowerBound> "{low}.0"^^{DECIMAL} .\n'
        yield f'{c} <{IIM}upperBound> "{high}.0"^^{DECIMAL} .\n'
        yield f'{c} <{IIM}unit> "per 100,000 people" .\n'
    c = f"<{CLAIM}onset-{local}>"
    yield from _claim(c, IIM + "EpidemiologyObservation", d, f"<{IIM}hasAgeOfOnset>", source(i + 2))
    yield f"{c} <{IIM}measure> <{IIM}AgeOfOnset> .\n"
    yield f'{c} <{IIM}unit> "years" .\n'
    yield f'{c} <{IIM}lowerBound> "{20 + i % 30}.0"^^{DECIMAL} .\n'
    yield f'{c} <{IIM}upperBound> "{50 + i % 30}.0"^^{DECIMAL} .\n'


def _placements(i: int, d: str, local: str) -> Iterator[str]:
    """MONDO's placement (the asserted parent) and another source's (a different one): a conflict."""
    for who, parent in (("MONDO", disease((i - 1) // BRANCHING)), ("Orphanet", disease(max(0, i // 100)))):
        c = f"<{CLAIM}placement-{local}-{who.lower()}>"
        yield from _claim(c, IIM + "PlacementClaim", d, SUBCLASS, source(i))
        yield f"{c} <{BL}object> {parent} .\n"
        yield f'{c} <{IIM}assertedBy> "{who}" .\n'


def example_params(triples: float) -> dict[str, dict[str, str]]:
    """Parameters under which each packaged query returns rows on a generated graph of this size."""
    n = diseases_for(triples)
    last = n - 1
    return {
        "subtypes": {"root": f"MONDO:{DISEASE_BASE + 12:07d}"},
        "ancestors": {"disease": f"MONDO:{DISEASE_BASE + last:07d}"},
        "xrefs": {"disease": f"MONDO:{DISEASE_BASE + 1:07d}"},
        "find-by-xref": {"xref": f"OMIM:{DISEASE_BASE + 1}"},
        "phenotypes": {"disease": f"MONDO:{DISEASE_BASE + 10:07d}", "include_text_mined": "true"},
        "diseases-with-phenotype": {"phenotype": f"HP:{PHENOTYPE_BASE + 12:07d}"},
        "autoantibodies": {},
        "treatments": {},
        "epidemiology": {},
        "onset": {},
        "by-source": {"source": "https://w3id.org/iimgraph/source/gen-7"},
        "search": {"text": "synthetic disease 19"},
        "conflicts": {},
        "compare": {"a": f"MONDO:{DISEASE_BASE + 10:07d}", "b": f"MONDO:{DISEASE_BASE + 20:07d}"},
    }


def write(triples: int, out: Path) -> int:
    """Write the graph to ``out`` (gzip when it ends in ``.gz``); returns the number of lines written."""
    count = 0
    raw: IO[bytes] = gzip.open(out, "wb", compresslevel=1) if out.suffix == ".gz" else open(out, "wb")
    with raw, io.TextIOWrapper(raw, encoding="utf-8", write_through=False) as fh:
        batch: list[str] = []
        for line in lines(triples):
            batch.append(line)
            if len(batch) >= 10_000:
                fh.write("".join(batch))
                count += len(batch)
                batch.clear()
        fh.write("".join(batch))
        count += len(batch)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=float, required=True, help="about how many triples (1e6 is fine)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    written = write(int(args.triples), args.out)
    print(f"wrote {written:,} triples to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
