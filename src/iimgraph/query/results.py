"""Query results in one engine-independent shape, and their serialisations.

Every engine returns a :class:`Result` whose rows map variable names to :class:`IRI`,
:class:`Literal` or :class:`BNode` values (or ``None`` when unbound). The three term types are
``str`` subclasses, so rows read like plain strings in Python, yet keep what the JSON format needs
(uri vs literal, datatype, language) and what the human formats need (IRI -> CURIE).
This module imports neither rdflib nor pyoxigraph.
"""

from __future__ import annotations

import re

from iimgraph.errors import QueryError
from iimgraph.escape import escape
from iimgraph.formats import RdfFormat, ResultFormat
from iimgraph.namespaces import PREFIX_MAP, RDF_LANGSTRING, SPARQL_RESULTS, XSD, display_curie
from iimgraph.record import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

XSD_STRING = XSD + "string"


class IRI(str):
    """An IRI; ``str(iri)`` is the full IRI, :attr:`curie` the project's CURIE when it has one."""

    __slots__ = ()
    kind = "uri"

    @property
    def curie(self) -> str:
        return display_curie(self)

    def key(self) -> tuple[str, str, str, str]:
        return ("uri", str(self), "", "")

    def __repr__(self) -> str:
        return f"IRI({str(self)!r})"


class BNode(str):
    """A blank node; its label is only meaningful within one result."""

    __slots__ = ()
    kind = "bnode"

    def key(self) -> tuple[str, str, str, str]:
        return ("bnode", str(self), "", "")

    def __repr__(self) -> str:
        return f"BNode({str(self)!r})"


class Literal(str):
    """A literal: ``str(lit)`` is the lexical form; plain strings have ``datatype`` None."""

    __slots__ = ("datatype", "lang")
    kind = "literal"
    datatype: str | None
    lang: str | None

    def __new__(cls, value: str, datatype: str | None = None, lang: str | None = None) -> Literal:
        value = _canonical_number(value, datatype)
        obj = super().__new__(cls, value)
        # xsd:string and rdf:langString are the RDF 1.1 defaults: fold them away so engines agree.
        obj.datatype = None if datatype in (None, XSD_STRING, RDF_LANGSTRING) or lang else datatype
        obj.lang = lang.lower() if lang else None
        return obj

    def key(self) -> tuple[str, str, str, str]:
        return ("literal", str(self), self.datatype or "", self.lang or "")

    def to_python(self) -> object:
        """bool, int, float or str, by datatype: what a Python caller usually wants."""
        dt = self.datatype or ""
        try:
            if dt == XSD + "boolean":
                return str(self) in ("true", "1")
            if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
                return int(self)
            if dt in (XSD + "decimal", XSD + "double", XSD + "float"):
                return float(self)
        except ValueError:
            pass
        return str(self)

    def __repr__(self) -> str:
        extra = f", datatype={self.datatype!r}" if self.datatype else f", lang={self.lang!r}" if self.lang else ""
        return f"Literal({str(self)!r}{extra})"


#: what the packaged queries put between the values of an aggregated column (GROUP_CONCAT)
LIST_SEPARATOR = " | "


class TermList(Literal):
    """An aggregated cell: several terms (sources, predicates, ...) of one row, in a stable order.

    Still a plain literal to anything that reads it as one (``str()`` is the full values joined by
    :data:`LIST_SEPARATOR`; JSON writes it as a literal), while :attr:`items` keeps the terms and
    :func:`display` shows each as a CURIE.
    """

    __slots__ = ("items",)
    items: tuple[Term, ...]

    def __new__(cls, items: list[Term]) -> TermList:
        obj: TermList = super().__new__(cls, LIST_SEPARATOR.join(str(i) for i in items))  # type: ignore[assignment]
        obj.items = tuple(items)
        return obj

    @classmethod
    def of(cls, items: list[Term]) -> TermList:
        return cls(items)

    def __reduce__(self) -> tuple[object, tuple[list[Term]]]:
        return (TermList, (list(self.items),))

    def __repr__(self) -> str:
        return f"TermList({list(self.items)!r})"


def _canonical_number(value: str, datatype: str | None) -> str:
    """One lexical form per integer/decimal value ("50.0" and "50" -> "50"), as Oxigraph stores them,
    so that every engine returns the same rows whatever spelling the source or the engine uses.
    Booleans too: "1" and "0" (Virtuoso's spelling) are "true" and "false"."""
    if datatype == XSD + "boolean":
        return {"1": "true", "0": "false"}.get(value.strip(), value)
    if datatype == XSD + "integer":
        try:
            return str(int(value.strip()))
        except ValueError:
            return value
    if datatype == XSD + "decimal":
        from decimal import Decimal, InvalidOperation

        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return value
        if not number.is_finite():
            return value
        text = f"{number.normalize():f}"
        return "0" if text in ("-0", "0") else text
    return value


class Serialized(Value):
    """An answer already written out: ``body`` in ``fmt`` (a :class:`ResultFormat` for SELECT and ASK, an
    :class:`RdfFormat` for CONSTRUCT and DESCRIBE), ``truncated`` when the row cap cut it."""

    __slots__ = ("body", "fmt", "truncated")
    body: bytes
    fmt: ResultFormat | RdfFormat
    truncated: bool

    def __init__(self, body: bytes, fmt: ResultFormat | RdfFormat, truncated: bool = False) -> None:
        self._set(body=body, fmt=fmt, truncated=truncated)


Term = IRI | Literal | BNode
Row = dict[str, Term | None]


class Result:
    """A SELECT (variables + rows), an ASK (boolean) or a CONSTRUCT/DESCRIBE (``graph``: rows of
    subject, predicate, object, one per triple)."""

    __slots__ = ("boolean", "graph", "rows", "truncated", "variables")

    def __init__(self, variables: list[str], rows: list[Row] | None = None, boolean: bool | None = None,
                 truncated: bool = False, graph: bool = False) -> None:
        self.variables = variables
        self.rows: list[Row] = rows if rows is not None else []
        self.boolean = boolean
        self.truncated = truncated
        self.graph = graph

    def _key(self) -> tuple[object, ...]:
        return (self.variables, self.rows, self.boolean, self.truncated, self.graph)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (f"Result(variables={self.variables!r}, rows={self.rows!r}, boolean={self.boolean!r}, "
                f"truncated={self.truncated!r}, graph={self.graph!r})")

    @property
    def is_ask(self) -> bool:
        return self.boolean is not None


def display(term: Term | None, *, curies: bool = True) -> str:
    """A term as people read it: CURIEs for IRIs we know, the lexical form for literals."""
    if term is None:
        return ""
    if isinstance(term, TermList):
        return LIST_SEPARATOR.join(display(t, curies=curies) for t in term.items)
    if isinstance(term, IRI):
        return term.curie if curies else str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def ntriples(term: Term | None) -> str:
    """A term in N-Triples syntax (used by SPARQL TSV)."""
    if term is None:
        return ""
    if isinstance(term, IRI):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = (str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))
    if term.lang:
        return f'"{text}"@{term.lang}'
    if term.datatype:
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


# --- serialisations -----------------------------------------------------------------------------


def to_json(result: Result, *, indent: int | None = 1) -> str:
    """SPARQL 1.1 Query Results JSON (full IRIs, typed literals); indented for a reader, or on one line
    (``indent=None``: the C encoder, ~10x faster, as ``serve`` answers)."""
    import json

    if result.is_ask:
        return json.dumps({"head": {}, "boolean": result.boolean})
    bindings = []
    for row in result.rows:
        out: dict[str, dict[str, str]] = {}
        for var, term in row.items():
            if term is None:
                continue
            if isinstance(term, Literal):
                cell = {"type": "literal", "value": str(term)}
                if term.lang:
                    cell["xml:lang"] = term.lang
                elif term.datatype:
                    cell["datatype"] = term.datatype
            else:
                cell = {"type": term.kind, "value": str(term)}
            out[var] = cell
        bindings.append(out)
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False, indent=indent)


def xml_escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as entities (xml.sax.saxutils.escape, which imports urllib.request)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An XML attribute value in double quotes, with the characters that would break it as entities."""
    return '"' + (xml_escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
                  .replace("\t", "&#9;")) + '"'


def to_xml(result: Result) -> str:
    """SPARQL Query Results XML."""
    out = ['<?xml version="1.0"?>', f'<sparql xmlns="{SPARQL_RESULTS}">', "<head>"]
    if result.is_ask:
        out += ["</head>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out += ["</head>", "<results>"]
    for row in result.rows:
        out.append("<result>")
        for var, term in row.items():
            if term is None:
                continue
            if isinstance(term, IRI):
                inner = f"<uri>{xml_escape(term)}</uri>"
            elif isinstance(term, BNode):
                inner = f"<bnode>{xml_escape(term)}</bnode>"
            else:
                attr = (f" xml:lang={quoteattr(term.lang)}" if term.lang
                        else f" datatype={quoteattr(term.datatype)}" if term.datatype else "")
                inner = f"<literal{attr}>{xml_escape(term)}</literal>"
            out.append(f"<binding name={quoteattr(var)}>{inner}</binding>")
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def table_cells(result: Result) -> tuple[list[str], list[list[str]], bool]:
    if result.is_ask:
        return ["ask"], [["true" if result.boolean else "false"]], False
    return result.variables, [[r.get(v) for v in result.variables] for r in result.rows], True  # type: ignore[misc]


def to_delimited(result: Result, delimiter: str, *, curies: bool = True, sparql_tsv: bool = False) -> str:
    """CSV or TSV. With ``curies`` IRIs are CURIEs (for people); ``sparql_tsv`` gives the W3C TSV form."""
    import csv
    import io

    header, rows, terms = table_cells(result)
    buf = io.StringIO()
    if sparql_tsv:
        buf.write("\t".join("?" + h for h in header) + "\n")
        for row in rows:
            buf.write("\t".join(ntriples(t) if terms else t for t in row) + "\n")  # type: ignore[arg-type]
        return buf.getvalue()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if delimiter == "," else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([display(t, curies=curies) if terms else t for t in row])  # type: ignore[arg-type]
    return buf.getvalue()


def to_markdown(result: Result) -> str:
    header, rows, terms = table_cells(result)

    def cell(t: object) -> str:
        text = display(t, curies=True) if terms else str(t)  # type: ignore[arg-type]
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(t) for t in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


TABLE_FORMATS = ("table", "csv", "tsv", "json", "md")
#: the RDF formats a CONSTRUCT/DESCRIBE result can be written in on the command line
GRAPH_FORMATS = (RdfFormat.TURTLE, RdfFormat.NTRIPLES, RdfFormat.JSONLD)
#: every ``--format`` of ``query`` and ``sparql``
FORMATS = TABLE_FORMATS + tuple(f.value for f in GRAPH_FORMATS)


def to_ntriples(result: Result) -> str:
    """The triples of a CONSTRUCT/DESCRIBE result as N-Triples, one line each, in result order."""
    if not result.graph:
        raise ValueError("only CONSTRUCT and DESCRIBE results are RDF graphs")
    return "".join(f"{ntriples(r.get('subject'))} {ntriples(r.get('predicate'))} {ntriples(r.get('object'))} .\n"
                   for r in result.rows)


def turtle_prefixes(text: str) -> dict[str, str]:
    """The project prefixes (:data:`iimgraph.namespaces.PREFIX_MAP`) whose namespace occurs in ``text``."""
    return {p: ns for p, ns in PREFIX_MAP.items() if f"<{ns}" in text}


def to_rdf(result: Result, fmt: RdfFormat) -> bytes:
    """A CONSTRUCT/DESCRIBE result serialised as RDF: N-Triples directly, the others through pyoxigraph
    (Turtle and RDF/XML with the project's prefixes)."""
    data = to_ntriples(result)
    if fmt is RdfFormat.NTRIPLES:
        return data.encode("utf-8")
    return convert_rdf(data.encode("utf-8"), RdfFormat.NTRIPLES, fmt)


def convert_rdf(data: bytes, source: RdfFormat, target: RdfFormat) -> bytes:
    """RDF bytes from one syntax to another (pyoxigraph); Turtle and RDF/XML get the project prefixes that occur."""
    import pyoxigraph as ox

    triples = [q.triple for q in ox.parse(data, format=source.oxigraph())]
    prefixes = None
    if target is not RdfFormat.JSONLD:
        text = data if source is RdfFormat.NTRIPLES else ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        prefixes = turtle_prefixes((text or b"").decode("utf-8"))
    return ox.serialize(triples, format=target.oxigraph(), prefixes=prefixes) or b""


def render(result: Result, fmt: str) -> str:
    """Text of ``result`` in one of the non-interactive CLI formats (RDF ones for CONSTRUCT/DESCRIBE only)."""
    if fmt in {f.value for f in GRAPH_FORMATS}:
        if not result.graph:
            raise QueryError(f"--format {fmt} is for CONSTRUCT and DESCRIBE results; this query gives "
                             f"{'a boolean' if result.is_ask else 'a table'} (use {', '.join(TABLE_FORMATS)})")
        text = to_rdf(result, RdfFormat(fmt)).decode("utf-8")
        return text if not text or text.endswith("\n") else text + "\n"
    if fmt == "json":
        return escape(to_json(result), json=True) + "\n"  # the same values, no raw control characters
    if fmt == "csv":
        return to_delimited(result, ",")
    if fmt == "tsv":
        return to_delimited(result, "\t")
    if fmt == "md":
        return to_markdown(result)
    raise ValueError(f"unknown format {fmt!r}")


# --- reading SPARQL 1.1 Query Results JSON (a remote endpoint's answer) ---------------------------------


_WS = re.compile(r"[ \t\n\r]*")


def read_sparql_json(body: bytes, max_rows: int | None = None) -> Result:
    """SPARQL 1.1 Query Results JSON, checked as it is read; ``ValueError`` saying what is wrong.

    Streamed: the top-level object and ``results`` are walked by hand and each binding is decoded
    and turned into a row on its own, so no tree of the whole answer is ever held (a 64 MB answer
    would take ten times that as Python objects). Every string must be valid Unicode (no lone
    surrogate), every cell an object with a ``type`` and a ``value``; nesting too deep is an error,
    not a crash.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 at byte {exc.start}") from None
    cursor = _JsonCursor(text)
    # Strict UTF-8 holds no surrogate, so only a \uD800-\uDFFF escape can make one: without any,
    # no string needs checking one by one (the check is a third of the reading time).
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    rows: list[dict[str, Term | None]] = []
    head: Any = {}
    boolean: Any = None
    seen_bindings = False
    truncated = False
    for key in cursor.members("the answer"):
        if key == "results":
            for inner in cursor.members('"results"'):
                if inner != "bindings":
                    cursor.value()
                    continue
                seen_bindings = True
                truncated = _read_bindings(cursor, rows, max_rows, surrogates) or truncated
        elif key == "head":
            head = cursor.value()
        elif key == "boolean":
            boolean = cursor.value()
        else:
            cursor.value()
    cursor.skip()
    if cursor.pos != len(text):
        raise ValueError(f"data after the answer at character {cursor.pos}")
    return _answer(head, boolean, rows, seen_bindings, truncated)


class _JsonCursor:
    """A position in a JSON text, walked by hand; each value at it decoded by ``json`` on its own."""

    def __init__(self, text: str) -> None:
        import json

        self.text = text
        self.pos = 0
        self._decode = json.JSONDecoder().raw_decode
        self._error = json.JSONDecodeError

    def at(self, char: str) -> bool:
        return self.text[self.pos:self.pos + 1] == char

    def skip(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def expect(self, char: str, what: str) -> None:
        self.skip()
        if not self.at(char):
            raise ValueError(what)
        self.pos += 1
        self.skip()

    def value(self) -> Any:
        try:
            item, self.pos = self._decode(self.text, self.pos)
        except RecursionError:
            raise ValueError("nested too deeply") from None
        except self._error as exc:
            raise ValueError(f"{exc.msg} at character {exc.pos}") from None
        return item

    def members(self, what: str) -> Iterator[str]:
        """The keys of the object at ``pos``, leaving ``pos`` at each key's value."""
        self.expect("{", f"{what} is not an object")
        first = True
        while True:
            if self.at("}"):
                self.pos += 1
                return
            if not first:
                self.expect(",", f"a ',' or '}}' missing in {what} at character {self.pos}")
            key = self.value()
            if not isinstance(key, str):
                raise ValueError(f"a key of {what} is not a string")
            self.expect(":", f"a ':' missing in {what} at character {self.pos}")
            yield key
            self.skip()
            first = False


def _read_bindings(cursor: _JsonCursor, rows: list[dict[str, Term | None]], max_rows: int | None,
                   surrogates: bool) -> bool:
    """The ``bindings`` list at the cursor, each binding a row appended to ``rows`` (up to ``max_rows``:
    the rest is still read and checked as JSON); whether any was left out."""
    cursor.expect("[", '"results.bindings" is not a list')
    number = 0
    truncated = False
    while not cursor.at("]"):
        if number:
            cursor.expect(",", f"a ',' or ']' missing in the bindings at character {cursor.pos}")
        number += 1
        binding = cursor.value()
        cursor.skip()
        if not isinstance(binding, dict):
            raise ValueError(f"binding {number} is not an object")
        if max_rows is not None and len(rows) >= max_rows:
            truncated = True
            continue  # read on: the rest must still be JSON, and "head" may follow
        try:
            if surrogates:
                rows.append({_name(k): json_term(v, True) for k, v in binding.items()})
            else:
                rows.append({k: json_term(v, False) for k, v in binding.items()})
        except ValueError as exc:
            raise ValueError(f"binding {number}: {exc}") from None
    cursor.pos += 1
    return truncated


def _answer(head: Any, boolean: Any, rows: list[dict[str, Term | None]], seen_bindings: bool,
            truncated: bool) -> Result:
    """The answer's parts, read, checked against each other: a boolean, or variables and rows."""
    if not isinstance(head, dict):
        raise ValueError('"head" is not an object')
    if boolean is not None:
        if not isinstance(boolean, bool):
            raise ValueError('"boolean" is not true or false')
        return Result(variables=[], boolean=boolean)
    variables = head.get("vars", [])
    if not isinstance(variables, list) or not all(_text(v) for v in variables):
        raise ValueError('"head.vars" is not a list of variable names')
    if not seen_bindings:
        raise ValueError('no "results.bindings" list')
    return Result(variables=variables, rows=[{v: row.get(v) for v in variables} for row in rows],
                  truncated=truncated)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _name(key: str) -> str:
    if not _text(key):
        raise ValueError("a variable name is not valid Unicode")
    return key


def _text(value: object) -> bool:
    """A JSON string that can be printed and written: no lone surrogate (JSON's ``"\\ud800"``)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_JSON_TERMS = ("uri", "bnode", "literal", "typed-literal")


def json_term(cell: object, unicode: bool = True) -> Term | None:
    """One cell of a SPARQL JSON binding; ``ValueError`` saying what is wrong with it. ``unicode``:
    check that every string is valid Unicode (needed only when the answer has surrogate escapes)."""
    if cell is None:
        return None
    if type(cell) is not dict:
        raise ValueError("a value is not an object")
    kind, value = cell.get("type"), cell.get("value")
    if kind not in _JSON_TERMS:
        raise ValueError(f"unknown term type {str(kind)[:40]!r}")
    if type(value) is not str or (unicode and not _text(value)):
        raise ValueError('a value without a "value" string (or one that is not valid Unicode)')
    if kind == "uri":
        return IRI(value)
    if kind == "bnode":
        return BNode(value)
    datatype, lang = cell.get("datatype"), cell.get("xml:lang")
    for name, extra in (("datatype", datatype), ("xml:lang", lang)):
        if extra is not None and (type(extra) is not str or (unicode and not _text(extra))):
            raise ValueError(f'"{name}" is not a string')
    return Literal(value, datatype, lang)
