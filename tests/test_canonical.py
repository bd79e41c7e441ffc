"""Canonical blank-node labels: the same graph, however its blank nodes are named, gives the same bytes."""

from __future__ import annotations

import random

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from iimgraph.formats import RdfFormat
from iimgraph.release.export import canonical, refined_labels, serialize


def renamed(graph: Graph, seed: int) -> Graph:
    """``graph`` with every blank node given a fresh random name, triples added in a shuffled order."""
    rng = random.Random(seed)
    names: dict[BNode, BNode] = {}

    def fresh(term):  # type: ignore[no-untyped-def]
        if isinstance(term, BNode):
            return names.setdefault(term, BNode(f"n{rng.getrandbits(64):x}"))
        return term

    triples = [(fresh(s), p, fresh(o)) for s, p, o in graph]
    rng.shuffle(triples)
    out = Graph()
    for t in triples:
        out.add(t)
    return out


def test_the_release_graph_gets_the_same_bytes_whatever_its_blank_nodes_are_called(graph):
    assert refined_labels(graph) is not None  # the fast path is the one the release takes
    one, two = canonical(renamed(graph, 1)), canonical(renamed(graph, 2))
    ground = {t for t in graph if not any(isinstance(x, BNode) for x in t)}
    assert len(one) == len(graph) and {t for t in one if not any(isinstance(x, BNode) for x in t)} == ground
    assert serialize(one, RdfFormat.NTRIPLES, already_canonical=True) == serialize(graph, RdfFormat.NTRIPLES)
    for fmt in (RdfFormat.NTRIPLES, RdfFormat.TURTLE, RdfFormat.OWL):
        assert serialize(one, fmt, already_canonical=True) == serialize(two, fmt, already_canonical=True), fmt


def test_blank_nodes_refinement_cannot_tell_apart_fall_back_to_full_canonicalisation():
    p = URIRef("http://example.org/p")
    graph = Graph()
    a, b, c, d = BNode(), BNode(), BNode(), BNode()
    for s, o in ((a, b), (b, a), (c, d), (d, c)):  # two 2-cycles: every node looks the same
        graph.add((s, p, o))
    assert refined_labels(graph) is None
    one, two = canonical(renamed(graph, 3)), canonical(renamed(graph, 4))
    assert isomorphic(one, graph)
    assert serialize(one, RdfFormat.NTRIPLES, already_canonical=True) == serialize(two, RdfFormat.NTRIPLES,
                                                                                   already_canonical=True)


def test_serialize_writes_only_the_formats_it_names():
    """N3 is read only (store companions): serialize refuses it instead of writing RDF/XML under its name."""
    from rdflib import Graph, URIRef

    from iimgraph.errors import OutputError
    from iimgraph.formats import WRITABLE, RdfFormat
    from iimgraph.release.export import serialize

    g = Graph()
    g.add((URIRef("http://example.org/a"), URIRef("http://example.org/p"), URIRef("http://example.org/b")))
    with pytest.raises(OutputError, match="N3 is read only"):
        serialize(g, RdfFormat.N3)
    from rdflib import Dataset

    for fmt in WRITABLE:
        back = (Dataset() if fmt.is_dataset else Graph()).parse(data=serialize(g, fmt), format=fmt.rdflib_name)
        assert sum(1 for _ in (back.quads() if fmt.is_dataset else back)) == 1, fmt


def test_result_formats_have_one_media_type_each():
    from iimgraph.formats import ResultFormat
    from iimgraph.web.serve import negotiate

    for fmt in ResultFormat:
        assert ResultFormat.from_media_type(fmt.media_type) is fmt
        assert negotiate(fmt.media_type) == fmt.value == negotiate("", fmt.value)
    assert negotiate("application/json") == "json" and negotiate("text/html") == "json"


def test_the_tests_isomorphism_check_agrees_with_rdflib():
    """tests/graphs.same_graph (refinement labels, rdflib as fallback) answers as rdflib's isomorphic."""
    from tests.graphs import same_graph

    p, q = URIRef("http://example.org/p"), URIRef("http://example.org/q")
    a, b, c = BNode(), BNode(), BNode()
    chain = Graph()
    for t in ((a, p, b), (b, q, c), (c, p, URIRef("http://example.org/x"))):
        chain.add(t)
    moved = Graph()  # the same triple count and shapes, one blank-node edge rewired
    for t in ((a, p, b), (b, q, c), (b, p, URIRef("http://example.org/x"))):
        moved.add(t)
    cycles = Graph()  # two 2-cycles: refinement cannot tell the nodes apart, rdflib decides
    d = BNode()
    for s, o in ((a, b), (b, a), (c, d), (d, c)):
        cycles.add((s, p, o))
    for one, two in ((chain, renamed(chain, 5)), (chain, moved), (cycles, renamed(cycles, 6)), (chain, cycles)):
        assert same_graph(one, two) is isomorphic(one, two)
    assert same_graph(chain, renamed(chain, 7)) and not same_graph(chain, moved)
