"""Issue 16: the release describes itself as portals read it. VoID lists only the dataset's RDF dumps,
DCAT describes every file (download URL, media type, size, SHA-256 as in manifest.json), with
issued date, publisher, SPARQL endpoint, vocabularies and class partitions; the SSSOM set carries
mapping_set_version, publication_date and creator_id, as sssom-py reads them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from iimgraph.namespaces import XSD  # the plain IRI string: rdflib's XSD object warns when pytest probes it
from tests.needs import module

VERSION = "2026-11-21"
ENDPOINT = "https://sparql.example.org/iimgraph"
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
RELEASE = f"https://w3id.org/iimgraph/releases/{VERSION}/"


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory) -> Path:
    from iimgraph.release.release import write_release

    out = tmp_path_factory.mktemp("release")
    write_release(out, version=VERSION, sparql_endpoint=ENDPOINT)
    return out


@pytest.fixture(scope="module")
def void(release_dir) -> Graph:
    return Graph().parse(release_dir / "void.ttl")


def test_void_dumps_are_the_rdf_of_the_dataset_only(void, release_dir):
    full, base = URIRef(RELEASE + "void#dataset"), URIRef(RELEASE + "void#base")
    assert {str(o) for o in void.objects(full, VOID.dataDump)} == {
        RELEASE + n for n in ("iimgraph.nt", "iimgraph.ttl", "iimgraph.owl", "iimgraph.jsonld")}
    assert {str(o) for o in void.objects(base, VOID.dataDump)} == {RELEASE + "iimgraph-base.ttl", RELEASE + "iimgraph-base.owl"}
    manifest = json.loads((release_dir / "manifest.json").read_text())
    assert int(void.value(full, VOID.triples)) == manifest["triples"]["full"]
    assert int(void.value(base, VOID.triples)) == manifest["triples"]["base"]
    for ds in (full, base):
        assert (ds, RDF.type, DCAT.Dataset) in void
        assert void.value(ds, DCTERMS.issued) == Literal(VERSION, datatype=XSD + "date")
        assert void.value(ds, DCTERMS.publisher) is not None
        assert void.value(ds, VOID.sparqlEndpoint) == URIRef(ENDPOINT)
        assert URIRef("https://w3id.org/biolink/vocab/") in set(void.objects(ds, VOID.vocabulary))


def test_every_file_is_a_dcat_distribution_matching_the_manifest(void, release_dir):
    manifest = json.loads((release_dir / "manifest.json").read_text())
    described = {str(d)[len(RELEASE):]: d for d in void.subjects(RDF.type, DCAT.Distribution)}
    assert set(described) == set(manifest["files"]) - {"void.ttl"}
    for name, dist in described.items():
        entry = manifest["files"][name]
        assert void.value(dist, DCAT.downloadURL) == URIRef(RELEASE + name)
        assert int(void.value(dist, DCAT.byteSize)) == entry["bytes"] == (release_dir / name).stat().st_size
        checksum = void.value(dist, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(void.value(checksum, SPDX.checksumValue)) == entry["sha256"] == hashlib.sha256(
            (release_dir / name).read_bytes()).hexdigest()
        assert str(void.value(dist, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/"), name
    assert str(void.value(described["iimgraph.ttl"], DCAT.mediaType)).endswith("/text/turtle")
    assert str(void.value(described["phenotype.hpoa"], DCAT.mediaType)).endswith("/text/tab-separated-values")


def test_the_base_is_a_subset_of_the_full_dataset(void):
    """VoID links the two datasets: every triple of the base is in the full product."""
    assert (URIRef(RELEASE + "void#dataset"), VOID.subset, URIRef(RELEASE + "void#base")) in void


def test_class_partitions_count_the_instances(void, release_dir):
    full = Graph().parse(release_dir / "iimgraph.nt")
    ds = URIRef(RELEASE + "void#dataset")
    parts = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities)) for p in void.objects(ds, VOID.classPartition)}
    biolink = Namespace("https://w3id.org/biolink/vocab/")
    for cls in (biolink.DiseaseToPhenotypicFeatureAssociation, URIRef("http://www.w3.org/2002/07/owl#Class")):
        assert parts[cls] == len(set(full.subjects(RDF.type, cls))) > 0


def test_release_without_endpoint_names_none(tmp_path):
    from iimgraph.release.release import write_release

    write_release(tmp_path / "r", version=VERSION)
    assert not list(Graph().parse(tmp_path / "r" / "void.ttl").objects(None, VOID.sparqlEndpoint))


def test_sssom_metadata_as_sssom_py_reads_it(release_dir):
    parsers = module("sssom.parsers", "sssom-py (it comes with oaklib)")
    msdf = parsers.parse_sssom_table(str(release_dir / "iimgraph.sssom.tsv"))
    assert msdf.metadata["mapping_set_version"] == VERSION
    assert str(msdf.metadata["publication_date"]) == VERSION
    assert msdf.metadata["creator_id"] == ["iimt:iimgraph-project"]
    assert msdf.converter.expand("iimt:iimgraph-project") == "https://w3id.org/iimgraph/term/iimgraph-project"
