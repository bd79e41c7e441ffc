"""What every local engine and ``serve`` check before a parser sees a query: nesting, SERVICE/FROM.

A lexical check on purpose: it runs before any parser, needs no rdflib, and errs on the side of
refusing. Nothing reaches the network unless the user named that endpoint.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from iimgraph.errors import QueryError, RemoteAccessRefused

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_MASK = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*', re.S)
_FORBIDDEN = re.compile(r"(?<![\w:?$.-])(SERVICE|FROM)(?![\w:-])", re.I)
# Each pattern starts with what it matches, the character before it checked by a lookbehind taken
# after that first character (``P(?<![...]P)``): a pattern that starts with a lookbehind is tried at
# every position of the text, one that starts with a character is searched for (3x faster here).
_PREFIX_DECL = re.compile(r"P(?<![\w:?$.-]P)REFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\s]*)>", re.I)
_BASE_DECL = re.compile(r"(?<![\w:?$.-])BASE(?![\w:-])", re.I)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _unescape(query: str) -> str:
    if "\\" not in query:  # no escape to decode (most queries): no pass of the pattern
        return query
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)


def lex(query: str) -> tuple[str, str]:
    """``query`` with its codepoint escapes decoded, and that text masked: what every check reads (the
    ``lexed`` argument of the checks), made once per check (``serve`` checks each request's text; made
    once per helper, it took a tenth of a packaged query's time)."""
    decoded = _unescape(query)
    return decoded, mask(decoded)


def may_hold(masked: str, words: tuple[str, ...]) -> bool:
    """False only when none of ``words`` (lower-case ASCII) can match in ``masked``, case-insensitively:
    a quick test before a pattern that looks at every position. Not ASCII: True (Unicode case folding
    matches more than lower())."""
    if not masked.isascii():
        return True
    low = masked.lower()
    return any(word in low for word in words)


def mask(text: str) -> str:
    """``text`` with comments, strings and IRIs blanked out (same length), for locating keywords."""
    return _MASK.sub(lambda m: " " * len(m.group(0)), text)


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (the first such keyword outside comments, strings and IRIs)."""
    m = re.search(r"(?<![\w:?$.-])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:-])", mask(_unescape(query)), re.I)
    return m.group(1).upper() if m else "SELECT"


def is_allowed(iri: str, allow: Sequence[str]) -> bool:
    """An allow-list entry admits the same IRI, or every IRI under it when it ends with ``/``."""
    return any(iri == entry or (entry.endswith("/") and iri.startswith(entry)) for entry in allow)


def _target(decoded: str, masked: str, pos: int, word: str, prefixes: dict[str, str],
            comments: dict[int, int]) -> str | None:
    """The IRI after SERVICE [SILENT] / FROM [NAMED] at ``pos``, or None when it cannot be known."""
    def skip(p: int) -> int:
        while p < len(decoded):
            if decoded[p].isspace():
                p += 1
            elif p in comments:
                p = comments[p]
            else:
                break
        return p

    pos = skip(pos)
    modifier = "SILENT" if word == "SERVICE" else "NAMED"
    if masked[pos:pos + len(modifier)].upper() == modifier and not re.match(r"[\w:-]", masked[pos + len(modifier):][:1]):
        pos = skip(pos + len(modifier))
    if decoded[pos:pos + 1] == "<":
        end = decoded.find(">", pos)
        return decoded[pos + 1:end] if end > 0 else None
    m = re.match(r"([A-Za-z][\w.-]*)?:((?:[^\s{}()<>\"'#,;\\]|\\.)*)", decoded[pos:])
    if m is None or (m.group(1) or "") not in prefixes:
        return None  # a variable, or a name this check cannot resolve
    return prefixes[m.group(1) or ""] + re.sub(r"\\(.)", r"\1", m.group(2))


MAX_NESTING = 200  # groups and brackets; Oxigraph's parser overflows its stack (SIGSEGV) somewhere past 1000


#: why SERVICE/FROM is refused, as the user reads it: a local query, or one sent to ``serve``
LOCAL_REASON = ("a local query may not reach the network", ", or run the query on a named --endpoint")
ENDPOINT_REASON = ("this endpoint makes no outbound requests", "")


# a prefixed name's PNAME_NS where a token starts (``_:`` blank nodes, ``?v`` variables and IRIs excluded)
_PNAME_NS = re.compile(r"([^\W\d_](?<![\w.\-?$:].)[\w.\-]*):")
_EMPTY_NS = re.compile(r":(?<![\w.\-?$:]:)")  # the empty prefix name, ``:local``


def declared_prefixes(query: str, lexed: tuple[str, str] | None = None) -> set[str]:
    """The prefix names the query declares itself (``PREFIX x: <...>``; ``""`` for ``PREFIX : <...>``)."""
    decoded, masked = lexed or lex(query)
    return {m.group(1) or "" for m in _PREFIX_DECL.finditer(decoded)
            if masked[m.start():m.start() + 6].upper() == "PREFIX"}


def used_prefixes(query: str, lexed: tuple[str, str] | None = None) -> list[tuple[str, int]]:
    """Every prefix name used in a prefixed name (outside strings, IRIs and comments) with its offset."""
    masked = (lexed or lex(query))[1]
    named = [(m.group(1), m.start()) for m in _PNAME_NS.finditer(masked) if not m.group(1).endswith(".")]
    return sorted(named + [("", m.start()) for m in _EMPTY_NS.finditer(masked)], key=lambda found: found[1])


def check_prefixes(query: str, predeclared: Mapping[str, str], lexed: tuple[str, str] | None = None) -> None:
    """Raise QueryError naming the first prefix that neither the query nor ``predeclared`` defines.

    Every engine then sees the same set: what the query declares plus the project's prefix map.
    """
    lexed = lexed or lex(query)
    known = declared_prefixes(query, lexed) | set(predeclared)
    for name, offset in used_prefixes(query, lexed):
        if name in known:
            continue
        text = lexed[0]
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        close = difflib.get_close_matches(name, list(predeclared), n=1) or [
            p for p in predeclared if p.lower() == name.lower()]
        hint = f"did you mean {close[0]}:? Or " if close else ""
        raise QueryError(f"undefined prefix {name}: at line {line}, column {column} ({hint}declare it with "
                         f"PREFIX {name}: <...>; predeclared: {', '.join(p + ':' for p in predeclared)})")


def check_query_text(query: str, allow: Sequence[str] = (), reason: tuple[str, str] = LOCAL_REASON,
                     prefixes: Mapping[str, str] | None = None, lexed: tuple[str, str] | None = None) -> None:
    """What every local engine and ``serve`` check before parsing: nesting depth, remote access, and
    (given the predeclared ``prefixes``) that every prefix used is defined."""
    lexed = lexed or lex(query)
    masked = lexed[1]
    depth = deepest = 0
    if sum(map(masked.count, "{([")) > MAX_NESTING:  # else no deeper than that: no need to walk the text
        for ch in masked:
            if ch in "{([":
                depth += 1
                deepest = max(deepest, depth)
            elif ch in "})]":
                depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(f"the query nests groups or brackets {deepest} deep; at most {MAX_NESTING} are accepted")
    refuse_remote_access(query, allow, reason, lexed)
    if prefixes is not None:
        check_prefixes(query, prefixes, lexed)


def refuse_remote_access(query: str, allow: Sequence[str] = (), reason: tuple[str, str] = LOCAL_REASON,
                         lexed: tuple[str, str] | None = None) -> None:
    """Raise QueryError if the query could make an engine fetch a URL the user did not allow.

    ``SERVICE``, ``FROM`` and ``FROM NAMED`` are refused unless their IRI is on ``allow``
    (:func:`is_allowed`); a SERVICE on a variable, a relative IRI or an unresolvable name is always
    refused. A lexical check on purpose: it runs before any parser, needs no rdflib, is shared by
    every local engine and by ``serve``, and errs on the side of refusing. Codepoint escapes are
    decoded first, since SPARQL allows them anywhere.
    """
    decoded, masked = lexed or lex(query)
    found = list(_FORBIDDEN.finditer(masked)) if may_hold(masked, ("service", "from")) else []
    if not found:
        return
    hint = "allow it with --allow-service IRI" if not allow else "it is not on the --allow-service list"
    prefixes: dict[str, str] = {}
    for m in _PREFIX_DECL.finditer(decoded):
        if masked[m.start():m.start() + 6].upper() == "PREFIX":
            prefixes[m.group(1) or ""] = m.group(2)
    has_base = bool(_BASE_DECL.search(masked))
    comments = {c.start(): c.end() for c in _MASK.finditer(decoded) if c.group(0).startswith("#")}
    for m in found:
        word = m.group(1).upper()
        iri = _target(decoded, masked, m.end(), word, prefixes, comments) if allow else None
        if iri is None or has_base or not _SCHEME.match(iri) or not is_allowed(iri, allow):
            shown = f" <{iri}>" if iri else ""
            raise RemoteAccessRefused(f"{word}{shown} is refused here: {reason[0]} ({hint}{reason[1]})")
