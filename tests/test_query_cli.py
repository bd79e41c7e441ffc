"""What a researcher sees from `iimgraph query`, `queries` and `sparql`: RDF for graph results,
predeclared prefixes, plain output when piped, per-query help, and empty answers that say why."""

from __future__ import annotations

import pytest

from tests.cli import run_cli

OBO = "http://purl.obolibrary.org/obo/"
CONSTRUCT_Q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
               "CONSTRUCT { ?d rdfs:label ?label } WHERE { "
               "?d rdfs:subClassOf+ <http://purl.obolibrary.org/obo/MONDO_0600023> ; rdfs:label ?label }")


def _isomorphic(a, b) -> bool:
    from rdflib.compare import to_isomorphic

    return to_isomorphic(a) == to_isomorphic(b)


# --- graph results ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_sparql_writes_construct_results_as_rdf(graph, fmt, rdflib_format, engine):
    from rdflib import Graph

    proc = run_cli("sparql", CONSTRUCT_Q, "--format", fmt, "--engine", engine)
    assert proc.returncode == 0, proc.stderr
    written = Graph().parse(data=proc.stdout, format=rdflib_format)
    expected = graph.query(CONSTRUCT_Q).graph
    assert len(expected) > 20 and _isomorphic(written, expected)


def test_rdf_formats_are_refused_for_select_results():
    proc = run_cli("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "ttl")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "for CONSTRUCT and DESCRIBE results" in proc.stderr and "Traceback" not in proc.stderr
