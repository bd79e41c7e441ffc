"""Findings and the validation report: one record shape for SHACL, QC, identifier and OWL checks.

A curator acts on a term, so every renderer groups findings by term and names the term's label,
the rule, the level, the message and the source file and line where the term (or the SSSOM row)
is written. JSON output is stable: sorted keys, findings sorted, no blank-node labels.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from iimgraph.errors import IIMGraphError, SourceError
from iimgraph.escape import code_span, escape, markdown
from iimgraph.io.rdf import read_text
from iimgraph.io.sssom import read_sssom
from iimgraph.namespaces import CONVERTER, QC, RDF, SHACL, XSD

LEVELS = ("ERROR", "WARN", "INFO")
_RANK = {level: i for i, level in enumerate(LEVELS)}
JSON_FORMAT_VERSION = 1
BLANK = "_:blank"


# --- the nodes findings are about: rdflib terms (a graph given to validate_graph), or Oxigraph terms (the sources
# loaded into a store, which then needs no rdflib: importing it was ~0.2 s of a validate of the shipped sources)

_STRING_TYPES = (XSD + "string", RDF + "langString")


_KINDS: dict[type, str] = {ox.NamedNode: "iri", ox.BlankNode: "blank", ox.Literal: "literal"}


def term_kind(node: object) -> str:
    """"iri", "blank", "literal" (an rdflib or an Oxigraph term), else "", without importing rdflib."""
    kind = _KINDS.get(type(node))
    if kind is not None:
        return kind
    terms = sys.modules.get("rdflib.term")  # an rdflib term exists only once rdflib is imported
    if terms is not None:
        if isinstance(node, terms.URIRef):
            return "iri"
        if isinstance(node, terms.BNode):
            return "blank"
        if isinstance(node, terms.Literal):
            return "literal"
    return ""


def lexical(node: object) -> str:
    """What ``str()`` gives of the node's rdflib term: an IRI, a literal's lexical form, a blank node's label
    (an Oxigraph blank node is ``ox`` and its label, as :class:`~iimgraph.build.oxgraph.SourceGraph` names it)."""
    kind = _KINDS.get(type(node))
    if kind is None:
        return str(node)
    return "ox" + node.value if kind == "blank" else node.value  # type: ignore[attr-defined]


def preferred(values: Iterable[object]) -> object:
    """The one value a finding shows of several (a term with two labels, an axiom's source): plain or
    English literals first, then the smallest text; the same whatever order the sources wrote them in
    (the sources path keeps no order: it is parsed by the store). None when there is none."""
    return min(values, key=_preference, default=None)


def _preference(value: object) -> tuple[int, str, str, str]:
    lang = str(getattr(value, "language", None) or "").lower()
    rank = 0 if not lang else 1 if lang == "en" or lang.startswith("en-") else 2
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)):  # ranked as its rdflib term would be
        kind = "URIRef" if isinstance(value, ox.NamedNode) else "BNode" if isinstance(value, ox.BlankNode) else (
            "Literal" if value.datatype.value in _STRING_TYPES else value.datatype.value)
        return rank, lang, lexical(value), kind
    return rank, lang, str(value), str(getattr(value, "datatype", None) or type(value).__name__)


def level_rank(level: str) -> int:
    return _RANK[level.upper()]


@dataclass(frozen=True)
class Finding:
    """One thing a curator should look at. ``term`` is a CURIE where the prefix map has one, else the IRI."""

    level: str
    rule: str
    term: str
    message: str
    property: str | None = None
    value: str | None = None
    label: str | None = None
    file: str | None = None
    line: int | None = None
    #: the rdflib node the finding is about (for the Turtle report); not part of the comparison or JSON
    focus: object = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as its fields in order and an IRI or blank node focus as its text (a worker sends the report
        back: ~10^5 findings at 10^6 triples; a dict per finding, the dataclass default, and rdflib's own
        reduce of each term took 4x the time, both ways)."""
        focus, kind = self.focus, type(self.focus).__name__
        if (kind in _NODE_KINDS and type(focus).__module__ == "rdflib.term") or kind in _FOCUS_KINDS:
            focus = str(focus)
        else:
            kind = ""
        return (_finding, (self.level, self.rule, self.term, self.message, self.property, self.value, self.label,
                           self.file, self.line, kind, focus))

    def sort_key(self) -> tuple:
        return (self.term, level_rank(self.level), self.rule, self.property or "", self.value or "", self.message)

    def as_dict(self) -> dict[str, object]:
        return {"level": self.level, "rule": self.rule, "term": self.term, "label": self.label,
                "property": self.property, "value": self.value, "message": self.message,
                "file": self.file, "line": self.line}


class FocusIRI(str):
    """A finding's focus IRI, without rdflib (the Turtle report makes the ``URIRef`` of it)."""

    __slots__ = ()


class FocusBlank(str):
    """A finding's focus blank node, by its label, without rdflib (the Turtle report makes the ``BNode``)."""

    __slots__ = ()


_NODE_KINDS = ("URIRef", "BNode")
_FOCUS_KINDS = {"FocusIRI": FocusIRI, "FocusBlank": FocusBlank}


def _finding(level: str, rule: str, term: str, message: str, prop: str | None, value: str | None, label: str | None,
             file: str | None, line: int | None, kind: str, focus: object) -> Finding:
    """A pickled :class:`Finding` back (``kind``: the rdflib class of a focus pickled as its text)."""
    if kind in _FOCUS_KINDS:
        focus = _FOCUS_KINDS[kind](focus)
    elif kind:
        import rdflib

        focus = getattr(rdflib, kind)(focus)
    return Finding(level, rule, term, message, prop, value, label, file, line, focus)


@dataclass
class ValidationReport:
    """The result of ``iimgraph validate``: findings, never an exception, for a non-conforming graph."""

    findings: list[Finding]
    sources: list[str]
    reasoning: dict[str, object]
    #: pyshacl's validation report graph (rdflib.Graph) or None when shapes did not run
    shacl_graph: object = None

    def __post_init__(self) -> None:
        self.findings = sorted(set(self.findings), key=Finding.sort_key)

    def counts(self) -> dict[str, int]:
        return {level: sum(f.level == level for f in self.findings) for level in LEVELS}

    def failing(self, fail_on: str = "ERROR") -> list[Finding]:
        """Findings at or above ``fail_on`` (ERROR > WARN > INFO)."""
        limit = level_rank(fail_on)
        return [f for f in self.findings if level_rank(f.level) <= limit]

    def exit_code(self, fail_on: str = "ERROR") -> int:
        return 1 if self.failing(fail_on) else 0

    def by_term(self) -> list[tuple[str, str | None, list[Finding]]]:
        groups: dict[str, list[Finding]] = {}
        for f in self.findings:
            groups.setdefault(f.term, []).append(f)
        return [(term, next((f.label for f in fs if f.label), None), fs) for term, fs in sorted(groups.items())]

    # --- renderers -------------------------------------------------------------------------------

    def to_json(self, fail_on: str = "ERROR") -> str:
        doc = {
            "format_version": JSON_FORMAT_VERSION,
            "fail_on": fail_on.upper(),
            "conforms": not self.failing(fail_on),
            "counts": self.counts(),
            "sources": self.sources,
            "reasoning": self.reasoning,
            "terms": [
                {"term": term, "label": label,
                 "findings": [{k: v for k, v in f.as_dict().items() if k not in ("term", "label")} for f in fs]}
                for term, label, fs in self.by_term()
            ],
        }
        return escape(indented_json(doc), json=True) + "\n"


    def to_text(self, fail_on: str = "ERROR") -> str:
        lines = [_summary(self, fail_on)]
        for term, label, fs in self.by_term():
            lines.append("")
            lines.append(f"{term}" + (f"  {label!r}" if label else ""))
            for f in fs:
                where = f"  [{_where(f)}]" if f.file else ""
                detail = "".join(f" {x}" for x in (f.property, _quote(f.value)) if x)
                lines.append(f"  {f.level:<5} {f.rule}:{detail} -- {f.message}{where}")
        return escape("\n".join(lines)) + "\n"  # curator text meets the terminal

    def to_markdown(self, fail_on: str = "ERROR") -> str:
        c = self.counts()
        icon = "✅" if not self.failing(fail_on) else "❌"
        out = [f"### {icon} iimgraph validate: {c['ERROR']} error(s), {c['WARN']} warning(s), {c['INFO']} info",
               "", f"Fail level: **{fail_on.upper()}**. Reasoning: {_md(str(self.reasoning.get('status')))}"
               + (f" ({_md(str(self.reasoning['detail']))})" if self.reasoning.get("detail") else "") + "."]
        if not self.findings:
            out += ["", "No findings."]
        for term, label, fs in self.by_term():
            out += ["", f"#### {code_span(term)}" + (f" {_md(label)}" if label else ""), "",
                    "| level | rule | property | value | message | where |", "|---|---|---|---|---|---|"]
            for f in fs:
                out.append(f"| {f.level} | {code_span(f.rule)} | {_md(f.property or '')} | {_md(f.value or '')} "
                           f"| {_md(f.message)} | {_md(_where(f)) if f.file else ''} |")
        return "\n".join(out) + "\n"

    def to_turtle(self) -> str:
        """The SHACL validation report graph, with QC, identifier and reasoner findings added as results."""
        from rdflib import BNode, Graph, Literal, Namespace, URIRef
        from rdflib.namespace import RDF, XSD

        sh = Namespace(SHACL)
        qc = Namespace(QC)
        graph = Graph()
        graph.bind("sh", sh)
        graph.bind("iimqc", qc)
        report = None
        if self.shacl_graph is not None:
            for triple in self.shacl_graph:  # type: ignore[attr-defined]
                graph.add(triple)
            report = next(iter(graph.subjects(RDF.type, sh.ValidationReport)), None)
        if report is None:
            report = BNode()
            graph.add((report, RDF.type, sh.ValidationReport))
        severity = {"ERROR": sh.Violation, "WARN": sh.Warning, "INFO": sh.Info}
        for f in self.findings:
            if f.rule[:1].isupper():  # SHACL shape findings are already in pyshacl's graph
                continue
            result = BNode()
            graph.add((report, sh.result, result))
            graph.add((result, RDF.type, sh.ValidationResult))
            focus = (URIRef(f.focus) if isinstance(f.focus, FocusIRI) else BNode(f.focus) if isinstance(f.focus, FocusBlank)
                     else f.focus if f.focus is not None else Literal(f.term))
            graph.add((result, sh.focusNode, focus))  # type: ignore[arg-type]
            graph.add((result, sh.resultSeverity, severity[f.level]))
            graph.add((result, sh.resultMessage, Literal(f.message)))
            graph.add((result, sh.sourceShape, qc[f.rule]))
            graph.add((result, sh.sourceConstraintComponent, sh.SPARQLConstraintComponent))
            if f.property:
                graph.add((result, sh.resultPath, URIRef(CONVERTER.expand(f.property) or f.property)))
            if f.value is not None:
                graph.add((result, sh.value, Literal(f.value)))
        graph.set((report, sh.conforms, Literal(not self.findings, datatype=XSD.boolean)))
        return graph.serialize(format="turtle")

    def render(self, fmt: str, fail_on: str = "ERROR") -> str:
        if fmt == "json":
            return self.to_json(fail_on)
        if fmt == "md":
            return self.to_markdown(fail_on)
        if fmt == "ttl":
            return self.to_turtle()
        return self.to_text(fail_on)


#: the JSON of a scalar value (``json.dumps`` with ``ensure_ascii=False``), by exact type (a subclass, a float or
#: anything else goes to ``json.dumps`` itself)
_SCALAR_JSON: dict[type, Callable[[Any], str]] = {
    str: json.encoder.encode_basestring,
    int: int.__repr__, bool: lambda v: "true" if v else "false", type(None): lambda _v: "null"}


def indented_json(doc: dict[str, object]) -> str:
    """``json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)``, the same text, faster for the report.

    With ``indent`` the standard library encodes in Python, a generator step per value (1.6 s of the JSON report of
    a 10^6-triple validation, ~10^5 findings); here the ``terms`` list is written by hand and each flat dict in
    it (a finding) by the library's C encoder, whose separators carry the line break and indentation of its
    depth. Anything but dicts of scalars and lists of such dicts goes to ``json.dumps``."""
    terms = doc.get("terms")
    if not isinstance(terms, list) or not terms or max(doc) != "terms":  # sorted last, written last
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
    parts = _list_json(terms, 2, {})
    if parts is None:
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
    rest = json.dumps({k: v for k, v in doc.items() if k != "terms"}, indent=2, sort_keys=True, ensure_ascii=False)
    head = rest[:-2] + ",\n" if len(rest) > 2 else "{\n"  # "{}" when "terms" is the only key
    return head + '  "terms": ' + parts + "\n}"


def _list_json(items: list[object], level: int, encoders: dict[int, json.JSONEncoder]) -> str | None:
    """A non-empty list of dicts (of scalars and lists of such dicts) at nesting ``level``, as ``json.dumps``
    with ``indent=2, sort_keys=True`` writes it there; None for anything else."""
    inner, deeper = "\n" + "  " * level, "\n" + "  " * (level + 1)
    scalar = _SCALAR_JSON
    out = []
    for item in items:
        if type(item) is not dict or not item or any(type(k) is not str for k in item):
            return None
        if all(type(v) in scalar for v in item.values()):  # flat: one C call
            encoder = encoders.get(level)
            if encoder is None:
                encoder = encoders[level] = json.JSONEncoder(ensure_ascii=False, sort_keys=True,
                                                             separators=("," + deeper, ": "))
            out.append("{" + deeper + encoder.encode(item)[1:-1] + inner + "}")
            continue
        fields = []
        for key in sorted(item):
            value = item[key]
            write = scalar.get(type(value))
            if write is not None:
                text = write(value)
            elif type(value) is list and value:
                found = _list_json(value, level + 2, encoders)
                if found is None:
                    return None
                text = found
            else:
                return None
            fields.append(scalar[str](key) + ": " + text)
        out.append("{" + deeper + ("," + deeper).join(fields) + inner + "}")
    return "[" + inner + ("," + inner).join(out) + "\n" + "  " * (level - 1) + "]"

def _summary(report: ValidationReport, fail_on: str) -> str:
    c = report.counts()
    verdict = "FAIL" if report.failing(fail_on) else "PASS"
    reasoning = report.reasoning.get("status")
    return (f"iimgraph validate: {verdict} (fail on {fail_on.upper()}): {c['ERROR']} error(s), "
            f"{c['WARN']} warning(s), {c['INFO']} info; reasoning {reasoning}")


def _where(f: Finding) -> str:
    return f"{f.file}:{f.line}" if f.line else str(f.file)


def _quote(value: str | None) -> str | None:
    return None if value is None else repr(value) if " " in value or not value else value


def _md(text: str) -> str:
    """Curator text in the Markdown report (a pull-request comment): no HTML, no link from outside the project."""
    return markdown(text)


# --- where a term is written ---------------------------------------------------------------------

_PREFIX_RE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z0-9_.\-]*):\s*<([^>]*)>", re.I)
_SUBJECT_RE = re.compile(r"^(<[^>\s]+>|[A-Za-z_][\w.\-]*:[^\s;,]*|:[^\s;,]*)(?=\s|$)")


@dataclass
class SourceIndex:
    """Where each subject is written (its first subject-block line, or an SSSOM row), and what each block says.

    A finding about a value (a parent, a claim's object, an xref) points at the line of the block that
    writes that value; a finding without one, or whose value cannot be found as written, at the block's
    first line.
    """

    subjects: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: (subject IRI, object as written in the graph: CURIE literal or IRI) -> SSSOM file and line
    mappings: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    #: subject IRI -> its Turtle blocks (file, first line, last line), axiom annotations of it included
    blocks: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    #: file as shown -> (its lines, its prefixes)
    texts: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    def locate(self, iri: str | None, value: str | None = None, *,
               is_iri: bool = False) -> tuple[str, int] | tuple[None, None]:
        if iri is not None and value is not None and (iri, value) in self.mappings:
            return self.mappings[(iri, value)]
        if iri is not None and value is not None:
            found = self._value_line(iri, value, is_iri)
            if found is not None:
                return found
        if iri is not None and iri in self.subjects:
            return self.subjects[iri]
        return None, None

    def _value_line(self, iri: str, value: str, is_iri: bool) -> tuple[str, int] | None:
        for shown, first, last in self.blocks.get(iri, ()):
            lines, prefixes = self.texts[shown]
            forms = _value_forms(value, is_iri, prefixes)
            if not forms:
                continue
            if len(forms) == 1 and forms[0][1] is None:  # one plain form (N-Triples, a literal): the common case
                form = forms[0][0]
                for lineno in range(first, last + 1):
                    if form in lines[lineno - 1]:
                        return shown, lineno
                continue
            for lineno in range(first, last + 1):
                line = lines[lineno - 1]
                if any(form in line and (boundary is None or boundary.search(line)) for form, boundary in forms):
                    return shown, lineno
        return None


def _value_forms(value: str, is_iri: bool, prefixes: dict[str, str]) -> list[tuple[str, _Boundary | None]]:
    """How ``value`` can be written in a Turtle file with these prefixes: ``<iri>``, ``p:local`` or ``"literal"``.

    Each form is a substring and, for a prefixed name, the pattern that checks its boundaries: tested only
    on a line that holds the substring (a pattern compiled for every finding cost more than the scan).
    """
    if not is_iri:
        return [('"' + value + '"', None)] if '"' not in value and "\\" not in value else []
    forms: list[tuple[str, _Boundary | None]] = [("<" + value + ">", None)]
    for prefix, namespace in prefixes.items():
        if namespace and value.startswith(namespace) and len(value) > len(namespace):
            name = f"{prefix}:{value[len(namespace):]}"
            forms.append((name, _Boundary(name)))
    return forms


class _Boundary:
    """``search(line)``: ``name`` occurs in ``line`` as a whole prefixed name (compiled on first use)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pattern: re.Pattern[str] | None = None

    def search(self, line: str) -> re.Match[str] | None:
        if self.pattern is None:
            self.pattern = re.compile(r"(?<![\w:.\-])" + re.escape(self.name) + r"(?![\w\-:%]|\.\w)")
        return self.pattern.search(line)


def display_path(path: Path) -> str:
    """A path relative to the working directory when it is below it, else absolute (stable in CI logs)."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def index_sources(files: Iterable[Path], texts: Mapping[Path, str] | None = None) -> SourceIndex:
    """Scan the source files once for subject blocks and SSSOM rows (never fails: it only helps the report);
    ``texts``: Turtle files already read and decoded, by resolved path (the loader's, not read again)."""
    index = SourceIndex()
    texts = texts or {}
    # Turtle first, so a class written in Turtle is located there rather than at its first SSSOM row
    for path in sorted(files, key=lambda p: (p.name.endswith(".sssom.tsv"), p.as_posix())):
        shown = display_path(path)
        if path.name.endswith(".sssom.tsv"):
            _index_sssom(path, shown, index)
            continue
        text = texts.get(path.resolve())
        if text is None:
            try:
                text = read_text(path)  # the bounded reader: a source too big or not UTF-8 is skipped here
            except SourceError:
                continue
        lines = text.splitlines()
        if not _index_plain(text, lines, shown, index):
            _index_turtle(lines, shown, index)
    return index


#: a line the shortcut below does not read (after a line break): one that starts otherwise than with ``<``, ``_:`` or
#: ``#`` (an empty line is read; a ``<`` line whose subject is not a plain IRI is skipped, as the general reader skips it)
_NOT_PLAIN = re.compile(r"\n(?:[^<#_\n]|_[^:])")
#: a run of lines about one subject IRI (``_:`` lines, comments and empty lines within it belong to it)
_SUBJECT_RUN = re.compile(r"^<([^>\s]+)>(?=[ \t\r\n]|\Z)[^\n]*(?:\n(?:<\1>[ \t]|_:|#|(?=\n)|\Z)[^\n]*)*", re.M)


def _index_plain(text: str, lines: list[str], shown: str, index: SourceIndex) -> bool:
    """:func:`_index_turtle` of a file written line by line with full IRIs (N-Triples, as a large file often is),
    one regular-expression match per block instead of a Python step per line (1.7 -> 0.3 s at 10^6 triples);
    False, and nothing done, for any other file."""
    if len(lines) != text.count("\n") + (not text.endswith("\n")) or _NOT_PLAIN.search("\n" + text[:4096]) is not None \
            or _NOT_PLAIN.search(text) is not None:
        return False  # a line break that splitlines counts and "\\n" does not; a line that is not plain
    blocks, subjects = index.blocks, index.subjects
    lineno, pos = 1, 0
    previous: tuple[str, int] | None = None
    for m in _SUBJECT_RUN.finditer(text):
        lineno += text.count("\n", pos, m.start())
        pos = m.start()
        iri = m.group(1)
        if previous is not None:
            if previous[0] == iri:
                continue  # after a line the run did not take (a bare <iri>, a skipped line): still one block
            blocks.setdefault(previous[0], []).append((shown, previous[1], lineno - 1))
        previous = (iri, lineno)
        subjects.setdefault(iri, (shown, lineno))
    if previous is not None:
        blocks.setdefault(previous[0], []).append((shown, previous[1], len(lines)))
    index.texts[shown] = (lines, {})
    return True


def _index_turtle(lines: list[str], shown: str, index: SourceIndex) -> None:
    """Subject blocks of one Turtle file: a block starts at a subject (or ``[``) in column 0 and runs to the next."""
    prefixes: dict[str, str] = {}
    index.texts[shown] = (lines, prefixes)
    block: tuple[str | None, int] | None = None  # (subject IRI, or None for an anonymous block; first line)

    def close(last: int) -> None:
        if block is None:
            return
        subject, first = block
        if subject is None:  # an axiom annotation belongs to the block of its annotated source
            subject = _annotated_source(lines[first - 1:last], prefixes)
        if subject is not None:
            index.blocks.setdefault(subject, []).append((shown, first, last))

    for lineno, line in enumerate(lines, 1):
        start = line[:1]
        if start == "<":  # N-Triples style, most lines of a large file: no regular expression
            end = line.find(">")
            iri = line[1:end] if end > 1 and (end + 1 == len(line) or line[end + 1] in " \t") else None
            if iri is None or " " in iri or "\t" in iri or not iri.isascii():  # (a line holds no other ASCII space)
                iri = _subject(line, prefixes)
        elif start in " \t@Pp" and (m := _PREFIX_RE.match(line)):
            close(lineno - 1)
            block = None
            prefixes[m.group(1)] = m.group(2)
            continue
        elif not start or start in " \t#@(" or line[:6].upper().startswith(("PREFIX", "BASE")):
            continue
        elif start == "_" and line[1:2] == ":" and "_" not in prefixes:
            continue  # a blank node's line (N-Triples): _subject would find no IRI for it
        elif start == "[":
            close(lineno - 1)
            block = (None, lineno)
            continue
        else:
            iri = _subject(line, prefixes)
        if iri is None:
            continue  # a continuation line (e.g. of a long string) in column 0
        if block is not None and block[0] == iri:
            continue  # the same subject again (N-Triples): one block, as if written with ';'
        close(lineno - 1)
        block = (iri, lineno)
        index.subjects.setdefault(iri, (shown, lineno))
    close(len(lines))


def _subject(line: str, prefixes: dict[str, str]) -> str | None:
    m = _SUBJECT_RE.match(line)
    return _expand_token(m.group(1), prefixes) if m else None


def _expand_token(token: str, prefixes: dict[str, str]) -> str | None:
    if token.startswith("<"):
        return token[1:-1]
    prefix, local = token.split(":", 1)
    return prefixes[prefix] + local if prefix in prefixes else None


_ANNOTATED_SOURCE_RE = re.compile(r"owl:annotatedSource\s+(<[^>\s]+>|[A-Za-z_][\w.\-]*:[^\s;,\]]*)")


def _annotated_source(lines: list[str], prefixes: dict[str, str]) -> str | None:
    for line in lines:
        m = _ANNOTATED_SOURCE_RE.search(line)
        if m:
            return _expand_token(m.group(1), prefixes)
    return None


def _index_sssom(path: Path, shown: str, index: SourceIndex) -> None:
    try:
        mapping_set = read_sssom(path)
    except IIMGraphError:
        return
    for row, lineno in zip(mapping_set.rows, mapping_set.lines, strict=False):
        subject = CONVERTER.expand(row["subject_id"])
        if subject is None:
            continue
        obj = row["object_id"]
        index.mappings.setdefault((subject, obj), (shown, lineno))
        expanded = CONVERTER.expand(obj)
        if expanded:
            index.mappings.setdefault((subject, expanded), (shown, lineno))
        index.subjects.setdefault(subject, (shown, lineno))  # a class only the SSSOM file mentions
