"""The packaged query catalogue (``queries/*.rq``) and typed, injection-safe parameter binding.

Each ``.rq`` file opens with comment lines the package reads::

    # title: Subtypes of a disease
    # description: every descendant of the root ...
    #   (indented comment lines continue the previous field)
    # empty: what an empty answer usually means (shown to the user when there is no row)
    # param: root (curie, default MONDO:0600023): the disease whose subtypes are listed
    # param: disease (curie, optional): ...
    # param: phenotype (curie, required) as ?queried: ...   (bind a variable with another name)
    # example: iimgraph query subtypes -p root=MONDO:0016367

Parameter values are checked against their type and turned into RDF terms, which go into a
``VALUES`` block placed at the start of the outermost ``WHERE`` group (and again where the query
has a ``#@parameters`` comment: see :func:`bind`). User text is never pasted
into the query: IRIs are validated against the IRIREF grammar and literals are escaped (including
SPARQL's ``\\u`` codepoint escapes), so the same bound query runs on every engine.
A ``curie`` parameter also binds ``?<var>_curie`` (the standardised CURIE as a string) when the
query uses it, for matching ``oboInOwl:hasDbXref`` literals.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from iimgraph.build.graph_source import RELEASE, GraphSource
from iimgraph.errors import QueryError
from iimgraph.namespaces import CONVERTER, SRC, XSD, display_curie, split_curie, standardize_curie
from iimgraph.query import worker
from iimgraph.query.engines import DEFAULT_ENGINE, DEFAULT_TIMEOUT, Engine, RemoteEngine, engine_for
from iimgraph.query.guard import mask
from iimgraph.query.results import IRI, LIST_SEPARATOR, Literal, Result, Row, Term, TermList
from iimgraph.record import Value
from iimgraph.resources import queries_dir

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:  # the store module (and the RDF reader it uses) is imported only when a store is opened
    from typing import Any


PARAM_TYPES = ("curie", "string", "boolean", "integer", "source")
_HEADER_RE = re.compile(r"^#\s?(title|description|param|example|empty):\s*(.*)$")
_PARAM_RE = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*\((?P<type>\w+)"
    r"(?:\s*,\s*(?P<mode>required|optional|default\s+(?P<default>[^)]*)))?\)"
    r"(?:\s+as\s+\?(?P<var>[A-Za-z_]\w*))?\s*:\s*(?P<desc>.*)$")
_ABSOLUTE_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://|urn:)")
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*$")
_LANG_RE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_TRUE, _FALSE = {"true", "1", "yes", "y", "on"}, {"false", "0", "no", "n", "off"}
MAX_VALUE_CHARS = 10_000  # a parameter value longer than this is refused, not bound


def _show(value: Any) -> str:
    """``repr(value)`` cut to a readable length: messages stay one short line whatever was passed."""
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + f"...' ({len(str(value))} characters)"


def check_text(text: str, what: str) -> None:
    """Refuse text no engine can take: lone surrogates (undecodable bytes from argv or a file) and NUL."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QueryError(f"{what}: not valid UTF-8 text (undecodable bytes at character {exc.start})") from None
    if "\x00" in text:
        raise QueryError(f"{what}: NUL characters are not allowed")


class Param(Value):
    """One typed parameter of a packaged query (immutable; equal when every field is)."""

    __slots__ = ("default", "description", "name", "required", "type", "var")
    name: str
    type: str
    description: str
    default: str | None
    required: bool
    var: str

    def __init__(self, name: str, type: str, description: str = "", default: str | None = None,
                 required: bool = False, var: str = "") -> None:
        self._set(name=name, type=type, description=description, default=default, required=required, var=var)

    @property
    def variable(self) -> str:
        return self.var or self.name

    def signature(self) -> str:
        mode = "required" if self.required else f"default {self.default}" if self.default is not None else "optional"
        return f"{self.name} ({self.type}, {mode})"


class NamedQuery(Value):
    """One packaged query: its header and text (immutable)."""

    __slots__ = ("columns", "description", "empty", "examples", "lists", "name", "params", "path", "text", "title")
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    examples: tuple[str, ...]
    text: str
    path: Path | None
    columns: tuple[str, ...]
    lists: tuple[str, ...]  # columns aggregated with GROUP_CONCAT (see :func:`split_lists`)
    empty: str  # what an empty answer usually means (the header's ``# empty:`` line)

    def __init__(self, name: str, title: str, description: str, params: tuple[Param, ...], examples: tuple[str, ...],
                 text: str, path: Path | None = None, columns: tuple[str, ...] = (), lists: tuple[str, ...] = (),
                 empty: str = "") -> None:
        self._set(name=name, title=title, description=description, params=params, examples=examples, text=text,
                  path=path, columns=columns, lists=lists, empty=empty)

    def describe(self) -> dict[str, Any]:
        """What a tool needs to call the query: title, description, typed parameters, columns, examples."""
        return {"name": self.name, "title": self.title, "description": self.description,
                "parameters": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                                "description": p.description} for p in self.params],
                "columns": list(self.columns), "examples": list(self.examples)}

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise QueryError(f"query {self.name!r} has no parameter {name!r} (its parameters: {known})")


def parse_header(name: str, text: str, path: Path | None = None) -> NamedQuery:
    """Read the metadata header of one ``.rq`` file."""
    fields: dict[str, list[str]] = {"title": [], "description": [], "param": [], "example": [], "empty": []}
    last: str | None = None
    for _lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        m = _HEADER_RE.match(stripped)
        if m:
            last = m.group(1)
            fields[last].append(m.group(2).strip())
        elif last and re.match(r"^#\s{2,}\S", stripped):
            fields[last][-1] += " " + stripped.lstrip("#").strip()
        else:
            last = None
    where = f"{path or name}"
    if not fields["title"]:
        raise QueryError(f"{where}: the header has no '# title:' line")
    params = []
    for spec in fields["param"]:
        m = _PARAM_RE.match(spec)
        if not m:
            raise QueryError(f"{where}: cannot read parameter line {spec!r}")
        if m.group("type") not in PARAM_TYPES:
            raise QueryError(f"{where}: parameter {m.group('name')!r} has unknown type {m.group('type')!r}")
        mode = m.group("mode") or "optional"
        params.append(Param(name=m.group("name"), type=m.group("type"), description=m.group("desc").strip(),
                            default=m.group("default").strip() if m.group("default") is not None else None,
                            required=mode == "required", var=m.group("var") or ""))
    return NamedQuery(name=name, title=fields["title"][0], description=" ".join(fields["description"]),
                      params=tuple(params), examples=tuple(fields["example"]), text=text, path=path,
                      empty=" ".join(fields["empty"]),
                      columns=select_columns(text), lists=list_columns(text))


def select_columns(text: str) -> tuple[str, ...]:
    """The projected variables of a SELECT query, read from its text (empty for ``SELECT *``)."""
    m = re.search(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\b(?:WHERE|FROM)\b", _mask(text), re.S | re.I)
    if not m:
        return ()
    clause = m.group(1)
    while True:  # innermost parentheses first: keep only the "AS ?var" of each projection expression
        reduced = re.sub(r"\(([^()]*)\)",
                         lambda g: (lambda a: f" ?{a.group(1)} " if a else " ")(
                             re.search(r"\bAS\s+\?(\w+)\s*$", g.group(1), re.I)), clause)
        if reduced == clause:
            break
        clause = reduced
    return tuple(re.findall(r"\?(\w+)", clause))


def list_columns(text: str) -> tuple[str, ...]:
    """The projected variables of ``(GROUP_CONCAT(...) AS ?var)``: the aggregated columns."""
    nested = r"(?:[^()]|\((?:[^()]|\([^()]*\))*\))*"  # up to two levels, e.g. COALESCE(STR(?x), "")
    return tuple(re.findall(r"\(\s*GROUP_CONCAT\s*\(" + nested + r"\)\s+AS\s+\?(\w+)\s*\)", _mask(text), re.I))


def split_lists(result: Result, columns: Sequence[str]) -> Result:
    """Aggregated cells as :class:`TermList`: the values split at :data:`LIST_SEPARATOR`, IRIs typed
    back as IRIs, de-duplicated and sorted, so that every engine gives the same rows; an empty
    aggregate (nothing to concatenate) is unbound."""
    if not columns or result.is_ask:
        return result
    for row in result.rows:
        for column in columns:
            cell = row.get(column)
            if cell is None or isinstance(cell, TermList):
                continue
            parts = sorted({p for p in str(cell).split(LIST_SEPARATOR) if p})
            row[column] = TermList.of([IRI(p) if _ABSOLUTE_IRI.match(p) and _IRI_RE.fullmatch(p) else Literal(p)
                                       for p in parts]) if parts else None
    return result


@lru_cache(maxsize=4)
def _catalogue(folder: str) -> dict[str, NamedQuery]:
    found = {}
    for path in sorted(Path(folder).glob("*.rq")):
        found[path.stem] = parse_header(path.stem, path.read_text(encoding="utf-8"), path)
    return found


def catalogue(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every packaged query by name (the file name without ``.rq``), in name order."""
    if folder is None:
        folder = queries_dir()
    return _catalogue(str(folder))


@lru_cache(maxsize=64)
def _one_query(folder: str, name: str) -> NamedQuery | None:
    path = Path(folder) / f"{name}.rq"
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        return None
    return parse_header(name, path.read_text(encoding="utf-8"), path)


def get_query(name: str) -> NamedQuery:
    found = _one_query(str(queries_dir()), name)  # one file read and parsed, not the whole catalogue
    if found is not None:
        return found
    queries = catalogue()
    if name not in queries:
        close = difflib.get_close_matches(name, list(queries), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see `iimgraph queries`)"
        raise QueryError(f"no query named {name!r}{hint}")
    return queries[name]


# --- values -> terms -------------------------------------------------------------------------------


def to_iri(value: str, what: str = "value") -> IRI:
    """A CURIE (any prefix or synonym the project knows) or a full IRI, as a checked IRI."""
    check_text(value, what)
    if len(value) > MAX_VALUE_CHARS:
        raise QueryError(f"{what}: {_show(value)} is longer than {MAX_VALUE_CHARS} characters")
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", text) or text.startswith("urn:"):
        if not _IRI_RE.fullmatch(text):
            raise QueryError(f"{what}: {_show(value)} is not a valid IRI")
        return IRI(text)
    try:
        prefix, _local = split_curie(text)
    except ValueError:
        raise QueryError(f"{what}: {_show(value)} is neither a CURIE (PREFIX:ID) nor an IRI") from None
    iri = CONVERTER.expand(text)
    if iri is None:
        raise QueryError(f"{what}: unknown prefix {_show(prefix)} in {_show(value)} "
                         f"(the project knows {', '.join(sorted(CONVERTER.get_prefixes()))})")
    if not _IRI_RE.fullmatch(iri):
        raise QueryError(f"{what}: {_show(value)} does not expand to a valid IRI")
    return IRI(iri)


def source_iri(value: str, what: str = "source") -> IRI:
    """A source node from what people call it: its IRI or ``iimsrc:`` CURIE, its name
    (``seed-carenity``), or the identifier it stands for (``PMID:22036`` is ``iimsrc:pmid-22036``, the
    data contract's deterministic name for a cited identifier)."""
    check_text(value, what)
    text = value.strip()
    if re.fullmatch(r"[A-Za-z0-9][\w.\-]*", text):
        return to_iri(SRC + text, what)
    if re.match(r"^<?[A-Za-z][A-Za-z0-9+.\-]*://", text) or text.startswith("iimsrc:"):
        return to_iri(text, what)
    try:
        prefix, local = split_curie(text)
    except ValueError:
        raise QueryError(f"{what}: {_show(value)} is neither a source name, an identifier (PMID:22036) nor an IRI"
                         ) from None
    standard = standardize_curie(text) or text
    prefix, local = split_curie(standard)
    return to_iri(f"{SRC}{_SOURCE_PREFIX.get(prefix, prefix.lower())}-{local}", what)


#: the name a source node takes for an authority whose standard prefix differs from the one HPO's
#: annotation files write in their reference column (``ORPHA:81`` is ``iimsrc:orpha-81``)
_SOURCE_PREFIX = {"Orphanet": "orpha"}


def to_term(param: Param, value: Any) -> Term:
    """Check ``value`` against the parameter's type and make the RDF term it stands for."""
    what = f"parameter {param.name!r} ({param.type})"
    if param.type == "source":
        if not isinstance(value, str):
            raise QueryError(f"{what}: expected a source name, CURIE or IRI, got {type(value).__name__} {_show(value)}")
        return source_iri(value, what)
    if param.type == "curie":
        if not isinstance(value, str):
            raise QueryError(f"{what}: expected a CURIE or IRI, got {type(value).__name__} {_show(value)}")
        return to_iri(value, what)
    if param.type == "boolean":
        if isinstance(value, bool):
            flag = value
        elif isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            flag = value.strip().lower() in _TRUE
        else:
            raise QueryError(f"{what}: expected true or false, got {_show(value)}")
        return Literal("true" if flag else "false", XSD + "boolean")
    if param.type == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise QueryError(f"{what}: expected an integer, got {_show(value)}")
        try:  # int() also takes "1_000" and non-ASCII digits; str() gives plain ASCII digits back
            lexical = str(int(value.strip()) if isinstance(value, str) else value)
        except ValueError:  # includes numbers past Python's digit limit
            raise QueryError(f"{what}: expected an integer, got {_show(value)}") from None
        return Literal(lexical, XSD + "integer")
    if not isinstance(value, str):
        raise QueryError(f"{what}: expected a string, got {type(value).__name__} {_show(value)}")
    check_text(value, what)
    if len(value) > MAX_VALUE_CHARS:
        raise QueryError(f"{what}: the value is longer than {MAX_VALUE_CHARS} characters")
    return Literal(value)


def sparql_term(term: Term) -> str:
    """A term in SPARQL syntax, safe to place in query text.

    IRIs were validated by :func:`to_iri`. In literals every backslash is doubled and a ``u``/``U``
    right after one is itself written as a codepoint escape, so that no sequence in the output can
    be read as a codepoint escape that closes the string, whatever order an engine decodes them in.
    """
    if isinstance(term, IRI):
        if not _IRI_RE.fullmatch(str(term)):
            raise QueryError(f"not a valid IRI: {_show(str(term))}")
        return f"<{term}>"
    if not isinstance(term, Literal):
        raise QueryError("only IRI and Literal values can be bound (not blank nodes or plain str)")
    check_text(str(term), "literal")
    if term.lang and not _LANG_RE.fullmatch(term.lang):
        raise QueryError(f"not a language tag: {_show(term.lang)}")
    if term.datatype and not _IRI_RE.fullmatch(term.datatype):
        raise QueryError(f"not a valid datatype IRI: {_show(term.datatype)}")
    out = []
    prev_backslash = False
    for ch in str(term):
        if prev_backslash and ch in "uU":
            out.append("\\U00000075" if ch == "u" else "\\U00000055")  # 8 digits: rdflib reads \\uXXXX plus 4 more hex as one
        elif ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
        prev_backslash = ch == "\\"
    body = '"' + "".join(out) + '"'
    if term.lang:
        return body + "@" + term.lang
    if term.datatype:
        return body + f"^^<{term.datatype}>"
    return body


def resolve_params(query: NamedQuery, params: Mapping[str, Any] | None = None) -> dict[str, Term]:
    """Variable -> term for every parameter given or defaulted; unset optional ones stay unbound."""
    params = dict(params or {})
    for name in params:
        query.param(name)  # unknown names are an error, not silently ignored
    bound: dict[str, Term] = {}
    for p in query.params:
        value = params.get(p.name)
        if value is None or (isinstance(value, str) and value == "" and p.type != "string"):
            if p.default is not None:
                value = p.default
            elif p.required:
                raise QueryError(f"query {query.name!r} needs parameter {p.name!r} ({p.type}): "
                                 f"{p.description or 'no description'}; e.g. -p {p.name}=...")
            else:
                continue
        term = to_term(p, value)
        bound[p.variable] = term
        if p.type == "curie" and re.search(rf"[?$]{p.variable}_curie\b", query.text):
            bound[p.variable + "_curie"] = Literal(display_curie(term))
    return bound


def _mask(text: str) -> str:
    """The query with comments, strings and IRIs blanked out (same length), for locating keywords."""
    return mask(text)


#: a comment line that asks for the parameters' VALUES block again where it stands (see :func:`bind`)
_MARKER_RE = re.compile(r"#@parameters\b[^\n]*")


def bind(text: str, bindings: Mapping[str, Term]) -> str:
    """``text`` with a VALUES block of ``bindings`` at the start of its outermost WHERE group.

    A comment ``#@parameters`` (outside strings and IRIs) is replaced by the same block: a query
    puts it at the start of a ``UNION`` branch (or any other group joined with the outer one) so
    that the engine starts that branch from the bound parameters. Oxigraph joins the outer block
    only with patterns that always bind its variables: a ``UNION`` whose branches bind different
    parameters was evaluated unbound, scanning every association in the store. The block has one
    row and the outer block binds the same variables to the same terms, so a repeat inside a
    joined group gives the same rows on every engine (not inside ``MINUS`` or a subquery, which
    see their own variables: a query does not put the marker there).
    """
    if not bindings:
        return text
    masked = _mask(text)
    m = re.search(r"\bWHERE\s*\{", masked, re.I)
    if m is None:
        raise QueryError("cannot bind parameters: the query has no 'WHERE {'")
    for var in bindings:
        if not re.fullmatch(r"[A-Za-z_]\w*", var):
            raise QueryError(f"not a SPARQL variable name: {var!r}")
    names = " ".join(f"?{v}" for v in bindings)
    values = " ".join(sparql_term(t) for t in bindings.values())
    block = f"VALUES ({names}) {{ ({values}) }}"
    out, last = [], 0
    for marker in _MARKER_RE.finditer(text):
        at = marker.start()
        if _mask(text[:at] + "x" + text[at + 1:])[at] != "x":  # a '#' inside a string or an IRI, not a comment
            continue
        if marker.start() < m.end():
            raise QueryError("cannot bind parameters: a '#@parameters' marker before the outermost 'WHERE {'")
        out += [text[last:marker.start()], block]
        last = marker.end()
    out.append(text[last:])
    marked = "".join(out)
    return marked[: m.end()] + f"\n  {block}\n" + marked[m.end():]


def decode_query(data: bytes, where: str) -> str:
    """Query text from bytes (a file or standard input): UTF-8, else a QueryError naming ``where``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"{where}: not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x})") from None


# --- running ---------------------------------------------------------------------------------------


def _run(text: str, source: GraphSource, engine: str | Engine, timeout: float | None,
         allow_remote: Sequence[str]) -> Result:
    """One query on the engine over ``source``. A local query with a ``timeout`` runs in a worker
    process killed at the deadline (:mod:`iimgraph.query.worker`); without one it runs here, in this process."""
    chosen = engine_for(source, engine, timeout=timeout if timeout is not None else DEFAULT_TIMEOUT)
    check_text(text, "query")
    if timeout is None or isinstance(chosen, RemoteEngine):
        return chosen.execute(text, allow_remote=allow_remote)
    if timeout <= 0:
        raise QueryError(f"timeout must be a positive number of seconds, not {timeout:g}")

    return worker.call(chosen.execute, text, timeout=timeout, allow_remote=allow_remote)


def execute(name: str, params: Mapping[str, Any] | None = None, *, source: GraphSource = RELEASE,
            engine: str | Engine = DEFAULT_ENGINE, timeout: float | None = None,
            allow_remote: Sequence[str] = ()) -> Result:
    """Run a packaged query and return the typed :class:`Result` (what the CLI formats).

    ``source``: which graph (:mod:`iimgraph.build.graph_source`; default the release graph); ``engine``: an
    engine name for a local graph, or an engine already made (:func:`iimgraph.query.engines.engine_for`).
    ``timeout`` (seconds): on an endpoint, the limit per HTTP request (default 60); on a local
    engine, a hard wall-clock limit enforced by running the query in a worker process that is
    killed at the deadline (:class:`iimgraph.query.worker.QueryTimeout`). ``None``, the default for
    local engines, runs the query in this process with no limit: fastest, for trusted queries.
    ``allow_remote``: IRIs that ``SERVICE``/``FROM`` may name in a local query (default: none).
    """
    query = get_query(name)
    text = bind(query.text, resolve_params(query, params))
    return split_lists(_run(text, source, engine, timeout, allow_remote), query.lists)


def execute_sparql(text: str, *, source: GraphSource = RELEASE, engine: str | Engine = DEFAULT_ENGINE,
                   bindings: Mapping[str, Term] | None = None, timeout: float | None = DEFAULT_TIMEOUT,
                   allow_remote: Sequence[str] = ()) -> Result:
    """Run an ad-hoc query; ``bindings`` (variable -> :class:`IRI`/:class:`Literal`) go into a VALUES block.

    ``timeout`` and ``allow_remote`` as for :func:`execute`, except that ad-hoc text may be anything
    (a runaway query cannot even be stopped with Ctrl-C inside pyoxigraph), so the local default is
    a killable worker with a 60 s limit; pass ``timeout=None`` to run in-process.
    """
    if not text or not text.strip():
        raise QueryError("empty query")
    return _run(bind(text, bindings or {}), source, engine, timeout, allow_remote)


def explain(name: str, params: Mapping[str, Any] | None, result: Result, **run: Any) -> list[str]:
    """Why a packaged query's answer may not be what was asked, as warnings for the user.

    Only an empty answer is explained (a query with rows costs no second query): an identifier given
    as a parameter that the graph does not hold is named, and where the catalogue knows why, so is
    that: claims that sit on an ancestor (queries with an ``inherited`` parameter are run again with
    it) and the query's own ``# empty:`` note. ``run`` are :func:`execute`'s keyword arguments
    (source, engine, timeout, allow_remote).
    """
    if result.rows or result.is_ask:
        return []
    query = get_query(name)
    given = dict(params or {})
    bound = resolve_params(query, given)
    notes = []
    for p in query.params:
        if p.type != "curie" or given.get(p.name) in (None, ""):
            continue
        term = bound[p.variable]
        shown = display_curie(term)
        ask = (f"ASK {{ {{ {sparql_term(term)} ?p ?o }} UNION {{ ?s ?p {sparql_term(term)} }} "
               f"UNION {{ ?s ?p {sparql_term(Literal(shown))} }} }}")
        if not execute_sparql(ask, **run).boolean:
            notes.append(f"{shown} (parameter {p.name}) is not in the graph: nothing can match it")
    if result.rows or notes:
        return notes
    flag = next((p for p in query.params if p.name == "inherited" and p.type == "boolean"), None)
    if flag is not None and str(given.get("inherited", "")).lower() not in _TRUE:
        wider = execute(name, {**given, "inherited": True}, **run)
        holders = sorted({str(r["inherited_from"]) for r in wider.rows if r.get("inherited_from")})
        if holders:
            values = " ".join(sparql_term(IRI(h)) for h in holders)
            labels = {str(r["a"]): str(r["l"]) for r in execute_sparql(
                f"SELECT ?a ?l WHERE {{ VALUES ?a {{ {values} }} ?a <http://www.w3.org/2000/01/rdf-schema#label> ?l }}",
                **run).rows}
            named = ", ".join(f"{display_curie(h)} ({labels[h]})" if h in labels else display_curie(h) for h in holders)
            what = display_curie(bound["disease"]) if "disease" in bound else "it"
            own = next((str(r["label"]) for r in wider.rows if r.get("label")), None)
            what += f" ({own})" if own and "disease" in bound else ""
            notes.append(f"no {query.title.lower()} claims are about {what} itself; {len(wider.rows)} are about "
                         f"its ancestor{'s' if len(holders) > 1 else ''} {named}: -p inherited=true lists them")
            return notes
    for p in query.params:
        if p.type == "source" and p.variable in bound:
            names = [display_curie(r["source"]) for r in execute("sources", {}, **run).rows]
            close = difflib.get_close_matches(display_curie(bound[p.variable]), names, n=3, cutoff=0.6)
            if display_curie(bound[p.variable]) not in names:
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                notes.append(f"no source is called {display_curie(bound[p.variable])}{hint}; "
                             "`iimgraph sources` lists them")
                return notes
    if query.empty:
        notes.append(query.empty)
    return notes


def _rows(result: Result) -> list[Row]:
    if result.is_ask:
        return [{"ask": Literal("true" if result.boolean else "false", XSD + "boolean")}]
    return result.rows


def run_query(name: str, params: Mapping[str, Any] | None = None, *, source: GraphSource = RELEASE,
              engine: str | Engine = DEFAULT_ENGINE, timeout: float | None = None,
              allow_remote: Sequence[str] = ()) -> list[Row]:
    """Rows of a packaged query as dicts of variable -> IRI/Literal (``str`` subclasses) or None.

    ``timeout``: see :func:`execute` (a number makes a local query killable; None runs it in-process).
    """
    return _rows(execute(name, params, source=source, engine=engine, timeout=timeout, allow_remote=allow_remote))


def run_sparql(text: str, *, source: GraphSource = RELEASE, engine: str | Engine = DEFAULT_ENGINE,
               bindings: Mapping[str, Term] | None = None, timeout: float | None = DEFAULT_TIMEOUT,
               allow_remote: Sequence[str] = ()) -> list[Row]:
    """Rows of an ad-hoc query, in the same shape as :func:`run_query`."""
    return _rows(execute_sparql(text, source=source, engine=engine, bindings=bindings, timeout=timeout,
                                allow_remote=allow_remote))
