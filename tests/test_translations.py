"""HPO label translations where people read the graph: the JSON-LD (language maps), the term pages
(``?lang=``, served and static) and ``iimgraph describe --lang``. An official translation is shown beside
the English label; a candidate (machine) translation only marked as a candidate; never as ``rdfs:label``."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef

from iimgraph.cli import cli
from iimgraph.io.jsonld import jsonld_context
from iimgraph.namespaces import OBO
from iimgraph.terms import IIM
from iimgraph.web.routes import SiteRoutes
from iimgraph.web.site import Site, describe, to_jsonld

DM = URIRef(OBO + "MONDO_0016367")
WEAKNESS = URIRef(OBO + "HP_0003701")  # Proximal muscle weakness: es official, de candidate


@pytest.fixture(scope="module")
def site(graph) -> Site:
    return Site(graph)


def _official(graph, term: URIRef, lang: str) -> set[str]:
    return {str(v) for v in graph.objects(term, IIM.translation) if v.language == lang}


def _candidate(graph, term: URIRef, lang: str) -> set[str]:
    return {str(v) for v in graph.objects(term, IIM.candidateTranslation) if v.language == lang}


def test_the_data_holds_what_the_tests_below_show(graph):
    assert _official(graph, WEAKNESS, "es") == {"Debilidad muscular proximal"}
    assert _candidate(graph, WEAKNESS, "de") == {"Proximale Muskelschwäche"} and not _official(graph, WEAKNESS, "de")


def test_jsonld_gives_translations_as_language_maps_official_apart_from_candidate(graph):
    ctx = jsonld_context()["@context"]
    assert ctx["translation"] == {"@id": "iim:translation", "@container": "@language"}
    assert ctx["candidateTranslation"] == {"@id": "iim:candidateTranslation", "@container": "@language"}
    doc = json.loads(to_jsonld(describe(graph, WEAKNESS)))
    node = next(n for n in doc["@graph"] if n["@id"] == "obo:HP_0003701")
    assert node["translation"]["es"] == "Debilidad muscular proximal"
    assert node["candidateTranslation"]["de"] == "Proximale Muskelschwäche"
    assert "de" not in node["translation"] and node["label"] == "Proximal muscle weakness"


def test_a_disease_description_carries_the_translated_names_of_its_phenotypes(graph):
    description = describe(graph, DM)
    assert Literal("Debilidad muscular proximal", lang="es") in set(description.objects(WEAKNESS, IIM.translation))
    assert Literal("Proximale Muskelschwäche", lang="de") in set(description.objects(WEAKNESS, IIM.candidateTranslation))
    doc = json.loads(to_jsonld(description))
    node = next(n for n in doc["@graph"] if n["@id"] == "obo:HP_0003701")
    assert node["translation"]["es"] == "Debilidad muscular proximal"


def _shown(html: str) -> list[str]:
    """The translation spans a reader sees (not hidden), as text."""
    return [re.sub(r"<[^>]+>", "", m.group(2)).strip() for m in
            re.finditer(r'<span class="translation[^"]*" lang="[a-z]+"( hidden)?[^>]*>(.*?)</span>', html)
            if not m.group(1)]


def test_served_page_with_lang_shows_the_official_translation_beside_the_label_and_marks_a_candidate(site):
    routes = SiteRoutes(site.graph)
    routes._site, routes._files = site, site.files()
    es = routes.handle("/term/MONDO_0016367", "lang=es", "text/html")
    assert es.status == 200
    page = es.body.decode("utf-8")
    assert 'Proximal muscle weakness</a> <span class="translation" lang="es">' in page
    assert "Debilidad muscular proximal" in _shown(page)
    de = routes.handle("/term/MONDO_0016367.html", "lang=de", "text/html").body.decode("utf-8")
    candidate = re.search(r'<span class="translation candidate" lang="de"[^>]*>([^<]*Proximale Muskelschwäche.*?)</span>', de)
    assert candidate and "candidate" in candidate.group(0).lower() and "Proximale Muskelschwäche" not in _shown(page)
    assert not re.search(r'class="translation" lang="de"[^>]*>[^<]*Proximale Muskelschwäche', de)  # never as official
    plain = routes.handle("/term/MONDO_0016367", "", "text/html").body
    assert _shown(plain.decode("utf-8")) == [] and plain == site.files()["term/MONDO_0016367.html"]
    bad = routes.handle("/term/MONDO_0016367", "lang=e%22s", "text/html")
    assert bad.status == 400 and b"lang" in bad.body


def test_static_page_carries_every_translation_hidden_and_a_script_that_shows_the_asked_one(site):
    files = site.files()
    page = files["term/MONDO_0016367.html"].decode("utf-8")
    assert '<span class="translation" lang="es" hidden>' in page and "Debilidad muscular proximal" in page
    assert 'src="../assets/lang.js"' in page and "assets/lang.js" in files
    assert 'href="MONDO_0016367.html?lang=es"' in page  # the language chooser


def test_an_hpo_term_page_lists_its_own_translations_with_their_status(site):
    page = site.term_documents(WEAKNESS)["html"].decode("utf-8")
    rows = re.findall(r'<tr><td lang="([a-z]+)">([^<]*)</td><td>[^<]*</td><td>([^<]*)</td></tr>', page)
    assert ("es", "Debilidad muscular proximal", "official") in rows
    assert ("de", "Proximale Muskelschwäche", "candidate (machine translation, not official)") in rows


def test_describe_lang_adds_the_translation_column_official_or_marked_candidate():
    result = CliRunner().invoke(cli, ["describe", "MONDO:0016367", "--lang", "es", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    header, *rows = [line.split("\t") for line in result.output.splitlines()]
    assert "translation" in header
    col, lab = header.index("translation"), header.index("item_label")
    weak = {r[col] for r in rows if r[lab] == "Proximal muscle weakness"}
    assert weak == {"Debilidad muscular proximal"}, weak
    de = CliRunner().invoke(cli, ["describe", "MONDO:0016367", "--lang", "de", "--format", "tsv"])
    header, *rows = [line.split("\t") for line in de.output.splitlines()]
    weak = {r[header.index("translation")] for r in rows if r[header.index("item_label")] == "Proximal muscle weakness"}
    assert weak == {"Proximale Muskelschwäche (candidate)"}, weak
    plain = CliRunner().invoke(cli, ["describe", "MONDO:0016367", "--format", "tsv"])
    assert "translation" not in plain.output.splitlines()[0].split("\t")
    bad = CliRunner().invoke(cli, ["describe", "MONDO:0016367", "--lang", "e s"])
    assert bad.exit_code == 2 and "--lang" in bad.output and "Traceback" not in bad.output


def test_every_hpo_term_a_claim_names_gets_its_translations_not_only_the_annotation_terms(graph):
    """Terms only seed claims use (Pelvic girdle muscle weakness: getting out of a chair; Insidious onset:
    MedGen's gradual weakness; the modifier Bilateral) are translated too: the reference table covers every
    term of HPO 2025's file."""
    for local in ("HP_0003749", "HP_0003587", "HP_0012832"):
        term = URIRef(OBO + local)
        assert {v.language for v in graph.objects(term, IIM.translation)} >= {"es", "fr"}, local


def test_no_translated_label_carries_surrounding_whitespace(graph):
    """HPO's French file has 'Faiblesse musculaire généralisée ' (HP:0003324): the importer trims it."""
    values = [str(v) for p in (IIM.translation, IIM.candidateTranslation) for v in graph.objects(None, p)]
    assert values and all(v == v.strip() for v in values)
    assert "Faiblesse musculaire généralisée" in values
