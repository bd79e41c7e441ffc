"""Property-based tests (hypothesis) for CURIE parsing and parameter binding.

CURIEs: every IRI under a known prefix survives compress -> expand and display_curie -> to_iri; any
text given to the CURIE/IRI parsers gives a valid IRI or the project's own error, nothing else.
Binding: any text a user may pass as a string parameter is bound as data: the bound query parses on
both engines and returns the value unchanged, and a packaged query with the value bound finds only
what the value, read as text, matches.
"""

from __future__ import annotations

import re

import pyoxigraph
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from iimgraph.errors import IIMGraphError, QueryError
from iimgraph.namespaces import CONVERTER, PREFIX_MAP, PREFIX_SYNONYMS, display_curie, split_curie
from iimgraph.query.binding import bind, sparql_term, to_iri, to_term
from iimgraph.query.catalogue import Param
from iimgraph.query.results import IRI
from iimgraph.query.run import run_query

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IRI_SAFE = "".join(sorted(set(map(chr, range(0x21, 0x7F))) - set('<>"{}|^`\\')))
LOCAL_ID = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.", min_size=1, max_size=20)
#: characters that try to break out of a SPARQL string or query: quotes, braces, escapes, comments, newlines
FRAGMENTS = [*list('"\'\\{}()<>#.;?$\n\r\tuU0123456789abcdefABCDEF '), "\\u0022", "\\U00000022", "\\u007D", '"""', "'''", "} SELECT * WHERE {", "SERVICE", "FROM", "\u2028", "\x7f", "\x01", "é", "💥"]
HOSTILE = st.lists(st.sampled_from(FRAGMENTS), max_size=20).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=60), HOSTILE)
STRING = Param("v", "string")


# --- CURIEs -----------------------------------------------------------------------------------------

@SETTINGS
@given(prefix=st.sampled_from(sorted(PREFIX_MAP)), local=LOCAL_ID)
def test_expand_of_compress_gives_the_iri_back(prefix: str, local: str):
    iri = PREFIX_MAP[prefix] + local
    curie = CONVERTER.compress(iri)
    assert curie is not None, iri
    assert CONVERTER.expand(curie) == iri
    assert str(to_iri(display_curie(iri))) == iri  # what a user copies from output works as input


@SETTINGS
@given(prefix=st.sampled_from(sorted(PREFIX_MAP)), local=LOCAL_ID)
def test_compress_of_expand_is_stable(prefix: str, local: str):
    curie = f"{prefix}:{local}"
    iri = CONVERTER.expand(curie)
    assert iri is not None
    assert CONVERTER.expand(CONVERTER.compress(iri)) == iri


_PREFIXES_AND_SYNONYMS = sorted({*PREFIX_MAP, *(s for group in PREFIX_SYNONYMS.values() for s in group)})
CURIE_LIKE = st.one_of(ANY_TEXT, st.builds(lambda p, sep, local: p + sep + local,
                                           st.sampled_from([*_PREFIXES_AND_SYNONYMS, "NOSUCH", ""]),
                                           st.sampled_from([":", "", "::"]), st.one_of(LOCAL_ID, ANY_TEXT)))
IRI_LIKE = st.one_of(ANY_TEXT, st.builds(lambda u, local: u + local,
                                         st.sampled_from([*PREFIX_MAP.values(), "http://example.org/", ""]),
                                         st.one_of(LOCAL_ID, ANY_TEXT, st.just(""))))


def _outcome(method, value):  # type: ignore[no-untyped-def]
    try:
        return method(value)
    except ValueError:
        return ValueError


@SETTINGS
@given(curie=CURIE_LIKE, iri=IRI_LIKE)
@example(curie="MIM:160750", iri="http://purl.obolibrary.org/obo/MONDO_")
@example(curie="no delimiter", iri="http://purl.obolibrary.org/obo/GO_1")
def test_the_prefix_table_answers_as_curies_does(curie: str, iri: str):
    """namespaces.CONVERTER is a plain table (the query path must not import pydantic): it gives the
    answers curies.Converter gives over the same records."""
    import curies

    reference = curies.Converter.from_extended_prefix_map(
        [curies.Record(prefix=p, uri_prefix=u, prefix_synonyms=PREFIX_SYNONYMS.get(p, [])) for p, u in PREFIX_MAP.items()])
    for name in ("expand", "standardize_curie"):
        assert _outcome(getattr(CONVERTER, name), curie) == _outcome(getattr(reference, name), curie), (name, curie)
    assert CONVERTER.standardize_prefix(curie) == reference.standardize_prefix(curie)
    assert CONVERTER.compress(iri) == reference.compress(iri), iri
    assert CONVERTER.get_prefixes() == reference.get_prefixes()


@SETTINGS
@given(text=ANY_TEXT)
@example("MONDO:0016367")
@example("<http://example.org/a b>")
@example("http://a/>} SELECT * WHERE { ?s ?p ?o }#")
@example("NOSUCH:1")
def test_to_iri_gives_a_valid_iri_or_the_projects_error(text: str):
    try:
        iri = to_iri(text)
    except QueryError:
        return
    assert isinstance(iri, IRI)
    # the result is safe to write between angle brackets, and an engine reads it back whole
    assert not set(str(iri)) & set('<>"{}|^`\\ \n\t')
    rows = list(pyoxigraph.Store().query(bind("SELECT ?v WHERE { }", {"v": iri})))
    assert rows[0]["v"] == pyoxigraph.NamedNode(str(iri))


@SETTINGS
@given(text=ANY_TEXT)
def test_curie_helpers_never_raise_anything_unexpected(text: str):
    try:
        prefix, local = split_curie(text)
    except ValueError:
        pass
    else:
        assert prefix and local and ":" not in prefix
    assert isinstance(display_curie(text), str)
    try:
        term = to_term(Param("c", "curie"), text)
    except IIMGraphError:
        return
    assert isinstance(term, IRI)


# --- parameter binding ------------------------------------------------------------------------------

def _bound_string(value: str) -> str:
    return bind("SELECT ?v WHERE { }", {"v": to_term(STRING, value)})


@SETTINGS
@given(value=ANY_TEXT)
@example('") } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #')
@example("\\u0022) } SELECT * WHERE { ?s ?p ?o } #")
@example("\\")
@example("\\\\u0022")
@example('"""')
@example("x\n} SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }")
def test_string_values_come_back_as_data_on_oxigraph(value: str):
    if "\x00" in value:
        with pytest.raises(QueryError):
            to_term(STRING, value)
        return
    rows = list(pyoxigraph.Store().query(_bound_string(value)))
    assert len(rows) == 1
    assert rows[0]["v"] == pyoxigraph.Literal(value)


@settings(max_examples=100, deadline=None)
@given(value=ANY_TEXT)
@example('") } SELECT * WHERE { ?s ?p ?o } #')
@example("\\u0022) } SELECT * WHERE { ?s ?p ?o } #")
@example("\x080000")  # a control character's escape followed by hex digits: was read as U+80000
def test_string_values_come_back_as_data_on_rdflib(value: str):
    assume("\x00" not in value)
    rows = list(Graph().query(_bound_string(value)))
    assert len(rows) == 1
    assert str(rows[0][0]) == value


@SETTINGS
@given(value=ANY_TEXT)
def test_integer_and_boolean_params_accept_only_their_type(value: str):
    for kind in ("integer", "boolean"):
        try:
            term = to_term(Param("n", kind), value)
        except QueryError:
            continue
        text = sparql_term(term)
        assert text.startswith('"') and "^^<http://www.w3.org/2001/XMLSchema#" in text
        if kind == "integer":
            assert int(str(term)) == int(value.strip())
        else:
            assert str(term) in ("true", "false")
        rows = list(pyoxigraph.Store().query(bind("SELECT ?n WHERE { }", {"n": term})))
        assert rows[0]["n"].value == str(term)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.lists(st.sampled_from([*list("myositisMYO \"'\\{}()#<>.;?uU0123"), "\\u0022", "} SELECT * WHERE {", "\n"]), min_size=1, max_size=15).map("".join))
@example('") } SELECT * WHERE { ?term ?field ?matched } #')
@example("myositis")
def test_a_packaged_query_matches_the_value_as_text(value: str):
    """``search`` finds labels containing the value; an injected pattern would return other rows."""
    assume("\x00" not in value)
    rows = run_query("search", {"text": value}, engine="oxigraph")
    needle = re.sub(r"[^a-z0-9]", "", value.lower())  # search ignores case, spaces and punctuation
    if not needle:
        assert rows == [], (value, rows)
    for row in rows:
        assert needle in re.sub(r"[^a-z0-9]", "", str(row["matched"]).lower()), (value, row)
    if value == "myositis":
        assert rows, "the search query finds nothing at all: this test would pass vacuously"
