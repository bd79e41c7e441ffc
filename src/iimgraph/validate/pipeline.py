"""``iimgraph validate``: SHACL shapes, QC rules, the identifier check and OWL reasoning -> one report.

Non-conformance is a result, not an exception: :func:`validate` returns a
:class:`~iimgraph.validate.report.ValidationReport` whatever the graph holds. It raises only when it cannot
run at all (a source that does not parse, a broken profile): those are ``IIMGraphError`` and the
CLI turns them into exit 2.

The shapes are compiled to SPARQL and run on an Oxigraph copy of the graph, with the QC rules
(:mod:`iimgraph.validate.shacl`). Sources are loaded straight into that store
(:func:`iimgraph.build.oxgraph.load_sources`, no rdflib graph unless pyshacl or the reasoner needs
one); an rdflib graph given to :func:`validate_graph` (release files, ``release``) is copied there.
pyshacl is the reference, and runs instead when the shapes use something the compiler does not
support (or with ``shacl="pyshacl"``). pyshacl runs with ``inference="none"`` and the shapes graph
alone (no ``ont_graph`` mixing): every shape targets its own kind of node (``sh:targetClass`` /
``sh:targetSubjectsOf``), which keeps it fast on the release graph (pySHACL#237).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from iimgraph import worker
from iimgraph.build.oxgraph import SourceGraph, has_unicode_escape, load_sources
from iimgraph.build.sources import SOURCE_SUFFIXES, source_files, sources_root
from iimgraph.errors import QueryTimeout, SourceError, ValidationTimeout
from iimgraph.namespaces import BIOLINK_SUBJECT, DCTERMS, ONTOLOGY_IRI, OWL, RDFS, display_curie
from iimgraph.namespaces import SHACL as SH
from iimgraph.resources import ontology_dir, shapes_dir
from iimgraph.settings import SECONDS, check_number
from iimgraph.validate import qc
from iimgraph.validate.identifiers import unknown_identifiers
from iimgraph.validate.reason import reason as run_reasoner
from iimgraph.validate.reference import load_reference
from iimgraph.validate.report import (
    BLANK,
    Finding,
    FocusBlank,
    FocusIRI,
    SourceIndex,
    ValidationReport,
    display_path,
    index_sources,
    lexical,
    preferred,
    term_kind,
)

if TYPE_CHECKING:
    from rdflib import Graph

    from iimgraph.validate.reason import ReasonerResult

_SEVERITY = {SH + "Violation": "ERROR", SH + "Warning": "WARN", SH + "Info": "INFO"}
DEFAULT_REASON_TIMEOUT = 120.0  # seconds OWL reasoning may take (the CLI's --reason-timeout)
REASONER_MARGIN = 1.0  # seconds the reasoner leaves before a deadline: time to report and return
REASONER_LEVELS = {"inconsistent": "ERROR", "unsatisfiable": "ERROR", "skipped": "WARN"}


def shapes_graph(folder: Path | None = None) -> Graph:
    """All ``shapes/*.ttl`` in one graph."""
    from rdflib import Graph

    from iimgraph.build.graph import parse_turtle

    graph = Graph()
    for path in sorted((folder or shapes_dir()).glob("*.ttl")):
        parse_turtle(path, graph)
    return graph


def shapes_store() -> ox.Store | None:
    """The packaged shapes in an Oxigraph store, for the compiler without rdflib; None when one does not parse
    there (:func:`shapes_graph` then reads them, and says what is wrong)."""
    from iimgraph.io.rdf import read_bytes

    store = ox.Store()
    try:
        for path in sorted(shapes_dir().glob("*.ttl")):
            store.load(read_bytes(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    except (SyntaxError, ValueError, OSError, SourceError):
        return None
    return store


def node_shapes(shapes: Graph) -> list[str]:
    """Local names of the named node shapes (each is one 'rule' in the report)."""
    from rdflib import URIRef
    from rdflib.namespace import RDF

    return sorted(str(s).rsplit("/", 1)[-1] for s in shapes.subjects(RDF.type, URIRef(SH + "NodeShape"))
                  if isinstance(s, URIRef))


def _owning_shape(shapes: Any, shape: object) -> object:
    """The named node shape a (blank) property shape belongs to (in an rdflib graph or an Oxigraph store)."""
    if isinstance(shapes, ox.Store):
        prop = ox.NamedNode(SH + "property")
        parents: Any = lambda node: (q.subject for q in shapes.quads_for_pattern(None, prop, node))  # noqa: E731
    else:
        from rdflib import URIRef

        parents = lambda node: shapes.subjects(URIRef(SH + "property"), node)  # noqa: E731
    seen = set()
    while term_kind(shape) == "blank" and shape not in seen:
        seen.add(shape)
        parent = next(iter(parents(shape)), None)
        if parent is None:
            break
        shape = parent
    return shape


#: a finding's CURIEs: the properties, the values and many terms come again and again
_curie = functools.lru_cache(maxsize=1 << 16)(display_curie)
_ANNOTATED_SOURCE = OWL + "annotatedSource"
_LABELS = (RDFS + "label", DCTERMS + "title")


class _Maker:
    """Builds findings with term, label and source location filled in the same way for every check.

    ``graph``: an rdflib graph's stand-in answering ``objects`` (its nodes rdflib terms), or a
    :class:`~iimgraph.build.oxgraph.SourceGraph` whose nodes are its store's own terms (no rdflib then)."""

    def __init__(self, graph: Any, index: SourceIndex) -> None:
        self.graph, self.index = graph, index
        self.labels: dict[object, str | None] = {}  # owner -> label: many findings name the same term
        self.native = isinstance(graph, SourceGraph)
        if self.native:
            # the store's objects, without a bound method kept on self: that cycle held the store until a collection,
            # and a worker runs without the collector (the store, ~700 MB at 10^6 triples, stayed while the report
            # was rendered and sent)
            self.iri: Any = ox.NamedNode
            self.objects: Any = functools.partial(_store_objects, graph)
        else:
            from rdflib import URIRef

            self.iri, self.objects = URIRef, graph.objects
        self.annotated_source = self.iri(_ANNOTATED_SOURCE)
        self.label_properties = tuple(self.iri(p) for p in _LABELS)
        self.biolink_subject = self.iri(BIOLINK_SUBJECT)

    def __call__(self, level: str, rule: str, node: object, message: str, prop: object = None,
                 value: object = None, *, written: object = None) -> Finding:
        """``written``: the value as the sources hold it, when the report shows it differently (default ``value``)."""
        term, owner = self.term(node)
        value_text = _text(value)
        located = value if written is None else written
        file, line = self.index.locate(lexical(owner) if owner is not None else None,
                                       lexical(located) if located is not None else None,
                                       is_iri=term_kind(located) == "iri")
        if owner is None:
            label = None
        elif owner in self.labels:
            label = self.labels[owner]
        else:
            label = self.labels[owner] = self.label(owner)
        return Finding(level=level, rule=rule, term=term, message=message, property=_text(prop), value=value_text,
                       label=label, file=file, line=line, focus=self.focus(node))

    def term(self, node: object) -> tuple[str, object]:
        """How a finding names its node (CURIE, IRI, or a stable blank marker) and the node located in sources."""
        kind = term_kind(node)
        if kind == "blank":
            source = preferred(self.objects(node, self.annotated_source))
            if source is not None:
                return self.term(source)
            return BLANK, None
        if kind == "iri":
            return _curie(lexical(node)), node
        return lexical(node), None

    def label(self, node: object) -> str | None:
        if term_kind(node) not in ("iri", "blank"):
            return None
        for p in self.label_properties:
            value = preferred(self.objects(node, p))
            if value is not None:
                return lexical(value)
        subject = preferred(self.objects(node, self.biolink_subject))
        if subject is not None and term_kind(subject) in ("iri", "blank"):
            about = preferred(self.objects(subject, self.label_properties[0]))
            return f"claim about {lexical(about)}" if about is not None else None
        return None

    def focus(self, node: object) -> object:
        """The node for the Turtle report: an rdflib term as it is; a store's IRI or blank node as its text."""
        if isinstance(node, ox.NamedNode):
            return FocusIRI(node.value)
        if isinstance(node, ox.BlankNode):
            return FocusBlank(lexical(node))
        if isinstance(node, ox.Literal):
            return self.graph.to_rdflib(node)
        return node


def _store_objects(graph: SourceGraph, node: Any, predicate: Any) -> Any:
    """``objects`` in the sources' store, for its own terms (or the rdflib terms it gave a fallback engine)."""
    if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
        node = graph.to_oxigraph(node)
        if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
            return iter(())
    return (q.object for q in graph.store.quads_for_pattern(node, predicate, None))


def _text(node: object) -> str | None:
    if node is None:
        return None
    if term_kind(node) == "iri":
        return _curie(lexical(node))
    return lexical(node)


def shacl_results(graph: Graph | None, shapes: Graph, *, engine: str = "oxigraph", store: object = None) -> Graph:
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

    if graph is None:
        graph = store.rdflib_graph()  # type: ignore[attr-defined]
    _conforms, results, _text_report = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, abort_on_first=False)
    return results


def run_shapes(graph: Graph | None, shapes: Graph, make: _Maker, *, engine: str = "oxigraph",
               store: object = None) -> tuple[list[Finding], Graph]:
    from rdflib import URIRef
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


def _run_shapes_in_store(store: SourceGraph, make: _Maker) -> tuple[list[Finding], object]:
    """The shapes compiled from an Oxigraph copy of them, run on the sources' store, findings made from the
    store's own terms: no rdflib (the report graph is made only if the Turtle report asks). Shapes the store does
    not read, or the compiler does not support, go the rdflib way (:func:`run_shapes`), as before."""
    from iimgraph.validate import shacl

    shapes = shapes_store()
    try:
        if shapes is None:
            raise shacl.Unsupported("the shapes do not parse in a store")
        checks = shacl.compile_shapes(shapes)
    except shacl.Unsupported:
        return run_shapes(None, shapes_graph(), make, store=store)
    violations = list(shacl.run_checks(checks, store.select_raw))
    rules: dict[object, str] = {}
    findings = []
    for check, focus, value in violations:
        rule = rules.get(check.shape)
        if rule is None:
            owner = _owning_shape(shapes, check.shape)
            rule = rules[check.shape] = lexical(owner).rsplit("/", 1)[-1] if term_kind(owner) == "iri" else "shape"
        findings.append(make(_SEVERITY.get(check.severity, "ERROR"), rule, focus,
                             check.message if check.message is not None else "SHACL constraint not met",
                             check.path, value))
    return findings, shacl.LazyResults(violations)


class _StoreTerms:
    """A sources' store as the QC rules read it, its rows left as the store's own terms (no rdflib)."""

    def __init__(self, store: SourceGraph) -> None:
        self.select_raw = store.select_raw

    @staticmethod
    def term(value: object) -> object:
        return value


def validate_graph(graph: Graph, files: Iterable[Path] = (), *, reason: bool = True,
                   reason_timeout: float = DEFAULT_REASON_TIMEOUT, profile: Path | None = None,
                   deadline: float | None = None, shacl: str = "oxigraph") -> ValidationReport:
    """Validate an already built graph; ``files`` are its sources, for locating findings.

    ``reason_timeout`` bounds OWL reasoning; ``deadline`` (a ``time.monotonic()`` instant) shortens it so
    that the reasoner, a process of its own, ends before whoever set the deadline stops this one.
    ``shacl``: ``oxigraph`` runs the shapes compiled to SPARQL, ``pyshacl`` the reference engine.
    """
    files = list(files)
    rules = qc.rule_files(profile.parent if profile else None)
    levels = qc.load_profile(profile, rules)  # a broken profile stops here, before any work
    store = qc.OxigraphCopy(graph)  # the shapes and the QC rules run on one Oxigraph copy
    return _validate(store, files, rules, levels, reason=reason, timeout=reason_timeout, deadline=deadline,
                     shacl=shacl)


def _validate(store: Any, files: list[Path], rules: dict[str, Path], levels: dict[str, str], *, reason: bool,
              timeout: float, deadline: float | None, shacl: str) -> ValidationReport:
    """The checks on ``store``: an Oxigraph copy of an rdflib graph, or the sources loaded into Oxigraph
    (:class:`~iimgraph.build.oxgraph.SourceGraph`); either answers SPARQL, the few rdflib-style
    lookups the report and the identifier check make, and gives an rdflib graph when asked."""
    texts = getattr(store, "texts", None)  # the sources' text, as the store's load decoded it
    make = _Maker(store, index_sources(files, texts))
    if texts:
        texts.clear()  # the index keeps the lines it needs
    reference = load_reference()
    shacl_graph: object
    if make.native and shacl == "oxigraph":
        findings, shacl_graph = _run_shapes_in_store(store, make)
    else:
        findings, shacl_graph = run_shapes(None, shapes_graph(), make, engine=shacl, store=store)
    for row in qc.run_rules(None, rules, reference, store=_StoreTerms(store) if make.native else store):  # type: ignore[arg-type]
        findings.append(make(levels[row.rule], row.rule, row.entity, row.message, row.property, row.value))
    for u in unknown_identifiers(store, reference):
        where = f" (used through {_text(u.predicate)})" if u.predicate is not None else ""
        findings.append(make(levels["unknown_identifier"], "unknown_identifier", u.subject,
                             f"{u.curie} is not in the packaged reference snapshot (reference/*.tsv){where}",
                             u.predicate, u.curie if u.predicate is not None else None, written=u.value))
    reasoning: dict[str, object] = {"status": "not run", "detail": "--no-reason", "unsatisfiable": []}
    if reason:
        if deadline is not None:
            timeout = max(0.01, min(timeout, deadline - time.monotonic() - REASONER_MARGIN))
        result = run_reasoner(store.rdflib_graph(), timeout=timeout)
        reasoning = result.summary()
        findings.extend(_reasoner_findings(result, make))
    return ValidationReport(findings=findings, sources=sorted(display_path(p) for p in files),
                            reasoning=reasoning, shacl_graph=shacl_graph)


def _reasoner_findings(result: ReasonerResult, make: _Maker) -> list[Finding]:
    ontology = make.iri(ONTOLOGY_IRI)
    if result.status == "inconsistent":
        return [make("ERROR", "ontology_inconsistent", ontology,
                     "HermiT finds the ontology inconsistent: no model satisfies its class axioms and typed individuals")]
    if result.status == "unsatisfiable":
        return [make("ERROR", "unsatisfiable_class", make.iri(iri),
                     "HermiT finds this class unsatisfiable (equivalent to owl:Nothing): no instance can exist")
                for iri in result.unsatisfiable]
    if result.status == "skipped":
        return [make(REASONER_LEVELS["skipped"], "reasoning_skipped", ontology,
                     f"OWL reasoning was skipped: {result.detail}")]
    return []


def validate(sources: Path | str | Iterable[Path | str] | None = None, *, reason: bool = True,
             reason_timeout: float = DEFAULT_REASON_TIMEOUT, timeout: float | None = None,
             profile: Path | None = None) -> ValidationReport:
    """Validate sources (default: the packaged ``ontology/``) as the release graph they build, or release files.

    ``timeout`` (seconds, the CLI's ``--timeout``): the whole validation runs in a worker process stopped at
    that deadline, :class:`~iimgraph.errors.ValidationTimeout` (rdflib, pyshacl and Oxigraph cannot be
    interrupted); None runs it in this process, unbounded. ``reason_timeout`` bounds OWL reasoning alone,
    within ``timeout`` (past it, reasoning is reported as skipped).

    - folders: the sources they hold, as given;
    - source files only (``.ttl``, ``.sssom.tsv``): each in its context, the sources folder it sits in
      (the nearest folder holding a ``header.ttl``), else the packaged sources, where a named file takes
      the place of the packaged file of the same name;
    - release files (``.owl``, ``.nt``, ``.nq``, ``.rdf``, ``.jsonld``, optionally ``.gz``, or a ``.ttl``
      whose header already carries ``owl:versionIRI``, or a release folder): the graph as published,
      never re-stamped.
    """
    report: ValidationReport = _run(_validate_paths, sources, reason=reason, reason_timeout=reason_timeout,
                                    timeout=timeout, profile=profile)
    return report


def validate_rendered(sources: Path | str | Iterable[Path | str] | None, fmt: str, fail_on: str = "ERROR", *,
                      reason: bool = True, reason_timeout: float = DEFAULT_REASON_TIMEOUT,
                      timeout: float | None = None) -> tuple[str, int]:
    """:func:`validate`, then the report as ``report.render(fmt, fail_on)`` and its ``exit_code(fail_on)``, both
    made where the validation ran: a worker sends one string back instead of every finding pickled and unpickled
    (~10^5 at 10^6 triples: ~0.9 CPU s), and renders them with the cyclic collector off. What the CLI prints."""
    rendered: tuple[str, int] = _run(functools.partial(_rendered, fmt=fmt, fail_on=fail_on), sources, reason=reason,
                                     reason_timeout=reason_timeout, timeout=timeout, profile=None)
    return rendered


def _rendered(paths: list[Path], *, fmt: str, fail_on: str, **kwargs: Any) -> tuple[str, int]:
    report = _validate_paths(paths, **kwargs)
    return report.render(fmt, fail_on), report.exit_code(fail_on)


def _run(fn: Any, sources: Path | str | Iterable[Path | str] | None, *, reason: bool, reason_timeout: float,
         timeout: float | None, profile: Path | None) -> Any:
    """``fn(paths, ...)`` (:func:`_validate_paths` or more) in this process, or in a worker stopped at ``timeout``."""
    paths = [Path(p) for p in ([] if sources is None else [sources] if isinstance(sources, (str, Path)) else sources)]
    if timeout is None:
        return fn(paths, reason=reason, reason_timeout=reason_timeout, profile=profile, deadline=None)
    timeout = check_number(timeout, "timeout", SECONDS)
    try:  # the reasoner, a process of its own, is told the deadline so that it ends first
        return worker.call(fn, paths, reason=reason, reason_timeout=reason_timeout, profile=profile,
                           deadline=time.monotonic() + timeout, timeout=timeout, memory_mb=None, what="validation",
                           renice=False)
    except QueryTimeout:
        raise ValidationTimeout(f"validation timed out after {timeout:g} s ({_size_of(paths)}); "
                                "give it more time with --timeout") from None


def _size_of(paths: list[Path]) -> str:
    """What a validation of ``paths`` reads, for the message that says it ran out of time: "12 source files, 3.4 MB"."""
    files = [f for p in (paths or [ontology_dir()]) for f in (p.rglob("*") if p.is_dir() else (p,))
             if f.is_file() and (f.name.endswith(SOURCE_SUFFIXES) or not p.is_dir())]
    size = sum(f.stat().st_size for f in files)
    what = "source files" if all(f.name.endswith(SOURCE_SUFFIXES) for f in files) else "files"
    return f"{len(files)} {what}, {size / 1e6:.1f} MB"


def _validate_paths(paths: list[Path], *, reason: bool, reason_timeout: float, profile: Path | None,
                    deadline: float | None) -> ValidationReport:
    parsed: dict[Path, list[Any]] = {}  # a lone Turtle file read to tell a release from a source: read once
    read: dict[Path, bytes] = {}  # (its bytes, when that needed no parse)
    published = _published(paths, parsed, read)
    if published:
        from rdflib import Graph

        from iimgraph.io.rdf import parse_rdf

        graph = Graph()
        for path in published:
            parse_rdf(path, graph)
        return validate_graph(graph, published, reason=reason, reason_timeout=reason_timeout, profile=profile,
                              deadline=deadline)
    files = _with_context(paths)
    store = load_sources(files, parsed=parsed, read=read)  # straight into Oxigraph: no rdflib graph unless a check needs one
    rules = qc.rule_files(profile.parent if profile else None)
    levels = qc.load_profile(profile, rules)  # as before: a source that does not parse is reported first
    return _validate(store, files, rules, levels, reason=reason, timeout=reason_timeout, deadline=deadline,
                     shacl="oxigraph")


#: what a release folder publishes its graph as (read in this order)
RELEASE_GRAPH_FILES = ("iimgraph.nt", "iimgraph.ttl")


def _published(paths: list[Path], parsed: dict[Path, list[Any]], read: dict[Path, bytes]) -> list[Path]:
    """The release files among ``paths`` (all of them, or none: a mix is refused); the Turtle files read
    to tell go into ``parsed`` (resolved path -> triples), or, told apart without a parse, ``read`` (-> bytes)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            release = next((path / n for n in RELEASE_GRAPH_FILES if (path / n).is_file()), None)
            if release is not None and sources_root(path) is None:
                found.append(release)
        elif path.is_file() and (not path.name.endswith(SOURCE_SUFFIXES) or _stamped(path, parsed, read)):
            found.append(path)
    if found and len(found) != len(paths):
        raise SourceError(f"{found[0]}: a release file, given with sources; validate release files and sources "
                          "separately")
    return found


def _stamped(path: Path, parsed: dict[Path, list[Any]], read: dict[Path, bytes]) -> bool:
    """A Turtle file outside any sources folder whose ontology header already has its version stamp (a release)."""
    if not path.name.endswith(".ttl") or sources_root(path) is not None:
        return False
    from iimgraph.io.rdf import read_bytes

    data = read_bytes(path)
    if b"versionIRI" not in data and not has_unicode_escape(data):
        read[path.resolve()] = data  # the loader takes these bytes instead of reading the file again
        return False  # owl:versionIRI is written with those letters unless escaped: not a release, no parse here
    from iimgraph.io.rdf import turtle_terms

    ontology, version = ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(OWL + "versionIRI")
    triples = parsed[path.resolve()] = turtle_terms(path)  # the same checks, no rdflib graph
    return any(s == ontology and p == version for s, p, _o in triples)


def _with_context(paths: list[Path]) -> list[Path]:
    """The source files to build: folders as given; lone source files with the folder or package around them."""
    if not paths:
        return source_files(ontology_dir())
    named = source_files(paths)  # raises SourceError for a missing file or an empty folder
    if any(p.is_dir() for p in paths):
        return named
    roots = {sources_root(p) for p in named}
    context: dict[Path, Path] = {}
    for root in sorted((r for r in roots if r is not None), key=str):
        context.update((p.resolve(), p) for p in source_files(root))
    if None in roots:  # a file outside any sources folder: the packaged sources are its context
        lone = {p.name for p in named if sources_root(p) is None}
        context.update((p.resolve(), p) for p in source_files(ontology_dir()) if p.name not in lone)
    context.update((p.resolve(), p) for p in named)
    return source_files(list(context.values()))
