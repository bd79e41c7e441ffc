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
from collections.abc import Callable

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import Node

from iimgraph.errors import OutputError, SourceError
from iimgraph.formats import WRITABLE, RdfFormat
from iimgraph.io.jsonld import jsonld_context
from iimgraph.namespaces import ONTOLOGY_IRI, RDFS_DATATYPE, bind_prefixes
from iimgraph.namespaces import OWL as OWL_NS


def canonical(graph: Graph) -> Graph:
    """Same content, canonical blank-node labels, triples inserted in sorted order."""
    labels = refined_labels(graph)
    if labels is None:  # two blank nodes look alike to colour refinement: tell them apart one at a time
        labels = individualised_labels(graph)
    triples = [(labels.get(s, s), p, labels.get(o, o)) for s, p, o in graph]
    canon = Graph()
    bind_prefixes(canon)
    for triple in sorted(triples, key=lambda t: tuple(x.n3() for x in t)):
        canon.add(triple)
    return canon


_Edges = dict[Node, list[tuple[Node, Node]]]


def _edges(graph: Graph) -> tuple[_Edges, _Edges]:
    out: _Edges = defaultdict(list)
    into: _Edges = defaultdict(list)
    for s, p, o in graph:
        if isinstance(s, BNode):
            out[s].append((p, o))
        if isinstance(o, BNode):
            into[o].append((s, p))
    return out, into


def _refine(colour: dict[Node, str], out: _Edges, into: _Edges) -> dict[Node, str]:
    """Colour refinement from ``colour`` until the partition stops splitting (at most one round per node)."""
    def name(term: Node) -> str:
        return colour[term] if isinstance(term, BNode) else term.n3()

    distinct = len(set(colour.values()))
    for _ in range(len(colour)):
        colour = {b: hashlib.sha256("\n".join(sorted(
            [f"= {colour[b]}"] + [f"> {p.n3()} {name(o)}" for p, o in out[b]] + [f"< {name(s)} {p.n3()}" for s, p in into[b]]
        )).encode("utf-8")).hexdigest() for b in colour}
        now = len(set(colour.values()))
        if now in (distinct, len(colour)):  # stable, or every node told apart
            break
        distinct = now
    return colour


def refined_labels(graph: Graph) -> dict[Node, BNode] | None:
    """Canonical blank-node labels by colour refinement, or None when it cannot tell two nodes apart.

    Each blank node's colour is a hash of its own colour and of its triples with the colours of the
    blank nodes in them (so each round refines the last), repeated until the partition stops
    splitting. Colours depend on content only, so when every blank node ends with its own colour they
    are a canonical labelling (isomorphic graphs get the same bytes). The release graph's blank nodes
    (axiom annotations, restrictions) are all told apart in a few rounds, in well under a second.
    """
    out, into = _edges(graph)
    nodes = set(out) | set(into)
    if not nodes:
        return {}
    colour = _refine(dict.fromkeys(nodes, ""), out, into)
    if len(set(colour.values())) < len(nodes):
        return None
    return {b: BNode("c" + colour[b][:32]) for b in nodes}


def individualised_labels(graph: Graph) -> dict[Node, BNode]:
    """Canonical labels when colour refinement leaves blank nodes alike (identical copies of a structure,
    such as repeated blank-node cycles): individualisation-refinement, bounded.

    While some colour is shared, the first such colour (in hash order) has one of its nodes given a
    colour of its own, and refinement runs again: at most one individualisation per blank node, so time
    grows polynomially, never exponentially (rdflib's canonicalisation, the fallback before, ran past
    two minutes on seven identical 3-cycles). Which node of the shared colour is taken does not change
    the bytes when the nodes alike are interchangeable (an automorphism maps one to the other), as
    identical copies are; the labelling is made twice, taking the first and then the last node of each
    shared colour, and alike nodes that are not interchangeable (the two labellings differ) are refused
    with one line rather than written in an order that could change from run to run.
    """
    out, into = _edges(graph)
    nodes = set(out) | set(into)
    base = _refine(dict.fromkeys(nodes, ""), out, into)

    def labelling(pick: Callable[[list[Node]], Node]) -> dict[Node, str]:
        colour = base
        for step in range(len(nodes)):
            cells: dict[str, list[Node]] = defaultdict(list)
            for b, c in colour.items():
                cells[c].append(b)
            shared = sorted(c for c, members in cells.items() if len(members) > 1)
            if not shared:
                return colour
            chosen = pick(sorted(cells[shared[0]], key=str))
            colour = {**colour, chosen: hashlib.sha256(f"{colour[chosen]} ! {step}".encode()).hexdigest()}
            colour = _refine(colour, out, into)
        return colour

    first, last = labelling(lambda cell: cell[0]), labelling(lambda cell: cell[-1])

    def written(colour: dict[Node, str]) -> list[str]:
        def n3(t: Node) -> str:
            return f"_:c{colour[t][:32]}" if isinstance(t, BNode) else t.n3()
        return sorted(f"{n3(s)} {n3(p)} {n3(o)}" for s, p, o in graph)

    if written(first) != written(last):
        alike = [b for b in nodes if list(base.values()).count(base[b]) > 1]
        sample = next(((p, o) for b in alike for p, o in out[b]), None)
        what = f" (each with {sample[0].n3()} ...)" if sample else ""
        raise SourceError(f"{len(alike)} blank nodes look alike{what} but are not interchangeable: iimgraph "
                          "cannot choose a byte-stable serialisation for them; name them with IRIs")
    return {b: BNode("c" + first[b][:32]) for b in nodes}


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
    (OWL_NS + "Ontology", "owl:Ontology"),
    (OWL_NS + "Class", "owl:Class"),
    (OWL_NS + "ObjectProperty", "owl:ObjectProperty"),
    (OWL_NS + "DatatypeProperty", "owl:DatatypeProperty"),
    (OWL_NS + "AnnotationProperty", "owl:AnnotationProperty"),
    (RDFS_DATATYPE, "rdfs:Datatype"),
    (OWL_NS + "Axiom", "owl:Axiom"),
    (OWL_NS + "NamedIndividual", "owl:NamedIndividual"),
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
