"""One complete, versioned, byte-stable release folder for linked-data portals.

Products (ODK sense): *full* is the release graph, which already carries the labels and parents of
the external terms it uses (HPO terms, MONDO context parents), so a portal can show it alone;
*base* is the project's own axioms and claims, without those external-term descriptions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from iimgraph import __version__
from iimgraph.atomic import refuse_inputs, replace_folder
from iimgraph.build.graph import build_graph, source_files, version_iri
from iimgraph.formats import RdfFormat
from iimgraph.io.jsonld import CONTEXT_FILE, jsonld_context
from iimgraph.io.sssom import read_sssom, render_sssom
from iimgraph.namespaces import BASE, ONTOLOGY_IRI
from iimgraph.namespaces import display_curie as curie
from iimgraph.release.export import canonical, serialize
from iimgraph.terms import BIOLINK, DCTERMS, IIM, OWL, RDF, RDFS

EXTERNAL_SCOPES = {"context", "placement_target"}
HPOA_COLUMNS = ["database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset",
                "frequency", "sex", "modifier", "aspect", "biocuration"]
TEXT_MINED = IIM["evidence/ITM"]


def external_terms(graph: Graph) -> set[URIRef]:
    """Terms described only so the graph reads alone: HPO terms and MONDO context parents."""
    terms = {s for s, o in graph.subject_objects(IIM.inScope) if str(o) in EXTERNAL_SCOPES}
    terms |= {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith("http://purl.obolibrary.org/obo/HP_")}
    return terms


def base_graph(full: Graph) -> Graph:
    """The project's own axioms and claims: the full graph less the descriptions of external terms."""
    external = external_terms(full)
    base = Graph()
    for prefix, ns in full.namespaces():
        base.bind(prefix, ns)
    # sorted insertion keeps serialisers' order independent of string hashing
    for triple in sorted(full, key=lambda t: tuple(x.n3() for x in t)):
        if triple[0] not in external:
            base.add(triple)
    return base


def hpoa_rows(graph: Graph, *, include_text_mined: bool = False) -> list[dict[str, str]]:
    """Phenotype annotations in phenotype.hpoa columns: one row per (curated) association node."""
    rows = []
    for node in graph.subjects(RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation):
        evidence = graph.value(node, BIOLINK.has_evidence)
        if evidence == TEXT_MINED and not include_text_mined:
            continue
        disease, phenotype = graph.value(node, BIOLINK.subject), graph.value(node, BIOLINK.object)
        references = sorted(str(r) for r in graph.objects(node, IIM.sourceReference))
        for source in graph.objects(node, DCTERMS.source):
            ident = graph.value(source, DCTERMS.identifier)
            references.append(str(ident) if ident is not None else curie(source))
        label = str(graph.value(phenotype, RDFS.label) or "")
        assigned, created = graph.value(node, IIM.assignedBy), graph.value(node, IIM.dateCreated)
        rows.append({
            "database_id": curie(disease),
            "disease_name": str(graph.value(disease, RDFS.label) or ""),
            "qualifier": "NOT" if str(graph.value(node, BIOLINK.negated)).lower() == "true" else "",
            "hpo_id": curie(phenotype),
            "reference": ";".join(dict.fromkeys(references)),
            "evidence": str(evidence).rsplit("/", 1)[-1] if evidence is not None else "",
            "onset": curie(o) if (o := graph.value(node, BIOLINK.onset_qualifier)) is not None else "",
            "frequency": curie(f) if (f := graph.value(node, BIOLINK.frequency_qualifier)) is not None else "",
            "sex": str(graph.value(node, BIOLINK.sex_qualifier) or ""),
            "modifier": "",
            # the reference lacks HPO's top-level branch terms, so the aspect is read off the label
            "aspect": "I" if label.lower().endswith("inheritance") else "P",
            "biocuration": f"{assigned}[{created}]" if assigned and created else f"iimgraph[{__version__}]",
        })
    rows.sort(key=lambda r: (r["database_id"], r["hpo_id"], r["reference"], r["evidence"]))
    return rows


def render_hpoa(rows: list[dict[str, str]], version: str) -> str:
    out = io.StringIO()
    out.write("#description: \"iimgraph phenotype annotations of the idiopathic inflammatory myopathies\"\n")
    out.write(f"#version: {version}\n#tracker: https://w3id.org/iimgraph/\n")
    out.write("#hpo-version: see manifest.json (HPO snapshot)\n")
    writer = csv.DictWriter(out, fieldnames=HPOA_COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


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
    """Write every release file into ``out``; returns the manifest. All or nothing: ``out`` (new, empty
    or a previous release) is replaced whole, in one rename, once every file is staged."""
    version = version or __version__
    refuse_inputs(Path(out), source_files(sources or _default_sources()), folder=True)
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
    files["phenotype.hpoa"] = render_hpoa(hpoa_rows(full), version).encode("utf-8")
    from iimgraph.resources import shapes_dir

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
    from iimgraph.resources import ontology_dir

    return ontology_dir()


def _is_release(folder: Path) -> bool:
    """A folder a previous ``release`` wrote (its manifest names iimgraph), which a new one may replace."""
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("name") == "iimgraph"
    except (OSError, ValueError, AttributeError):
        return False


def _write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Stage every file in a sibling folder, then swap it in with one rename: all or nothing."""
    replace_folder(out, files, replaceable=_is_release, what="release")


__all__ = ["base_graph", "external_terms", "hpoa_rows", "write_release"]
