"""The static site and the term routes of `serve`: links, page content against the graph, content negotiation."""

from __future__ import annotations

import html.parser
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from html import escape

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from iimgraph.io.rdf import parse_data
from iimgraph.namespaces import OBO, display_curie
from iimgraph.query.engines import OxigraphEngine
from iimgraph.web.pages import RESOLVERS
from iimgraph.web.routes import SiteRoutes, negotiate_term
from iimgraph.web.serve import Endpoint, make_server
from iimgraph.web.site import ROOT as IIM_ROOT
from iimgraph.web.site import Site, describe
from tests.cli import CLI, invoke
from tests.servers import serving_in_thread

OIO = "http://www.geneontology.org/formats/oboInOwl#"
IAO_DEF = URIRef(OBO + "IAO_0000115")
BIOLINK = "https://w3id.org/biolink/vocab/"
DM = URIRef(OBO + "MONDO_0016367")


class Parsed(html.parser.HTMLParser):
    """Links, ids, element texts by id/class, and the embedded JSON-LD of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []
        self.by_class: dict[str, list[str]] = {}
        self._stack: list[tuple[str, list[str], list[str]]] = []  # (tag, classes, text parts)
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src", "xlink:href"):
            if a.get(key):
                self.links.append(a[key] or "")
        if a.get("id"):
            self.ids.add(a["id"] or "")
        self._in_script = tag == "script" and a.get("type") == "application/ld+json"
        if tag in ("br", "meta", "link", "input", "circle", "line", "path"):
            return
        classes = (a.get("class") or "").split() + ([f"#{a['id']}"] if a.get("id") else [])
        self._stack.append((tag, classes, []))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            t, classes, parts = self._stack.pop()
            text = "".join(parts)
            for c in classes:
                self.by_class.setdefault(c, []).append(" ".join(text.split()))
            if self._stack:
                self._stack[-1][2].append(text)
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
            self._in_script = False
        if self._stack:
            self._stack[-1][2].append(data)


def parse_page(data: bytes | str) -> Parsed:
    p = Parsed()
    p.feed(data.decode("utf-8") if isinstance(data, bytes) else data)
    return p


def embedded_graph(page: bytes) -> Graph:
    """The description a page carries as JSON-LD (its context is inline, so nothing is fetched)."""
    scripts = parse_page(page).scripts
    assert len(scripts) == 1
    g = Graph()
    g.parse(data=scripts[0], format="json-ld")
    return g


@pytest.fixture(scope="module")
def site(graph) -> Site:
    return Site(graph)


@pytest.fixture(scope="module")
def files(site) -> dict[str, bytes]:
    return site.files()


@pytest.fixture(scope="module")
def core(graph) -> list[URIRef]:
    return sorted(s for s, o in graph.subject_objects(URIRef("https://w3id.org/iimgraph/vocab/inScope"))
                  if str(o) in ("iim_root", "iim_subtree", "iim_related"))


def _resolver_patterns() -> list[re.Pattern[str]]:
    return [re.compile("^" + re.escape(t).replace(re.escape("{id}"), r"[^\s\"<>]+") + "$")
            for _, t in RESOLVERS.values()]


# --- the files ----------------------------------------------------------------------------------------


def test_every_scoped_class_has_a_page_in_three_formats(files, core, graph):
    assert len(core) == 29
    for cls in core:
        local = str(cls)[len(OBO):]
        for suffix in ("html", "ttl", "jsonld"):
            assert f"term/{local}.{suffix}" in files, (local, suffix)
    for name in ("index.html", "queries.html", "classification.svg", "assets/site.css", "assets/queries.js"):
        assert name in files


def test_every_link_resolves_inside_the_site_or_to_a_known_resolver(files):
    patterns = _resolver_patterns()
    checked = external = 0
    pages = {name: parse_page(data) for name, data in files.items() if name.endswith((".html", ".svg"))}
    for name, page in pages.items():
        for link in page.links:
            checked += 1
            if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I):
                assert any(p.match(link) for p in patterns), f"{name}: {link} matches no resolver pattern"
                external += 1
                continue
            target, _, fragment = link.partition("#")
            target, _, query = target.partition("?")
            assert not query or re.fullmatch(r"lang=[a-z]{2,3}", query), f"{name}: {link}: a query the static site cannot answer"
            resolved = os.path.normpath(os.path.join(os.path.dirname(name), target)) if target else name
            assert resolved in files, f"{name}: {link} -> {resolved} is not a file of the site"
            if fragment and resolved.endswith(".html"):
                assert fragment in pages[resolved].ids, f"{name}: {link}: no id {fragment!r}"
    assert checked > 3000 and external > 500


def test_a_link_outside_the_table_would_fail_the_check():
    patterns = _resolver_patterns()
    assert any(p.match("https://omim.org/entry/160750") for p in patterns)
    assert not any(p.match("https://example.org/entry/160750") for p in patterns)
    assert not any(p.match("https://omim.org/entry/") for p in patterns)


def test_same_graph_same_bytes_across_processes(files, tmp_path):
    """A second process (another hash seed) writes the same files, byte for byte."""
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run([*CLI, "site", "--out", str(out)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "46 class pages" in run.stdout  # 45 + the placement target MONDO:0007179, a declared parent (issue 16)
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sorted(written) == sorted(files)
    different = [name for name in files if written[name] != files[name]]
    assert not different, different[:5]


def test_site_into_a_file_is_a_one_line_error(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    run = invoke("site", "--out", str(target))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "not a folder" in run.stderr and "Traceback" not in run.stderr
    assert target.read_text() == "keep me"


# --- the tree ------------------------------------------------------------------------------------------


def test_tree_shows_every_subtype_linked_and_the_orphanet_placement_dashed(files, graph):
    svg = files["classification.svg"].decode("utf-8")
    assert svg in files["index.html"].decode("utf-8")  # the index draws the same picture
    subtypes = {r[0] for r in graph.query(
        "SELECT ?d WHERE { ?d rdfs:subClassOf+ ?root }", initBindings={"root": IIM_ROOT})}
    assert len(subtypes) == 27
    page = parse_page(svg)
    for cls in subtypes | {IIM_ROOT}:
        local = str(cls)[len(OBO):]
        assert f"term/{local}.html" in page.links, local
        label = str(graph.value(cls, RDFS.label))
        assert f">{label}<" in svg, label
    # inclusion body myositis: not a MONDO subtype, drawn dashed under acquired IIM as Orphanet places it
    m = re.search(r'<g class="node-placement" data-iri="http://purl.obolibrary.org/obo/MONDO_0007827">(.*?)</g>',
                  svg, re.S)
    assert m and "placed here by Orphanet" in m.group(1)
    assert 'stroke-dasharray' in svg and "placement by another source" in svg


def test_tree_draws_no_placement_that_agrees_with_mondo_at_some_depth(files):
    svg = files["classification.svg"].decode("utf-8")
    placed = re.findall(r'<g class="node-placement" data-iri="([^"]+)">(.*?)</g>', svg, re.S)
    # the seed pages list dermatomyositis and IMNM under IIM: MONDO has them there at depth 3 and 2
    assert not {OBO + "MONDO_0016367", OBO + "MONDO_0016098"} & {iri for iri, _ in placed}
    # inclusion body myositis under IIM, as NINDS lists it, is no MONDO placement: drawn dashed
    assert any(iri == OBO + "MONDO_0007827" and "placed here by NINDS" in body for iri, body in placed)


# --- class pages against the graph ---------------------------------------------------------------------


def _xrefs(graph: Graph, cls: URIRef) -> set[str]:
    found = {str(x) for x in graph.objects(cls, URIRef(OIO + "hasDbXref"))}
    for p in ("exactMatch", "closeMatch"):
        found |= {display_curie(o) for o in graph.objects(cls, URIRef("http://www.w3.org/2004/02/skos/core#" + p))}
    return found


def test_class_pages_show_what_the_graph_says(files, graph, core):
    for cls in core:
        local = str(cls)[len(OBO):]
        page = parse_page(files[f"term/{local}.html"])
        assert page.by_class["#label"] == [str(graph.value(cls, RDFS.label))]
        definitions = [str(d) for d in graph.objects(cls, IAO_DEF)]
        assert sorted(page.by_class.get("definition", [])) == sorted(" ".join(d.split()) for d in definitions)
        synonyms = {" ".join(str(o).split()) for p in ("hasExactSynonym", "hasRelatedSynonym", "hasBroadSynonym",
                                                       "hasNarrowSynonym") for o in graph.objects(cls, URIRef(OIO + p))}
        assert set(page.by_class.get("synonym", [])) == synonyms
        parents = " ".join(page.by_class.get("parents", []))
        for p in graph.objects(cls, RDFS.subClassOf):
            assert f"{graph.value(p, RDFS.label)} {display_curie(p)}" in parents, (local, p)
        children = " ".join(page.by_class.get("children", []))
        for child in graph.subjects(RDFS.subClassOf, cls):
            assert f"{graph.value(child, RDFS.label)} {display_curie(child)}" in children, (local, child)
        xref_cells = set(page.by_class.get("curie", []))
        assert _xrefs(graph, cls) <= xref_cells, (local, _xrefs(graph, cls) - xref_cells)


def test_clinical_sections_match_the_claims(files, graph):
    """Dermatomyositis: every curated feature, autoantibody, figure is on its page, text-mined ones apart."""
    html = files["term/MONDO_0016367.html"].decode("utf-8")
    page = parse_page(html)
    itm = URIRef("https://w3id.org/iimgraph/vocab/evidence/ITM")
    curated, mined = set(), set()
    for claim in graph.subjects(URIRef(BIOLINK + "subject"), DM):
        if (claim, RDF.type, URIRef(BIOLINK + "DiseaseToPhenotypicFeatureAssociation")) in graph:
            label = str(graph.value(graph.value(claim, URIRef(BIOLINK + "object")), RDFS.label))
            (mined if (claim, URIRef(BIOLINK + "has_evidence"), itm) in graph else curated).add(label)
    assert curated
    features = html.split('<section id="features">')[1].split("</section>")[0]
    visible, _, hidden = features.partition('<details class="text-mined">')
    for label in curated:
        assert f">{escape(label)}</a>" in visible, label
    for label in mined - curated:
        assert f">{escape(label)}</a>" in hidden and f">{escape(label)}</a>" not in visible, label
    antibodies = {str(graph.value(graph.value(c, URIRef(BIOLINK + "object")), RDFS.label))
                  for c in graph.subjects(URIRef(BIOLINK + "subject"), DM)
                  if (c, RDF.type, URIRef("https://w3id.org/iimgraph/vocab/AutoantibodyAssociation")) in graph}
    section = html.split('<section id="autoantibodies">')[1].split("</section>")[0]
    assert antibodies and all(f">{escape(a)}</a>" in section for a in antibodies)
    # every cited source is listed, numbered, with its title
    cites = set(re.findall(r'href="#src-(\d+)"', html))
    assert cites and all(f"src-{n}" in page.ids for n in cites)


def test_iim_page_shows_epidemiology_and_treatment_figures(files, graph):
    html = files["term/MONDO_0600023.html"].decode("utf-8")
    epi = html.split('<section id="epidemiology">')[1].split("</section>")[0]
    for claim in graph.subjects(URIRef(BIOLINK + "subject"), IIM_ROOT):
        if (claim, RDF.type, URIRef("https://w3id.org/iimgraph/vocab/EpidemiologyObservation")) in graph:
            text = graph.value(claim, URIRef("https://w3id.org/iimgraph/vocab/valueText"))
            assert text is not None and f"\u201c{text}\u201d" in epi.replace("&#x27;", "'"), text
    treatments = html.split('<section id="treatments">')[1].split("</section>")[0]
    assert "corticosteroids" in treatments and "seed-carenity" not in treatments  # sources are numbered refs
    # supportive care reads apart from treatment, with the page's hedge; course and cause have sections
    row = next(r for r in treatments.split("<tr>") if "occupational therapy" in r)
    assert "has supportive care" in row and "It may be helpful" in row
    course = html.split('<section id="course">')[1].split("</section>")[0]
    assert "relapse" in course and "Some people may" in course
    cause = html.split('<section id="cause">')[1].split("</section>")[0]
    assert "immune system malfunction" in cause and "no specific cause identified" in cause
    findings = html.split('<section id="findings">')[1].split("</section>")[0]
    assert "<strong>NOT</strong>" in findings and "external visible swelling of the muscles" in findings


def test_data_is_escaped_never_markup(graph):
    g = Graph()
    for t in describe(graph, DM):
        g.add(t)
    evil = '<script>alert("x")</script> & "quotes"'
    g.set((DM, RDFS.label, Literal(evil)))
    g.add((DM, URIRef(OIO + "hasExactSynonym"), Literal("</script><img src=x onerror=alert(1)>")))
    g.add((URIRef("https://w3id.org/iimgraph/vocab/inScope"), RDF.type, OWL.AnnotationProperty))
    doc = Site(g).term_documents(DM)["html"].decode("utf-8")
    assert "<script>alert" not in doc and "<img src=x" not in doc
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in doc
    # only the end of the embedded JSON-LD and the empty element loading assets/lang.js
    assert doc.count("</script>") == 2 and doc.count('<script src="../assets/lang.js" defer></script>') == 1
    assert str(embedded_graph(doc.encode()).value(DM, RDFS.label)) == evil


def test_queries_page_lists_every_query_with_its_parameters(files):
    from iimgraph.query.catalogue import catalogue

    page = parse_page(files["queries.html"])
    html = files["queries.html"].decode("utf-8")
    for name, q in catalogue().items():
        assert f"q-{name}" in page.ids
        assert f'data-query="{name}"' in html
        for p in q.params:
            assert f"q-{name}-{p.name}" in page.ids
    assert 'id="offline"' in html and "iimgraph serve" in html


# --- content negotiation -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(graph):
    endpoint = Endpoint(OxigraphEngine(graph.serialize(format="nt", encoding="utf-8")), timeout=20)
    srv = make_server("127.0.0.1", 0, endpoint=endpoint, quiet=True, site=SiteRoutes(graph))
    with serving_in_thread(srv) as url:
        yield url


def _fetch(url: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.parametrize("path,iri", [
    ("/term/MONDO_0016367", str(DM)),
    ("/term/MONDO_0007827", OBO + "MONDO_0007827"),
    ("/term/HP_0001324", OBO + "HP_0001324"),  # no static page: described on the fly
    ("/iimgraph/term/therapy-corticosteroids", "https://w3id.org/iimgraph/term/therapy-corticosteroids"),
])
def test_three_media_types_parse_to_the_same_description(server, graph, path, iri):
    expected = describe(graph, URIRef(iri))
    assert len(expected) > 5
    got = {}
    for accept, ctype in (("text/html", "text/html"), ("text/turtle", "text/turtle"),
                          ("application/ld+json", "application/ld+json")):
        status, headers, body = _fetch(server + path, accept)
        assert status == 200, body[:200]
        assert headers["Content-Type"].startswith(ctype)
        assert headers["Vary"] == "Accept"
        if ctype == "text/html":
            got[ctype] = embedded_graph(body)
        elif ctype == "text/turtle":
            got[ctype] = parse_data(body, "ttl")
        else:
            doc = json.loads(body)
            assert isinstance(doc["@context"], dict)  # inline: nothing to fetch
            g = Graph()
            g.parse(data=body, format="json-ld")
            got[ctype] = g
    for ctype, g in got.items():
        assert isomorphic(g, expected), ctype
    assert to_isomorphic(got["text/html"]) == to_isomorphic(got["text/turtle"]) == to_isomorphic(got["application/ld+json"])


def test_negotiated_term_is_the_static_file_and_says_where(server, files):
    status, headers, body = _fetch(server + "/term/MONDO_0016367", "text/turtle")
    assert headers["Content-Location"] == "/term/MONDO_0016367.ttl"
    assert body == files["term/MONDO_0016367.ttl"]
    status, headers, body = _fetch(server + "/term/MONDO_0016367.html")
    assert status == 200 and body == files["term/MONDO_0016367.html"]


def test_negotiation_rules(server):
    assert negotiate_term("") == "html"
    assert negotiate_term("*/*") == "html"
    assert negotiate_term("text/turtle;q=0.5, application/ld+json") == "jsonld"
    assert negotiate_term("text/html;q=0.1, */*;q=0.1, text/turtle;q=0.1") == "html"
    assert negotiate_term("application/json") == "jsonld"
    assert negotiate_term("image/png") is None
    assert negotiate_term("text/turtle;q=0") is None
    status, headers, body = _fetch(server + "/term/MONDO_0016367", "image/png, application/pdf")
    assert status == 406 and b"text/turtle" in body
    status, headers, body = _fetch(server + "/term/MONDO_0016367?format=jsonld", "text/html")
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    status, _, body = _fetch(server + "/term/MONDO_0016367?format=pdf")
    assert status == 400 and b"use html, ttl or jsonld" in body
    status, _, body = _fetch(server + "/term/MONDO_9999999", "text/turtle")
    assert status == 404 and body.count(b"\n") == 1
    status, _, _ = _fetch(server + "/iimgraph/../../etc/passwd")
    assert status == 404
    status, headers, body = _fetch(server + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"<svg" in body


def test_run_route_binds_parameters_on_the_server(server, graph):
    status, headers, body = _fetch(server + "/run/subtypes?" + urllib.parse.urlencode({"root": "MONDO:0016367"}))
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    rows = json.loads(body)["results"]["bindings"]
    expected = {str(r[0]) for r in graph.query("SELECT ?d WHERE { ?d rdfs:subClassOf+ ?root }",
                                               initBindings={"root": DM})}
    assert {r["disease"]["value"] for r in rows} == expected
    # text that tries to leave the VALUES block stays a value (or is refused as a malformed CURIE)
    status, _, body = _fetch(server + "/run/search?" + urllib.parse.urlencode({"text": '"} } SELECT * { ?s ?p ?o'}))
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, body = _fetch(server + "/run/subtypes?root=" + urllib.parse.quote("> } SERVICE <http://x/"))
    assert status == 400 and body.count(b"\n") == 1
    status, _, body = _fetch(server + "/run/nope")
    assert status == 404
    status, _, body = _fetch(server + "/run/xrefs")
    assert status == 400 and b"needs parameter 'disease'" in body


def test_overlap_myositis_page_lists_what_it_occurs_together_with(files):
    html = files["term/MONDO_0016099.html"].decode("utf-8")
    section = html.split('<section id="overlap">')[1].split("</section>")[0]
    for name in ("systemic lupus erythematosus", "systemic sclerosis", "vasculitis"):
        assert f"{name} (as the Clinic Barcelona page names it)" in section, name
    assert "including" in section


def test_a_feature_shows_its_clinical_modifier(files):
    """NINDS: polymyositis affects skeletal muscles on both sides of the body (modifier Bilateral)."""
    html = files["term/MONDO_0019127.html"].decode("utf-8")
    features = html.split('<section id="features">')[1].split("</section>")[0]
    row = next(r for r in features.split("<tr>") if ">Abnormality of the musculature</a>" in r)
    assert ">Bilateral</a>" in row and "HP:0012832" in row
