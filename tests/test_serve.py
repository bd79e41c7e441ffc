"""serve: a read-only SPARQL 1.1 Protocol endpoint that answers SPARQLWrapper and refuses updates,
SERVICE and FROM, with a timeout and a row cap."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, POST, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from iimgraph.errors import QueryError, Refused
from iimgraph.formats import RdfFormat, ResultFormat
from iimgraph.query.binding import bind, resolve_params
from iimgraph.query.catalogue import get_query
from iimgraph.query.engines import OxigraphEngine
from iimgraph.query.guard import declared_prefixes, lex, used_prefixes
from iimgraph.query.results import to_delimited, to_json, to_xml
from iimgraph.web.serve import Endpoint, check_query, make_server, negotiate
from tests.test_queries import EXAMPLES

LABEL_Q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
           "SELECT ?label WHERE { <http://purl.obolibrary.org/obo/MONDO_0019127> rdfs:label ?label }")


@pytest.fixture(scope="module")
def engine():
    return OxigraphEngine()


def _start(endpoint: Endpoint):
    server = make_server("127.0.0.1", 0, endpoint=endpoint, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/sparql"


@pytest.fixture(scope="module")
def url(engine):
    server, address = _start(Endpoint(engine, timeout=10, max_rows=50))
    yield address
    server.shutdown()
    server.server_close()


def _get(url: str, query: str, accept: str = "application/sparql-results+json") -> tuple[int, str, str]:
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def _post(url: str, body: str, ctype: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_gets_json_results(url, method):
    client = SPARQLWrapper(url)
    client.setQuery(LABEL_Q)
    client.setReturnFormat(JSON)
    if method == "POST":
        client.setMethod(POST)
    data = client.query().convert()
    assert data["results"]["bindings"] == [{"label": {"type": "literal", "value": "polymyositis"}}]


def test_sparqlwrapper_gets_xml_results(url):
    client = SPARQLWrapper(url)
    client.setQuery(LABEL_Q)
    client.setReturnFormat(XML)
    doc = client.query().convert()
    assert [n.firstChild.data for n in doc.getElementsByTagName("literal")] == ["polymyositis"]


def test_csv_and_tsv_by_accept_header(url):
    status, ctype, body = _get(url, LABEL_Q, "text/csv")
    assert status == 200 and ctype.startswith("text/csv")
    assert list(csv.reader(io.StringIO(body))) == [["label"], ["polymyositis"]]
    status, ctype, body = _get(url, "SELECT ?d WHERE { ?d <http://www.w3.org/2000/01/rdf-schema#label> "
                                    '"polymyositis" }', "text/tab-separated-values")
    assert status == 200 and body == "?d\n<http://purl.obolibrary.org/obo/MONDO_0019127>\n"


def test_updates_are_refused_with_403_and_a_message(url):
    update = "INSERT DATA { <http://e/a> <http://e/p> <http://e/o> }"
    client = SPARQLWrapper(url)
    client.setQuery(update)
    client.setMethod(POST)
    with pytest.raises(urllib.error.HTTPError) as info:  # SPARQLWrapper passes a 403 on as the HTTPError
        client.query()
    assert info.value.code == 403
    assert _post(url, update, "application/sparql-update")[0] == 403
    status, body = _post(url, urllib.parse.urlencode({"update": update}), "application/x-www-form-urlencoded")
    assert status == 403 and "read-only" in body
    status, _, body = _get(url, update)  # an update sent as a query
    assert status == 403 and "read-only" in body
    assert json.loads(_get(url, "ASK { <http://e/a> ?p ?o }")[2]) == {"head": {}, "boolean": False}


def test_service_and_from_are_refused_and_never_called(url, trap):
    target, hits = trap
    for query in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                  f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
                  f"select * where {{ servi\\u0063e <{target}> {{ ?s ?p ?o }} }}",
                  f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
        status, _, body = _get(url, query)
        assert status == 400 and "refused" in body, query
        client = SPARQLWrapper(url)
        client.setQuery(query)
        client.setReturnFormat(JSON)
        with pytest.raises(SPARQLWrapperException):
            client.query()
    assert hits == []


def test_service_as_a_name_or_in_a_string_is_not_refused():
    check_query('SELECT ?service WHERE { ?service <http://e/p> "SERVICE <http://x> FROM" }')


def test_nesting_is_measured_and_many_shallow_groups_pass():
    """The depth is walked only when more than 200 brackets are opened at all; then it is measured."""
    deep = "SELECT * WHERE " + "{ " * 201 + "?s ?p ?o " + "} " * 201
    with pytest.raises(QueryError, match="201 deep"):
        check_query(deep)
    check_query("SELECT * WHERE " + "{ " * 200 + "?s ?p ?o " + "} " * 200)
    check_query("SELECT * WHERE { " + " ".join(["{ ?s ?p ?o }"] * 300) + " }")  # 301 groups, 2 deep


@pytest.mark.parametrize("word", ["SERVICE", "service", "\u017fERVICE", "ſERVICE", "FRO\u004d", "ſervice", "Service"])
def test_remote_access_is_refused_however_the_keyword_is_spelt(word):
    """A quick lower-case test skips the keyword patterns for ASCII text only: Python's case-insensitive
    patterns also fold characters such as the long s, so other text always goes through them."""
    query = f"SELECT * WHERE {{ {word} <http://127.0.0.1:9/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(Refused):
        check_query(query)


def test_updates_are_refused_however_spelt():
    for update in ("INSERT DATA { <http://e/a> <http://e/p> 1 }", "insert data { <http://e/a> <http://e/p> 1 }",
                   "ınsert DATA { <http://e/a> <http://e/p> 1 }", "DROP ALL",
                   "\\u0049NSERT DATA { <http://e/a> <http://e/p> 1 }"):  # an escape is decoded before parsing
        with pytest.raises(Refused, match="read-only"):
            check_query(update)


def test_an_undefined_prefix_is_refused_before_a_worker_is_taken(url):
    """check_query runs every check of the engines (the worker then skips them): an unknown prefix too."""
    with pytest.raises(QueryError, match="undefined prefix nope:"):
        check_query("SELECT ?x WHERE { ?x nope:p ?y }")
    status, _, body = _get(url, "SELECT ?x WHERE { ?x nope:p ?y }")
    assert status == 400 and "undefined prefix nope:" in body
    check_query("PREFIX nope: <http://e/> SELECT ?x WHERE { ?x nope:p rdfs:label }")  # declared, predeclared


#: the patterns the guard used before (a lookbehind first: tried at every position), as the reference
OLD_PNAME = re.compile(r"(?<![\w.\-?$:])((?:[^\W\d_][\w.\-]*)?):")
OLD_PREFIX_DECL = re.compile(r"(?<![\w:?$.-])PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\s]*)>", re.I)
TOKENS = ["PREFIX", "prefix", "PrEfIx", " ", "\n", "ab", "a1", "_x", "1a", ":", "ab:", "é:", "٣:", "ſ", ".", "-",
          "?", "$", "<http://x/>", "<>", "x.", "PREFIX :", "PREFIX a: <http://a/>", "aPREFIX", ":PREFIX", "?PREFIX"]


def test_the_prefix_patterns_find_what_the_earlier_ones_found():
    """used_prefixes and declared_prefixes search for a character first now; on the packaged queries and
    on 20,000 random texts they find the same names at the same offsets."""
    rnd = random.Random(30)
    texts = [bind(get_query(n).text, resolve_params(get_query(n), p)) for n, p in sorted(EXAMPLES.items())]
    texts += ["".join(rnd.choice(TOKENS) for _ in range(rnd.randint(0, 12))) for _ in range(10_000)]
    texts += ["".join(rnd.choice("ab1_:.-?$ <>PREFIXprefixé٣ſ\n") for _ in range(rnd.randint(0, 30)))
              for _ in range(10_000)]
    for text in texts:
        decoded, masked = lex(text)
        old_used = [(m.group(1), m.start()) for m in OLD_PNAME.finditer(masked) if not m.group(1).endswith(".")]
        assert used_prefixes(text) == old_used, text
        old_declared = {m.group(1) or "" for m in OLD_PREFIX_DECL.finditer(decoded)
                        if masked[m.start():m.start() + 6].upper() == "PREFIX"}
        assert declared_prefixes(text) == old_declared, text


def test_syntax_errors_are_400(url):
    status, _, body = _get(url, "SELECT * WHERE { ?s ?p }")
    assert status == 400 and "syntax" in body.lower()


def test_row_cap(url):
    status, _, body = _get(url, "SELECT ?s WHERE { ?s ?p ?o }")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 50


def test_timeout_gives_503(engine):
    server, address = _start(Endpoint(engine, timeout=0.5, max_rows=10**9))
    try:
        # a count writes no row before it ends (a cross product's rows could fill the 64 MB cap first)
        status, _, body = _get(address, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 503 and "timed out" in body


def test_negotiation():
    assert negotiate("text/csv;q=0.5, application/sparql-results+xml") == "xml"
    assert negotiate("*/*") == "json"
    assert negotiate("", "tsv") == "tsv"


# --- graph answers (CONSTRUCT, DESCRIBE) and the service description ----------------------------------

CONSTRUCT_Q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
               "CONSTRUCT { ?d rdfs:label ?label } WHERE { "
               "?d rdfs:subClassOf+ <http://purl.obolibrary.org/obo/MONDO_0600023> ; rdfs:label ?label }")
POLYMYOSITIS = "http://purl.obolibrary.org/obo/MONDO_0019127"


@pytest.fixture(scope="module")
def expected_graph(graph):
    """What rdflib itself constructs from the release graph: the reference for every RDF answer."""
    return graph.query(CONSTRUCT_Q).graph


def _isomorphic(a, b) -> bool:
    from rdflib.compare import to_isomorphic

    return to_isomorphic(a) == to_isomorphic(b)


def _parse(body: str | bytes, fmt: str):
    from rdflib import Graph

    return Graph().parse(data=body, format=fmt)


@pytest.mark.parametrize("return_format", ["xml", "rdf+xml", "json-ld"])
def test_sparqlwrapper_gets_an_rdflib_graph_for_construct(url, expected_graph, return_format):
    import warnings

    from rdflib import Graph

    client = SPARQLWrapper(url)
    client.setQuery(CONSTRUCT_Q)
    client.setReturnFormat(return_format)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = client.query()
        result = answer.convert()
    # SPARQLWrapper warns (RuntimeWarning) when the answer is not the RDF it asked for; rdflib's own
    # DeprecationWarning about ConjunctiveGraph, raised inside SPARQLWrapper, is not about the answer, nor
    # is a ResourceWarning for some earlier test's socket that the garbage collector closes meanwhile
    assert [str(w.message) for w in caught if not issubclass(w.category, (DeprecationWarning, ResourceWarning))] == []
    assert isinstance(result, Graph)
    assert len(expected_graph) > 20 and _isomorphic(result, expected_graph)


def test_sparqlwrapper_turtle_is_turtle(url, expected_graph):
    client = SPARQLWrapper(url)
    client.setQuery(CONSTRUCT_Q)
    client.setReturnFormat("turtle")
    answer = client.query()
    assert answer.info()["content-type"].startswith("text/turtle")
    assert _isomorphic(_parse(answer.convert(), "turtle"), expected_graph)


@pytest.mark.parametrize(("accept", "media", "rdflib_format"), [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("*/*", "text/turtle", "turtle"),  # Turtle by default
    ("application/sparql-results+json;q=0.9, application/n-triples", "application/n-triples", "nt"),
])
def test_construct_by_content_negotiation(url, expected_graph, accept, media, rdflib_format):
    status, ctype, body = _get(url, CONSTRUCT_Q, accept)
    assert status == 200 and ctype.split(";")[0] == media
    assert _isomorphic(_parse(body, rdflib_format), expected_graph)


def test_describe_answers_rdf(url):
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDFS

    status, ctype, body = _get(url, f"DESCRIBE <{POLYMYOSITIS}>", "text/turtle")
    assert status == 200 and ctype.startswith("text/turtle")
    described = _parse(body, "turtle")
    assert (URIRef(POLYMYOSITIS), RDFS.label, Literal("polymyositis")) in described
    assert {s for s in described.subjects() if isinstance(s, URIRef)} == {URIRef(POLYMYOSITIS)}


def test_get_without_query_is_the_service_description(url):
    from rdflib import Namespace, URIRef

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    request = urllib.request.Request(url, headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/turtle")
        description = _parse(r.read(), "turtle")
    service = URIRef(url)
    assert (service, sd.endpoint, service) in description
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in description
    formats = set(description.objects(service, sd.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats


def test_get_without_query_gives_a_browser_a_form(url):
    from html.parser import HTMLParser

    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    request = urllib.request.Request(url, headers={"Accept": browser})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/html")
        page = r.read().decode()

    fields: list[tuple[str, dict]] = []

    class Form(HTMLParser):
        def handle_starttag(self, tag, attrs):
            fields.append((tag, dict(attrs)))

    Form().feed(page)
    form = next(a for t, a in fields if t == "form")
    assert form["action"] == "/sparql" and form.get("method", "get").lower() == "get"
    assert ("textarea", {"id": "query", "name": "query", "rows": "12", "cols": "80"}) in fields


def test_the_endpoint_predeclares_the_project_prefixes(url):
    status, _, body = _get(url, "SELECT ?label WHERE { MONDO:0019127 rdfs:label ?label }")
    assert status == 200 and json.loads(body)["results"]["bindings"] == [
        {"label": {"type": "literal", "value": "polymyositis"}}]
    status, _, body = _get(url, "SELECT ?n WHERE { ?x doap:name ?n }")
    assert status == 400 and body.startswith("undefined prefix doap:")


def test_sparql_answers_before_the_site_is_built(engine):
    """The site is built on the first request for it, so the endpoint answers at once after start."""
    from iimgraph.web.routes import SiteRoutes

    routes = SiteRoutes()
    server = make_server("127.0.0.1", 0, endpoint=Endpoint(engine, timeout=10), quiet=True, site=routes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        status, _, body = _get(base + "/sparql", LABEL_Q)
        assert status == 200 and "polymyositis" in body
        with urllib.request.urlopen(base + "/sparql", timeout=10) as r:  # the service description too
            assert r.status == 200
        assert not routes.built
        with urllib.request.urlopen(base + "/", timeout=60) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
        assert routes.built
    finally:
        server.shutdown()
        server.server_close()


# --- answers written by Oxigraph in the worker (OxigraphEngine.serialized) -------------------------------------


def _solutions(body: bytes, fmt: ResultFormat) -> list[list[str]]:
    """Rows of a results document as lists of N-Triples terms, whatever the format ("" for unbound)."""
    if fmt is ResultFormat.CSV:
        return list(csv.reader(io.StringIO(body.decode("utf-8"))))
    if fmt is ResultFormat.XML:  # read here: Oxigraph's reader trims the spaces around a literal in indented XML
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        root = ElementTree.fromstring(body)
        return [[v.get("name", "") for v in root.iterfind("r:head/r:variable", ns)]] + [
            [f"{b.get('name')}={t.tag}{sorted(t.attrib.items())}{t.text or ''}" for b in result for t in b]
            for result in root.iterfind("r:results/r:result", ns)] + [
            [b.text or ""] for b in root.iterfind("r:boolean", ns)]
    parsed = ox.parse_query_results(body, format=fmt.oxigraph())
    if isinstance(parsed, ox.QueryBoolean):
        return [[str(bool(parsed))]]
    return [[str(v.value)] for v in parsed.variables] + [
        ["" if t is None else str(t) for t in solution] for solution in parsed]


@pytest.mark.parametrize("fmt", list(ResultFormat))
def test_every_packaged_query_is_answered_as_the_python_serialisers_write_it(engine, fmt):
    """serve's answers come from Oxigraph's serialisers: the same rows, terms and order as the results module's."""
    python = {ResultFormat.JSON: lambda r: to_json(r, indent=None), ResultFormat.XML: to_xml,
              ResultFormat.CSV: lambda r: to_delimited(r, ",", curies=False),
              ResultFormat.TSV: lambda r: to_delimited(r, "\t", curies=False, sparql_tsv=True)}[fmt]
    for name, params in sorted(EXAMPLES.items()):
        text = bind(get_query(name).text, resolve_params(get_query(name), params))
        answer = engine.serialized(text, fmt, max_rows=10_000)
        assert answer.fmt is fmt and not answer.truncated
        expected = _solutions(python(engine.execute(text, max_rows=10_000)).encode("utf-8"), fmt)
        assert _solutions(answer.body, fmt) == expected, name
        assert len(expected) > 1, name  # the example finds something


LINES = ('<http://e/a> <http://e/p> "one\\nline break" .\n<http://e/a> <http://e/p> "two\\ttab" .\n'
         '<http://e/a> <http://e/p> "three\\r\\n" .\n')


@pytest.mark.parametrize("fmt", list(ResultFormat))
def test_the_row_cap_cuts_an_answer_at_max_rows(fmt):
    """Rows are counted as lines of TSV, where a line break inside a term is escaped."""
    small = OxigraphEngine(LINES.encode())
    query = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    capped = small.serialized(query, fmt, max_rows=2)
    assert capped.truncated
    rows = _solutions(capped.body, fmt)
    assert len(rows) == 3 and "one" in rows[1][0] and "three" in rows[2][0]
    whole = small.serialized(query, fmt, max_rows=3)
    assert not whole.truncated and len(_solutions(whole.body, fmt)) == 4


def test_the_row_cap_cuts_a_graph_answer_and_stops_a_cross_product(engine):
    small = OxigraphEngine(LINES.encode())
    capped = small.serialized("CONSTRUCT WHERE { ?s ?p ?o }", rdf_format=RdfFormat.NTRIPLES, max_rows=2)
    assert capped.truncated and capped.fmt is RdfFormat.NTRIPLES and capped.body.count(b"\n") == 2
    turtle = small.serialized("CONSTRUCT WHERE { ?s ?p ?o }", rdf_format=RdfFormat.TURTLE, max_rows=2)
    assert len(list(ox.parse(turtle.body, format=ox.RdfFormat.TURTLE))) == 2
    # 25,000 ** 3 rows: evaluation stops once the cap is passed
    answer = engine.serialized("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", ResultFormat.TSV, max_rows=5)
    assert answer.truncated and answer.body.count(b"\n") == 6


@pytest.mark.parametrize("fmt", [ResultFormat.JSON, ResultFormat.XML, ResultFormat.CSV])
def test_an_answer_under_the_caps_is_written_once_in_its_format(engine, fmt, monkeypatch):
    """Under the row and byte caps Oxigraph writes the asked format at once, the same bytes as the
    rows written as TSV, read back and written again (which it did for every answer before: failed
    with the reader taken away)."""
    texts = [bind(get_query(name).text, resolve_params(get_query(name), params))
             for name, params in sorted(EXAMPLES.items())]
    via_tsv = [ox.parse_query_results(engine.serialized(text, ResultFormat.TSV, max_rows=10_000).body,
                                      format=ox.QueryResultsFormat.TSV).serialize(format=fmt.oxigraph())
               for text in texts]

    def no_reader(*args, **kwargs):
        raise AssertionError("the answer was read back")

    monkeypatch.setattr(ox, "parse_query_results", no_reader)
    for text, expected in zip(texts, via_tsv, strict=True):
        answer = engine.serialized(text, fmt, max_rows=10_000)
        assert answer.body == expected and not answer.truncated


@pytest.mark.parametrize("fmt", [ResultFormat.JSON, ResultFormat.XML, ResultFormat.CSV])
def test_a_cross_product_in_any_format_stops_at_the_row_cap(engine, fmt):
    """25,000 ** 3 rows asked as JSON, XML or CSV: the writer stops, the rows are counted again as lines."""
    answer = engine.serialized("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", fmt, max_rows=5)
    head = 9 if fmt is ResultFormat.JSON else 1  # _solutions' rows before the solutions: a variable each, or one
    assert answer.truncated and len(_solutions(answer.body, fmt)) == head + 5


def test_a_text_the_guard_passed_is_not_checked_again(engine, monkeypatch):
    """The guard reads only the text and the endpoint's allow-list: a text it passed once is not lexed again
    (it was a fifth of the server's CPU per answer under load); a refused text is refused every time.
    Failed before: the guard ran on every request."""
    import iimgraph.web.serve as serve_module

    calls: list[str] = []
    real = serve_module.check_query

    def counted(text: str, allow=()):
        calls.append(text)
        real(text, allow)

    monkeypatch.setattr(serve_module, "check_query", counted)
    endpoint = Endpoint(engine, timeout=10, max_rows=50, cache_bytes=0)
    try:
        for _ in range(3):
            assert b"label" in endpoint.answer(LABEL_Q)[0].answer.body
        assert calls == [LABEL_Q]
        update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
        for _ in range(2):
            with pytest.raises(Refused):
                endpoint.answer(update)
        assert calls.count(update) == 2
    finally:
        endpoint.close()


def test_the_guard_memo_is_bounded():
    """The texts kept as passed are bounded in characters, the oldest out first."""
    from iimgraph.web.serve import _Checked

    texts = [LABEL_Q + " " * i for i in range(5)]
    checked = _Checked((), max_chars=4 * len(texts[-1]) + 10)  # room for four of them
    for text in texts:
        checked.check(text)
    assert [text in checked for text in texts] == [False, True, True, True, True]


def _wait_idle(server, threads: int) -> None:
    for _ in range(500):
        if server.idle_threads >= threads:
            return
        threading.Event().wait(0.01)


def test_handler_threads_serve_connection_after_connection(engine):
    """A handler thread that has served its connection waits for the next one: a thread started per
    connection was a sixth of the server's CPU under load. Ten connections one after another start one
    thread. Failed before: a thread per connection."""
    server, address = _start(Endpoint(engine, timeout=10, max_rows=50))
    try:
        for _ in range(10):
            assert _get(address, LABEL_Q)[0] == 200
            _wait_idle(server, 1)
        assert server.threads_started == 1 and server.idle_threads == 1
    finally:
        server.shutdown()
        server.server_close()
    assert server.idle_threads == 0


def _fake_calls(endpoint: Endpoint, seconds: float, long: bool):
    """Replace the endpoint's workers by a call that takes ``seconds`` (and says at once that it is long, if
    ``long``); the calls running at once, at most, are recorded."""
    from iimgraph.query.results import Serialized

    lock = threading.Lock()
    seen = {"now": 0, "peak": 0}

    def call(*args, timeout, on_long=None):
        with lock:
            seen["now"] += 1
            seen["peak"] = max(seen["peak"], seen["now"])
        if long and on_long is not None:
            on_long()
        threading.Event().wait(seconds)
        with lock:
            seen["now"] -= 1
        return Serialized(b"{}", ResultFormat.JSON)

    endpoint.pool().call = call  # type: ignore[method-assign]
    return seen


def _answer_all(endpoint: Endpoint, n: int) -> None:
    threads = [threading.Thread(target=endpoint.answer, args=(f"{LABEL_Q} LIMIT {i + 1}",)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)


def test_queries_run_one_a_core_at_once(engine):
    """At most ``at_once`` queries run at once (one a core by default): 16 queries on 2 cores in 16 processes
    were preempted ~5 times an answer and cost 1.2-1.4x the CPU of Oxigraph's server, which runs one a
    core. Failed before: all four ran at once."""
    endpoint = Endpoint(engine, timeout=10, max_rows=50, cache_bytes=0, at_once=1)
    try:
        seen = _fake_calls(endpoint, 0.05, long=False)
        _answer_all(endpoint, 4)
        assert seen["peak"] == 1
    finally:
        endpoint.close()


def test_a_query_that_turns_out_long_gives_its_turn_to_the_next():
    """A query reniced for its CPU or past worker.LONG_WALL no longer holds its turn: the others start."""
    endpoint = Endpoint(OxigraphEngine(LINES.encode()), timeout=10, max_rows=50, cache_bytes=0, at_once=1)
    try:
        seen = _fake_calls(endpoint, 0.3, long=True)
        _answer_all(endpoint, 3)
        assert seen["peak"] == 3
    finally:
        endpoint.close()


def test_run_binds_a_query_and_its_parameters_once(monkeypatch):
    """/run/NAME with the same parameters binds to the same text: it is bound once (catalogue, typed terms,
    VALUES: a sixth of a request's CPU in the server), whatever ``format`` asks. Failed before: every time."""
    import iimgraph.web.routes as routes_module
    from iimgraph.web.routes import RunQuery, SiteRoutes

    calls: list[str] = []
    real = routes_module.bind

    def counted(text, bindings):
        calls.append(text)
        return real(text, bindings)

    monkeypatch.setattr(routes_module, "bind", counted)
    site = SiteRoutes()
    first = site.handle("/run/find-by-xref", "xref=OMIM%3A160750", "")
    again = site.handle("/run/find-by-xref", "format=csv&xref=OMIM%3A160750", "")
    other = site.handle("/run/find-by-xref", "xref=OMIM%3A615725", "")
    assert isinstance(first, RunQuery) and isinstance(again, RunQuery) and isinstance(other, RunQuery)
    assert first.text == again.text and again.fmt == "csv" and "615725" in other.text
    assert len(calls) == 2
    assert site.handle("/run/find-by-xref", "xref=not%20an%20id", "").status == 400  # type: ignore[union-attr]
