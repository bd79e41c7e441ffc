"""Typed, injection-safe parameter binding: values -> RDF terms -> a ``VALUES`` block in the query text.

Parameter values are checked against their type and turned into RDF terms, which go into a
``VALUES`` block placed at the start of the outermost ``WHERE`` group (and again where the query
has a ``#@parameters`` comment: see :func:`bind`). User text is never pasted
into the query: IRIs are validated against the IRIREF grammar and literals are escaped (including
SPARQL's ``\\u`` codepoint escapes), so the same bound query runs on every engine.
A ``curie`` parameter also binds ``?<var>_curie`` (the standardised CURIE as a string) when the
query uses it, for matching ``oboInOwl:hasDbXref`` literals.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from iimgraph.errors import QueryError
from iimgraph.namespaces import CONVERTER, SRC, XSD, display_curie, split_curie, standardize_curie
from iimgraph.query.catalogue import IRI_RE, NamedQuery, Param
from iimgraph.query.guard import mask
from iimgraph.query.results import IRI, Literal, Term

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:  # the store module (and the RDF reader it uses) is imported only when a store is opened
    from typing import Any


_LANG_RE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes", "y", "on"}, {"false", "0", "no", "n", "off"}

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
        if not IRI_RE.fullmatch(text):
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
    if not IRI_RE.fullmatch(iri):
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
#: annotation files write in their reference column (``ORPHA:81`` is ``iimsrc:orpha-81``), or from the
#: trial registry's own id (``clinicaltrials:NCT01276470`` is ``iimsrc:nct-NCT01276470``)
_SOURCE_PREFIX = {"Orphanet": "orpha", "clinicaltrials": "nct"}


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
        elif isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            flag = value.strip().lower() in TRUE_WORDS
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
        if not IRI_RE.fullmatch(str(term)):
            raise QueryError(f"not a valid IRI: {_show(str(term))}")
        return f"<{term}>"
    if not isinstance(term, Literal):
        raise QueryError("only IRI and Literal values can be bound (not blank nodes or plain str)")
    check_text(str(term), "literal")
    if term.lang and not _LANG_RE.fullmatch(term.lang):
        raise QueryError(f"not a language tag: {_show(term.lang)}")
    if term.datatype and not IRI_RE.fullmatch(term.datatype):
        raise QueryError(f"not a valid datatype IRI: {_show(term.datatype)}")
    body = '"' + _escaped(str(term)) + '"'
    if term.lang:
        return body + "@" + term.lang
    if term.datatype:
        return body + f"^^<{term.datatype}>"
    return body


#: the characters a SPARQL string literal writes with a backslash
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(text: str) -> str:
    """The body of a SPARQL string literal (see :func:`sparql_term`)."""
    out = []
    prev_backslash = False
    for ch in text:
        if prev_backslash and ch in "uU":
            out.append("\\U00000075" if ch == "u" else "\\U00000055")  # 8 digits: rdflib reads \\uXXXX plus 4 more hex as one
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
        prev_backslash = ch == "\\"
    return "".join(out)


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
    where, markers = _places(text)
    for var in bindings:
        if not re.fullmatch(r"[A-Za-z_]\w*", var):
            raise QueryError(f"not a SPARQL variable name: {var!r}")
    names = " ".join(f"?{v}" for v in bindings)
    values = " ".join(sparql_term(t) for t in bindings.values())
    block = f"VALUES ({names}) {{ ({values}) }}"
    out, last = [], 0
    for start, end in markers:
        out += [text[last:start], block]
        last = end
    out.append(text[last:])
    marked = "".join(out)
    return marked[:where] + f"\n  {block}\n" + marked[where:]


@functools.lru_cache(maxsize=256)
def _places(text: str) -> tuple[int, tuple[tuple[int, int], ...]]:
    """Where the outermost ``WHERE {`` of ``text`` ends, and the ``#@parameters`` comments after it: the
    same for every binding of a catalogue query, so found once per text (the masking was a tenth of a
    ``serve`` request). QueryError when there is no ``WHERE {`` or a marker stands before it."""
    m = re.search(r"\bWHERE\s*\{", mask(text), re.I)
    if m is None:
        raise QueryError("cannot bind parameters: the query has no 'WHERE {'")
    markers = []
    for marker in _MARKER_RE.finditer(text):
        at = marker.start()
        if mask(text[:at] + "x" + text[at + 1:])[at] != "x":  # a '#' inside a string or an IRI, not a comment
            continue
        if at < m.end():
            raise QueryError("cannot bind parameters: a '#@parameters' marker before the outermost 'WHERE {'")
        markers.append((at, marker.end()))
    return m.end(), tuple(markers)


def decode_query(data: bytes, where: str) -> str:
    """Query text from bytes (a file or standard input): UTF-8, else a QueryError naming ``where``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"{where}: not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x})") from None
