"""One complete, versioned, byte-stable release folder for linked-data portals.

Products (ODK sense): *full* is the release graph, which already carries the labels and parents of
the external terms it uses (HPO terms, MONDO context parents), so a portal can show it alone;
*base* is the project's own axioms and claims, without those external-term descriptions.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef

from iimgraph.atomic import check_replaceable, check_target, replace_folder
from iimgraph.build.graph import build_graph, source_files, version_iri
from iimgraph.build.sources import refuse_output
from iimgraph.errors import OutputError, ValidationFailed
from iimgraph.formats import WRITABLE, RdfFormat, ResultFormat
from iimgraph.io.jsonld import CONTEXT_FILE, jsonld_context
from iimgraph.io.sssom import MappingSet, read_sssom, render_sssom
from iimgraph.namespaces import (
    BASE,
    DCAT,
    FOAF,
    IANA_MEDIA_TYPES,
    OBO,
    OBO_FORMAT_SPEC,
    OBOGRAPHS_SPEC,
    ONTOLOGY_IRI,
    PREFIX_MAP,
    SPDX,
    TERM,
    VOID,
)
from iimgraph.namespaces import BIOLINK as BIOLINK_NS
from iimgraph.namespaces import DCTERMS as DCTERMS_NS
from iimgraph.namespaces import OBOINOWL as OBOINOWL_NS
from iimgraph.namespaces import OWL as OWL_NS
from iimgraph.namespaces import SKOS as SKOS_NS
from iimgraph.namespaces import SSSOM as SSSOM_NS
from iimgraph.namespaces import display_curie as curie
from iimgraph.release.export import canonical, serialize
from iimgraph.release.hpoa import hpo_version_iri, hpoa_rows, render_hpoa
from iimgraph.release.notices import release_license, release_readme
from iimgraph.release.obo import obo_products
from iimgraph.resources import ontology_dir, shapes_dir
from iimgraph.terms import DCTERMS, IIM, OWL, RDF, RDFS, XSD
from iimgraph.version import __version__

EXTERNAL_SCOPES = {"context", "placement_target"}


def external_terms(graph: Graph) -> set[URIRef]:
    """Terms described only so the graph reads alone: HPO terms, MONDO context parents and placement
    targets, and the MONDO parents ``ontology/declarations.ttl`` declares (MONDO classes with no scope)."""
    terms = {s for s, o in graph.subject_objects(IIM.inScope) if isinstance(s, URIRef) and str(o) in EXTERNAL_SCOPES}
    terms |= {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(PREFIX_MAP["HP"])}
    # the parents of context parents: an OBO IRI with a label and nothing else
    terms |= {s for s in graph.subjects(RDFS.label) if isinstance(s, URIRef) and str(s).startswith(OBO)
              and set(graph.predicates(s)) == {RDFS.label}}
    scoped = set(graph.subjects(IIM.inScope))
    terms |= {s for s in graph.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef) and s not in scoped
              and str(s).startswith(PREFIX_MAP["MONDO"])}
    return terms


def base_iri(iri: str) -> URIRef:
    """The base product's ontology IRI or versionIRI: ``.../iimgraph.owl`` becomes ``.../iimgraph-base.owl``."""
    return URIRef(iri[: -len("iimgraph.owl")] + "iimgraph-base.owl") if iri.endswith("/iimgraph.owl") else URIRef(iri)


def base_graph(full: Graph) -> Graph:
    """The project's own axioms and claims: the full graph less the descriptions of external terms.

    External terms the base still names as a parent or type keep their ``owl:Class`` declaration
    (ODK bases do the same), so the base is OWL 2 DL on its own. The header becomes the base's own
    ontology, ``.../iimgraph-base.owl`` with versionIRI ``.../releases/{version}/iimgraph-base.owl``.
    """
    external = external_terms(full)
    base = Graph()
    for prefix, ns in full.namespaces():
        base.bind(prefix, ns)
    ontology = URIRef(ONTOLOGY_IRI)
    kept = [t for t in full if t[0] not in external]
    named = {o for _, p, o in kept if p in (RDFS.subClassOf, RDF.type, OWL.equivalentClass) and isinstance(o, URIRef)}
    kept += [(term, RDF.type, OWL.Class) for term in external & named if (term, RDF.type, OWL.Class) in full]
    renamed = []
    for s, p, o in kept:
        if s == ontology:
            s = base_iri(str(s))
            if p == OWL.versionIRI:
                o = base_iri(str(o))
        renamed.append((s, p, o))
    # sorted insertion keeps serialisers' order independent of string hashing
    for triple in sorted(renamed, key=lambda t: tuple(x.n3() for x in t)):
        base.add(triple)
    return base


def release_date(graph: Graph, version: str) -> str:
    """The ISO date a release is stamped with: the version when it is one (``2026-11-21``), else the
    newest ``xsd:date`` of the sources (the data is as of then), so the same sources give the same bytes."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", version):
        return version
    dates = [str(o) for o in graph.objects() if isinstance(o, Literal) and o.datatype == XSD.date]
    return max(dates, default="1970-01-01")


#: who publishes the release and created its mapping set: the project, as a project concept (iimt:)
PUBLISHER = TERM + "iimgraph-project"
#: the RDF dumps of the dataset: the full product in every RDF syntax (the base is a dataset of its own)
FULL_DUMPS = ("iimgraph.nt", "iimgraph.ttl", "iimgraph.owl", "iimgraph.jsonld")
BASE_DUMPS = ("iimgraph-base.ttl", "iimgraph-base.owl")
_MEDIA_TYPES = {**{f.suffix: f.media_type for f in WRITABLE}, ".json": "application/json",
                ".tsv": ResultFormat.TSV.media_type, ".hpoa": ResultFormat.TSV.media_type, ".md": "text/markdown",
                ".obo": "text/plain"}  # OBO has no registered media type: plain UTF-8 text, dcterms:conformsTo its spec


CONFORMS_TO = {"iimgraph.obo": OBO_FORMAT_SPEC, "iimgraph.json": OBOGRAPHS_SPEC}


def void_graph(full: Graph, base: Graph, version: str, files: dict[str, bytes], *, issued: str,
               sparql_endpoint: str | None = None) -> Graph:
    """VoID and DCAT description of a release: the dataset (the full product) and the base, their
    RDF dumps, class partitions, vocabularies, and every other file as a ``dcat:Distribution`` with
    download URL, media type, size and SHA-256 (the manifest's)."""
    void = Namespace(VOID)
    dcat = Namespace(DCAT)
    spdx = Namespace(SPDX)
    foaf = Namespace(FOAF)
    g = Graph()
    for prefix, ns in (("void", void), ("dcat", dcat), ("spdx", spdx), ("foaf", foaf), ("dcterms", DCTERMS),
                       ("owl", OWL), ("xsd", XSD), ("iimt", Namespace(TERM))):
        g.bind(prefix, ns)
    release = f"{BASE}releases/{version}/"
    publisher = URIRef(PUBLISHER)
    g.add((publisher, RDF.type, foaf.Organization))
    g.add((publisher, foaf.name, Literal("iimgraph project")))
    g.add((publisher, foaf.homepage, URIRef(BASE)))
    ontology = URIRef(ONTOLOGY_IRI)
    datasets = {"full": (URIRef(release + "void#dataset"), full, FULL_DUMPS, "iimgraph release " + version),
                "base": (URIRef(release + "void#base"), base, BASE_DUMPS, "iimgraph base release " + version)}
    for ds, graph, dumps, title in datasets.values():
        g.add((ds, RDF.type, void.Dataset))
        g.add((ds, RDF.type, dcat.Dataset))
        g.add((ds, DCTERMS.title, Literal(title)))
        for p in (DCTERMS.description, DCTERMS.license):
            for o in full.objects(ontology, p):
                g.add((ds, p, o))
        g.add((ds, OWL.versionInfo, Literal(version)))
        g.add((ds, DCTERMS.issued, Literal(issued, datatype=XSD.date)))
        g.add((ds, DCTERMS.publisher, publisher))
        g.add((ds, void.triples, Literal(len(graph))))
        g.add((ds, void.uriSpace, Literal(BASE)))
        if sparql_endpoint:
            g.add((ds, void.sparqlEndpoint, URIRef(sparql_endpoint)))
        for vocab in (OBO, BIOLINK_NS, str(IIM), SKOS_NS, DCTERMS_NS, OWL_NS, OBOINOWL_NS, SSSOM_NS):
            g.add((ds, void.vocabulary, URIRef(vocab)))
        for name in dumps:
            g.add((ds, void.dataDump, URIRef(release + name)))
        counts: dict[URIRef, set] = {}
        for s, o in graph.subject_objects(RDF.type):
            if isinstance(o, URIRef):
                counts.setdefault(o, set()).add(s)
        for cls, members in sorted(counts.items()):
            part = BNode()
            g.add((ds, void.classPartition, part))
            g.add((part, void["class"], cls))
            g.add((part, void.entities, Literal(len(members))))
    # the base is the full product without the external terms' descriptions (its own ontology header aside)
    g.add((datasets["full"][0], void.subset, datasets["base"][0]))
    g.add((datasets["full"][0], void.rootResource, ontology))
    g.add((datasets["base"][0], void.rootResource, base_iri(ONTOLOGY_IRI)))
    for name, data in sorted(files.items()):
        dist = URIRef(release + name)
        owner = datasets["base"][0] if name in BASE_DUMPS else datasets["full"][0]
        g.add((owner, dcat.distribution, dist))
        g.add((dist, RDF.type, dcat.Distribution))
        g.add((dist, DCTERMS.title, Literal(name)))
        g.add((dist, dcat.downloadURL, dist))
        media = "application/ld+json" if name.endswith(".jsonld") else _MEDIA_TYPES.get(Path(name).suffix, "")
        if name == "LICENSE":
            media = "text/plain"
        if media:
            g.add((dist, dcat.mediaType, URIRef(IANA_MEDIA_TYPES + media)))
        if name in CONFORMS_TO:  # OBO has no registered media type; what both files follow is their specification
            g.add((dist, DCTERMS.conformsTo, URIRef(CONFORMS_TO[name])))
        g.add((dist, dcat.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((dist, spdx.checksum, checksum))
        g.add((checksum, RDF.type, spdx.Checksum))
        g.add((checksum, spdx.algorithm, spdx.checksumAlgorithm_sha256))
        g.add((checksum, spdx.checksumValue, Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)))
    return g


def release_mapping_set(mapping_set: MappingSet, version: str, issued: str) -> MappingSet:
    """The released mapping set: the source's metadata plus ``mapping_set_version``, ``publication_date``
    and ``creator_id`` (the project), unless the source sets them."""
    meta = dict(mapping_set.metadata)
    meta.setdefault("mapping_set_version", version)
    meta.setdefault("publication_date", issued)
    meta.setdefault("creator_id", [curie(URIRef(PUBLISHER))])
    return MappingSet(meta, mapping_set.rows, mapping_set.lines)


def upstream_versions(graph: Graph) -> dict[str, dict[str, str]]:
    out = {}
    for s in graph.subjects(RDF.type, IIM.ReferenceSnapshot):
        out[curie(s)] = {k: str(graph.value(s, p) or "") for k, p in
                         (("repository", IIM.repository), ("commit", IIM.commit), ("issued", DCTERMS.issued),
                          ("title", DCTERMS.title))}
    return dict(sorted(out.items()))


def write_release(out: Path, *, version: str | None = None, sources: Path | None = None,
                  sparql_endpoint: str | None = None, validate: bool = True, reason: bool = True) -> dict:
    """Write every release file into ``out``; returns the manifest. All or nothing: ``out`` (new, empty
    or a previous release) is replaced whole, in one rename, once every file is staged.

    The sources are validated first (``reason``: with OWL reasoning): any ERROR finding raises
    :class:`~iimgraph.errors.ValidationFailed` and nothing is written, unless ``validate=False``.
    """
    version = version or __version__
    refuse_output(Path(out), sources or _default_sources(), folder=True)
    check_replaceable(Path(out), replaceable=_is_release, what="release")  # before the work, and again at the swap
    built = build_graph(sources, version=version)
    if validate:
        _validate_first(built, sources, reason=reason)
    full = canonical(built)  # once, for every format below
    base = base_graph(full)  # keeps full's canonical blank-node labels
    files: dict[str, bytes] = {}
    for fmt in (RdfFormat.TURTLE, RdfFormat.NTRIPLES, RdfFormat.OWL, RdfFormat.JSONLD):
        files[f"iimgraph{fmt.suffix}"] = serialize(full, fmt, already_canonical=True)
    files.update(obo_products(files["iimgraph.owl"]))
    files["iimgraph-base.ttl"] = serialize(base, RdfFormat.TURTLE, already_canonical=True)
    files["iimgraph-base.owl"] = serialize(base, RdfFormat.OWL, already_canonical=True)
    files[CONTEXT_FILE] = (json.dumps(jsonld_context(), indent=1, sort_keys=True) + "\n").encode("utf-8")
    mapping_files = [p for p in source_files(sources or _default_sources()) if p.name.endswith(".sssom.tsv")]
    date = release_date(full, version)
    for path in mapping_files:
        files[path.name] = render_sssom(release_mapping_set(read_sssom(path), version, date)).encode("utf-8")
    hpo_version = hpo_version_iri(full)
    for name, key in (("phenotype.hpoa", "hpo"), ("phenotype.mondo.hpoa", "mondo")):
        rows = hpoa_rows(full, release_date=date, key=key)
        files[name] = render_hpoa(rows, release_date=date, hpo_version=hpo_version, mondo=key == "mondo").encode("utf-8")

    for shape in sorted(shapes_dir().glob("*.ttl")):
        files[f"shapes/{shape.name}"] = shape.read_bytes()
    triples = {"full": len(full), "base": len(base)}
    # README and LICENSE before VoID, so that VoID describes them as distributions too
    files["README.md"] = release_readme(version, [*files, "void.ttl"], triples).encode("utf-8")
    files["LICENSE"] = release_license(version).encode("utf-8")
    files["void.ttl"] = serialize(void_graph(full, base, version, files, issued=date, sparql_endpoint=sparql_endpoint),
                                  RdfFormat.TURTLE)
    manifest = {
        "name": "iimgraph",
        "version": version,
        "version_iri": str(version_iri(version)),
        "issued": date,
        "package_version": __version__,
        "triples": triples,
        "upstream_sources": upstream_versions(full),
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in sorted(files.items())},
    }
    files["manifest.json"] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")
    _write_folder(Path(out), files)
    return manifest


def _validate_first(graph: Graph, sources: Path | None, *, reason: bool) -> None:
    from iimgraph.validate.pipeline import validate_graph

    report = validate_graph(graph, source_files(sources or _default_sources()), reason=reason)
    errors = report.failing("ERROR")
    if errors:
        raise ValidationFailed(f"release refused: the sources fail validation ({len(errors)} error(s)); nothing written "
                               "(fix them, or release with --no-validate)", report)


def _default_sources() -> Path:
    return ontology_dir()


def _is_release(folder: Path) -> bool:
    """A folder a previous ``release`` wrote (its manifest names iimgraph), which a new one may replace.

    The swap replaces the folder whole, so it must hold nothing but the files that release listed:
    anything else (notes, a ``.git/``, a file in a folder that used to be an output) is refused by name.
    """
    check_target(folder / "manifest.json")  # a FIFO there would hang the read: refused, left as it was
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("name") != "iimgraph":
        return False
    files = manifest.get("files")
    listed = {"manifest.json", *(files if isinstance(files, dict) else {})}
    parents = {p.as_posix() for name in listed for p in Path(name).parents}
    for top, dirs, names in os.walk(folder):  # never through a link
        here = Path(top).relative_to(folder)
        for name in sorted(names + dirs):
            path, rel = Path(top) / name, (here / name).as_posix()
            mode = path.lstat().st_mode
            if (rel in listed and (stat.S_ISREG(mode) or stat.S_ISLNK(mode))) or (name in dirs and rel in parents):
                continue  # a release's file, or a link where one was (the link goes; what it names stays)
            if name in dirs and not stat.S_ISLNK(mode):  # name what it holds, the thing that would be lost
                inside = next((Path(t, f) for t, _, fs in os.walk(path) for f in sorted(fs)), None)
                rel = (here / name / inside.relative_to(path)).as_posix() if inside else rel + "/"
            raise OutputError(f"{folder}: holds {rel}, which no release wrote; a release replaces the folder "
                              "whole, so move it out first or give a new folder")
    return True


def _write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Stage every file in a sibling folder, then swap it in with one rename: all or nothing."""
    replace_folder(out, files, replaceable=_is_release, what="release")


__all__ = ["base_graph", "base_iri", "external_terms", "hpoa_rows", "release_date", "write_release"]
