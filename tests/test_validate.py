"""Issue 4: every shape, QC rule and OWL check has a passing and a failing fixture, and the report is actionable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from iimgraph.build.graph import build_graph, source_files
from iimgraph.errors import IIMGraphError, ValidationTimeout
from iimgraph.validate import qc
from iimgraph.validate.pipeline import node_shapes, shapes_graph, validate, validate_graph
from iimgraph.validate.reference import id_key, load_reference
from tests.needs import JAVA_INSTALL, missing

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"
HEADER = FIXTURES / "_header" / "header.ttl"
REASONER_RULES = ("unsatisfiable_class", "ontology_inconsistent")
@pytest.fixture
def java() -> None:
    """HermiT runs on Java: a missing runtime skips the test (fails it in CI)."""
    if shutil.which("java") is None:
        missing("a Java runtime (HermiT runs on it)", JAVA_INSTALL)


needs_java = pytest.mark.usefixtures("java")


def all_rules() -> list[str]:
    return sorted([*qc.load_profile(), *node_shapes(shapes_graph()), *REASONER_RULES])


def fixture_paths(folder: Path) -> list[Path]:
    """A fixture folder plus the shared header, unless the folder brings its own header."""
    return [folder] if (folder / "header.ttl").exists() else [folder, HEADER]


def run_fixture(folder: Path, *, reason: bool = False):  # type: ignore[no-untyped-def]
    files = source_files(fixture_paths(folder))
    return validate_graph(build_graph(files), files, reason=reason, reason_timeout=120)


@pytest.fixture(scope="module")
def shipped():  # type: ignore[no-untyped-def]
    return validate(reason=False)


def test_every_rule_and_shape_has_a_fixture_pair():
    rules = all_rules()
    assert len(rules) >= 30
    for rule in rules:
        for kind in ("pass", "fail"):
            assert any((FIXTURES / rule / kind).glob("*.ttl")), f"{rule}: no {kind}/ fixture"
        expected = yaml.safe_load((FIXTURES / rule / "expected.yaml").read_text())
        assert expected["level"] in ("ERROR", "WARN", "INFO") and expected["term"], rule
    stray = {p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_")} - set(rules)
    assert not stray, f"fixtures for rules that do not exist: {stray}"


@pytest.mark.parametrize("rule", [r for r in all_rules() if r not in REASONER_RULES])
def test_rule_fixture_pair(rule: str):
    expected = yaml.safe_load((FIXTURES / rule / "expected.yaml").read_text())
    passing = run_fixture(FIXTURES / rule / "pass")
    assert [f for f in passing.findings if f.rule == rule] == [], passing.to_text()
    failing = run_fixture(FIXTURES / rule / "fail")
    hits = [f for f in failing.findings if f.rule == rule]
    assert any(f.term == expected["term"] and f.level == expected["level"] for f in hits), failing.to_text()
    hit = next(f for f in hits if f.term == expected["term"])
    assert hit.message and hit.file is not None and hit.line, hit  # every finding points at a source line


@needs_java
@pytest.mark.parametrize("rule", REASONER_RULES)
def test_reasoner_fixture_pair(rule: str):
    expected = yaml.safe_load((FIXTURES / rule / "expected.yaml").read_text())
    passing = run_fixture(FIXTURES / rule / "pass", reason=True)
    assert passing.reasoning["status"] == "ok", passing.reasoning
    failing = run_fixture(FIXTURES / rule / "fail", reason=True)
    assert any(f.rule == rule and f.term == expected["term"] and f.level == expected["level"]
               for f in failing.findings), failing.to_text()


def test_missing_java_is_a_warning_not_a_crash_or_a_pass(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on this PATH
    report = run_fixture(FIXTURES / "unsatisfiable_class" / "fail", reason=True)
    skipped = [f for f in report.findings if f.rule == "reasoning_skipped"]
    assert len(skipped) == 1 and skipped[0].level == "WARN"
    assert "Java" in skipped[0].message
    assert report.reasoning["status"] == "skipped"
    assert not [f for f in report.findings if f.rule == "unsatisfiable_class"]
    assert report.exit_code("ERROR") == 0 and report.exit_code("WARN") == 1


@needs_java
def test_reasoner_timeout_is_reported_as_skipped():
    from iimgraph.validate.reason import reason

    graph = build_graph(fixture_paths(FIXTURES / "unsatisfiable_class" / "pass"))
    result = reason(graph, timeout=0.01)
    assert result.status == "skipped" and "timeout" in result.detail


def test_reasoner_input_keeps_classes_and_drops_claims():
    from rdflib import URIRef
    from rdflib.namespace import OWL, RDF

    from iimgraph.validate.reason import owl_subset

    graph = build_graph(fixture_paths(FIXTURES / "claim_without_source" / "pass"))
    subset = owl_subset(graph)
    claim = URIRef("https://w3id.org/iimgraph/claim/phenotype-fixture-MONDO_0019127-HP_0003701")
    assert not list(subset.triples((claim, None, None)))
    assert (URIRef("http://purl.obolibrary.org/obo/MONDO_0019127"), RDF.type, OWL.Class) in subset
    assert not list(subset.triples((None, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None)))


def test_sssom_findings_point_at_the_row():
    report = run_fixture(FIXTURES / "unknown_identifier" / "fail")
    hit = next(f for f in report.findings if f.rule == "unknown_identifier")
    assert hit.value == "Orphanet:9999999" and hit.file.endswith("mappings.sssom.tsv")
    lines = (FIXTURES / "unknown_identifier" / "fail" / "mappings.sssom.tsv").read_text().splitlines()
    assert "Orphanet:9999999" in lines[hit.line - 1]
    assert hit.label == "polymyositis"


def test_turtle_findings_point_at_the_subject_block():
    report = run_fixture(FIXTURES / "missing_definition" / "fail")
    hit = next(f for f in report.findings if f.rule == "missing_definition")
    line = (FIXTURES / "missing_definition" / "fail" / "data.ttl").read_text().splitlines()[hit.line - 1]
    assert line.startswith("obo:MONDO_0019127 ")


def test_profile_must_name_every_rule(tmp_path: Path):
    folder = tmp_path / "qc"
    shutil.copytree(qc.qc_dir(), folder)
    (folder / "new_rule.rq").write_text("SELECT ?entity ?property ?value WHERE { ?entity ?property ?value } LIMIT 0\n")
    with pytest.raises(IIMGraphError, match="new_rule"):
        qc.load_profile(folder / "profile.tsv")
    (folder / "profile.tsv").write_text((folder / "profile.tsv").read_text() + "new_rule\tSEVERE\n")
    with pytest.raises(IIMGraphError, match="SEVERE"):
        qc.load_profile(folder / "profile.tsv")


def test_profile_level_changes_the_finding_level(tmp_path: Path):
    folder = tmp_path / "qc"
    shutil.copytree(qc.qc_dir(), folder)
    profile = folder / "profile.tsv"
    profile.write_text(profile.read_text().replace("missing_definition\tWARN", "missing_definition\tERROR"))
    files = source_files(fixture_paths(FIXTURES / "missing_definition" / "fail"))
    report = validate_graph(build_graph(files), files, reason=False, profile=profile)
    assert {f.level for f in report.findings if f.rule == "missing_definition"} == {"ERROR"}
    assert report.exit_code("ERROR") == 1


def test_known_identifier_keys_fold_prefix_spellings_and_zero_padding():
    ref = load_reference()
    assert id_key("ORPHA:732") == id_key("Orphanet:732")
    assert id_key("MIM:160750") == id_key("OMIM:160750")
    assert id_key("GARD:7425") == id_key("GARD:0007425")
    for curie in ("ORPHA:732", "MIM:160750", "MESH:D017285", "ICD10:M33.2", "icd11.mms:4A41.1", "PMID:9550481",
                  "UMLS:C0085655", "MedDRA:10036102", "HP:0003701", "MONDO:0019127"):
        assert ref.knows(curie), curie
    for curie in ("ORPHA:9999999", "MONDO:9999999", "PMID:1", "NotAPrefix:1"):
        assert not ref.knows(curie), curie
    assert ref.labels["MONDO:0019127"] == "polymyositis"
    assert ref.seeds["UMLS:C0085655"] == "004_c1fa7bdb1e8149f1.txt"


def test_shipped_graph_has_no_errors_and_reports_are_stable(shipped):
    assert shipped.failing("ERROR") == []
    doc = json.loads(shipped.to_json())
    assert doc["conforms"] is True and doc["format_version"] == 1
    assert doc["counts"]["ERROR"] == 0
    assert shipped.to_json() == validate(reason=False).to_json()  # deterministic
    terms = [t["term"] for t in doc["terms"]]
    assert terms == sorted(terms)
    md = shipped.to_markdown()
    assert md.startswith("### ✅ iimgraph validate")


def test_a_timed_validation_returns_the_same_report_from_its_worker(shipped):
    """With ``timeout`` the library runs in a worker process stopped at the deadline (the CLI's ``--timeout``)."""
    timed = validate(reason=False, timeout=600)
    assert timed.to_json() == shipped.to_json()
    assert timed.to_markdown() == shipped.to_markdown()


def test_a_validation_past_its_timeout_is_stopped_and_says_what_it_was_validating():
    """Before: only the CLI verb could stop a validation; the library's ``timeout`` bounded the reasoner alone."""
    with pytest.raises(ValidationTimeout, match=r"^validation timed out after 0.05 s \(\d+ source files, [\d.]+ MB\)"):
        validate(reason=False, timeout=0.05)


def test_ttl_report_is_a_shacl_report(tmp_path: Path):
    from rdflib import Graph, Namespace
    from rdflib.namespace import RDF

    sh = Namespace("http://www.w3.org/ns/shacl#")
    report = run_fixture(FIXTURES / "claim_without_source" / "fail")
    g = Graph().parse(data=report.to_turtle(), format="turtle")
    results = list(g.subjects(RDF.type, sh.ValidationResult))
    assert report.findings and len(results) == len(report.findings)  # one SHACL result per finding
    mine = [r for r in results if str(g.value(r, sh.sourceShape)).endswith("/qc/claim_without_source")]
    wanted = {str(f.focus) for f in report.findings if f.rule == "claim_without_source"}
    assert wanted and {str(g.value(r, sh.focusNode)) for r in mine} == wanted
    assert (None, sh.conforms, None) in g


# --- issue 15: a typo'd identifier anywhere is an ERROR at the line of its use ---------------------

EXTRA = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
@prefix biolink: <https://w3id.org/biolink/vocab/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix iim: <https://w3id.org/iimgraph/vocab/> .
@prefix iimc: <https://w3id.org/iimgraph/claim/> .
@prefix iimsrc: <https://w3id.org/iimgraph/source/> .

iimc:placement-MONDO_0019127-under-Orphanet_9999998-Orphanet a iim:PlacementClaim, iim:Claim ;
    biolink:subject obo:MONDO_0019127 ;
    biolink:predicate rdfs:subClassOf ;
    biolink:object <http://www.orpha.net/ORDO/Orphanet_9999998> ;
    iim:assertedBy "Orphanet" ;
    biolink:has_evidence <https://w3id.org/iimgraph/vocab/evidence/TAS> ;
    dcterms:source iimsrc:orphanet-2025 .

obo:MONDO_0019127 rdfs:comment "a curator's note" ;
    oboInOwl:hasDbXref "OMIM:9999997" .
"""


def _edit_first(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` in ``path`` by ``new``; the 1-based line of the edit."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


@pytest.fixture(scope="module")
def typos(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The shipped sources with the typos of issue 15, and where each one is written."""
    from iimgraph.resources import ontology_dir

    root = tmp_path_factory.mktemp("typos") / "ontology"
    shutil.copytree(ontology_dir(), root)
    where = {
        "MONDO:0020221": ("classification.ttl", "rdfs:subClassOf obo:MONDO_0020122 ;", "rdfs:subClassOf obo:MONDO_0020221 ;"),
        "MONDO:0600032": ("clinical/treatments.ttl", "biolink:subject obo:MONDO_0600023 ;", "biolink:subject obo:MONDO_0600032 ;"),
        "HP:9999999": ("clinical/phenotypes_seeds.ttl", "biolink:object obo:HP_0000951 ;", "biolink:object obo:HP_9999999 ;"),
        "HP:0003956": ("clinical/epidemiology.ttl", "biolink:onset_qualifier obo:HP_0003596 ;", "biolink:onset_qualifier obo:HP_0003956 ;"),
    }
    lines = {curie: (name, _edit_first(root / name, old, new)) for curie, (name, old, new) in where.items()}
    (root / "clinical" / "extra.ttl").write_text(EXTRA, encoding="utf-8")
    extra = EXTRA.splitlines()
    lines["Orphanet:9999998"] = ("clinical/extra.ttl", next(i for i, ln in enumerate(extra, 1) if "Orphanet_9999998>" in ln))
    lines["OMIM:9999997"] = ("clinical/extra.ttl", next(i for i, ln in enumerate(extra, 1) if "OMIM:9999997" in ln))
    return root, lines, validate(root, reason=False)


def test_typod_identifiers_are_unknown_in_the_reference(typos):
    ref = load_reference()
    _root, lines, _report = typos
    for curie in lines:
        assert not ref.knows(curie), curie


def test_every_typod_identifier_is_an_error_at_the_line_of_its_use(typos):
    root, lines, report = typos
    hits = [f for f in report.findings if f.rule == "unknown_identifier"]
    assert {f.value for f in hits} == set(lines), report.to_text()
    for f in hits:
        name, line = lines[f.value]  # type: ignore[index]
        assert f.level == "ERROR" and f.file is not None and f.file.endswith(name) and f.line == line, f
        assert f.value.split(":", 1)[1] in (root / name).read_text().splitlines()[line - 1]  # type: ignore[union-attr]
    assert report.exit_code("ERROR") == 1


def test_a_typod_identifier_is_reported_once(typos):
    _root, _lines, report = typos
    hits = [f for f in report.findings if f.rule == "unknown_identifier"]
    assert len(hits) == len({f.value for f in hits}), report.to_text()


@pytest.mark.parametrize("rule", [r for r in all_rules() if r not in REASONER_RULES])
def test_one_finding_per_problem(rule: str):
    """Two checks never report the same thing (term, property, value) twice: a claim without a source is one ERROR."""
    report = run_fixture(FIXTURES / rule / "fail")
    by_problem: dict[tuple, list[str]] = {}
    for f in report.findings:
        by_problem.setdefault((f.term, f.property, f.value), []).append(f.rule)
    assert {k: v for k, v in by_problem.items() if len(v) > 1} == {}


def test_the_identifier_check_compresses_as_the_prefix_map_does():
    """The identifier check answers an IRI's checked CURIE without the converter's walk through every prefix:
    for an IRI under every prefix of the map (and a longer prefix planted over a checked one), the answer is
    the converter's where that is a checked CURIE, else none."""
    from iimgraph.namespaces import CHECKED_PREFIXES, CONVERTER, Converter
    from iimgraph.validate import identifiers

    def expected(converter: Converter, iri: str) -> str | None:
        curie = converter.compress(iri)
        return curie if curie is not None and curie.split(":", 1)[0] in CHECKED_PREFIXES else None

    iris = [uri + local for uri in CONVERTER.prefix_map.values() for local in ("0001234", "X_1", "", "a/b#c")]
    assert [identifiers._checked_curie(i) for i in iris] == [expected(CONVERTER, i) for i in iris]
    assert any(identifiers._checked_curie(i) for i in iris)
    # a prefix of the map that extends a checked one wins where it applies, as in the converter
    mondo = CONVERTER.prefix_map["MONDO"]
    longer = Converter({**CONVERTER.prefix_map, "MONDOX": mondo + "X"}, {})
    checked = sorted(((longer.prefix_map[p], p) for p in CHECKED_PREFIXES if p in longer.prefix_map),
                     key=lambda item: -len(item[0]))
    patched = {"CONVERTER": longer, "_CHECKED_IRIS": checked, "_ANY_CHECKED": tuple(u for u, _p in checked),
               "_LONGER": {u: tuple(v for v in longer.prefix_map.values() if len(v) > len(u) and v.startswith(u))
                           for u, _p in checked}}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in patched.items():
            mp.setattr(identifiers, name, value)
        assert identifiers._checked_curie(mondo + "X123") is None  # MONDOX:123, not checked
        assert identifiers._checked_curie(mondo + "0000123") == "MONDO:0000123"


def test_a_report_comes_back_from_the_worker_whole(tmp_path: Path):
    """The CLI validates in a worker, which pickles the report back with each finding as its fields: the same
    findings, each with its focus node (an IRI, a blank node of an axiom annotation) of the same kind."""
    import pickle

    fail = FIXTURES / "claim_without_source" / "fail"
    report = validate([fail, FIXTURES / "_header" / "header.ttl"], reason=False)
    back = pickle.loads(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    assert report.findings and back.findings == report.findings
    assert [(type(f.focus), f.focus) for f in back.findings] == [(type(f.focus), f.focus) for f in report.findings]
    assert back.to_json() == report.to_json() and back.to_turtle() == report.to_turtle()
    timed = validate([fail, FIXTURES / "_header" / "header.ttl"], reason=False, timeout=60)
    assert timed.to_json() == report.to_json()


def test_validating_sources_imports_no_rdflib(tmp_path: Path):
    """The sources go into an Oxigraph store and the findings are made from its terms: importing rdflib was about
    a fifth of a validate of the shipped sources. A failing fixture's report is made without it, and its Turtle
    form, which needs rdflib, is still the SHACL report."""
    import subprocess
    import sys

    fail = FIXTURES / "claim_without_source" / "fail"
    code = ("import sys\nfrom iimgraph.validate.pipeline import validate\n"
            f"report = validate([{str(fail)!r}, {str(FIXTURES / '_header' / 'header.ttl')!r}], reason=False)\n"
            "assert report.findings and 'rdflib' not in sys.modules, sorted(m for m in sys.modules if 'rdflib' in m)[:3]\n"
            "print(report.to_json())\n"
            "assert 'sh:ValidationResult' in report.to_turtle()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"rule": "claim_without_source"' in done.stdout


def test_a_lone_turtle_file_naming_versionIRI_is_told_by_its_header(tmp_path: Path):
    """A lone Turtle file whose bytes hold "versionIRI" is parsed to tell a release (its ontology header stamped)
    from a source that only names the property: the source is validated among the packaged sources."""
    source = tmp_path / "extra.ttl"
    source.write_text("# owl:versionIRI is stamped at build time\n"
                      "<https://w3id.org/iimgraph/term/x> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n",
                      encoding="utf-8")
    report = validate([source], reason=False)
    assert len(report.sources) > 1 and any(s.endswith("extra.ttl") for s in report.sources)


@pytest.mark.parametrize("fmt", ["text", "json", "md"])
def test_a_report_rendered_in_the_worker_is_the_report_rendered_here(fmt: str):
    """The CLI has the worker render the report and send the text back (one string, not ~10^5 findings pickled
    and unpickled at 10^6 triples): the same text and exit code as the report rendered after it came back."""
    from iimgraph.validate.pipeline import validate_rendered

    paths = [FIXTURES / "claim_without_source" / "fail", FIXTURES / "_header" / "header.ttl"]
    report = validate(paths, reason=False)
    for timeout in (None, 60):
        for level in ("ERROR", "INFO"):
            assert validate_rendered(paths, fmt, level, reason=False, timeout=timeout) == \
                (report.render(fmt, level), report.exit_code(level))


def test_the_sources_store_is_freed_when_the_validation_returns_without_the_collector(monkeypatch):
    """A worker runs without the cyclic collector: a cycle through the finding maker kept the store (~700 MB at 10^6
    triples) while the report was rendered and sent back (the worker's peak 891 -> 739 MB with ``--format json``)."""
    import gc
    import weakref

    from iimgraph.validate import pipeline

    stores = []
    load = pipeline.load_sources
    monkeypatch.setattr(pipeline, "load_sources", lambda *a, **k: stores.append(weakref.ref(s := load(*a, **k))) or s)
    was = gc.isenabled()
    gc.disable()
    try:
        report = validate([FIXTURES / "claim_without_source" / "fail", HEADER], reason=False)
        assert report.findings and len(stores) == 1
        assert stores[0]() is None
    finally:
        if was:
            gc.enable()
