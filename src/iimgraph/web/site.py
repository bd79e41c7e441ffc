"""The release graph as a browsable static site, and the one description of a term behind every view.

``describe`` defines, once, the triples that describe a term; its HTML page, Turtle and JSON-LD are
all made from that graph (the HTML page embeds the same triples as JSON-LD), so the three views of
``iimgraph serve``'s content negotiation and the static pages cannot drift apart.

Site layout (relative to ``--out``): ``index.html`` (the classification drawn as a tree, and a list
of every class), ``classification.svg`` (the same picture alone), ``queries.html`` (the query
catalogue; queries run against ``iimgraph serve``), ``rank.html`` (the subtype ranking form, which
calls ``/rank`` on ``serve``), ``term/<ID>.html|.ttl|.jsonld`` for every class
the graph scopes (``MONDO_0016367``; the OBO IRI's local name), ``assets/``. The same graph gives
the same bytes: every list is sorted, nothing carries a timestamp.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from iimgraph.atomic import write_tree
from iimgraph.build.graph import build_graph
from iimgraph.build.sources import refuse_output
from iimgraph.errors import OutputError
from iimgraph.formats import RdfFormat
from iimgraph.io.jsonld import jsonld_context
from iimgraph.namespaces import BASE, OBO, ONTOLOGY_IRI, display_curie
from iimgraph.release.export import canonical, serialize
from iimgraph.resources import ontology_dir, site_assets_dir
from iimgraph.terms import BIOLINK, DCTERMS, IIM, OWL, RDF, RDFS
from iimgraph.web.pages import index_page, queries_page, rank_page, term_page
from iimgraph.web.tree_svg import Placement, render_tree

ROOT = URIRef(OBO + "MONDO_0600023")  # idiopathic inflammatory myopathy
IN_TREE = ("iim_root", "iim_subtree")

#: properties of a neighbouring term copied into a description, so the description reads alone
#: (the name of a parent, of a phenotype and its translations, the title and date of a source).
NEIGHBOUR_PROPERTIES = (RDFS.label, IIM.translation, IIM.candidateTranslation, IIM.inScope, DCTERMS.title,
                        DCTERMS.publisher, DCTERMS.issued, DCTERMS.identifier, IIM.repository, IIM.commit)


#: blank nodes followed at most this deep from a term in its description: a chain deeper than any
#: real axiom or restriction is cut here, so no serialiser below (rdflib nests blank nodes by recursion)
#: and no canonicalisation sees the data's depth
MAX_BLANK_DEPTH = 32


def _cbd(graph: Graph, node: Node, into: Graph, seen: set[Node]) -> None:
    """Concise bounded description: the node's triples, following blank-node objects up to
    :data:`MAX_BLANK_DEPTH` (a worklist, not recursion: a chain is as deep as the data makes it)."""
    todo = deque([(node, 0)])  # breadth first: each blank node at its shortest depth
    while todo:
        current, depth = todo.popleft()
        if current in seen:
            continue
        seen.add(current)
        for p, o in graph.predicate_objects(current):
            into.add((current, p, o))
            if isinstance(o, BNode) and o not in seen and depth < MAX_BLANK_DEPTH:
                todo.append((o, depth + 1))


def describe(graph: Graph, iri: URIRef) -> Graph:
    """The description of one term: what every view of it (HTML, Turtle, JSON-LD) shows.

    1. the term's concise bounded description (its triples, following blank nodes);
    2. the ``owl:Axiom`` annotations on its triples (the source of a definition, synonym, xref);
    3. its asserted subclasses (``?child rdfs:subClassOf <term>``);
    4. every claim whose ``biolink:subject`` or ``biolink:object`` is the term, with its CBD;
    5. for every other IRI named in 1-4, its label, its translations, scope and, for sources, title, publisher,
       date, identifier, repository and commit (:data:`NEIGHBOUR_PROPERTIES`).
    """
    out = Graph()
    seen: set[Node] = set()
    _cbd(graph, iri, out, seen)
    for axiom in sorted(graph.subjects(OWL.annotatedSource, iri), key=str):
        _cbd(graph, axiom, out, seen)
    for child in graph.subjects(RDFS.subClassOf, iri):
        out.add((child, RDFS.subClassOf, iri))
    claims = set(graph.subjects(BIOLINK.subject, iri)) | set(graph.subjects(BIOLINK.object, iri))
    for claim in sorted(claims, key=str):
        _cbd(graph, claim, out, seen)
    named = {n for t in out for n in t if isinstance(n, URIRef)} - {iri}
    for node in sorted(named):
        for prop in NEIGHBOUR_PROPERTIES:
            for value in graph.objects(node, prop):
                out.add((node, prop, value))
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    return out


def to_turtle(description: Graph) -> bytes:
    return serialize(description, RdfFormat.TURTLE)


def to_jsonld(description: Graph) -> bytes:
    """JSON-LD with the shipped context inline, so reading it fetches nothing."""
    ctx = jsonld_context()["@context"]
    doc = json.loads(canonical(description).serialize(format="json-ld", context=ctx, auto_compact=True))
    doc["@context"] = ctx
    if "@graph" in doc:
        doc["@graph"].sort(key=lambda node: json.dumps(node, sort_keys=True))
    return (json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def page_name(iri: str) -> str | None:
    """``term/MONDO_0016367`` for an OBO IRI (the site path without suffix); None otherwise."""
    if iri.startswith(OBO):
        local = iri[len(OBO):]
        if local and all(c.isalnum() or c == "_" for c in local):
            return f"term/{local}"
    return None


@dataclass
class Site:
    """The release graph and the pages made from it, in memory (``iimgraph site`` writes them; ``serve`` sends them)."""

    graph: Graph

    def __post_init__(self) -> None:
        scoped = sorted({s for s, o in self.graph.subject_objects(IIM.inScope)
                         if isinstance(s, URIRef) and page_name(str(s))})
        self.classes: list[URIRef] = [s for s in scoped if (s, RDF.type, OWL.Class) in self.graph]
        self.pages: frozenset[str] = frozenset(str(s) for s in self.classes)
        self.version = str(self.graph.value(URIRef(ONTOLOGY_IRI), OWL.versionInfo) or "")

    def knows(self, iri: URIRef) -> bool:
        return (iri, None, None) in self.graph

    def term_documents(self, iri: URIRef, lang: str | None = None) -> dict[str, bytes]:
        """``{"html": ..., "ttl": ..., "jsonld": ...}`` for one term, all from :func:`describe`; ``lang``
        shows the HTML page's translated labels in that language (Turtle and JSON-LD carry them all)."""
        description = describe(self.graph, iri)
        jsonld = to_jsonld(description)
        depth = 1  # term/X.html; on the server also /term/X and /iimgraph/<w3id path>
        if not page_name(str(iri)) and str(iri).startswith(BASE):
            depth += str(iri)[len(BASE):].count("/")
        html = term_page(description, iri, pages=self.pages, version=self.version, root="../" * depth,
                         jsonld=jsonld.decode("utf-8"), has_page=str(iri) in self.pages, lang=lang)
        return {"html": html.encode("utf-8"), "ttl": to_turtle(description), "jsonld": jsonld}

    def files(self) -> dict[str, bytes]:
        """Every file of the static site: relative path -> bytes."""
        out: dict[str, bytes] = {}
        svg = self.tree_svg()
        out["classification.svg"] = svg.encode("utf-8")
        out["index.html"] = index_page(self.graph, self.classes, svg, version=self.version).encode("utf-8")
        out["queries.html"] = queries_page(version=self.version).encode("utf-8")
        out["rank.html"] = rank_page(version=self.version).encode("utf-8")
        for cls in self.classes:
            name = page_name(str(cls))
            assert name is not None
            for suffix, data in self.term_documents(cls).items():
                out[f"{name}.{suffix}"] = data
        assets = site_assets_dir()
        for path in sorted(assets.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                out[f"assets/{path.name}"] = path.read_bytes()
        return dict(sorted(out.items()))

    def tree_svg(self) -> str:
        """The IIM subtree under MONDO:0600023, with other sources' placements drawn dashed."""
        g = self.graph
        in_tree = {s for s, o in g.subject_objects(IIM.inScope) if str(o) in IN_TREE}
        children: dict[str, list[str]] = {}
        parents: dict[str, list[str]] = {}
        for child in in_tree:
            for parent in g.objects(child, RDFS.subClassOf):
                if parent in in_tree:
                    children.setdefault(str(parent), []).append(str(child))
                    parents.setdefault(str(child), []).append(str(parent))
        placements = []
        for claim in g.subjects(RDF.type, IIM.PlacementClaim):
            by = str(g.value(claim, IIM.assertedBy) or "")
            claimed, placed_under = g.value(claim, BIOLINK.subject), g.value(claim, BIOLINK.object)
            if by == "MONDO" or claimed is None or placed_under is None:
                continue
            if placed_under in set(g.transitive_objects(claimed, RDFS.subClassOf)):
                continue  # the source agrees with MONDO, which has that parent above the class (at any depth)
            placements.append(Placement(str(claimed), str(placed_under), by))

        def label(iri: str) -> str:
            return str(g.value(URIRef(iri), RDFS.label) or display_curie(iri))

        def link(iri: str) -> str | None:
            name = page_name(iri)
            return f"{name}.html" if name and iri in self.pages else None

        return render_tree(str(ROOT), children, label, link, display_curie, parents_in_tree=parents,
                           placements=placements, title="Idiopathic inflammatory myopathies: classification")


def iri_for_path(path: str) -> URIRef | None:
    """The term IRI a server path names: ``/term/MONDO_0016367`` or ``/iimgraph/<w3id path>``."""
    if path.startswith("/term/"):
        local = path[len("/term/"):]
        if local and all(c.isalnum() or c == "_" for c in local) and "_" in local:
            return URIRef(OBO + local)
        return None
    if path.startswith("/iimgraph/"):
        rest = path[len("/iimgraph/"):]
        if rest and all(c.isalnum() or c in "-_./" for c in rest) and ".." not in rest:
            return URIRef(BASE + rest)
    return None


def write_site(out: Path, graph: Graph | None = None, *, sources: Path | None = None,
               version: str | None = None) -> list[str]:
    """Write the static site into ``out`` (each file atomically); returns the relative paths written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    if graph is None:
        refuse_output(out, sources or ontology_dir(), folder=True)
        graph = build_graph(sources, version=version)
    files = Site(graph).files()
    write_tree(out, files)  # each file atomically; never through a symlinked subfolder
    return list(files)

