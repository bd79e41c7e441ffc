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
