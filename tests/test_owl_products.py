"""Issue 16: the OWL products as the field's OWL tools read them. The OWL API's OWL 2 DL profile
check finds no violation in either product, HermiT (owlready2) finds both consistent, pronto opens
both, and the base product has its own ontology IRI and versionIRI."""

from __future__ import annotations

import warnings

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from tests.field_tools import owl2_dl_violations, owlapi_classpath
from tests.needs import JAVA_INSTALL, OWLAPI_INSTALL, missing, module

from .conftest import RELEASE_VERSION

VERSION = RELEASE_VERSION
FULL_IRI = "https://w3id.org/iimgraph/iimgraph.owl"
BASE_IRI = "https://w3id.org/iimgraph/iimgraph-base.owl"


def test_both_owl_products_are_in_the_owl2_dl_profile(release_dir):
    classpath = owlapi_classpath()
    if classpath is None:
        missing("the OWL API (Debian's libowlapi-java, on Java)", OWLAPI_INSTALL)
    found = owl2_dl_violations(release_dir / "iimgraph.owl", release_dir / "iimgraph-base.owl", classpath=classpath)
    assert found == {str(release_dir / "iimgraph.owl"): [], str(release_dir / "iimgraph-base.owl"): []}


def test_the_profile_check_does_report_violations(tmp_path):
    """The check is live: an undeclared class and rdfs:subClassOf used as an individual are reported."""
    classpath = owlapi_classpath()
    if classpath is None:
        missing("the OWL API (Debian's libowlapi-java, on Java)", OWLAPI_INSTALL)
    bad = tmp_path / "bad.owl"
    bad.write_text("""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
         xmlns:owl="http://www.w3.org/2002/07/owl#" xmlns:ex="http://example.org/">
  <owl:Ontology rdf:about="http://example.org/o"/>
  <owl:ObjectProperty rdf:about="http://example.org/predicate"/>
  <owl:Class rdf:about="http://example.org/A"><rdfs:subClassOf rdf:resource="http://example.org/Undeclared"/></owl:Class>
  <rdf:Description rdf:about="http://example.org/claim"><ex:predicate rdf:resource="http://www.w3.org/2000/01/rdf-schema#subClassOf"/></rdf:Description>
</rdf:RDF>
""")
    found = owl2_dl_violations(bad, classpath=classpath)[str(bad)]
    assert any("undeclared class" in v and "Undeclared" in v for v in found), found
    assert any("reserved vocabulary" in v and "subClassOf" in v for v in found), found


@pytest.mark.parametrize("name", ["iimgraph.owl", "iimgraph-base.owl"])
def test_hermit_finds_each_owl_product_consistent(release_dir, name):
    import owlready2

    from iimgraph.validate.reason import java_available

    if java_available():
        missing(java_available(), JAVA_INSTALL)
    world = owlready2.World()
    onto = world.get_ontology((release_dir / name).as_uri()).load()
    assert onto.base_iri.rstrip("#") == (FULL_IRI if name == "iimgraph.owl" else BASE_IRI)
    dermatomyositis = world["http://purl.obolibrary.org/obo/MONDO_0016367"]
    assert dermatomyositis is not None and "dermatomyositis" in dermatomyositis.label
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)  # raises if inconsistent
    assert list(world.inconsistent_classes()) == []


@pytest.mark.parametrize("name", ["iimgraph.owl", "iimgraph-base.owl"])
def test_pronto_opens_each_owl_product(release_dir, name):
    pronto = module("pronto")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pronto warns on every annotation property it does not map to OBO
        onto = pronto.Ontology(str(release_dir / name))
    assert onto.metadata.ontology == (FULL_IRI if name == "iimgraph.owl" else BASE_IRI)
    leaf = "iimgraph.owl" if name == "iimgraph.owl" else "iimgraph-base.owl"
    assert onto.metadata.data_version == f"https://w3id.org/iimgraph/releases/{VERSION}/{leaf}"
    dm = onto["MONDO:0016367"]
    assert dm.name == "dermatomyositis"
    # every parent is a declared term: the context parent MONDO:0005554, and in the full product the
    # parent MONDO:0000429 of two context classes, which the project does not otherwise describe
    assert "MONDO:0005554" in {p.id for p in dm.superclasses(distance=1)}
    if name == "iimgraph.owl":
        assert onto["MONDO:0000426"].superclasses(distance=1).to_set() >= {onto["MONDO:0000429"]}
        assert onto["HP:0003701"].name == "Proximal muscle weakness"


def test_base_has_its_own_ontology_iri_and_version_iri(release_dir):
    full = Graph().parse(release_dir / "iimgraph.ttl")
    base = Graph().parse(release_dir / "iimgraph-base.ttl")
    assert set(full.subjects(RDF.type, OWL.Ontology)) == {URIRef(FULL_IRI)}
    assert set(base.subjects(RDF.type, OWL.Ontology)) == {URIRef(BASE_IRI)}
    assert base.value(URIRef(BASE_IRI), OWL.versionIRI) == URIRef(
        f"https://w3id.org/iimgraph/releases/{VERSION}/iimgraph-base.owl")
    assert full.value(URIRef(FULL_IRI), OWL.versionIRI) == URIRef(
        f"https://w3id.org/iimgraph/releases/{VERSION}/iimgraph.owl")
    # the base keeps the declaration of an external parent it names, not its description
    parent = URIRef("http://purl.obolibrary.org/obo/MONDO_0005554")
    assert (parent, RDF.type, OWL.Class) in base and base.value(parent, RDFS.label) is None


def test_the_owl_product_writes_typed_elements(release_dir):
    text = (release_dir / "iimgraph.owl").read_text()
    assert f'<owl:Ontology rdf:about="{FULL_IRI}">' in text
    assert '<owl:Class rdf:about="http://purl.obolibrary.org/obo/MONDO_0016367">' in text
    assert '<rdf:type rdf:resource="http://www.w3.org/2002/07/owl#Class"/>' not in text
