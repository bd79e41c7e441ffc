"""Issue 28: the release ships the ontology as OBO and obographs JSON; pronto and OAK load them back and
see what the RDF says (labels, definitions, synonyms, cross-references, parents)."""

from __future__ import annotations

import json
import subprocess
import warnings

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from tests.test_oak import RUNOAK

DM = "MONDO:0016367"  # dermatomyositis
DM_IRI = URIRef("http://purl.obolibrary.org/obo/MONDO_0016367")
OIO = "http://www.geneontology.org/formats/oboInOwl#"


@pytest.fixture(scope="module")
def rdf(release_dir) -> Graph:
    return Graph().parse(release_dir / "iimgraph.nt", format="nt")


def _pronto(path):  # type: ignore[no-untyped-def]
    import pronto

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pronto.Ontology(str(path))


@pytest.mark.parametrize("name", ["iimgraph.obo", "iimgraph.json"])
def test_pronto_reads_what_the_rdf_says(release_dir, rdf, name):
    onto = _pronto(release_dir / name)
    term = onto[DM]
    assert term.name == str(rdf.value(DM_IRI, RDFS.label))
    synonyms = {str(o) for p in ("hasExactSynonym", "hasRelatedSynonym", "hasBroadSynonym", "hasNarrowSynonym")
                for o in rdf.objects(DM_IRI, URIRef(OIO + p))}
    assert {s.description for s in term.synonyms} == synonyms and synonyms
    xrefs = {str(o) for o in rdf.objects(DM_IRI, URIRef(OIO + "hasDbXref"))}
    assert {x.id for x in term.xrefs} == xrefs and "Orphanet:221" in xrefs
    parents = {str(o).rsplit("/", 1)[-1].replace("_", ":") for o in rdf.objects(DM_IRI, RDFS.subClassOf)
               if isinstance(o, URIRef)}
    assert {p.id for p in term.superclasses(distance=1, with_self=False)} == parents
    assert len(onto.terms()) > 500


def test_the_obographs_json_follows_the_schema_where_pronto_does_not(release_dir):
    text = (release_dir / "iimgraph.json").read_text()
    assert "null" not in text.replace('"null"', "")
    doc = json.loads(text)
    assert doc["graphs"][0]["id"] == "https://w3id.org/iimgraph/iimgraph.owl"
    assert doc["graphs"][0]["meta"]["version"].startswith("https://w3id.org/iimgraph/releases/")
    nodes = {n["id"]: n for n in doc["graphs"][0]["nodes"]}
    xrefs = [x["val"] for x in nodes[str(DM_IRI)]["meta"]["xrefs"]]
    assert "ICD10:M33.0" in xrefs and not [x for x in xrefs if x.startswith("http://purl.obolibrary.org/obo/")]


@pytest.mark.parametrize("adapter, name", [("simpleobo", "iimgraph.obo"), ("obograph", "iimgraph.json")])
def test_oak_reads_them(release_dir, adapter, name):
    source = f"{adapter}:{release_dir / name}"
    done = subprocess.run([RUNOAK, "-i", source, "info", DM, "-O", "obo"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "name: dermatomyositis" in done.stdout and "is_a: MONDO:0019127 ! polymyositis" in done.stdout
    if adapter == "obograph":  # OAK's obographs adapter has no mappings command
        return
    done = subprocess.run([RUNOAK, "-i", source, "mappings", DM], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "object_id: Orphanet:221" in done.stdout and "object_id: ICD10:M33.0" in done.stdout


def test_listed_in_manifest_void_and_readme(release_dir):
    manifest = json.loads((release_dir / "manifest.json").read_text())
    void = Graph().parse(release_dir / "void.ttl")
    readme = (release_dir / "README.md").read_text()
    for name in ("iimgraph.obo", "iimgraph.json"):
        assert name in manifest["files"]
        dist = next(s for s in void.subjects() if str(s).endswith("/" + name))
        assert (dist, URIRef("http://purl.org/dc/terms/conformsTo"), None) in void
        assert f"`{name}`" in readme
