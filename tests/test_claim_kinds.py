"""The one table of claim kinds (``iimgraph.claim_kinds``) against the vocabulary and its readers."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from iimgraph.claim_kinds import BY_IRI, KINDS

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"
CLAIM = URIRef("https://w3id.org/iimgraph/vocab/Claim")


def _claim_subclasses() -> set[str]:
    g = Graph()
    for path in [ONTOLOGY / "clinical" / "vocab.ttl", ONTOLOGY / "declarations.ttl"]:
        g.parse(path, format="turtle")
    return {str(c) for c in g.transitive_subjects(RDFS.subClassOf, CLAIM) if c != CLAIM}


def test_every_subclass_of_claim_has_a_row_and_every_row_is_one():
    subclasses = _claim_subclasses()
    assert subclasses, "no subclass of iim:Claim found"
    assert sorted(subclasses - set(BY_IRI)) == [], "claim kinds missing from iimgraph.claim_kinds.KINDS"
    assert sorted(set(BY_IRI) - subclasses) == [], "rows of KINDS that are no subclass of iim:Claim"
    assert len(BY_IRI) == len(KINDS)


def test_readers_take_their_sections_columns_and_categories_from_the_table():
    from iimgraph.build.coverage import COLUMNS
    from iimgraph.release import kgx
    from iimgraph.web.pages import CLAIM_COLUMNS, CLAIM_SECTIONS

    assert [s[1] for s in CLAIM_SECTIONS] == [k.section for k in KINDS if k.section]
    assert set(CLAIM_COLUMNS) == {k.section for k in KINDS if k.section}
    assert {k.coverage_column for k in KINDS if k.coverage_column} <= set(COLUMNS)
    assert {str(t): c for t, c in kgx._CATEGORY.items()} == {k.iri: k.kgx_category for k in KINDS if k.kgx_category}
