"""``iimgraph validate``: SHACL shapes, QC rules, the identifier check and OWL reasoning -> one report.

Non-conformance is a result, not an exception: :func:`validate` returns a
:class:`~iimgraph.validate.report.ValidationReport` whatever the graph holds. It raises only when it cannot
run at all (a source that does not parse, a broken profile): those are ``IIMGraphError`` and the
CLI turns them into exit 2.

The shapes are compiled to SPARQL and run on an Oxigraph copy of the graph, with the QC rules
(:mod:`iimgraph.validate.shacl`); pyshacl is the reference, and runs instead when the shapes use
something the compiler does not support (or with ``shacl="pyshacl"``). pyshacl runs with
``inference="none"`` and the shapes graph alone (no ``ont_graph`` mixing): every shape targets its
own kind of node (``sh:targetClass`` / ``sh:targetSubjectsOf``), which keeps it fast on the release
graph (pySHACL#237).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from iimgraph.build.graph import build_graph, parse_turtle, source_files
from iimgraph.namespaces import ONTOLOGY_IRI, display_curie
from iimgraph.resources import ontology_dir, shapes_dir
from iimgraph.validate import qc
from iimgraph.validate.identifiers import unknown_identifiers
from iimgraph.validate.reason import reason as run_reasoner
from iimgraph.validate.reference import load_reference
from iimgraph.validate.report import BLANK, Finding, SourceIndex, ValidationReport, display_path, index_sources

SH = "http://www.w3.org/ns/shacl#"
_SEVERITY = {SH + "Violation": "ERROR", SH + "Warning": "WARN", SH + "Info": "INFO"}
REASONER_LEVELS = {"inconsistent": "ERROR", "unsatisfiable": "ERROR", "skipped": "WARN"}


def shapes_graph(folder: Path | None = None) -> Graph:
    """All ``shapes/*.ttl`` in one graph."""
    graph = Graph()
    for path in sorted((folder or shapes_dir()).glob("*.ttl")):
        parse_turtle(path, graph)
    return graph


def node_shapes(shapes: Graph) -> list[str]:
    """Local names of the named node shapes (each is one 'rule' in the report)."""
    from rdflib.namespace import RDF

    return sorted(str(s).rsplit("/", 1)[-1] for s in shapes.subjects(RDF.type, URIRef(SH + "NodeShape"))
                  if isinstance(s, URIRef))


def _owning_shape(shapes: Graph, shape: object) -> object:
    """The named node shape a (blank) property shape belongs to."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = next(iter(shapes.subjects(URIRef(SH + "property"), shape)), None)
        if parent is None:
            break
        shape = parent
    return shape


def _term(graph: Graph, node: object) -> tuple[str, object]:
    """How a finding names its node (CURIE, IRI, or a stable blank marker) and the node located in sources."""
    if isinstance(node, BNode):
        from rdflib.namespace import OWL

        source = graph.value(node, OWL.annotatedSource)
        if source is not None:
            return _term(graph, source)
        return BLANK, None
    if isinstance(node, URIRef):
        return display_curie(node), node
    return str(node), None


def _text(node: object) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return display_curie(node)
    return str(node)


def _label(graph: Graph, node: object) -> str | None:
    from rdflib.namespace import DCTERMS, RDFS

    if node is None:
        return None
    for p in (RDFS.label, DCTERMS.title):
        value = graph.value(node, p)  # type: ignore[call-overload]
        if value is not None:
            return str(value)
    subject = graph.value(node, URIRef("https://w3id.org/biolink/vocab/subject"))  # type: ignore[call-overload]
    if subject is not None:
        about = graph.value(subject, RDFS.label)
        return f"claim about {about}" if about is not None else None
    return None


class _Maker:
    """Builds findings with term, label and source location filled in the same way for every check."""

    def __init__(self, graph: Graph, index: SourceIndex) -> None:
        self.graph, self.index = graph, index

    def __call__(self, level: str, rule: str, node: object, message: str, prop: object = None,
                 value: object = None) -> Finding:
        term, owner = _term(self.graph, node)
        value_text = _text(value)
        raw_value = str(value) if value is not None else None
        file, line = self.index.locate(str(owner) if owner is not None else None, raw_value)
        return Finding(level=level, rule=rule, term=term, message=message, property=_text(prop), value=value_text,
                       label=_label(self.graph, owner), file=file, line=line, focus=node)


def shacl_results(graph: Graph, shapes: Graph, *, engine: str = "oxigraph", store: object = None) -> Graph:
    """The SHACL validation report graph: from the shapes compiled to SPARQL on Oxigraph (``store``:
    the QC rules' copy of the graph, made here if not given), or from pyshacl (``engine="pyshacl"``,
    and whenever the shapes use something the compiler does not support)."""
    if engine == "oxigraph":
        from iimgraph.validate import qc, shacl

        try:
            checks = shacl.compile_shapes(shapes)
        except shacl.Unsupported:
            pass
        else:
            copy = store if store is not None else qc.OxigraphCopy(graph)
            return shacl.results_graph(shacl.run_checks(checks, copy.select), shapes)  # type: ignore[attr-defined,return-value]
    import pyshacl

    _conforms, results, _text_report = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, abort_on_first=False)
    return results


def run_shapes(graph: Graph, shapes: Graph, make: _Maker, *, engine: str = "oxigraph",
               store: object = None) -> tuple[list[Finding], Graph]:
    from rdflib.namespace import RDF

    results = shacl_results(graph, shapes, engine=engine, store=store)
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    findings = []
    for r in results.subjects(RDF.type, sh("ValidationResult")):
        shape = _owning_shape(shapes, results.value(r, sh("sourceShape")))
        rule = str(shape).rsplit("/", 1)[-1] if isinstance(shape, URIRef) else "shape"
        level = _SEVERITY.get(str(results.value(r, sh("resultSeverity"))), "ERROR")
        messages = sorted(str(m) for m in results.objects(r, sh("resultMessage")))
        message = messages[0] if messages else "SHACL constraint not met"
        findings.append(make(level, rule, results.value(r, sh("focusNode")), message,
                             results.value(r, sh("resultPath")), results.value(r, sh("value"))))
    return findings, results


def validate_graph(graph: Graph, files: Iterable[Path] = (), *, reason: bool = True,
                   timeout: float = 120.0, profile: Path | None = None, shacl: str = "oxigraph") -> ValidationReport:
    """Validate an already built graph; ``files`` are its sources, for locating findings."""
    files = list(files)
    rules = qc.rule_files(profile.parent if profile else None)
    levels = qc.load_profile(profile, rules)  # a broken profile stops here, before any work
    make = _Maker(graph, index_sources(files))
    reference = load_reference()

    store = qc.OxigraphCopy(graph)  # the shapes and the QC rules run on one Oxigraph copy
    findings, shacl_graph = run_shapes(graph, shapes_graph(), make, engine=shacl, store=store)
    for row in qc.run_rules(graph, rules, reference, store=store):
        findings.append(make(levels[row.rule], row.rule, row.entity, row.message, row.property, row.value))
    for u in unknown_identifiers(graph, reference):
        where = f" (used through {_text(u.predicate)})" if u.predicate is not None else ""
        findings.append(make(levels["unknown_identifier"], "unknown_identifier", u.subject,
                             f"{u.curie} is not in the packaged reference snapshot (reference/*.tsv){where}",
                             u.predicate, Literal(u.curie) if u.predicate is not None else None))
    reasoning: dict[str, object] = {"status": "not run", "detail": "--no-reason", "unsatisfiable": []}
    if reason:
        result = run_reasoner(graph, timeout=timeout)
        reasoning = result.summary()
        findings.extend(_reasoner_findings(result, graph, make))
    return ValidationReport(findings=findings, sources=sorted(display_path(p) for p in files),
                            reasoning=reasoning, shacl_graph=shacl_graph)


def _reasoner_findings(result, graph: Graph, make: _Maker) -> list[Finding]:
    ontology = URIRef(ONTOLOGY_IRI)
    if result.status == "inconsistent":
        return [make("ERROR", "ontology_inconsistent", ontology,
                     "HermiT finds the ontology inconsistent: no model satisfies its class axioms and typed individuals")]
    if result.status == "unsatisfiable":
        return [make("ERROR", "unsatisfiable_class", URIRef(iri),
                     "HermiT finds this class unsatisfiable (equivalent to owl:Nothing): no instance can exist")
                for iri in result.unsatisfiable]
    if result.status == "skipped":
        return [make(REASONER_LEVELS["skipped"], "reasoning_skipped", ontology,
                     f"OWL reasoning was skipped: {result.detail}")]
    return []


def validate(sources: Path | str | Iterable[Path | str] | None = None, *, reason: bool = True,
             timeout: float = 120.0, profile: Path | None = None) -> ValidationReport:
    """Build the sources (default: the packaged ``ontology/``) and validate the release graph."""
    if sources is None:
        sources = ontology_dir()
    files = source_files(sources)  # raises SourceError for a missing file or an empty folder
    graph = build_graph(files)
    return validate_graph(graph, files, reason=reason, timeout=timeout, profile=profile)
