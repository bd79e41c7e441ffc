"""The SHACL core constraints our shapes use, compiled to SPARQL and run on Oxigraph.

pyshacl evaluates every constraint node by node in Python: on the release graph that was most of
``validate``, and it grows with every focus node. Here each constraint of each shape becomes one
SPARQL query over the whole graph (targets joined with the violation pattern), answered by the
Oxigraph copy the QC rules already use. pyshacl stays the reference: ``tests/test_shacl_compiled.py``
runs both on every fixture pair and on the shipped graph and requires the same focus nodes, paths,
values and severities; and a shapes graph that uses anything outside the supported subset is not
compiled at all (:class:`Unsupported`): the pipeline then runs pyshacl, as before. A shape's plain
constraints are first asked together (:func:`_screened`): on a conforming graph their own queries are not run.

Supported: ``sh:targetClass`` (instances through ``rdfs:subClassOf*``) and ``sh:targetSubjectsOf``;
node and property shapes whose path is one IRI; ``sh:nodeKind``, ``sh:pattern`` (with
``sh:flags``), ``sh:in``, ``sh:hasValue``, ``sh:datatype``, ``sh:class``, ``sh:minCount``,
``sh:maxCount``, ``sh:node``, ``sh:or`` and ``sh:and``; ``sh:message`` and ``sh:severity``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import pyoxigraph as ox

from iimgraph.namespaces import RDF, RDFS, XSD
from iimgraph.namespaces import SHACL as SH
from iimgraph.validate.report import lexical, term_kind

RDF_TYPE = RDF + "type"
SUBCLASS = RDFS + "subClassOf"

#: the keys a shape may carry; anything else in the sh: namespace makes the shapes graph unsupported
_KNOWN = {"targetClass", "targetSubjectsOf", "path", "nodeKind", "pattern", "flags", "in", "hasValue", "datatype",
          "class", "minCount", "maxCount", "node", "or", "and", "message", "severity", "property", "name",
          "description", "order", "group"}
_NODE_KINDS = {
    "IRI": "isIRI(?v)", "Literal": "isLiteral(?v)", "BlankNode": "isBlank(?v)",
    "BlankNodeOrIRI": "(isBlank(?v) || isIRI(?v))", "BlankNodeOrLiteral": "(isBlank(?v) || isLiteral(?v))",
    "IRIOrLiteral": "(isIRI(?v) || isLiteral(?v))",
}
#: datatypes whose lexical forms a cast checks (an ill-typed literal fails sh:datatype, as in pyshacl)
_CASTABLE = {"boolean", "decimal", "integer", "double", "float", "date", "dateTime", "string"}


class Unsupported(Exception):
    """The shapes use something this compiler does not: run pyshacl instead."""


@dataclass(frozen=True)
class Check:
    """One SPARQL query for one constraint: its rows are ``?f0`` (focus) and, where SHACL reports one, ``?v0``."""

    shape: object  # the shape node in the shapes graph (sh:sourceShape)
    component: str  # local name of the constraint component, e.g. MinCountConstraintComponent
    path: object  # the property path IRI (rdflib term) or None for a node shape
    severity: str  # full IRI of sh:Violation / sh:Warning / sh:Info
    message: str | None
    query: str
    has_value: bool
    #: a query that finds a focus node violating this check or another of its shape's screened checks
    #: (no row: none of them is violated, and their own queries are not run); None: always run ``query``
    screen: str | None = None


def _iri(term: object) -> str:
    return f"<{lexical(term)}>"


def _literal(term: object) -> str:
    """A shapes-graph term (rdflib's or Oxigraph's) in SPARQL syntax."""
    kind = term_kind(term)
    if kind == "iri":
        return _iri(term)
    if kind != "literal":
        raise Unsupported("a blank node as a constraint value")
    text = lexical(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    language = term.language  # type: ignore[attr-defined]
    datatype = term.datatype  # type: ignore[attr-defined]
    if isinstance(term, ox.Literal) and datatype.value == XSD + "string":
        datatype = None  # a plain literal (RDF 1.1: the same term)
    if language:
        return f'"{text}"@{language}'
    if datatype is not None:
        return f'"{text}"^^<{lexical(datatype)}>'
    return f'"{text}"'


class _Shapes:
    """The shapes graph as the compiler reads it: an ``rdflib.Graph``, or an Oxigraph store holding it (no rdflib)."""

    def __init__(self, shapes: object) -> None:
        self.g = shapes
        if isinstance(shapes, ox.Store):
            self.term: Callable[[str], Any] = ox.NamedNode
        else:
            from rdflib import URIRef

            self.term = URIRef
        self.sh = lambda name: self.term(SH + name)

    def objects(self, node: object, predicate: object) -> list[object]:
        if isinstance(self.g, ox.Store):
            return [q.object for q in self.g.quads_for_pattern(node, predicate, None)]  # type: ignore[arg-type]
        return list(self.g.objects(node, predicate))  # type: ignore[attr-defined]

    def values(self, node: object, key: str) -> list[object]:
        return self.objects(node, self.sh(key))

    def node_shapes(self) -> list[object]:
        typed, kind = self.term(RDF_TYPE), self.sh("NodeShape")
        if isinstance(self.g, ox.Store):
            found = {q.subject for q in self.g.quads_for_pattern(None, typed, kind)}  # type: ignore[arg-type]
        else:
            found = set(self.g.subjects(typed, kind))  # type: ignore[attr-defined]
        return sorted(found, key=lexical)

    def one(self, node: object, key: str) -> object:
        found = self.values(node, key)
        if len(found) > 1:
            raise Unsupported(f"more than one sh:{key}")
        return found[0] if found else None

    def items(self, node: object) -> list[object]:
        """The members of an RDF list, as ``rdflib.collection.Collection`` walks it."""
        first, rest = self.term(RDF + "first"), self.term(RDF + "rest")
        out, chain = [], {node}
        while node is not None:
            item = next(iter(self.objects(node, first)), None)
            if item is not None:
                out.append(item)
            node = next(iter(self.objects(node, rest)), None)
            if node in chain:
                raise Unsupported("an RDF list that loops")
            chain.add(node)
        return out

    def predicates(self, node: object) -> list[object]:
        if isinstance(self.g, ox.Store):
            return [q.predicate for q in self.g.quads_for_pattern(node, None, None)]  # type: ignore[arg-type]
        return list(self.g.predicates(node, None))  # type: ignore[attr-defined]

    def check_keys(self, node: object) -> None:
        for p in self.predicates(node):
            text = lexical(p)
            if text.startswith(SH) and text[len(SH):] not in _KNOWN:
                raise Unsupported(f"sh:{text[len(SH):]}")
            if text == SH + "deactivated":
                raise Unsupported("sh:deactivated")


class _Vars(NamedTuple):
    """The variables and value pattern of one shape at one nesting depth."""

    depth: int
    path: object  # the property path IRI, None for a node shape
    f: str  # the focus node
    v: str  # a value node
    x: str  # a value when counting
    cast: str  # a value cast to its datatype
    values: str  # the pattern binding ``v`` from ``f``


_Violation = tuple[str, object, str, bool]


#: pattern -> how a screen tests it: (values, condition) for ``{values} FILTER(condition)``, whose conditions on the
#: same values a screen joins in one ``EXISTS`` (values ""): the condition is the test itself, no ``EXISTS`` needed
_SCREEN_PARTS: dict[str, tuple[str, str]] = {}


def _filtered(values: str, condition: str) -> str:
    """``{values} FILTER(condition)``, remembered in :data:`_SCREEN_PARTS`."""
    pattern = f"{values} FILTER({condition})"
    _SCREEN_PARTS[pattern] = (values, condition)
    return pattern


def _not_exists(group: str) -> str:
    """``FILTER NOT EXISTS { group }``, remembered in :data:`_SCREEN_PARTS` (a screen tests ``NOT EXISTS`` itself)."""
    pattern = f"FILTER NOT EXISTS {{ {group} }}"
    _SCREEN_PARTS[pattern] = ("", f"NOT EXISTS {{ {group} }}")
    return pattern


def _violations(s: _Shapes, shape: object, depth: int = 0, focus: str | None = None) -> Iterator[_Violation]:
    """(component, path, violation pattern over ?f, reports ?v) for every constraint of ``shape``.

    A pattern binds ?f (given) and, for value constraints, ?v; it matches when the focus node
    violates the constraint. A nested shape (``focus``: the outer value variable) uses that variable
    itself, not a copy made with BIND: inside EXISTS, Oxigraph evaluated ``BIND(?outer AS ?f)
    ?f :p ?v`` by scanning every ``:p`` triple once per outer row (5 s of 7 for the shapes at
    3x10^5 triples).
    """
    if depth > 8:
        raise Unsupported("shapes nested too deeply")
    f, v = focus or f"?f{depth}", f"?v{depth}"
    s.check_keys(shape)
    path = s.one(shape, "path")
    if path is not None and term_kind(path) != "iri":
        raise Unsupported("a property path that is not a single IRI")
    # the value nodes: the focus itself for a node shape, the path's objects for a property shape
    if path is not None:
        values = f"{f} {_iri(path)} {v} ."
    elif focus is None:
        values = f"BIND({f} AS {v})"  # the top level reports ?v0
    else:
        v, values = f, ""
    at = _Vars(depth, path, f, v, f"?x{depth}", f"?cast{depth}", values)
    for constraints in (_value_constraints, _has_value, _type_constraints, _count_constraints, _nested_constraints):
        yield from constraints(s, shape, at)


def _value_constraints(s: _Shapes, shape: object, at: _Vars) -> Iterator[_Violation]:
    """sh:nodeKind, sh:pattern (with sh:flags), sh:in."""
    path, v, values = at.path, at.v, at.values
    for kind in s.values(shape, "nodeKind"):
        name = lexical(kind)[len(SH):]
        if name not in _NODE_KINDS:
            raise Unsupported(f"sh:nodeKind {kind}")
        yield "NodeKindConstraintComponent", path, _filtered(values, f"!{_NODE_KINDS[name].replace('?v', v)}"), True
    for pattern in s.values(shape, "pattern"):
        flags = s.one(shape, "flags")
        regex = f"regex(str({v}), {_literal(pattern)}{', ' + _literal(flags) if flags is not None else ''})"
        yield "PatternConstraintComponent", path, _filtered(values, f"isBlank({v}) || !{regex}"), True
    for listing in s.values(shape, "in"):
        allowed_terms = s.items(listing)
        allowed = " || ".join(f"sameTerm({v}, {_literal(m)})" for m in allowed_terms) or "false"
        yield "InConstraintComponent", path, _filtered(values, f"!({allowed})"), True


def _has_value(s: _Shapes, shape: object, at: _Vars) -> Iterator[_Violation]:
    """sh:hasValue: on a node shape the focus is the value; on a property shape one of its values is."""
    path, f = at.path, at.f
    for value in s.values(shape, "hasValue"):
        if path is None:
            yield "HasValueConstraintComponent", path, f"FILTER(!sameTerm({f}, {_literal(value)}))", False
        else:
            yield "HasValueConstraintComponent", path, _not_exists(f"{f} {_iri(path)} {_literal(value)}"), False


def _type_constraints(s: _Shapes, shape: object, at: _Vars) -> Iterator[_Violation]:
    """sh:datatype (a lexical form checked by casting, for the XSD types SPARQL casts) and sh:class."""
    path, v, cast, values = at.path, at.v, at.cast, at.values
    for datatype in s.values(shape, "datatype"):
        datatype = lexical(datatype)
        local = datatype[len(XSD):] if datatype.startswith(XSD) else None
        well_formed = ""
        if local in _CASTABLE and local != "string":
            well_formed = f" || !BOUND({cast})"
            cast_bind = f"BIND(<{datatype}>(str({v})) AS {cast})"
        else:
            cast_bind = ""
        if local is not None and local not in _CASTABLE:
            raise Unsupported(f"sh:datatype {datatype} (its lexical forms are not checked here)")
        yield ("DatatypeConstraintComponent", path,
               f"{values} {cast_bind} FILTER(!isLiteral({v}) || datatype({v}) != <{datatype}>{well_formed})", True)
    for cls in s.values(shape, "class"):
        yield ("ClassConstraintComponent", path,
               f"{values} FILTER NOT EXISTS {{ {v} <{RDF_TYPE}>/<{SUBCLASS}>* {_literal(cls)} }}", True)


def _count_constraints(s: _Shapes, shape: object, at: _Vars) -> Iterator[_Violation]:
    """sh:minCount and sh:maxCount (property shapes only)."""
    path, f, x = at.path, at.f, at.x
    for n in s.values(shape, "minCount"):
        count = int(lexical(n))
        if path is None:
            raise Unsupported("sh:minCount on a node shape")
        if count == 1:
            yield "MinCountConstraintComponent", path, _not_exists(f"{f} {_iri(path)} {x}"), False
        elif count > 1:
            yield ("MinCountConstraintComponent", path,
                   f"FILTER NOT EXISTS {{ SELECT {f} WHERE {{ {f} {_iri(path)} {x} }} GROUP BY {f} "
                   f"HAVING (COUNT(DISTINCT {x}) >= {count}) }}", False)
    for n in s.values(shape, "maxCount"):
        if path is None:
            raise Unsupported("sh:maxCount on a node shape")
        yield ("MaxCountConstraintComponent", path,
               f"{{ SELECT {f} WHERE {{ {f} {_iri(path)} {x} }} GROUP BY {f} HAVING (COUNT(DISTINCT {x}) > {int(lexical(n))}) }}",
               False)


def _nested_constraints(s: _Shapes, shape: object, at: _Vars) -> Iterator[_Violation]:
    """sh:or, sh:and and sh:node (shapes tested on the value node, one depth down); sh:property must be a node."""
    path, v, values = at.path, at.v, at.values
    for key, component in (("or", "OrConstraintComponent"), ("and", "AndConstraintComponent")):
        for listing in s.values(shape, key):
            members: list[str] = [_conforms_not(s, m, at.depth + 1, on=v) for m in s.items(listing)]
            if not members:
                continue
            test = " && ".join(members) if key == "or" else " || ".join(members)
            yield component, path, f"{values} FILTER({test})", True
    for other in s.values(shape, "node"):
        yield "NodeConstraintComponent", path, f"{values} FILTER({_conforms_not(s, other, at.depth + 1, on=v)})", True
    for prop in s.values(shape, "property"):
        if term_kind(prop) not in ("iri", "blank"):
            raise Unsupported("a sh:property that is not a node")


def _conforms_not(s: _Shapes, shape: object, depth: int, on: str) -> str:
    """A SPARQL expression, true when the node ``on`` does NOT conform to ``shape`` (its own
    constraints and its property shapes'); the nested patterns use variables of their own depth."""
    parts = [pattern for _c, _p, pattern, _v in _violations(s, shape, depth, focus=on)]
    for prop in s.values(shape, "property"):
        parts += [pattern for _c, _p, pattern, _v in _violations(s, prop, depth, focus=on)]
    if not parts:
        return "false"
    return "EXISTS { " + " UNION ".join(f"{{ {p} }}" for p in sorted(parts)) + " }"  # sorted: the same text from any engine


def _targets(s: _Shapes, shape: object) -> list[str]:
    out = []
    for cls in s.values(shape, "targetClass"):
        out.append(f"?f0 <{RDF_TYPE}>/<{SUBCLASS}>* {_literal(cls)} .")
    for p in s.values(shape, "targetSubjectsOf"):
        if term_kind(p) != "iri":
            raise Unsupported("sh:targetSubjectsOf a blank node")
        out.append(f"?f0 {_iri(p)} ?target_value .")
    for key in ("targetNode", "targetObjectsOf"):
        if s.values(shape, key):
            raise Unsupported(f"sh:{key}")
    return out


def compile_shapes(shapes: object) -> list[Check]:
    """Every constraint of every targeted shape as a :class:`Check`; :class:`Unsupported` if any cannot be.
    ``shapes``: an ``rdflib.Graph``, or an Oxigraph store holding the shapes (the checks then name Oxigraph terms)."""
    s = _Shapes(shapes)
    checks: list[Check] = []
    for shape in s.node_shapes():
        targets = _targets(s, shape)
        if not targets:
            continue
        focus = " UNION ".join(f"{{ SELECT DISTINCT ?f0 WHERE {{ {t} }} }}" for t in targets)
        own: list[tuple[Check, str]] = []
        for owner in [shape, *s.values(shape, "property")]:
            severity = s.one(owner, "severity")
            severity = lexical(severity) if severity is not None else SH + "Violation"
            messages = sorted(lexical(m) for m in s.values(owner, "message"))
            for component, path, pattern, has_value in _violations(s, owner):
                select = "?f0 ?v0" if has_value else "?f0"
                query = f"SELECT DISTINCT {select} WHERE {{ {focus} {pattern} }}"
                own.append((Check(owner, component, path, severity, messages[0] if messages else None, query,
                                  has_value), pattern))
        checks += _screened(focus, own)
    return checks


#: constraints whose violation pattern is a plain test of the focus node and its values (no nested shape,
#: no sub-query), screened together: one look at each focus node instead of one query per constraint
_SCREENED = {"NodeKindConstraintComponent", "PatternConstraintComponent", "InConstraintComponent",
             "HasValueConstraintComponent", "DatatypeConstraintComponent", "MinCountConstraintComponent"}


def _screened(focus: str, own: list[tuple[Check, str]]) -> list[Check]:
    """One shape's checks, those of :data:`_SCREENED` given one screen query: the focus nodes for which any
    of their patterns holds (``EXISTS`` on each). On a conforming graph it answers nothing and their
    queries are not run (3.96 -> 3.50 CPU s for the shapes at 10^6 generated triples)."""
    simple = [pattern for check, pattern in own if check.component in _SCREENED]
    if len(simple) < 2:
        return [check for check, _pattern in own]
    screen = f"SELECT ?f0 WHERE {{ {focus} FILTER({_screen_test(simple)}) }} LIMIT 1"
    return [replace(check, screen=screen) if check.component in _SCREENED else check for check, _pattern in own]


def _screen_test(patterns: list[str]) -> str:
    """True when any of ``patterns`` holds for ``?f0``: ``EXISTS`` on each, but the conditions on the same values (one
    property's, or the focus node's) joined in one ``EXISTS``, and a ``NOT EXISTS`` asked as it is: fewer
    evaluations per focus node (the claims' screen: 16 ``EXISTS`` on each of 58,114 claims at 10^6 generated
    triples, now 14; the screens 2.09-2.39 -> 1.85-1.86 CPU s). "Any value such that a or b" is "any such that a,
    or any such that b", and a condition in error is false either way."""
    joined: dict[str, list[str]] = {}
    tests = []
    for pattern in sorted(patterns):  # sorted: the same text from any engine
        parts = _SCREEN_PARTS.get(pattern)
        if parts is None:
            tests.append(f"EXISTS {{ {pattern} }}")
        elif not parts[0]:
            tests.append(parts[1])
        else:
            joined.setdefault(parts[0], []).append(parts[1])
    tests += [f"EXISTS {{ {values} FILTER({' || '.join(f'({c})' for c in conditions)}) }}"
              for values, conditions in sorted(joined.items())]
    return " || ".join(tests)


def run_checks(checks: Iterable[Check], select: object) -> Iterator[tuple[Check, object, object]]:
    """(check, focus, value) for every violation; ``select(query)`` returns rows of terms (QC's Oxigraph copy).
    A screened check runs only when its screen finds a violating focus node (each screen asked once)."""
    screens: dict[str, bool] = {}
    for check in checks:
        if check.screen is not None:
            if check.screen not in screens:
                screens[check.screen] = bool(select(check.screen))  # type: ignore[operator]
            if not screens[check.screen]:
                continue
        for row in select(check.query):  # type: ignore[operator]
            yield check, row[0], (row[1] if check.has_value and len(row) > 1 else None)


def results_graph(violations: Iterable[tuple[Check, object, object]], shapes: object) -> object:
    """The violations as a SHACL validation report graph (the shape of pyshacl's)."""
    from rdflib import BNode, Graph, Literal, URIRef
    from rdflib.namespace import RDF, XSD

    sh = lambda name: URIRef(SH + name)  # noqa: E731
    rd = _rdflib_term
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode()
    graph.add((report, RDF.type, sh("ValidationReport")))
    conforms = True
    for check, focus, value in violations:
        conforms = False
        result = BNode()
        graph.add((report, sh("result"), result))
        graph.add((result, RDF.type, sh("ValidationResult")))
        graph.add((result, sh("focusNode"), rd(focus)))
        graph.add((result, sh("resultSeverity"), URIRef(check.severity)))
        graph.add((result, sh("sourceShape"), rd(check.shape)))
        graph.add((result, sh("sourceConstraintComponent"), sh(check.component)))
        if check.path is not None:
            graph.add((result, sh("resultPath"), rd(check.path)))
        if value is not None:
            graph.add((result, sh("value"), rd(value)))
        if check.message is not None:
            graph.add((result, sh("resultMessage"), Literal(check.message)))
    graph.add((report, sh("conforms"), Literal(conforms, datatype=XSD.boolean)))
    return graph


def _rdflib_term(term: object) -> Any:
    """The rdflib term of an Oxigraph one (a blank node named as :func:`~iimgraph.validate.report.lexical` names
    it, so the Turtle report's focus nodes meet); an rdflib term as it is."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(lexical(term))
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD + "string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return term


class LazyResults:
    """The violations of compiled checks as a SHACL validation report graph's triples, made with rdflib only when
    iterated (the Turtle report asks): a validation of sources into a store never imports rdflib otherwise."""

    def __init__(self, violations: list[tuple[Check, object, object]]) -> None:
        self.violations = violations

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        return iter(results_graph(self.violations, None))  # type: ignore[call-overload]
