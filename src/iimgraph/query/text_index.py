"""A store's labels and synonyms in a text index, so ``search`` need not read every literal of the store.

Why: ``search`` matches the text against every label and synonym in the graph, each normalised (lower
case, letters and digits only) in the query. On the IIM graph that is 20,000 literals; joined with whole
ontologies (``--with mondo.owl --with hp.owl``) it is hundreds of thousands, each read from the store's
string dictionary and normalised again for every search (36 s at 5x10^6 triples). So a store gets the
normalised text of each (term, literal, field) once, in a file next to its database, and the query
reads only the rows whose text holds the needle.

How the query uses it: ``queries/search.rq`` marks the lines that do the matching::

    #@text-index ?needle ?hit ?m ?field0
    ... the patterns and filters that find (?hit, ?m, ?field0) whose normalised ?m contains ?needle ...
    #@text-index end

and its SPARQL stays the reference (rdflib, an endpoint, a store without an index run it as it is).
Over a store, the engine (:meth:`iimgraph.query.engines.OxigraphEngine`) computes ``?needle`` with the
query's own expressions (the lines of the group before the marker, in a one-row query on the same
store), finds the rows here, and puts them in a ``VALUES`` block in place of the marked lines: the rest
of the query (the flagged synonyms, the links to autoantibodies, the ranking) runs as written. The
index holds exactly what the marked lines match for some needle (:data:`FIELDS`, an IRI subject, a
literal value, the normalisation of :data:`NORMALISE`, all computed by the store itself), and the
rows whose normalised text contains the needle are the ones the filters keep; tests compare the two
on the shipped graph and on companions.

The file (``text-index`` in the store folder) is built the first time a search needs it, not during
the load, which comes first (issue 30: at 5x10^6 triples it would add about a third to it). The IIM graph's
rows are read from the store; each companion's are parsed again from its file, with the load's reader,
when its SHA-256 is still the one loaded (reading them back out of the store looks every term up in its
string dictionary: 4x slower here); otherwise every row comes from the store. Its first line holds a key made from the
store's manifest (the IIM sources' digest, each companion's SHA-256), so a store that changed never
uses an older index; it is written to a temporary file and renamed, so a reader sees a whole file or
none. Layout, after that line and a line giving the size of the text section: one line per row,
``normalised text TAB field and offset``, the field as one letter ``A``.. and the offset (of the row's
terms in the second section) in the letters ``A``-``P`` (hexadecimal), so that a needle, which holds
only ``a``-``z`` and ``0``-``9``, matches the text of a single line and nothing else; then the rows'
terms, ``<hit> TAB literal`` in SPARQL syntax, one a line.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import mmap
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iimgraph.atomic import write_bytes_atomic
from iimgraph.errors import IIMGraphError, OutputError, QueryError
from iimgraph.formats import RdfFormat
from iimgraph.namespaces import IIM, OBOINOWL, ONTOLOGY_IRI, RDFS_LABEL, SPARQL_PREFIXES, XSD_STRING
from iimgraph.query.guard import mask

FILE = "text-index"
FORMAT = 1
#: the predicates whose literals ``search`` matches, in the order of ``queries/search.rq``
FIELDS = (RDFS_LABEL, OBOINOWL + "hasExactSynonym", OBOINOWL + "hasRelatedSynonym", OBOINOWL + "hasBroadSynonym",
          OBOINOWL + "hasNarrowSynonym", IIM + "hpo2025Label")
#: the normalisation of ``search`` (``?m`` the literal), evaluated by the store when the index is built
NORMALISE = 'REPLACE(LCASE(STR(?m)), "[^a-z0-9]", "")'

_BEGIN = re.compile(r"#@text-index\s+\?(\w+)\s+\?(\w+)\s+\?(\w+)\s+\?(\w+)[^\n]*")
_END = re.compile(r"#@text-index end\b[^\n]*")
_HITS = re.compile(r"#@text-index hits\s+\?(\w+)[^\n]*")
_HEX = bytes.maketrans(b"0123456789abcdef", b"ABCDEFGHIJKLMNOP")
_UNHEX = bytes.maketrans(b"ABCDEFGHIJKLMNOP", b"0123456789abcdef")
#: what the normalisation drops from the lower-cased text (``search``: letters and digits are kept)
_NOT_KEPT = re.compile(r"[^a-z0-9]")
_FORM = re.compile(r"(?<![\w:?$.-])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:-])", re.I)


def index_key(manifest: Mapping[str, Any]) -> str:
    """What the index of a store holding ``manifest`` is made from: the IIM sources and each companion's bytes."""
    what = {"format": FORMAT, "iim": (manifest.get("iim") or {}).get("key"),
            "companions": sorted((k, v.get("sha256")) for k, v in manifest.get("companions", {}).items())}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:32]


@dataclass
class TextIndex:
    """The normalised texts (``text``: the lines of the first section) and the rows' terms (``rows``)."""

    text: Any  # bytes or mmap: ``norm TAB field+offset`` lines
    rows: Any  # bytes or mmap (a view from the rows' start)
    start: int  # where the text section starts in ``text``
    end: int  # where it ends

    def matches(self, needle: str) -> list[tuple[str, str, str]]:
        """``(hit, literal, field)`` in SPARQL syntax for every row whose normalised text contains ``needle``."""
        if not needle or not re.fullmatch(r"[a-z0-9]+", needle):
            return []  # an empty needle finds nothing; the query's normalisation gives nothing else
        find, data, rows, want = self.text.find, self.text, self.rows, needle.encode("ascii")
        out = []
        last = -1  # the end of the last line kept: a line is kept once, for its first match
        for pos in self._starts(want):
            if pos < last:
                continue
            tab = find(b"\t", pos, self.end)
            eol = find(b"\n", tab, self.end)
            code = bytes(data[tab + 1:eol])
            offset = int(code[1:].translate(_UNHEX), 16)
            line = bytes(rows[offset:rows.find(b"\n", offset)]).decode("utf-8")
            hit, literal = line.split("\t", 1)
            out.append((hit, literal, f"<{FIELDS[code[0] - 65]}>"))
            last = eol
        return out

    def _starts(self, want: bytes) -> Iterator[int]:
        """Where ``want`` occurs in the text section, in order (a match never spans two lines: a needle
        holds no tab or line break). For needles of 2 to 8 characters the regular expression engine's literal
        search, which read the 22 MB of text of a 5x10^6-triple store in 6.5 ms where ``bytes.find`` took
        10-19 ms (the text is full of near matches); for one letter and long needles ``find``, faster there
        (0.9 and 4-6 ms)."""
        if 2 <= len(want) <= 8:
            for match in re.compile(re.escape(want)).finditer(self.text, self.start, self.end):
                yield match.start()
            return
        pos = self.text.find(want, self.start, self.end)
        while pos >= 0:
            yield pos
            pos = self.text.find(want, pos + 1, self.end)


def _from_store(store: Any, graph: str | None = None) -> Iterator[tuple[int, bytes, bytes]]:
    """(field number, normalised text, ``<hit> TAB literal``) for every label and synonym in ``store`` (the
    union of its graphs, or ``graph`` alone), the normalisation evaluated by the store itself."""
    import pyoxigraph as ox

    scope: dict[str, Any] = ({"default_graph": ox.NamedNode(graph)} if graph is not None
                             else {"use_default_graph_as_union": True})
    for number, field in enumerate(FIELDS):
        query = (f"SELECT ({NORMALISE} AS ?norm) ?hit ?m WHERE {{ ?hit <{field}> ?m "
                 f"FILTER(isIRI(?hit) && isLiteral(?m)) }}")
        out = io.BytesIO()
        store.query(query, **scope).serialize(out, format=ox.QueryResultsFormat.TSV)
        for line in out.getvalue().split(b"\n")[1:]:
            if line:
                norm, terms = line.split(b"\t", 1)
                yield number, norm[1:-1], terms  # the normalised text is a plain string of [a-z0-9]


class _Changed(Exception):
    """A companion is not the file the store loaded (gone, changed, or a format read otherwise)."""


def _from_file(path: Path, entry: Mapping[str, Any]) -> list[tuple[int, bytes, bytes]]:
    """The rows of one companion, parsed again from its file (4x faster here than reading them back out
    of the store: every term of the store is looked up in its string dictionary), with the load's
    reader, format and base IRI. :class:`_Changed` unless its SHA-256 is the one the store loaded."""
    import pyoxigraph as ox

    from iimgraph.io import rdf

    fields = {ox.NamedNode(f): n for n, f in enumerate(FIELDS)}
    iri, literal = ox.NamedNode, ox.Literal
    rows = []
    try:
        with rdf.open_rdf(path) as source:
            if source.format is RdfFormat.N3:
                raise _Changed
            for quad in ox.parse(source.stream, format=source.format.oxigraph(), base_iri=path.as_uri()):
                number = fields.get(quad.predicate)
                if number is None or type(quad.subject) is not iri or type(quad.object) is not literal:
                    continue
                text = quad.object.value.lower()
                rows.append((number, _NOT_KEPT.sub("", text).encode(), f"{quad.subject}\t{quad.object}".encode()))
            source.drain()
            if source.sha256() != entry.get("sha256"):
                raise _Changed
    except (IIMGraphError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise _Changed from None
    return rows


def _extract(store: Any, manifest: Mapping[str, Any]) -> Iterator[tuple[int, bytes, bytes]]:
    """Every row once: the IIM graph's from the store, each companion's from its file when it is still the
    file the store loaded, else everything from the store."""
    rows: Iterable[tuple[int, bytes, bytes]]
    try:
        companions = [_from_file(Path(key), entry) for key, entry in manifest.get("companions", {}).items()]
        rows = itertools.chain(_from_store(store, ONTOLOGY_IRI), *companions)
    except _Changed:
        rows = _from_store(store)
    seen: set[tuple[int, bytes]] = set()  # a triple in the IIM graph and in a companion is one row of the index
    for number, norm, terms in rows:
        if (number, terms) not in seen:
            seen.add((number, terms))
            yield number, norm, terms


def build(store: Any, key: str, manifest: Mapping[str, Any] | None = None) -> bytes:
    """The index file's bytes for ``store`` (a pyoxigraph store, queried over the union of its graphs)."""
    text, rows = bytearray(), bytearray()
    for number, norm, terms in _extract(store, manifest or {}):
        text += norm + b"\t" + bytes([65 + number]) + f"{len(rows):x}".encode().translate(_HEX) + b"\n"
        rows += terms + b"\n"
    return f"iimgraph text index {FORMAT} {key}\n{len(text)}\n".encode() + bytes(text) + bytes(rows)


def _parse(data: Any, key: str) -> TextIndex | None:
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1)
    if first < 0 or second < 0 or bytes(data[:first]) != f"iimgraph text index {FORMAT} {key}".encode():
        return None
    try:
        size = int(bytes(data[first + 1:second]))
    except ValueError:
        return None
    start = second + 1
    if start + size > len(data):
        return None
    return TextIndex(data, _Offset(data, start + size), start, start + size)


class _Offset:
    """The rows' section: a window on the file's bytes (or mmap) from ``base`` on, with the ``find`` and
    slicing :meth:`TextIndex.matches` uses, without copying them."""

    def __init__(self, data: Any, base: int) -> None:
        self.data, self.base = data, base

    def find(self, sub: bytes, start: int) -> int:
        at = self.data.find(sub, self.base + start)
        return at - self.base if at >= 0 else -1

    def __getitem__(self, span: slice) -> bytes:
        return self.data[self.base + span.start:self.base + span.stop]


def load(folder: Path, manifest: Mapping[str, Any], store: Any) -> TextIndex:
    """The index of the store in ``folder``: read from its file, or built now (and written there when the
    folder can be written; otherwise kept in memory)."""
    key = index_key(manifest)
    path = folder / FILE
    with contextlib.suppress(OSError, ValueError), open(path, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        found = _parse(mapped, key)
        if found is not None:
            return found
        mapped.close()
    data = build(store, key, manifest)
    with contextlib.suppress(OutputError):  # a folder this user cannot write: the index stays in memory
        write_bytes_atomic(path, data)
    index = _parse(data, key)
    assert index is not None
    return index


# --- the query side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    """Where a query's ``#@text-index`` lines are, and what they bind."""

    needle: str  # the variable holding the normalised text
    bound: tuple[str, str, str]  # the variables of (hit, literal, field)
    begin: int  # the marker's start
    end: int  # the end marker's end
    head: str  # the group's text before the marker (binds the needle)
    prologue: str  # the query's PREFIX and BASE declarations


def marked(text: str) -> Marked | None:
    """The ``#@text-index`` lines of ``text`` (a comment, not a string or IRI), or None."""
    begin = _BEGIN.search(text)
    if begin is None:
        return None
    end = _END.search(text, begin.end())
    masked = mask(text)
    if end is None or not _comment(text, begin.start()) or not _comment(text, end.start()):
        return None
    depth, at = 0, begin.start() - 1
    while at >= 0:  # the opening brace of the group the marker stands in
        ch = masked[at]
        if ch == "}":
            depth += 1
        elif ch == "{":
            if depth == 0:
                break
            depth -= 1
        at -= 1
    form = _FORM.search(masked)
    if at < 0 or form is None or form.start() > at:
        return None
    needle, hit, literal, field = begin.groups()
    return Marked(needle, (hit, literal, field), begin.start(), end.end(), text[at + 1:begin.start()],
                  text[:form.start()])


def _comment(text: str, at: int) -> bool:
    return mask(text[:at] + "x" + text[at + 1:])[at] == "x"


def rewrite(text: str, store: Any, index_for: Any) -> str:
    """``text`` with its ``#@text-index`` lines answered from the index (``index_for()`` gives it), or ``text``
    itself when it has none or its needle cannot be known from the group before them."""
    found = marked(text)
    if found is None:
        return text
    try:
        answer = store.query(f"{found.prologue}\nSELECT ?{found.needle} WHERE {{ {found.head} }}",
                             prefixes=SPARQL_PREFIXES, use_default_graph_as_union=True)
        values = [solution[0] for solution in answer]
    except (SyntaxError, OSError) as exc:
        raise QueryError(f"query failed: {' '.join(str(exc).split())[:300]}") from None
    needle = values[0] if len(values) == 1 else None
    if needle is None or getattr(needle, "datatype", None) is None or needle.datatype.value != XSD_STRING:
        return text  # not one plain string: the query as written decides
    index = index_for()
    try:
        rows = index.matches(needle.value)
    except (ValueError, IndexError):  # only a file changed by hand after it was written
        raise QueryError("the store's text index is damaged: remove the file text-index from the store "
                         "folder (the next search builds it again)") from None
    names = " ".join(f"?{v}" for v in found.bound)
    block = f"VALUES ({names}) {{\n" + "".join(f"({h} {m} {f})\n" for h, m, f in rows) + "}"
    return text[:found.begin] + block + _with_hits(text[found.end:], found.bound[0], dict.fromkeys(h for h, _, _ in rows))


def _with_hits(text: str, hit: str, hits: Iterable[str]) -> str:
    """``text`` with each ``#@text-index hits ?hit`` comment replaced by ``VALUES ?hit { the hits found }``.

    Why: a group joined with the marked lines (a ``UNION`` branch that links a hit to something else) is
    otherwise evaluated for every term of the store before the join keeps the few hits (the links to
    autoantibodies in ``search``: 0.6 s at 5x10^6 triples). Its solutions with any other ``?hit`` are
    dropped by that join, so starting it from the hits found gives the same rows; the marker may stand
    only in a group joined so (a test checks ``queries/search.rq``)."""
    values = f"VALUES ?{hit} {{ {' '.join(hits)} }}"
    out, at = [], 0
    for match in _HITS.finditer(text):
        if match.group(1) == hit and _comment(text, match.start()):
            out += [text[at:match.start()], values]
            at = match.end()
    return "".join(out) + text[at:]
