"""The site in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

Screenshots go to test-artifacts/screenshots/. Where /usr/bin/chromium or /usr/bin/chromedriver is
missing these tests skip, with one reason, so the README's test command passes on a fresh machine;
`.ci/run` installs both and sets IIMGRAPH_REQUIRE_ALL=1 (tests/needs.py), under which a missing
browser fails instead of skipping. Selenium Manager is never used (explicit driver and binary paths), so nothing
is downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDFS

from iimgraph.namespaces import OBO
from iimgraph.query.engines import OxigraphEngine
from iimgraph.web.routes import SiteRoutes
from iimgraph.web.serve import Endpoint, make_server
from iimgraph.web.site import ROOT as IIM_ROOT
from tests.needs import CHROMIUM_INSTALL, REQUIRE_ALL
from tests.servers import serving_in_thread

from .conftest import ROOT

CHROMIUM = Path(os.environ.get("IIMGRAPH_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("IIMGRAPH_CHROMEDRIVER", "/usr/bin/chromedriver"))
SHOTS = ROOT / "test-artifacts" / "screenshots"
IAO_DEF = URIRef(OBO + "IAO_0000115")
MISSING = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
REASON = (f"browser tests need Debian's chromium and chromium-driver ({', '.join(MISSING)} missing): "
          f"{CHROMIUM_INSTALL}, or run .ci/run")

if MISSING and not REQUIRE_ALL:
    pytest.skip(REASON, allow_module_level=True)  # one line in the summary, for the whole module


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    assert not MISSING, REASON  # IIMGRAPH_REQUIRE_ALL=1 (CI): a missing browser is a failure
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(graph):
    endpoint = Endpoint(OxigraphEngine(graph.serialize(format="nt", encoding="utf-8")), timeout=20)
    with serving_in_thread(make_server("127.0.0.1", 0, endpoint=endpoint, quiet=True, site=SiteRoutes(graph))) as url:
        yield url


def _wait(driver, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_index_tree_shows_every_subtype_and_a_click_reaches_the_class_page(browser, server, graph):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "figure.tree svg"))
    assert "IIM graph" in browser.title
    browser.save_screenshot(str(SHOTS / "index.png"))
    shown = {el.text.strip() for el in browser.find_elements(By.CSS_SELECTOR, "figure.tree svg a text")}
    subtypes = {r[0] for r in graph.query("SELECT ?d WHERE { ?d rdfs:subClassOf+ ?root }",
                                          initBindings={"root": IIM_ROOT})}
    assert len(subtypes) == 27
    for cls in subtypes:
        assert str(graph.value(cls, RDFS.label)) in shown, cls
    # a click on "dermatomyositis" in the picture
    dm = URIRef(OBO + "MONDO_0016367")
    link = browser.find_element(By.XPATH, "//*[local-name()='svg']//*[local-name()='a'][.//*[local-name()='text']"
                                          "[normalize-space(.)='dermatomyositis']]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.find_element(By.XPATH, ".//*[local-name()='text']").click()
    _wait(browser, lambda d: d.current_url.endswith("/term/MONDO_0016367.html"))
    _wait(browser, lambda d: d.find_elements(By.ID, "label"))
    browser.save_screenshot(str(SHOTS / "dermatomyositis.png"))
    assert browser.find_element(By.ID, "label").text == str(graph.value(dm, RDFS.label))
    definition = browser.find_element(By.CSS_SELECTOR, "p.definition").text
    assert definition == " ".join(str(graph.value(dm, IAO_DEF)).split())
    children = {el.text for el in browser.find_elements(By.CSS_SELECTOR, "ul.children li a")}
    assert children == {str(graph.value(c, RDFS.label)) for c in graph.subjects(RDFS.subClassOf, dm)}
    # the text-mined annotations are collapsed until asked for
    mined = browser.find_element(By.CSS_SELECTOR, "#features details.text-mined table")
    assert not mined.is_displayed()


def test_a_query_run_from_the_page_shows_rows(browser, server, graph):
    from selenium.webdriver.common.by import By

    browser.get(server + "/queries.html")
    form = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, 'form[data-query="subtypes"]'))
    assert not browser.find_element(By.ID, "offline").is_displayed()
    field = form.find_element(By.NAME, "root")
    field.clear()
    field.send_keys("MONDO:0016367")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    rows = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#result-subtypes table.rows tbody tr"))
    browser.execute_script("arguments[0].scrollIntoView()", form)
    browser.save_screenshot(str(SHOTS / "query-subtypes.png"))
    expected = {str(r[0]) for r in graph.query("SELECT ?d WHERE { ?d rdfs:subClassOf+ ?root }",
                                               initBindings={"root": URIRef(OBO + "MONDO_0016367")})}
    cells = {r.find_elements(By.TAG_NAME, "td")[0].text for r in rows}
    assert cells == expected
    # a bad parameter gives the server's one-line message, not a table
    form = browser.find_element(By.CSS_SELECTOR, 'form[data-query="xrefs"]')
    field = form.find_element(By.NAME, "disease")
    field.clear()
    field.send_keys("not a curie")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#result-xrefs .error"))
    assert "neither a CURIE" in error.text


def test_query_page_opened_as_a_file_says_queries_need_serve(browser, graph, tmp_path):
    from selenium.webdriver.common.by import By

    from iimgraph.web.site import write_site

    write_site(tmp_path / "site", graph)
    browser.get((tmp_path / "site" / "queries.html").as_uri())
    note = _wait(browser, lambda d: d.find_element(By.ID, "offline"))
    assert note.is_displayed() and "iimgraph serve" in note.text
    browser.save_screenshot(str(SHOTS / "queries-offline.png"))


def test_static_term_page_with_lang_shows_the_translation_beside_the_english_label(browser, graph, tmp_path):
    """The static site answers ?lang= in the browser (assets/lang.js); a candidate reads as one."""
    from selenium.webdriver.common.by import By

    from iimgraph.web.site import write_site

    write_site(tmp_path / "site", graph)
    page = (tmp_path / "site" / "term" / "MONDO_0016367.html").as_uri()

    def row_of(label: str):
        return browser.find_element(By.XPATH, f"//section[@id='features']//table[not(ancestor::details)]"
                                              f"//tr[td[1]/a[normalize-space(.)='{label}']]/td[1]")

    browser.get(page)
    _wait(browser, lambda d: d.find_elements(By.ID, "label"))
    cell = row_of("Proximal muscle weakness")
    assert "Debilidad" not in cell.text and "Proximale" not in cell.text  # English only by default
    browser.get(page + "?lang=es")
    _wait(browser, lambda d: "Debilidad muscular proximal" in row_of("Proximal muscle weakness").text)
    browser.save_screenshot(str(SHOTS / "dermatomyositis-es.png"))
    assert "Proximale" not in row_of("Proximal muscle weakness").text
    browser.get(page + "?lang=de")
    _wait(browser, lambda d: "Proximale Muskelschwäche" in row_of("Proximal muscle weakness").text)
    shown = row_of("Proximal muscle weakness").find_element(By.CSS_SELECTOR, "span.translation.candidate[lang=de]")
    assert shown.is_displayed() and "(candidate)" in shown.text
