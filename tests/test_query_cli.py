"""What a researcher sees from `iimgraph query`, `queries` and `sparql`: RDF for graph results,
predeclared prefixes, plain output when piped, per-query help, and empty answers that say why."""

from __future__ import annotations

import json

import pytest

from tests.cli import invoke

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

    proc = invoke("sparql", CONSTRUCT_Q, "--format", fmt, "--engine", engine)
    assert proc.returncode == 0, proc.stderr
    written = Graph().parse(data=proc.stdout, format=rdflib_format)
    expected = graph.query(CONSTRUCT_Q).graph
    assert len(expected) > 20 and _isomorphic(written, expected)


def test_rdf_formats_are_refused_for_select_results():
    proc = invoke("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "ttl")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "for CONSTRUCT and DESCRIBE results" in proc.stderr and "Traceback" not in proc.stderr


# --- prefixes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_project_prefixes_are_predeclared_on_every_engine(engine):
    proc = invoke("sparql", "SELECT ?l WHERE { obo:MONDO_0019127 rdfs:label ?l . MONDO:0019127 rdfs:label ?l }",
                   "--format", "tsv", "--engine", engine)
    assert (proc.returncode, proc.stdout) == (0, "l\npolymyositis\n"), proc.stderr


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_an_undefined_prefix_is_named_the_same_way_on_every_engine(engine):
    # doap: is one of rdflib's own default bindings: the set is the project's, the same everywhere
    proc = invoke("sparql", "SELECT ?n WHERE {\n  ?x rdfs:label ?l ;\n     doap:name ?n }", "--engine", engine)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("iimgraph: error: undefined prefix doap: at line 3, column 6"), proc.stderr
    assert "\\u{" not in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_a_misspelt_prefix_gets_a_suggestion():
    proc = invoke("sparql", "SELECT ?l WHERE { mondo:0019127 rdfs:label ?l }")
    assert proc.returncode == 2 and "undefined prefix mondo:" in proc.stderr and "did you mean MONDO:" in proc.stderr


def test_a_declared_prefix_wins_over_the_predeclared_one():
    proc = invoke("sparql", "PREFIX obo: <http://example.org/> SELECT ?l WHERE { obo:MONDO_0019127 ?p ?l }",
                   "--format", "tsv")
    assert (proc.returncode, proc.stdout) == (0, "l\n")


def test_a_missing_query_file_says_no_such_file(tmp_path):
    proc = invoke("sparql", str(tmp_path / "nosuch.rq"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"iimgraph: error: {tmp_path / 'nosuch.rq'}: no such file "
                                   "(give a .rq file, - for standard input, or the query text)")


# --- output people can use ------------------------------------------------------------------------

BOX = set("┏┓┗┛┃━│─┡┩╇┳┻╋└┘┌┐├┤┼")


def run_on_terminal(*args: str, columns: int = 80) -> tuple[int, str, str]:
    """``iimgraph ARGS`` with standard output on a pseudo-terminal ``columns`` wide (ANSI codes removed)."""
    import fcntl
    import os
    import pty
    import re
    import struct
    import subprocess
    import termios

    from tests.cli import CLI

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    proc = subprocess.Popen([*CLI, *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
                            env={**env, "TERM": "xterm", "COLUMNS": str(columns)})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.wait(timeout=60)
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode()).replace("\r", "")
    return proc.returncode, out, err


def _curies(tsv: str) -> set[str]:
    return {cell for line in tsv.splitlines()[1:] for cell in line.split("\t") if ":" in cell and " " not in cell}


def test_piped_table_is_plain_tsv_with_the_count_on_stderr():
    proc = invoke("query", "diseases-with-phenotype", "-p", "phenotype=HP:0003701")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "disease\tlabel\tphenotype\tphenotype_label\tfrequency\tevidence\tsource"
    assert not BOX & set(proc.stdout) and "rows" not in proc.stdout
    assert all(len(line.split("\t")) == 7 for line in lines)
    assert "MONDO:0016367\tdermatomyositis\tHP:0003701\tProximal muscle weakness" in proc.stdout
    assert proc.stderr.strip() == f"{len(lines) - 1} rows"


@pytest.mark.parametrize("args", [("query", "xrefs", "-p", "disease=MONDO:0019127"),
                                  ("query", "diseases-with-phenotype", "-p", "phenotype=HP:0003701"),
                                  ("query", "by-source", "-p", "source=iimsrc:seed-carenity")])
def test_terminal_table_never_breaks_an_identifier(args):
    import re

    plain = invoke(*args).stdout
    code, out, err = run_on_terminal(*args, columns=80)
    assert code == 0 and BOX & set(out), out
    for curie in _curies(plain):
        assert re.search(rf"(?<![^\s│┃]){re.escape(curie)}(?![^\s│┃])", out), f"{curie} broken in:\n{out}"
    assert re.fullmatch(r"\d+ rows\n", err)


def test_queries_lists_names_whole_on_a_terminal_and_as_tsv_in_a_pipe():
    from iimgraph.query.catalogue import catalogue

    piped = invoke("queries").stdout.splitlines()
    assert piped[0] == "name\tparameters\tcolumns\ttitle"
    assert [line.split("\t")[0] for line in piped[1:]] == list(catalogue())
    _, out, _ = run_on_terminal("queries", columns=80)
    for name in catalogue():
        assert f" {name} " in out, name


def test_housekeeping_columns_only_on_request():
    plain = invoke("query", "onset", "-p", "disease=MONDO:0019127").stdout.splitlines()
    assert "claim" not in plain[0].split("\t") and "source" in plain[0].split("\t")
    full = invoke("query", "onset", "-p", "disease=MONDO:0019127", "--all-columns").stdout.splitlines()
    assert full[0].split("\t")[-1] == "claim" and all("iimc:" in line for line in full[1:])


# --- per-query help -----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("queries", "phenotypes"), ("query", "phenotypes", "--help")])
def test_per_query_help_shows_description_parameters_and_example(args):
    proc = invoke(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("phenotypes: Phenotypes of a disease\n")
    assert "  disease (curie, required): " in proc.stdout
    assert "  include_text_mined (boolean, default false): " in proc.stdout
    assert "  iimgraph query phenotypes -p disease=" in proc.stdout


def test_queries_json_for_tools():
    from iimgraph.query.catalogue import catalogue

    doc = json.loads(invoke("queries", "--format", "json").stdout)
    assert [q["name"] for q in doc] == list(catalogue())
    subtypes = next(q for q in doc if q["name"] == "subtypes")
    assert subtypes["parameters"] == [{"name": "root", "type": "curie", "required": False,
                                       "default": "MONDO:0600023",
                                       "description": "the disease class whose subtypes are listed"}]
    assert subtypes["columns"] == ["disease", "label", "parent", "parent_label"]
    one = json.loads(invoke("queries", "subtypes", "--format", "json").stdout)
    assert one == subtypes


# --- empty answers say why ------------------------------------------------------------------------


def test_an_identifier_not_in_the_graph_is_a_warning():
    proc = invoke("query", "phenotypes", "-p", "disease=MONDO:9999999")
    assert proc.returncode == 0 and proc.stdout.splitlines()[1:] == []
    assert ("iimgraph: warning: MONDO:9999999 (parameter disease) is not in the graph: nothing can match it"
            in proc.stderr.splitlines())
    known = invoke("query", "find-by-xref", "-p", "xref=OMIM:160750")
    assert "warning" not in known.stderr


@pytest.mark.parametrize(("name", "disease", "ancestor"), [
    ("treatments", "MONDO:1010064", "MONDO:0600023 (idiopathic inflammatory myopathy)"),
    # onset claims of dermatomyositis (an entity) do not flow to its subclasses: those of IIM (a grouping) do
    ("onset", "MONDO:0008054", "MONDO:0600023 (idiopathic inflammatory myopathy)"),
])
def test_claims_on_an_ancestor_are_pointed_to_and_listed_on_request(name, disease, ancestor):
    proc = invoke("query", name, "-p", f"disease={disease}")
    assert proc.stdout.splitlines()[1:] == []
    warning = next(line for line in proc.stderr.splitlines() if line.startswith("iimgraph: warning: "))
    assert f"are about {disease} (" in warning and ancestor in warning and "-p inherited=true" in warning
    inherited = invoke("query", name, "-p", f"disease={disease}", "-p", "inherited=true").stdout.splitlines()
    header = inherited[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in inherited[1:]]
    assert rows and all(r["disease"] == disease and r["inherited_from"] for r in rows)
    assert ancestor.split()[0] in {r["inherited_from"] for r in rows}


def test_own_claims_are_not_marked_inherited():
    rows = invoke("query", "treatments", "-p", "disease=MONDO:0007827", "-p", "inherited=true").stdout.splitlines()
    header = rows[0].split("\t")
    own = [dict(zip(header, line.split("\t"), strict=True)) for line in rows[1:]]
    # inclusion body myositis sits under "myositis disease", not under the IIM root, in MONDO: every
    # treatment row is its own (the seed's usual treatments, dismech's trials), none marked inherited
    assert ("iimt:therapy-usual-iim-treatments", "") in [(r["treatment"], r["inherited_from"]) for r in own]
    assert own and all(r["inherited_from"] == "" for r in own)


@pytest.mark.parametrize(("source", "expected"), [
    ("PMID:22036", "iimsrc:pmid-22036"), ("pubmed:22036", "iimsrc:pmid-22036"), ("pmid-22036", "iimsrc:pmid-22036"),
    ("https://w3id.org/iimgraph/source/pmid-22036", "iimsrc:pmid-22036"),
    ("seed-carenity", "iimsrc:seed-carenity"), ("iimsrc:seed-carenity", "iimsrc:seed-carenity"),
])
def test_by_source_takes_an_identifier_a_name_a_curie_or_an_iri(source, expected):
    proc = invoke("query", "by-source", "-p", f"source={source}")
    reference = invoke("query", "by-source", "-p", f"source={expected}")
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) > 1, proc.stderr
    assert proc.stdout == reference.stdout and "warning" not in proc.stderr


def test_by_source_suggests_a_source_for_a_name_it_does_not_know():
    proc = invoke("query", "by-source", "-p", "source=carenity")
    assert proc.returncode == 0 and proc.stdout.splitlines()[1:] == []
    assert ("iimgraph: warning: no source is called iimsrc:carenity (did you mean iimsrc:seed-carenity"
            in proc.stderr) and "`iimgraph sources` lists them" in proc.stderr


def test_every_cited_identifier_has_the_source_name_by_source_derives(graph):
    from rdflib.namespace import DCTERMS

    from iimgraph.query.binding import source_iri

    pairs = [(str(s), str(i)) for s, i in graph.subject_objects(DCTERMS.identifier)]
    assert len(pairs) > 100
    assert [(s, i) for s, i in pairs if str(source_iri(i)) != s] == []


def test_sources_verb_lists_every_source_with_what_cites_it(graph):
    from rdflib.namespace import DCTERMS, RDF

    proc = invoke("sources")
    lines = proc.stdout.splitlines()
    assert lines[0] == "source\tidentifier\ttitle\tpublisher\tstatements"
    assert len(lines) - 1 == len(set(graph.subjects(RDF.type, DCTERMS.BibliographicResource)))
    carenity = next(line.split("\t") for line in lines if line.startswith("iimsrc:seed-carenity\t"))
    assert carenity[3] == "Carenity" and int(carenity[4]) > 10


def test_an_answer_with_rows_is_not_explained_with_more_queries():
    """explain asks the graph again only when the answer is empty (each question forks a worker, or
    is an HTTP request with --endpoint)."""
    from iimgraph.query.engines import engine_for
    from iimgraph.query.run import execute, explain

    asked: list[str] = []

    class Counting:
        name = "counting"

        def __init__(self, inner):
            self.inner = inner

        def execute(self, query, **kwargs):
            asked.append(query)
            return self.inner.execute(query, **kwargs)

    engine = Counting(engine_for())
    result = execute("find-by-xref", {"xref": "OMIM:160750"}, engine=engine)
    assert result.rows and len(asked) == 1
    assert explain("find-by-xref", {"xref": "OMIM:160750"}, result, engine=engine) == []
    assert len(asked) == 1
    empty = execute("phenotypes", {"disease": "MONDO:9999999"}, engine=engine)
    notes = explain("phenotypes", {"disease": "MONDO:9999999"}, empty, engine=engine)
    assert any("MONDO:9999999 (parameter disease) is not in the graph" in n for n in notes)
