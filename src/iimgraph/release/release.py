"""One complete, versioned, byte-stable release folder for linked-data portals.

Products (ODK sense): *full* is the release graph, which already carries the labels and parents of
the external terms it uses (HPO terms, MONDO context parents), so a portal can show it alone;
*base* is the project's own axioms and claims, without those external-term descriptions.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from iimgraph import __version__
from iimgraph.atomic import write_bytes_atomic
from iimgraph.build.graph import build_graph, source_files, version_iri
from iimgraph.errors import OutputError
from iimgraph.formats import RdfFormat
from iimgraph.io.jsonld import CONTEXT_FILE, jsonld_context
from iimgraph.io.sssom import read_sssom, render_sssom
from iimgraph.namespaces import BASE, ONTOLOGY_IRI
from iimgraph.namespaces import display_curie as curie
from iimgraph.release.export import canonical, serialize
from iimgraph.release.hpoa import hpo_version_iri, hpoa_rows, render_hpoa
from iimgraph.resources import ontology_dir, shapes_dir
from iimgraph.terms import DCTERMS, IIM, OWL, RDF, RDFS, XSD

EXTERNAL_SCOPES = {"context", "placement_target"}


def external_terms(graph: Graph) -> set[URIRef]:
    """Terms described only so the graph reads alone: HPO terms, MONDO context parents and placement
    targets, and the MONDO parents ``ontology/declarations.ttl`` declares (MONDO classes with no scope)."""
    terms = {s for s, o in graph.subject_objects(IIM.inScope) if isinstance(s, URIRef) and str(o) in EXTERNAL_SCOPES}
    terms |= {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith("http://purl.obolibrary.org/obo/HP_")}
    scoped = set(graph.subjects(IIM.inScope))
    terms |= {s for s in graph.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef) and s not in scoped
              and str(s).startswith("http://purl.obolibrary.org/obo/MONDO_")}
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


def void_graph(full: Graph, version: str, files: list[str]) -> Graph:
    void = "http://rdfs.org/ns/void#"
    g = Graph()
    g.bind("void", void)
    g.bind("dcterms", str(DCTERMS))
    ds = URIRef(f"{BASE}releases/{version}/void#dataset")
    g.add((ds, RDF.type, URIRef(void + "Dataset")))
    g.add((ds, DCTERMS.title, Literal("iimgraph release " + version)))
    ontology = URIRef(ONTOLOGY_IRI)
    for p in (DCTERMS.description, DCTERMS.license):
        for o in full.objects(ontology, p):
            g.add((ds, p, o))
    g.add((ds, OWL.versionInfo, Literal(version)))
    g.add((ds, URIRef(void + "triples"), Literal(len(full))))
    g.add((ds, URIRef(void + "uriSpace"), Literal(BASE)))
    g.add((ds, URIRef(void + "rootResource"), ontology))
    for name in files:
        g.add((ds, URIRef(void + "dataDump"), URIRef(f"{BASE}releases/{version}/{name}")))
    for vocab in ("http://purl.obolibrary.org/obo/", "https://w3id.org/biolink/vocab/", str(IIM),
                  "http://www.w3.org/2004/02/skos/core#", "http://purl.org/dc/terms/"):
        g.add((ds, URIRef(void + "vocabulary"), URIRef(vocab)))
    return g


def upstream_versions(graph: Graph) -> dict[str, dict[str, str]]:
    out = {}
    for s in graph.subjects(RDF.type, IIM.ReferenceSnapshot):
        out[curie(s)] = {k: str(graph.value(s, p) or "") for k, p in
                         (("repository", IIM.repository), ("commit", IIM.commit), ("issued", DCTERMS.issued),
                          ("title", DCTERMS.title))}
    return dict(sorted(out.items()))


def write_release(out: Path, *, version: str | None = None, sources: Path | None = None) -> dict:
    """Write every release file into ``out``; returns the manifest. All-or-nothing per file."""
    version = version or __version__
    full = canonical(build_graph(sources, version=version))  # once, for every format below
    base = base_graph(full)  # keeps full's canonical blank-node labels
    files: dict[str, bytes] = {}
    for fmt in (RdfFormat.TURTLE, RdfFormat.NTRIPLES, RdfFormat.OWL, RdfFormat.JSONLD):
        files[f"iimgraph{fmt.suffix}"] = serialize(full, fmt, already_canonical=True)
    files["iimgraph-base.ttl"] = serialize(base, RdfFormat.TURTLE, already_canonical=True)
    files["iimgraph-base.owl"] = serialize(base, RdfFormat.OWL, already_canonical=True)
    files[CONTEXT_FILE] = (json.dumps(jsonld_context(), indent=1, sort_keys=True) + "\n").encode("utf-8")
    mapping_files = [p for p in source_files(sources or _default_sources()) if p.name.endswith(".sssom.tsv")]
    for path in mapping_files:
        files[path.name] = render_sssom(read_sssom(path)).encode("utf-8")
    date = release_date(full, version)
    hpo_version = hpo_version_iri(full)
    for name, key in (("phenotype.hpoa", "hpo"), ("phenotype.mondo.hpoa", "mondo")):
        rows = hpoa_rows(full, release_date=date, key=key)
        files[name] = render_hpoa(rows, release_date=date, hpo_version=hpo_version, mondo=key == "mondo").encode("utf-8")

    for shape in sorted(shapes_dir().glob("*.ttl")):
        files[f"shapes/{shape.name}"] = shape.read_bytes()
    files["void.ttl"] = serialize(void_graph(full, version, sorted(files)), RdfFormat.TURTLE)
    manifest = {
        "name": "iimgraph",
        "version": version,
        "version_iri": str(version_iri(version)),
        "package_version": __version__,
        "triples": {"full": len(full), "base": len(base)},
        "upstream_sources": upstream_versions(full),
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in sorted(files.items())},
    }
    files["manifest.json"] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")
    _write_folder(Path(out), files)
    return manifest


def _default_sources() -> Path:
    return ontology_dir()


def _write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Stage every file in a sibling temp folder, then move each into place atomically."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".release-", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror})") from None
    try:
        for name, data in files.items():
            write_bytes_atomic(stage / name, data)
        for name in files:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            (stage / name).replace(target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


__all__ = ["base_graph", "base_iri", "external_terms", "hpoa_rows", "release_date", "write_release"]
