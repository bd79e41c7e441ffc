"""The one way iimgraph reads an RDF or TSV file a user hands it: bounded, offline, one-line errors.

Why a module of its own: the parsers underneath trust their input. rdflib's RDF/XML parser (expat)
and pyoxigraph's both expand the entities a DTD declares (billion laughs); rdflib's JSON-LD parser
fetches any ``@context`` that names a URL; rdflib's N-Triples parser is quadratic in the length of a
line (a 1 MB literal takes seconds, 50 MB hours); a gzip member can inflate a thousandfold; deep
nesting overflows Python's stack. So every reader here checks the bytes before a parser sees them:

- size: at most ``Limits.max_bytes`` after decompression; gzip stops as soon as it inflates beyond
  ``max_ratio`` (past ``ratio_floor`` bytes, so small repetitive files still pass);
- text: UTF-8 only (a UTF-8 byte-order mark is dropped), no NUL byte, lines of line-based formats
  at most ``max_line`` bytes;
- RDF/XML: no ``<!DOCTYPE`` at all, hence no entity, internal or external;
- JSON-LD: nesting at most ``max_depth``; a ``@context`` is the shipped one, inline, or a local file
  the caller names, never a URL (and rdflib's context loader is switched off while it parses);
- N-Triples and N-Quads are parsed by pyoxigraph (linear, with line and column in its errors).

Every failure is a :class:`~iimgraph.errors.SourceError` naming the file, and the line where one is
known. Limits come from the environment (``IIMGRAPH_MAX_INPUT_MB``, ``IIMGRAPH_MAX_LINE_MB``,
``IIMGRAPH_MAX_GZIP_RATIO``, ``IIMGRAPH_MAX_DEPTH``) so that every verb honours them alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import logging
import os
import re
import stat
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from iimgraph.errors import SourceError
from iimgraph.formats import READ_SUFFIXES, RdfFormat, bare_suffix, detect, sniff
from iimgraph.io.jsonld import CONTEXT_FILE, shipped_context
from iimgraph.namespaces import RDF_LANGSTRING, RDF_REST, XSD_STRING
from iimgraph.settings import DEPTH, MEGABYTES, RATIO, env_number

if TYPE_CHECKING:  # rdflib stays out of the import path of the query verbs
    from rdflib import Graph

MB = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Limits:
    """Bounds on one input file. The defaults admit a whole upstream ontology (MONDO is 1-2 GB of
    N-Triples) and stop absurd inputs: a decompression bomb, a one-line megabyte literal, deep nesting."""

    max_bytes: int = 4096 * MB     # after decompression
    max_line: int = 64 * MB        # Turtle, N-Triples, N-Quads, TSV
    max_ratio: int = 200           # decompressed : compressed; real RDF compresses 10-30:1
    ratio_floor: int = 16 * MB     # the ratio is checked only past this many decompressed bytes
    max_depth: int = 100           # JSON-LD arrays and objects; Turtle brackets

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, overridden by ``IIMGRAPH_MAX_INPUT_MB`` / ``_MAX_LINE_MB`` / ``_MAX_GZIP_RATIO`` / ``_MAX_DEPTH``."""
        changes: dict[str, int] = {}
        for var, field_name, unit, allowed in (("IIMGRAPH_MAX_INPUT_MB", "max_bytes", MB, MEGABYTES),
                                               ("IIMGRAPH_MAX_LINE_MB", "max_line", MB, MEGABYTES),
                                               ("IIMGRAPH_MAX_GZIP_RATIO", "max_ratio", 1, RATIO),
                                               ("IIMGRAPH_MAX_DEPTH", "max_depth", 1, DEPTH)):
            value = env_number(var, allowed)
            if value is not None:
                changes[field_name] = max(1, int(value * unit))
        return replace(cls(), **changes)


# --- bytes: size, gzip -----------------------------------------------------------------------------

def _open_regular(path: Path) -> IO[bytes]:
    """Open a regular file for reading; a folder, device or FIFO is a clear error, not a hang."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceError(f"{path}: is a folder, expected a file")
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(f"{path}: not a regular file")
    try:
        return open(path, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})") from None


def _too_big(path: Path, limits: Limits, what: str = "") -> SourceError:
    return SourceError(f"{path}: {what}larger than the {_human(limits.max_bytes)} input limit "
                       "(raise it with IIMGRAPH_MAX_INPUT_MB if the file is genuine)")


def _human(n: int) -> str:
    return f"{n / MB:g} MB" if n >= MB else f"{n} bytes"


class _Inflater(io.RawIOBase):
    """A gzip stream that refuses to inflate beyond the size and ratio limits, and names truncation."""

    CHUNK = 256 * 1024

    def __init__(self, path: Path, raw: IO[bytes], limits: Limits) -> None:
        self.path, self.raw, self.limits = path, raw, limits
        self.z = zlib.decompressobj(wbits=31)
        self.pending = b""
        self.consumed = 0
        self.produced = 0
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = len(buffer)
        while not self.done:
            if not self.pending:
                if self.z.eof:  # another gzip member, or trailing bytes
                    rest = self.z.unused_data
                    more = rest or self.raw.read(self.CHUNK)
                    if not more:
                        self.done = True
                        break
                    if not more.startswith(GZIP_MAGIC[: len(more)]):
                        raise SourceError(f"{self.path}: trailing garbage after the gzip data")
                    self.z = zlib.decompressobj(wbits=31)
                    self.pending = more
                else:
                    self.pending = self.z.unconsumed_tail or self.raw.read(self.CHUNK)
                    if not self.pending:
                        raise SourceError(f"{self.path}: truncated gzip file (the compressed data ends early)")
                    if not self.z.unconsumed_tail:
                        self.consumed += len(self.pending)
            try:
                out = self.z.decompress(self.pending, want)
            except zlib.error as exc:
                raise SourceError(f"{self.path}: corrupt gzip data ({exc})") from None
            self.pending = b""
            if out:
                self.produced += len(out)
                self._check()
                buffer[: len(out)] = out
                return len(out)
        return 0

    def _check(self) -> None:
        lim = self.limits
        if self.produced > lim.max_bytes:
            raise _too_big(self.path, lim, "decompresses to ")
        if self.produced > lim.ratio_floor and self.produced > lim.max_ratio * max(self.consumed, 1):
            raise SourceError(f"{self.path}: gzip data inflates more than {lim.max_ratio}:1 "
                              "(a decompression bomb?); refused")


class _Bounded(io.RawIOBase):
    """A plain file stream that refuses to read past ``max_bytes``."""

    def __init__(self, path: Path, raw: IO[bytes], limits: Limits) -> None:
        self.path, self.raw, self.limits, self.produced = path, raw, limits, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.produced += n or 0
        if self.produced > self.limits.max_bytes:
            raise _too_big(self.path, self.limits)
        return n or 0


def bounded(path: Path, raw: IO[bytes], limits: Limits, *, compressed: bool) -> IO[bytes]:
    """``raw`` (an open file) read through the size cap, and through the bomb-proof inflater when gzip."""
    inner: io.RawIOBase = _Inflater(path, raw, limits) if compressed else _Bounded(path, raw, limits)
    return io.BufferedReader(inner, buffer_size=1024 * 1024)


def guard_stream(path: Path, stream: IO[bytes], fmt: RdfFormat, *, limits: Limits,
                 context: dict[str, Any] | None = None) -> IO[bytes]:
    """What a streaming parser may read of ``stream``: RDF/XML watched for a DTD, JSON-LD made local."""
    if fmt is RdfFormat.JSONLD:
        return io.BytesIO(check_rdf_bytes(path, stream.read(), fmt, limits=limits, context=context))
    if fmt.syntax is RdfFormat.RDFXML:
        return io.BufferedReader(_DoctypeWatch(path, stream))
    return stream


@contextlib.contextmanager
def open_bytes(path: Path | str, *, limits: Limits | None = None) -> Iterator[IO[bytes]]:
    """A binary stream of the file's content (gzip inflated, detected by its magic bytes), bounded by ``limits``."""
    path = Path(path)
    limits = limits or Limits.from_env()
    raw = _open_regular(path)
    try:
        head = raw.read(2)
        raw.seek(0)
        yield bounded(path, raw, limits, compressed=head == GZIP_MAGIC)
    finally:
        raw.close()


def read_bytes(path: Path | str, *, limits: Limits | None = None) -> bytes:
    """The whole (inflated) content of a file, within ``limits``."""
    path = Path(path)
    limits = limits or Limits.from_env()
    with open_bytes(path, limits=limits) as stream:
        try:
            return stream.read()
        except MemoryError:
            raise SourceError(f"{path}: too large to read into memory") from None
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None


# --- text: encoding, NUL, lines --------------------------------------------------------------------

_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def check_text(path: Path, data: bytes, *, limits: Limits, line_based: bool = True) -> str:
    """Decode ``data`` as UTF-8 after the checks every text input gets (see the module docstring)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise SourceError(f"{path}: the file is {name}-encoded; iimgraph reads UTF-8 only (save it as UTF-8)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\0")
    if nul >= 0:
        raise SourceError(f"{path}:{_line_of(data, nul)}: NUL byte in a text file (binary or UTF-16 data?)")
    if line_based and len(data) > limits.max_line:
        pos = 0
        while len(data) - pos > limits.max_line:
            newline = data.rfind(b"\n", pos, pos + limits.max_line + 1)
            if newline < 0:
                raise SourceError(f"{path}:{_line_of(data, pos)}: line longer than the {_human(limits.max_line)} limit "
                                  "(a huge literal?); raise it with IIMGRAPH_MAX_LINE_MB if genuine")
            pos = newline + 1
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}:{_line_of(data, exc.start)}: not UTF-8 ({exc.reason}); "
                          "iimgraph reads UTF-8 only") from None


def read_text(path: Path | str, *, limits: Limits | None = None, line_based: bool = True) -> str:
    """A UTF-8 text file (an SSSOM table, a Turtle source), bounded and checked."""
    path = Path(path)
    limits = limits or Limits.from_env()
    return check_text(path, read_bytes(path, limits=limits), limits=limits, line_based=line_based)


# --- RDF/XML ---------------------------------------------------------------------------------------

_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_XML_DECL_ENCODING = re.compile(r"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def check_rdfxml(path: Path, data: bytes) -> None:
    """Refuse any DTD: entity declarations expand without bound (billion laughs) or read files and URLs."""
    m = _DOCTYPE.search(data)
    if m:
        raise SourceError(f"{path}:{_line_of(data, m.start())}: RDF/XML with a <!{m.group(1).decode().upper()}> "
                          "is refused (DTD entities can expand without bound or fetch files and URLs)")


def _check_xml_declaration(path: Path, text: str) -> None:
    m = _XML_DECL_ENCODING.match(text)
    if m and m.group(1).lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii", "ascii"):
        raise SourceError(f"{path}:1: the XML declaration says encoding {m.group(1)!r}; iimgraph reads UTF-8 only")


# --- JSON-LD ---------------------------------------------------------------------------------------

def _depth(doc: Any) -> int:
    """Nesting depth of a JSON value, without recursion."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in value.values())
        elif isinstance(value, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in value)
    return deepest


def load_context(path: Path | str, *, limits: Limits | None = None) -> dict[str, Any]:
    """A local JSON-LD context file the user names: its ``@context`` object, checked like any JSON-LD input."""
    path = Path(path)
    doc = _load_json(path, read_bytes(path, limits=limits), limits or Limits.from_env())
    ctx = doc.get("@context") if isinstance(doc, dict) else None
    if not isinstance(ctx, dict):
        raise SourceError(f"{path}: not a JSON-LD context file (expected an object with an inline \"@context\" object)")
    _refuse_remote_contexts(path, ctx)
    return ctx


def _load_json(path: Path, data: bytes, limits: Limits) -> Any:
    text = check_text(path, data, limits=limits, line_based=False)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}: JSON syntax error: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise SourceError(f"{path}: JSON nested deeper than the {limits.max_depth} levels allowed") from None
    if _depth(doc) > limits.max_depth:
        raise SourceError(f"{path}: JSON nested deeper than the {limits.max_depth} levels allowed "
                          "(raise it with IIMGRAPH_MAX_DEPTH if genuine)")
    return doc


def _refuse_remote_contexts(path: Path, doc: Any) -> None:
    """Any ``@context`` naming a document (a string) or any ``@import`` would make a processor fetch it."""
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "@import":
                    raise SourceError(f"{path}: JSON-LD @import {item!r} refused: iimgraph never fetches contexts")
                if key == "@context":
                    for ref in item if isinstance(item, list) else [item]:
                        if isinstance(ref, str):
                            raise SourceError(f"{path}: JSON-LD @context {ref!r} refused: iimgraph never fetches "
                                              "contexts (inline it, or name a local context file)")
                stack.append(item)


def prepare_jsonld(path: Path, data: bytes, *, limits: Limits, context: dict[str, Any] | None = None) -> Any:
    """The parsed document with its top-level context made local, after the depth and remote-context checks.

    A top-level ``@context`` that names the shipped context file (or any document, when the caller
    passes ``context``, the content of a local file the user named) is replaced by that content; a
    nested reference, an ``@import`` or any other URL is refused.
    """
    doc = _load_json(path, data, limits)
    local = context if context is not None else shipped_context()

    def localise(node: dict[str, Any]) -> None:
        if "@context" not in node:
            return
        refs = node["@context"] if isinstance(node["@context"], list) else [node["@context"]]
        out: list[Any] = []
        for ref in refs:
            if isinstance(ref, str) and (context is not None or ref == CONTEXT_FILE or ref.endswith("/" + CONTEXT_FILE)):
                out.append(local)
            else:
                out.append(ref)
        node["@context"] = out[0] if len(out) == 1 else out

    if isinstance(doc, dict):
        localise(doc)
    elif isinstance(doc, list):
        for node in doc:
            if isinstance(node, dict):
                localise(node)
    _refuse_remote_contexts(path, doc)
    return doc


_CONTEXT_GUARD = threading.Lock()


@contextlib.contextmanager
def _no_context_fetching(path: Path) -> Iterator[None]:
    """Belt and braces: while rdflib parses JSON-LD, its context loader raises instead of opening a URL."""
    from rdflib.plugins.shared.jsonld import context as ctxmod

    def refuse(source: Any, *args: Any, **kwargs: Any) -> Any:
        raise SourceError(f"{path}: JSON-LD context {source!r} refused: iimgraph never fetches contexts")

    with _CONTEXT_GUARD:
        original = ctxmod.source_to_json
        ctxmod.source_to_json = refuse
        try:
            yield
        finally:
            ctxmod.source_to_json = original


# --- checked bytes for any parser ------------------------------------------------------------------

def check_rdf_bytes(path: Path, data: bytes, fmt: RdfFormat, *, limits: Limits,
                    context: dict[str, Any] | None = None) -> bytes:
    """The bytes a parser may see: text checks done, DTDs refused, JSON-LD contexts made local (re-serialised)."""
    if fmt is RdfFormat.JSONLD:
        doc = prepare_jsonld(path, data, limits=limits, context=context)
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    text = check_text(path, data, limits=limits, line_based=fmt.line_based)
    if fmt.syntax is RdfFormat.RDFXML:
        _check_xml_declaration(path, text)
        check_rdfxml(path, data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data


def read_rdf(path: Path | str, *, fmt: RdfFormat | str | None = None, limits: Limits | None = None,
             context: dict[str, Any] | None = None) -> tuple[bytes, RdfFormat]:
    """A user's RDF file as checked bytes and its format, ready for rdflib or pyoxigraph (``fmt.oxigraph()``)."""
    path = Path(path)
    limits = limits or Limits.from_env()
    data = read_bytes(path, limits=limits)
    if not data.strip():
        raise SourceError(f"{path}: empty file")
    fmt = RdfFormat(fmt) if fmt is not None else detect(path, data[:4096])
    return check_rdf_bytes(path, data, fmt, limits=limits, context=context), fmt


# --- streaming a user's file (into Store.bulk_load) ----------------------------------------------


class _Counting(io.RawIOBase):
    """The raw file, counting and hashing the bytes read (for the progress bar and the manifest)."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None] | None) -> None:
        self._raw = raw
        self._on_read = on_read
        self.bytes_read = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.sha256.update(memoryview(buffer)[:n])
            self.bytes_read += n
            if self._on_read is not None:
                self._on_read(self.bytes_read)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass
class RdfInput:
    """An opened user file: ``stream`` gives the (decompressed) RDF bytes in ``format``."""

    path: Path
    stream: IO[bytes]
    format: RdfFormat
    format_name: str
    compressed: bool
    _counter: _Counting = field(repr=False)

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read

    def sha256(self) -> str:
        """SHA-256 of the file's bytes as read so far (all of them once the stream is exhausted)."""
        return self._counter.sha256.hexdigest()

    def drain(self) -> None:
        """Read to the end of the raw file, so that :meth:`sha256` covers all of it."""
        while self._counter.read(1 << 20):
            pass


@contextlib.contextmanager
def open_rdf(path: Path | str, on_read: Callable[[int], None] | None = None, *,
             limits: Limits | None = None) -> Iterator[RdfInput]:
    """Open a user's RDF file: gunzip when it is gzip (by its magic bytes), decide its format.

    The format comes from the suffix (``.nt``, ``.ttl``, ``.rdf``, ``.jsonld``, ``.n3``, each
    optionally ``.gz``); for ``.owl``, ``.xml``, ``.json`` or an unknown suffix the first bytes
    decide. Datasets (N-Quads, TriG) and non-RDF ontology formats are refused with a one-line
    error. ``on_read`` gets the count of raw bytes read so far. Size and gzip ratio are enforced
    while the consumer reads; RDF/XML is watched for a DTD as it streams; JSON-LD is read whole,
    since its context must be checked before anything is parsed.
    """
    path = Path(path)
    raw = _open_regular(path)  # a folder, FIFO or device is refused, not waited on
    counter = _Counting(raw, on_read)
    try:
        buffered = io.BufferedReader(counter, buffer_size=1 << 20)
        compressed = buffered.peek(2)[:2] == b"\x1f\x8b"
        limits = limits or Limits.from_env()  # size cap, and no gzip bomb
        stream: Any = bounded(path, buffered, limits, compressed=compressed)
        suffix = bare_suffix(path)
        if suffix == ".trig" or READ_SUFFIXES.get(suffix, RdfFormat.TURTLE) is RdfFormat.NQUADS:
            raise SourceError(f"{path}: {'TriG' if suffix == '.trig' else 'N-Quads'} holds named graphs; give a "
                              f"graph file (.nt, .ttl, .owl/.rdf, .jsonld, .n3, optionally .gz)")
        fmt = READ_SUFFIXES.get(suffix)
        if fmt is None:
            try:
                head = stream.peek(4096) if compressed else buffered.peek(4096)
            except (OSError, EOFError, zlib.error) as exc:
                raise SourceError(f"{path}: cannot read ({exc})") from None
            fmt = sniff(head, path)
        if fmt.syntax in (RdfFormat.RDFXML, RdfFormat.JSONLD):  # no DTD entity, no remote @context
            stream = guard_stream(path, stream, fmt, limits=limits)
        yield RdfInput(path=path, stream=stream, format=fmt,
                       format_name=fmt.label + (" (gzip)" if compressed else ""),
                       compressed=compressed, _counter=counter)
    finally:
        counter.close()


class _DoctypeWatch(io.RawIOBase):
    def __init__(self, path: Path, inner: IO[bytes]) -> None:
        self.path, self.inner, self.tail, self.offset_lines = path, inner, b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.inner.read(len(buffer))
        if not chunk:
            return 0
        window = self.tail + chunk
        m = _DOCTYPE.search(window)
        if m:
            line = self.offset_lines + _line_of(window, m.start())
            raise SourceError(f"{self.path}:{line}: RDF/XML with a <!{m.group(1).decode().upper()}> is refused "
                              "(DTD entities can expand without bound or fetch files and URLs)")
        self.offset_lines += self.tail.count(b"\n")
        self.tail = window[-9:]
        buffer[: len(chunk)] = chunk
        return len(chunk)


# --- rdflib graphs ---------------------------------------------------------------------------------

_LINE_RE = re.compile(r"at line (\d+)")
_OX_LINE_RE = re.compile(r"line (\d+)")


def syntax_error(path: Path, fmt: RdfFormat, exc: BaseException) -> SourceError:
    """One line naming file, line (when the parser says) and the parser's own words."""
    if isinstance(exc, SourceError):
        return exc
    if isinstance(exc, RecursionError):
        return SourceError(f"{path}: {fmt.label} nested too deeply to parse")
    if isinstance(exc, MemoryError):
        return SourceError(f"{path}: too large to parse in memory")
    line = getattr(exc, "lineno", None)
    if line is None and hasattr(exc, "getLineNumber"):
        line = exc.getLineNumber()  # xml.sax.SAXParseException
    message = " ".join(str(exc).split())
    if hasattr(exc, "getMessage"):
        message = " ".join(str(exc.getMessage()).split())
    if line is None:
        m = _LINE_RE.search(message) or _OX_LINE_RE.search(message)
        line = int(m.group(1)) if m else None
    detail = _syntax_detail(message)
    where = f":{line}" if line else ""
    if "Invalid IRI" in message:  # Oxigraph's words for what rdflib only logged
        return SourceError(f"{path}{where}: invalid IRI ({detail}; spaces and <>\"{{}}|^` are not allowed in IRIs)")
    return SourceError(f"{path}{where}: {fmt.label} syntax error: {detail}")


def _syntax_detail(message: str) -> str:
    """The useful part of a parser message, on one line."""
    m = re.search(r"Bad syntax \((.*?)\) at \^", message)
    if m:
        message = m.group(1)
    m = re.search(r"Prefix \"?([^\"\s]*)\"? not bound", message, re.I)
    if m:
        return f"prefix {m.group(1)!r} is not declared"
    m = re.search(r"The prefix (\S*?):? has not been declared", message)
    if m:
        return f"prefix {m.group(1) + ':'!r} is not declared"
    return message[:200]


#: what hides a bracket from the Turtle grammar: strings, IRIs and comments (each run of other text as one match,
#: possessive, so an unterminated string costs one pass, not backtracking)
_HIDES_BRACKETS = re.compile(
    r'[^"\'<#\[\]()]++|"""(?:[^"\\]++|\\.|"(?!""))*+"""|\'\'\'(?:[^\'\\]++|\\.|\'(?!\'\'))*+\'\'\''
    r'|"(?:[^"\\\n]++|\\.)*+"|\'(?:[^\'\\\n]++|\\.)*+\'|<[^<>"{}|^`\\\s]*+>|#[^\n]*+')
_BRACKET_STEP = {"[": 1, "(": 1, "]": -1, ")": -1}


def bracket_depth(text: str, limit: int) -> int | None:
    """Line where Turtle brackets first nest deeper than ``limit`` (strings, IRIs and comments skipped), or None.

    Told without a Python step per token when the depth stays within the limit (the common case): no more
    opening brackets than the limit, or the brackets left once strings, IRIs and comments are taken out
    never nest deeper (0.05 -> 0.015 s on the shipped sources); only past the limit is the line found token by token.
    """
    if text.count("[") + text.count("(") <= limit:  # N-Triples written as Turtle, a small file: no scan
        return None
    brackets = [c for c in _HIDES_BRACKETS.sub("", text) if c in _BRACKET_STEP]
    if max(itertools.accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0) <= limit:
        return None
    return _bracket_line(text, limit)


def _bracket_line(text: str, limit: int) -> int | None:
    """:func:`bracket_depth` token by token: the line of the first bracket past the limit."""
    depth = 0
    for m in re.finditer(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                         r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*|[\[\]()]', text):
        token = m.group(0)
        if token in "[(":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, m.start()) + 1
        elif token in "])":
            depth -= 1
    return None


def parse_rdf(path: Path | str, graph: Graph | None = None, *, fmt: RdfFormat | str | None = None,
              limits: Limits | None = None, context: dict[str, Any] | None = None) -> Graph:
    """Parse a user's RDF file into ``graph`` (rdflib); quads are flattened into it."""
    path = Path(path)
    limits = limits or Limits.from_env()
    data, fmt = read_rdf(path, fmt=fmt, limits=limits, context=context)
    return parse_checked(path, data, fmt, graph, limits=limits)


def parse_data(data: bytes, fmt: RdfFormat | str, graph: Graph | None = None, *, name: str = "<data>",
               limits: Limits | None = None, context: dict[str, Any] | None = None) -> Graph:
    """Like :func:`parse_rdf` for bytes already in memory (``name`` stands for the file in messages)."""
    limits = limits or Limits.from_env()
    fmt = RdfFormat(fmt)
    if len(data) > limits.max_bytes:
        raise _too_big(Path(name), limits)
    checked = check_rdf_bytes(Path(name), data, fmt, limits=limits, context=context)
    return parse_checked(Path(name), checked, fmt, graph, limits=limits)


def parse_checked(path: Path, data: bytes, fmt: RdfFormat, graph: Graph | None = None, *,
                  limits: Limits) -> Graph:
    """Parse bytes that went through :func:`check_rdf_bytes`."""
    from rdflib import Graph

    graph = Graph() if graph is None else graph
    if fmt in (RdfFormat.NTRIPLES, RdfFormat.NQUADS):
        return _parse_with_oxigraph(path, data, fmt, graph, max_depth=limits.max_depth)
    base = path.resolve().as_uri() if not path.name.startswith("<") else None
    if fmt is RdfFormat.TURTLE:  # Oxigraph's parser is 5-10x faster than rdflib's; the terms are rdflib's
        # Oxigraph does not recurse, so the nesting limit (rdflib's RecursionError before) is checked here
        line = bracket_depth(data.decode("utf-8"), limits.max_depth)
        if line:
            raise SourceError(f"{path}:{line}: Turtle nested deeper than the {limits.max_depth} levels allowed")
        with _term_warnings_as_errors(path, data):
            return _parse_with_oxigraph(path, data, fmt, graph, max_depth=limits.max_depth, base=base,
                                        fresh_blank_nodes=True)
    try:
        with _term_warnings_as_errors(path, data):
            if fmt is RdfFormat.JSONLD:
                from rdflib.parser import PythonInputSource

                with _no_context_fetching(path):
                    graph.parse(source=PythonInputSource(json.loads(data)), format="json-ld", publicID=base)
            else:
                graph.parse(data=data, format=fmt.rdflib_name, publicID=base)
    except Exception as exc:  # rdflib raises many types for syntax errors
        if isinstance(exc, RecursionError) and fmt is RdfFormat.TURTLE:
            line = bracket_depth(data.decode("utf-8"), limits.max_depth)
            where = f":{line}" if line else ""
            raise SourceError(f"{path}{where}: Turtle nested deeper than the {limits.max_depth} levels allowed") from None
        raise syntax_error(path, fmt, exc) from None
    return graph


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _term_warnings_as_errors(path: Path, data: bytes) -> Iterator[None]:
    """rdflib accepts an IRI with a space, or ``"abc"^^xsd:date``, and only logs (with a traceback for the
    latter); here either is a one-line error naming the file, and nothing reaches stderr."""
    log = logging.getLogger("rdflib.term")
    handler = _Collect()
    log.addHandler(handler)
    propagate, log.propagate = log.propagate, False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
    if not handler.records:
        return
    record = handler.records[0]
    message = record.getMessage()
    m = re.match(r"(.*) does not look like a valid URI", message, re.S)
    if m:
        iri = m.group(1)
        tail = iri.rsplit("/", 1)[-1].encode("utf-8", "replace")
        at = data.find(tail) if tail else -1
        where = f":{_line_of(data, at)}" if at >= 0 else ""
        raise SourceError(f"{path}{where}: invalid IRI <{iri[:200]}> (spaces and <>\"{{}}|^` are not allowed in IRIs)")
    m = re.search(r"Datatype=(\S+?),", message)
    cause = record.exc_info[1] if record.exc_info else None
    detail = " ".join(str(cause).split())[:200] if cause else message[:200]
    datatype = m.group(1) if m else "its datatype"
    raise SourceError(f"{path}: a literal is not a valid {datatype} ({detail})")


def _parse_with_oxigraph(path: Path, data: bytes, fmt: RdfFormat, graph: Graph, *, max_depth: int,
                         base: str | None = None, fresh_blank_nodes: bool = False) -> Graph:
    """N-Triples / N-Quads / Turtle through pyoxigraph (linear time, positioned errors), as rdflib terms.

    ``fresh_blank_nodes``: each blank node label of this document becomes a new rdflib blank node
    (as rdflib's own parser does), so two files that both say ``_:b0`` do not share a node.
    """
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import RDF, XSD

    blank: dict[str, BNode] = {}

    def term(node: Any) -> Any:
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            if fresh_blank_nodes:
                found = blank.get(node.value)
                if found is None:
                    found = blank[node.value] = BNode()
                return found
            return BNode(node.value)
        if isinstance(node, ox.Literal):
            if node.language:
                return Literal(node.value, lang=node.language)
            if node.datatype.value == str(XSD.string):
                return Literal(node.value)
            if node.datatype.value == str(RDF.langString):
                return Literal(node.value)
            return Literal(node.value, datatype=URIRef(node.datatype.value))
        raise SourceError(f"{path}: RDF 1.2 triple terms are not supported")

    for quad in _ox_parse(path, data, fmt, base, max_depth):
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    return graph


#: the longest token (a literal, an IRI) pyoxigraph's parsers hold: it raises MemoryError past it
OX_TOKEN_LIMIT = 16 * MB


_RDF_REST = RDF_REST


def _ox_parse(path: Path, data: bytes, fmt: RdfFormat, base: str | None, max_depth: int) -> Iterator[Any]:
    """``pyoxigraph.parse`` with its failures as one-line :class:`SourceError`: a syntax error with its
    line, a token past the parser's buffer (a 20 MB literal) with its line and the limit, and blank
    nodes chained deeper than ``max_depth`` (``_:b0 :p _:b1 . _:b1 :p _:b2 ...`` is the nesting
    ``[ :p [ :p ... ] ]`` written flat: the serialisers downstream nest it again, by recursion)."""
    import pyoxigraph as ox

    below: dict[Any, list[Any]] = {}
    try:
        for quad in ox.parse(data, format=fmt.oxigraph(), base_iri=base):
            if isinstance(quad.object, ox.BlankNode) and isinstance(quad.subject, ox.BlankNode) \
                    and quad.predicate.value != _RDF_REST:  # a list is written flat, however long
                below.setdefault(quad.subject, []).append(quad.object)
            yield quad
    except SyntaxError as exc:
        raise syntax_error(path, fmt, exc) from None
    except MemoryError:
        raise token_too_long(path, data) from None
    if below and blank_depth(below, max_depth) > max_depth:
        raise SourceError(f"{path}: blank nodes chained deeper than the {max_depth} levels allowed "
                          "(raise it with IIMGRAPH_MAX_DEPTH if genuine)")


def blank_depth(below: dict[Any, list[Any]], limit: int) -> int:
    """The longest chain of blank nodes (``below``: each node's blank-node objects), counted without
    recursion; cycles end a chain; stops counting once past ``limit``."""
    depth: dict[Any, int] = {}
    on_path: set[Any] = set()
    for root in below:
        if root in depth:
            continue
        stack = [(root, iter(below.get(root, ())))]
        on_path.add(root)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                depth[node] = 1 + max((depth.get(c, 0) for c in below.get(node, ()) if c not in on_path), default=0)
                if depth[node] > limit:
                    return depth[node]
            elif child not in depth and child not in on_path:
                on_path.add(child)
                stack.append((child, iter(below.get(child, ()))))
    return max(depth.values(), default=0)


def token_too_long(path: Path, data: bytes | None = None) -> SourceError:
    """The error for a token past :data:`OX_TOKEN_LIMIT`, with the line when ``data`` (the file's bytes) is known."""
    where = ""
    start, line = 0, 1
    while data is not None:  # the first line holding more than the parser's buffer
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > OX_TOKEN_LIMIT:
            where = f":{line}"
        if where or end >= len(data):
            break
        start, line = end + 1, line + 1
    return SourceError(f"{path}{where}: a literal or IRI longer than the {_human(OX_TOKEN_LIMIT)} the RDF parser "
                       "holds (a huge literal?); split it, or keep it out of the graph")


#: the characters rdflib refuses in an IRI (``rdflib.term._is_valid_uri``), checked the same way here
_IRI_REFUSED = re.compile(r'[<>" {}|\\^`]')


def turtle_terms(path: Path | str, *, limits: Limits | None = None) -> list[tuple[Any, Any, Any]]:
    """One Turtle source as pyoxigraph triples, checked as :func:`parse_rdf` checks it for rdflib.

    The same bounds, nesting limit and one-line errors; each blank node label of the document is a
    new blank node; an IRI rdflib would refuse and a literal rdflib cannot read as its datatype are
    the same errors as on the rdflib path; a typed literal's lexical form is the one rdflib gives it
    (``"01"^^xsd:integer`` is ``"1"``), so both paths hold the same triples.
    """
    import pyoxigraph as ox

    path = Path(path)
    limits = limits or Limits.from_env()
    data, fmt = read_rdf(path, fmt=RdfFormat.TURTLE, limits=limits)
    line = bracket_depth(data.decode("utf-8"), limits.max_depth)
    if line:
        raise SourceError(f"{path}:{line}: Turtle nested deeper than the {limits.max_depth} levels allowed")
    base = path.resolve().as_uri() if not path.name.startswith("<") else None
    quads = list(_ox_parse(path, data, fmt, base, limits.max_depth))
    made: dict[Any, Any] = {}
    string = (XSD_STRING, RDF_LANGSTRING)

    def term(node: Any) -> Any:
        found = made.get(node)
        if found is not None:
            return found
        out: Any
        if isinstance(node, ox.BlankNode):
            out = ox.BlankNode()
        elif isinstance(node, ox.NamedNode):
            if _IRI_REFUSED.search(node.value):
                from rdflib import URIRef

                URIRef(node.value)  # logs rdflib's warning: the error below names it as the rdflib path does
            out = node
        elif isinstance(node, ox.Literal):
            out = node
            if not node.language and node.datatype.value not in string:
                from rdflib import Literal, URIRef

                text = str(Literal(node.value, datatype=URIRef(node.datatype.value)))
                if text != node.value:
                    out = ox.Literal(text, datatype=node.datatype)
        else:
            raise SourceError(f"{path}: RDF 1.2 triple terms are not supported")
        made[node] = out
        return out

    with _term_warnings_as_errors(path, data):
        return [(term(q.subject), term(q.predicate), term(q.object)) for q in quads]
