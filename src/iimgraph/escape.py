"""The one escaping of text that leaves the package for a terminal, a JSON string meant for one, or a
Markdown comment: curator labels, a remote endpoint's error answer and the caller's own input all pass here.

Why: an ESC or OSC sequence, a BEL, a C1 control or a bidi override (U+202E) in a label reaches the
terminal raw and can retitle the window, hide lines, or make ``HP:0001234`` read as another term;
raw HTML or a ``javascript:`` link in a pull-request comment is rendered by the forge. So:

- ``escape(text)``: each such character as a visible ``\\x1b`` / ``\\u202e`` (newline and tab kept,
  or not with ``one_line``);
- ``escape(text, json=True)``: for JSON text, each as a ``\\u`` escape (the same value, parsed);
- :func:`markdown`: HTML escaped, Markdown syntax made literal, and links not under the project's
  own IRI base shown as code (never rendered as a link).
"""

from __future__ import annotations

import re

from iimgraph.namespaces import BASE

#: C0 controls (but tab and newline), DEL, C1 controls, and the Unicode format characters that reorder
#: or hide text (bidi marks, embeddings, overrides and isolates; line and paragraph separators)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

#: IRIs under these bases are the project's own: their links are kept in Markdown
PROJECT_BASES = (BASE,)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape(text: str, *, json: bool = False, one_line: bool = False) -> str:
    """``text`` with every control and bidi character made harmless: visible for a terminal, or (``json``)
    a ``\\u`` escape, which is only right inside JSON text (where JSON strings hold them)."""
    if json:
        return _UNSAFE_ONE_LINE.sub(_json, text) if one_line else _UNSAFE.sub(_json, text)
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_visible, text)


#: what a forge turns into a link (a URL, www., an e-mail address) and schemes that run code
_URL = re.compile(r"(?i:[a-z][a-z0-9+.\-]*://|www\.|javascript:|vbscript:|data:)[^\s<>\"'`|]*"
                  r"|[\w.+\-]+@[\w\-]+\.[\w.\-]+")
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]!|~])")


def code_span(text: str) -> str:
    """``text`` as an inline Markdown code span: shown literally, never a link or HTML."""
    text = " ".join(escape(text).split()).replace("|", "\\|")  # a table cell ends at a bare pipe, even inside code
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown(text: str) -> str:
    """``text`` for one line of Markdown (a table cell, a heading): controls escaped, HTML escaped, Markdown
    syntax literal, and any link not under :data:`PROJECT_BASES` shown as code rather than rendered."""
    text = " ".join(escape(text).split())
    if not _may_link(text):
        return _literal(text)
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        if match.group().startswith(PROJECT_BASES):
            continue
        out.append(_literal(text[last:match.start()]))
        out.append(code_span(match.group()))
        last = match.end()
    out.append(_literal(text[last:]))
    return "".join(out)


def _may_link(text: str) -> bool:
    """False only where :data:`_URL` cannot match: ASCII text (case-insensitive matching folds a few other letters
    to ASCII ones) with no ``@`` and none of the scheme marks. A report's messages mostly have none, and the
    pattern's search took ~40 us a cell (11 s of a Markdown report of ~10^5 findings)."""
    if not text.isascii() or "@" in text or "://" in text:
        return True
    lower = text.lower()
    return any(mark in lower for mark in _LINK_MARKS)


_LINK_MARKS = ("www.", "javascript:", "vbscript:", "data:")


def _literal(text: str) -> str:
    import html  # Markdown only: a cold query does not need it

    return _MARKDOWN_SYNTAX.sub(r"\\\1", html.escape(text, quote=False))
