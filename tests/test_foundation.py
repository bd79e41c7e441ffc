"""Issue 2: the classification and cross-references, checked against the reference snapshot."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from iimgraph.namespaces import CONVERTER, ONTOLOGY_IRI, standardize_curie
from iimgraph.terms import BIOLINK, IAO_DEFINITION, IIM, OBOINOWL, SSSOM
from tests import needs
from tests.graphs import same_graph
from tests.needs import missing

from .conftest import ROOT, SHARED, read_tsv


def iri(curie: str) -> URIRef:
    return URIRef(CONVERTER.expand(curie))


def test_subtree_is_complete_with_mondo_labels_and_parents(graph, mondo_classes, core_ids):
    assert len(core_ids) == 29
    subtree = [r for r in mondo_classes if r["scope"] in ("iim_root", "iim_subtree")]
    assert len(subtree) == 28
    for row in mondo_classes:
        if row["mondo_id"] not in core_ids:
            continue
        c = iri(row["mondo_id"])
        assert (c, RDF.type, OWL.Class) in graph, row["mondo_id"]
        assert list(graph.objects(c, RDFS.label)) == [Literal(row["label"])], row["mondo_id"]
        parents = {iri(p) for p in row["parents"].split("|") if p}
        assert set(graph.objects(c, RDFS.subClassOf)) == parents, row["mondo_id"]


def test_every_reference_mapping_is_present_with_justification_and_source(graph, reference_dir, core_ids):
    rows = [r for r in read_tsv(reference_dir / "mondo_iim_xrefs.tsv") if r["mondo_id"] in core_ids]
    assert len(rows) > 300
    for r in rows:
        s = iri(r["mondo_id"])
        if r["predicate_id"] == "oboInOwl:hasDbXref":
            # the same identifier in the project's spelling (MONDO's extract has mesh:, we write the field's MESH:)
            p, o = OBOINOWL.hasDbXref, Literal(standardize_curie(r["xref_id"]))
        else:
            p, o = {"skos:exactMatch": SKOS.exactMatch, "skos:closeMatch": SKOS.closeMatch}[r["predicate_id"]], iri(r["xref_id"])
        assert (s, p, o) in graph, r
        axioms = [a for a in graph.subjects(OWL.annotatedTarget, o)
                  if (a, OWL.annotatedSource, s) in graph and (a, OWL.annotatedProperty, p) in graph]
        assert axioms, r
        assert any((a, SSSOM.mapping_justification, iri(r["mapping_justification"])) in graph for a in axioms)
        assert any((a, DCTERMS.source, URIRef("https://w3id.org/iimgraph/source/mondo-2026-08")) in graph for a in axioms)


def test_orphanet_icd_codes_are_chained_onto_mondo(graph, reference_dir, core_ids):
    n = 0
    for o in read_tsv(reference_dir / "orphanet_iim_nomenclature_2025.tsv"):
        if o["mondo_ids"] not in core_ids:
            continue
        for code in filter(None, o["icd10_codes"].split("|")):
            assert (iri(o["mondo_ids"]), OBOINOWL.hasDbXref, Literal(f"ICD10:{code}")) in graph
            n += 1
    assert n >= 15


@pytest.mark.parametrize(
    "disease, xrefs",
    [
        ("MONDO:0600024", ["OMIM:160750"]),
        ("MONDO:0019127", ["ICD10:M33.2", "icd11.mms:4A41.1", "UMLS:C0085655", "MESH:D017285", "GARD:0007425",
                           "MedDRA:10036102", "ICD10CM:M33.2", "Orphanet:732"]),
    ],
)
def test_required_cross_references(graph, disease, xrefs):
    for x in xrefs:
        assert (iri(disease), OBOINOWL.hasDbXref, Literal(x)) in graph, x


def test_ibm_has_both_placements_each_with_its_source(graph):
    ibm = iri("MONDO:0007827")
    assert (ibm, RDFS.subClassOf, iri("MONDO:0021167")) in graph  # MONDO's asserted hierarchy
    assert (ibm, RDFS.subClassOf, iri("MONDO:0020122")) not in graph
    claims = {}
    for c in graph.subjects(BIOLINK.subject, ibm):
        if (c, RDF.type, IIM.PlacementClaim) in graph:
            claims[str(graph.value(c, IIM.assertedBy))] = (graph.value(c, BIOLINK.object), set(graph.objects(c, DCTERMS.source)))
    assert claims["MONDO"][0] == iri("MONDO:0021167")
    assert claims["Orphanet"][0] == iri("MONDO:0020122")
    assert URIRef("https://w3id.org/iimgraph/source/orphanet-2025") in claims["Orphanet"][1]
    assert URIRef("https://w3id.org/iimgraph/source/mondo-2026-08") in claims["MONDO"][1]


def test_every_disease_ontology_placement_is_an_edge_of_the_shipped_do_release(graph, reference_dir):
    """A DO edge reported by an older mondo-ingest sync (polymyositis under 'inborn error of immunity',
    DOID:0080745->DOID:612) is not DO's any more when the shipped DO 2026-07 extract gives only 'myositis'."""
    parents = {r["doid"]: set(r["parent_ids_by_label"].split("|")) for r in read_tsv(reference_dir / "doid_iim_classes.tsv")}
    placements = list(graph.subjects(IIM.assertedBy, Literal("Disease Ontology")))
    assert placements
    for c in placements:
        child, _, parent = str(graph.value(c, IIM.sourceEdge)).partition("->")
        assert parent in parents[child], (c, child, parent)
    pm = iri("MONDO:0019127")
    assert not [c for c in graph.subjects(BIOLINK.subject, pm) if graph.value(c, BIOLINK.object) == iri("MONDO:0003778")]


def test_definitions_carry_a_source_that_resolves(graph, mondo_classes, core_ids):
    with_def = 0
    for c, d in graph.subject_objects(IAO_DEFINITION):
        axioms = [a for a in graph.subjects(OWL.annotatedTarget, d) if (a, OWL.annotatedSource, c) in graph]
        assert axioms, c
        sources = set(graph.objects(axioms[0], DCTERMS.source))
        assert sources and all((s, RDF.type, DCTERMS.BibliographicResource) in graph for s in sources), c
        assert len(list(graph.objects(c, IAO_DEFINITION))) == 1, c
        with_def += 1
    recovered = [r["mondo_id"] for r in mondo_classes if r["definition"] and r["mondo_id"] in core_ids]
    for mid in recovered:
        row = next(r for r in mondo_classes if r["mondo_id"] == mid)
        assert graph.value(iri(mid), IAO_DEFINITION) == Literal(row["definition"])
    # familial IIM's definition comes from the MedGen seed page
    assert str(graph.value(iri("MONDO:0600024"), IAO_DEFINITION)).startswith("An instance of myositis")
    assert with_def >= 20


def test_header_has_version_title_description_licence_and_derived_from(graph):
    ont = URIRef(ONTOLOGY_IRI)
    from iimgraph import __version__

    assert graph.value(ont, OWL.versionIRI) == URIRef(f"https://w3id.org/iimgraph/releases/{__version__}/iimgraph.owl")
    assert graph.value(ont, OWL.versionInfo) == Literal(__version__)
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.license):
        assert graph.value(ont, p) is not None, p
    derived = set(graph.objects(ont, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
    assert len(derived) == 7
    assert all((s, RDF.type, DCTERMS.BibliographicResource) in graph for s in derived)


def test_every_seed_page_is_a_source(graph):
    seeds = {str(o) for o in graph.objects(None, IIM.seedFile)}
    assert len(seeds) == 5
    if (SHARED / "seeds").is_dir():
        assert seeds == {p.name for p in (SHARED / "seeds").glob("*.txt")}


def test_building_twice_gives_isomorphic_graphs_and_the_same_iris():
    from iimgraph import build_graph

    a, b = build_graph(), build_graph()
    assert same_graph(a, b)
    iris = lambda g: {t for triple in g for t in triple if isinstance(t, URIRef)}  # noqa: E731
    assert iris(a) == iris(b)


def test_version_stamp_follows_the_requested_version():
    from iimgraph import build_graph

    g = build_graph(version="2026-11-21")
    assert g.value(URIRef(ONTOLOGY_IRI), OWL.versionInfo) == Literal("2026-11-21")
    assert len(list(g.objects(URIRef(ONTOLOGY_IRI), OWL.versionIRI))) == 1


def test_check_ids_passes_on_the_sources():
    if not (SHARED / "tools" / "check_ids.py").exists():
        missing(needs.SHARED)
    paths = [str(ROOT / d) for d in ("ontology", "shapes", "queries") if (ROOT / d).is_dir()]
    proc = subprocess.run([sys.executable, str(SHARED / "tools" / "check_ids.py"), *paths],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_packaged_reference_is_a_faithful_copy():
    if not (SHARED / "reference").is_dir():
        missing(needs.SHARED)
    for f in (SHARED / "reference").glob("*.tsv"):
        assert (ROOT / "reference" / f.name).read_bytes() == f.read_bytes(), f.name
