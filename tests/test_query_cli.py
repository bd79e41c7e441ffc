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


# --- prefixes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_project_prefixes_are_predeclared_on_every_engine(engine):
    proc = run_cli("sparql", "SELECT ?l WHERE { obo:MONDO_0019127 rdfs:label ?l . MONDO:0019127 rdfs:label ?l }",
                   "--format", "tsv", "--engine", engine)
    assert (proc.returncode, proc.stdout) == (0, "l\npolymyositis\n"), proc.stderr


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_an_undefined_prefix_is_named_the_same_way_on_every_engine(engine):
    # foaf: is one of rdflib's own default bindings: the set is the project's, the same everywhere
    proc = run_cli("sparql", "SELECT ?n WHERE {\n  ?x rdfs:label ?l ;\n     foaf:name ?n }", "--engine", engine)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("iimgraph: error: undefined prefix foaf: at line 3, column 6"), proc.stderr
    assert "\\u{" not in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_a_misspelt_prefix_gets_a_suggestion():
    proc = run_cli("sparql", "SELECT ?l WHERE { mondo:0019127 rdfs:label ?l }")
    assert proc.returncode == 2 and "undefined prefix mondo:" in proc.stderr and "did you mean MONDO:" in proc.stderr


def test_a_declared_prefix_wins_over_the_predeclared_one():
    proc = run_cli("sparql", "PREFIX obo: <http://example.org/> SELECT ?l WHERE { obo:MONDO_0019127 ?p ?l }",
                   "--format", "tsv")
    assert (proc.returncode, proc.stdout) == (0, "l\n")


def test_a_missing_query_file_says_no_such_file(tmp_path):
    proc = run_cli("sparql", str(tmp_path / "nosuch.rq"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"iimgraph: error: {tmp_path / 'nosuch.rq'}: no such file "
                                   "(give a .rq file, - for standard input, or the query text)")
