"""The shapes compiled to SPARQL on Oxigraph find what pyshacl finds, and the QC rules on Oxigraph
return what they return on rdflib: on every fixture pair and on the shipped graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from iimgraph.build.graph import build_graph, source_files
from iimgraph.resources import ontology_dir
from iimgraph.validate import qc, shacl
from iimgraph.validate.pipeline import _owning_shape, shacl_results, shapes_graph
from iimgraph.validate.reference import load_reference

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"
HEADER = FIXTURES / "_header" / "header.ttl"
SH = "http://www.w3.org/ns/shacl#"


def cases() -> list[tuple[str, list[Path]]]:
    out = [("shipped", [ontology_dir()])]
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_")):
        for kind in ("pass", "fail"):
            if any((folder / kind).glob("*.ttl")):
                paths = [folder / kind] if (folder / kind / "header.ttl").exists() else [folder / kind, HEADER]
                out.append((f"{folder.name}/{kind}", paths))
    return out


CASES = cases()


def findings(results, shapes) -> set[tuple]:  # type: ignore[no-untyped-def]
    """(owning node shape, focus, path, value, severity) of every result in a SHACL report graph."""
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    out = set()
    for r in results.subjects(RDF.type, sh("ValidationResult")):
        shape = _owning_shape(shapes, results.value(r, sh("sourceShape")))
        out.add((str(shape), results.value(r, sh("focusNode")), results.value(r, sh("resultPath")),
                 results.value(r, sh("value")), results.value(r, sh("resultSeverity"))))
    return out


def test_the_shipped_shapes_compile():
    checks = shacl.compile_shapes(shapes_graph())
    assert len(checks) > 50
    assert {c.component for c in checks} >= {"MinCountConstraintComponent", "MaxCountConstraintComponent",
                                             "NodeKindConstraintComponent", "PatternConstraintComponent",
                                             "InConstraintComponent", "HasValueConstraintComponent",
                                             "DatatypeConstraintComponent", "OrConstraintComponent"}


@pytest.mark.parametrize(("name", "paths"), CASES, ids=[c[0] for c in CASES])
def test_compiled_shapes_and_pyshacl_agree(name: str, paths: list[Path]):
    graph = build_graph(source_files(paths))
    shapes = shapes_graph()
    ours = findings(shacl_results(graph, shapes, engine="oxigraph"), shapes)
    reference = findings(shacl_results(graph, shapes, engine="pyshacl"), shapes)
    assert ours == reference, (name, sorted(ours - reference), sorted(reference - ours))
    if name.endswith("Shape/fail"):
        assert ours, f"{name}: the failing fixture of a shape gives no finding"


@pytest.mark.parametrize(("name", "paths"), CASES, ids=[c[0] for c in CASES])
def test_qc_rules_on_oxigraph_and_rdflib_agree(name: str, paths: list[Path]):
    graph = build_graph(source_files(paths))
    rules, reference = qc.rule_files(), load_reference()
    ours = sorted(map(repr, qc.run_rules(graph, rules, reference)))

    class Rdflib:  # the rules on rdflib, the engine they ran on before
        def select(self, query: str) -> list[tuple]:
            return [tuple(row) for row in graph.query(query)]

    theirs = sorted(map(repr, qc.run_rules(graph, rules, reference, store=Rdflib())))  # type: ignore[arg-type]
    assert ours == theirs, name


NESTED_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:or ( [ sh:nodeKind sh:BlankNode ]
            [ sh:pattern "^http://example.org/t[0-9]$" ]
            [ sh:path ex:tag ; sh:in ( "keep" ) ] ) ;
    sh:property [ sh:path ex:part ;
        sh:and ( [ sh:in ( ex:p1 ex:p2 ex:p3 ) ] [ sh:nodeKind sh:IRI ]
                 [ sh:or ( [ sh:hasValue ex:p1 ] [ sh:path ex:size ; sh:maxCount 1 ; sh:datatype xsd:integer ] ) ] ) ] .
"""

NESTED_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:t1 a ex:Thing ; ex:part ex:p1, ex:p2 .
ex:bad a ex:Thing ; ex:tag "drop" ; ex:part ex:p3, ex:p4, [ ex:size 1 ] .
ex:kept a ex:Thing ; ex:tag "keep" ; ex:part ex:p2 .
[] a ex:Thing .
ex:p1 ex:size 1, 2 .
ex:p2 ex:size "two" .
ex:p3 ex:size 3, 4 .
ex:p4 ex:size 4 .
"""


def test_nested_node_shapes_agree_with_pyshacl():
    """A nested shape tests the outer value itself (no BIND copy): node shapes inside sh:or and sh:and,
    with and without paths, nested twice, give pyshacl's findings."""
    from rdflib import Graph

    graph, shapes = Graph().parse(data=NESTED_DATA, format="turtle"), Graph().parse(data=NESTED_SHAPES, format="turtle")
    ours = findings(shacl_results(graph, shapes, engine="oxigraph"), shapes)
    reference = findings(shacl_results(graph, shapes, engine="pyshacl"), shapes)
    assert ours == reference, (sorted(ours - reference), sorted(reference - ours))
    found = {(str(f[1])[19:], f[2] and str(f[2])[19:], str(f[3])[19:] if isinstance(f[3], URIRef) else "blank")
             for f in ours}
    # t1 passes the sh:or by its IRI, kept by its tag, the blank Thing by its kind; bad by none.
    # p2: not p1 and its size is not an integer; p3: two sizes; p4: not listed; the blank part: not an IRI
    assert found == {("bad", None, "bad"), ("bad", "part", "p3"), ("bad", "part", "p4"), ("bad", "part", "blank"),
                     ("kept", "part", "p2"), ("t1", "part", "p2")}


SHAPE_FAILS = sorted(p / "fail" for p in FIXTURES.iterdir() if p.name.endswith("Shape") and (p / "fail").is_dir())


@pytest.mark.parametrize("fail", SHAPE_FAILS, ids=lambda p: p.parent.name)
def test_a_screen_lets_through_every_violation_of_its_checks(fail: Path):
    """The checks of a shape screened together (one query asks whether any of them is violated, and their own
    queries run only then) give what each check's own query gives: on a shape's failing fixture alone, and
    with it among the shipped sources, where the violation is one focus node among thousands."""
    checks = shacl.compile_shapes(shapes_graph())
    assert sum(c.screen is not None for c in checks) > 20
    unscreened = [c.__class__(**{**c.__dict__, "screen": None}) for c in checks]
    data = [p for p in fail.glob("*.ttl") if p.name != "header.ttl"]
    for paths in ([fail] if (fail / "header.ttl").exists() else [fail, HEADER], [*source_files(ontology_dir()), *data]):
        select = qc.OxigraphCopy(build_graph(source_files(paths))).select
        screened = _found(checks, select)
        assert screened, fail
        assert screened == _found(unscreened, select)


def test_a_screen_asks_each_property_once():
    """A screen joins the conditions on one property's values (or the focus node's) in one EXISTS and asks a
    minimum count as NOT EXISTS itself: the claims' screen asked 16 EXISTS of each claim, now 14 (the screens at
    10^6 generated triples: 2.1-2.4 -> 1.85 CPU s). What a screen lets through is the previous test's business."""
    checks = shacl.compile_shapes(shapes_graph())
    claims = next(c.screen for c in checks if c.screen is not None and "vocab/Claim> . } }" in c.screen)
    assert "EXISTS { FILTER NOT EXISTS" not in claims and claims.count("NOT EXISTS {") == 3
    for prop in ("<https://w3id.org/biolink/vocab/subject> ?v0", "BIND(?f0 AS ?v0)"):
        assert claims.count(prop) == 1, prop
    assert claims.count("EXISTS {") == 14


def _found(checks: list[shacl.Check], select: object) -> list[str]:
    return sorted(repr((c.query, focus, value)) for c, focus, value in shacl.run_checks(checks, select))


def test_the_shapes_compile_the_same_from_a_store_as_from_rdflib():
    """validate compiles the packaged shapes from an Oxigraph copy of them (no rdflib): the same queries, screens,
    components, severities and messages as from the rdflib graph; each check's owning node shape the same."""
    from iimgraph.validate.pipeline import shapes_store
    from iimgraph.validate.report import lexical

    store, graph = shapes_store(), shapes_graph()
    assert store is not None

    def described(checks, shapes):  # type: ignore[no-untyped-def]
        return sorted((c.query, c.screen or "", c.component, c.severity, c.message or "",
                       lexical(_owning_shape(shapes, c.shape)), lexical(c.path) if c.path is not None else "")
                      for c in checks)

    assert described(shacl.compile_shapes(store), store) == described(shacl.compile_shapes(graph), graph)
