"""Serialise a graph to the release formats, byte-stably.

Why the care: rdflib's store iterates in an order that depends on string hashing, which changes
between processes, so RDF/XML and JSON-LD would differ run to run (rdflib#3545). We relabel blank
nodes canonically and insert triples in sorted order before serialising; N-Triples and N-Quads are
sorted line by line; Turtle uses longturtle with ``canon=True``.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from iimgraph.errors import OutputError
from iimgraph.formats import WRITABLE, RdfFormat
from iimgraph.io.jsonld import jsonld_context
from iimgraph.namespaces import ONTOLOGY_IRI, bind_prefixes


def canonical(graph: Graph) -> Graph:
    """Same content, canonical blank-node labels, triples inserted in sorted order."""
    labels = refined_labels(graph)
    # None: two blank nodes look alike to colour refinement, so rdflib's full canonicalisation
    triples: list[tuple[Node, Node, Node]] = (
        list(to_canonical_graph(graph)) if labels is None
        else [(labels.get(s, s), p, labels.get(o, o)) for s, p, o in graph])
    canon = Graph()
    bind_prefixes(canon)
    for triple in sorted(triples, key=lambda t: tuple(x.n3() for x in t)):
        canon.add(triple)
    return canon


def refined_labels(graph: Graph) -> dict[Node, BNode] | None:
    """Canonical blank-node labels by colour refinement, or None when it cannot tell two nodes apart.

    Each blank node's colour is a hash of its own colour and of its triples with the colours of the
    blank nodes in them (so each round refines the last), repeated until the partition stops
    splitting. Colours depend on content only, so when every blank node ends with its own colour they
    are a canonical labelling (isomorphic graphs get the same bytes). The release graph's blank nodes
    (axiom annotations, restrictions) are all told apart in a few rounds, in well under a second;
    rdflib's canonicalisation takes about 20 s on it (it grows with the square of the blank nodes)
    and stays the fallback.
    """
    out: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    into: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in graph:
        if isinstance(s, BNode):
            out[s].append((p, o))
        if isinstance(o, BNode):
            into[o].append((s, p))
    nodes = set(out) | set(into)
    if not nodes:
        return {}
    colour: dict[Node, str] = dict.fromkeys(nodes, "")

    def name(term: Node) -> str:
        return colour[term] if isinstance(term, BNode) else term.n3()

    distinct = 1
    for _ in range(len(nodes)):
        colour = {b: hashlib.sha256("\n".join(sorted(
            [f"= {colour[b]}"] + [f"> {p.n3()} {name(o)}" for p, o in out[b]] + [f"< {name(s)} {p.n3()}" for s, p in into[b]]
        )).encode("utf-8")).hexdigest() for b in nodes}
        now = len(set(colour.values()))
        if now == len(nodes):
            return {b: BNode("c" + colour[b][:32]) for b in nodes}
        if now == distinct:
            return None
        distinct = now
    return None


def serialize(graph: Graph, fmt: RdfFormat | str, *, context_ref: str | None = None,
              already_canonical: bool = False, stable: bool = True) -> bytes:
    """Bytes of ``graph`` in ``fmt``; the same graph always gives the same bytes.

    A JSON-LD document carries its ``@context`` inline, so it loads on its own in any processor
    without fetching anything; ``context_ref`` (e.g. :data:`~iimgraph.io.jsonld.CONTEXT_FILE`) writes
    a reference to the published context file instead.

    Canonicalising costs seconds on the release graph (two thirds of a ``build``), so a caller
    writing several formats does it once with :func:`canonical` and passes ``already_canonical=True``;
    ``stable=False`` skips it (the curator's edit loop: the same triples, sorted, but blank-node
    labels differ run to run). Releases and exports are always canonical.
    """
    fmt = RdfFormat(fmt)
    if not fmt.writable:
        raise OutputError(f"{fmt.label} is read only here: write one of {', '.join(f.value for f in WRITABLE)}")
    if not already_canonical and stable:
        graph = canonical(graph)
    elif not already_canonical:
        bind_prefixes(graph)
    if fmt in (RdfFormat.NTRIPLES, RdfFormat.NQUADS):
        if fmt is RdfFormat.NQUADS:
            ds = Dataset()
            named = ds.graph(URIRef(ONTOLOGY_IRI))
            for t in graph:
                named.add(t)
            text = ds.serialize(format="nquads")
        else:
            text = graph.serialize(format="nt")
        lines = sorted({ln for ln in text.splitlines() if ln.strip()})
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt is RdfFormat.TURTLE:
        return graph.serialize(format="longturtle", encoding="utf-8")
    if fmt is RdfFormat.JSONLD:
        ctx = jsonld_context()["@context"]
        doc = json.loads(graph.serialize(format="json-ld", context=ctx, auto_compact=True))
        doc["@context"] = ctx if context_ref is None else context_ref
        if "@graph" in doc:
            doc["@graph"].sort(key=lambda node: json.dumps(node, sort_keys=True))
        return (json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    assert fmt.syntax is RdfFormat.RDFXML, fmt  # every other writable format returned above
    text = _sorted_rdfxml(graph.serialize(format="xml", encoding="utf-8").decode("utf-8"))
    return (_typed_rdfxml(text) if fmt is RdfFormat.OWL else text).encode("utf-8")


#: rdf:type values written as the element name of a node in the OWL product, first match wins
_TYPED_ELEMENTS = [
    ("http://www.w3.org/2002/07/owl#Ontology", "owl:Ontology"),
    ("http://www.w3.org/2002/07/owl#Class", "owl:Class"),
    ("http://www.w3.org/2002/07/owl#ObjectProperty", "owl:ObjectProperty"),
    ("http://www.w3.org/2002/07/owl#DatatypeProperty", "owl:DatatypeProperty"),
    ("http://www.w3.org/2002/07/owl#AnnotationProperty", "owl:AnnotationProperty"),
    ("http://www.w3.org/2000/01/rdf-schema#Datatype", "rdfs:Datatype"),
    ("http://www.w3.org/2002/07/owl#Axiom", "owl:Axiom"),
    ("http://www.w3.org/2002/07/owl#NamedIndividual", "owl:NamedIndividual"),
]


def _typed_rdfxml(text: str) -> str:
    """Write each top-level node of rdflib's flat RDF/XML as a typed element (``<owl:Class rdf:about=...>``).

    The same triples (RDF/XML's typed-node abbreviation), in the shape OWL tools expect: pronto, for
    one, finds the header only as an ``owl:Ontology`` element and terms only as ``owl:Class``
    elements. The blocks keep the order :func:`_sorted_rdfxml` gave them, so the bytes stay stable.
    """
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not (line.startswith("  <rdf:Description ") and not line.endswith("/>")):
            out.append(line)
            i += 1
            continue
        end = lines.index("  </rdf:Description>", i)
        body = lines[i + 1:end]
        types = {ln.strip()[len('<rdf:type rdf:resource="'):-3]: n for n, ln in enumerate(body)
                 if ln.startswith('    <rdf:type rdf:resource="') and ln.endswith('"/>')}
        element = next(((iri, name) for iri, name in _TYPED_ELEMENTS if iri in types), None)
        if element is None:
            out.extend(lines[i:end + 1])
        else:
            iri, name = element
            out.append("  <" + name + line[len("  <rdf:Description"):])
            out.extend(ln for n, ln in enumerate(body) if n != types[iri])
            out.append(f"  </{name}>")
        i = end + 1
    return "\n".join(out) + "\n"


def _sorted_rdfxml(text: str) -> str:
    """Sort the top-level ``rdf:Description`` blocks of rdflib's flat RDF/XML (their order follows hashing)."""
    lines = text.splitlines()
    head_end = next(i for i, ln in enumerate(lines) if ln.startswith("  <"))
    tail_start = max(i for i, ln in enumerate(lines) if ln.startswith("</rdf:RDF>"))
    blocks: list[str] = []
    current: list[str] = []
    for ln in lines[head_end:tail_start]:
        current.append(ln)
        if ln.startswith("  </") or (ln.startswith("  <") and ln.endswith("/>")):
            blocks.append("\n".join(current))
            current = []
    if current:  # not the flat shape we expect: keep rdflib's text rather than guess
        return text
    return "\n".join(lines[:head_end] + sorted(blocks) + lines[tail_start:]) + "\n"


# --- export: one table of what ``iimgraph export --format`` writes -----------------------------------------

def render_export(graph: Graph, fmt: str) -> list[bytes]:
    """The bytes of each file of :func:`export_paths`, in its order."""
    if fmt == "kgx":
        from iimgraph.release.kgx import render_kgx

        return list(render_kgx(graph))
    return [serialize(graph, fmt)]
