"""SPARQL engines behind one interface: embedded Oxigraph (default), rdflib, or a remote endpoint.

Each engine's ``execute(query)`` returns a :class:`iimgraph.query.results.Result`, so callers never see
engine-specific terms. The Oxigraph engine loads the release graph from N-Triples, cached per
process and on disk (keyed by package version and a hash of the source files), so a query from the
CLI does not rebuild the graph with rdflib each time. Local engines refuse ``SERVICE`` and
``FROM``/``FROM NAMED`` unless their IRI is on the caller's allow-list: nothing reaches the network
unless the user named that endpoint. Time limits are enforced around ``execute`` by
:mod:`iimgraph.worker`, not here.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from iimgraph.build.graph_source import RELEASE, GraphSource, Release, Remote, Sources, Store
from iimgraph.errors import EndpointError, QueryError, Refused
from iimgraph.formats import RdfFormat, ResultFormat
from iimgraph.namespaces import SPARQL_PREFIXES
from iimgraph.query.guard import check_query_text, declared_prefixes, query_form, used_prefixes
from iimgraph.query.results import IRI, BNode, Literal, Result, Row, Serialized, Term, convert_rdf, read_sparql_json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:  # the store module (and the RDF reader it uses) is imported only when a store is opened
    from typing import Any, Protocol

    from iimgraph.query.store import Progress

    class Engine(Protocol):
        name: str

        def execute(self, query: str, *, max_rows: int | None = None,
                    allow_remote: Sequence[str] = ()) -> Result: ...
else:
    class Engine:
        """What an engine offers: ``name`` and ``execute(query, *, max_rows=None, allow_remote=())`` -> Result."""

DEFAULT_ENGINE = "oxigraph"
ENGINES = ("oxigraph", "rdflib")
DEFAULT_TIMEOUT = 60.0


# --- the release graph as N-Triples -----------------------------------------------------------------


# --- engines ---------------------------------------------------------------------------------------


class OxigraphEngine:
    """Embedded pyoxigraph store holding the release graph (or any N-Triples given), or an open on-disk store.

    With ``store`` (a :class:`iimgraph.query.store.StoreHandle`) queries read the union of its graphs:
    the IIM graph (a named graph) and the companions loaded next to it (the default graph). With ``path`` (a prebuilt store
    folder, :func:`iimgraph.build.cache.release_store`) the store is opened read-only by the process
    that runs the query, on its first query: a forked worker opens it itself, so the command that
    forks it never pays for opening it.
    """

    name = "oxigraph"

    def __init__(self, ntriples: bytes | None = None, *, store: Any = None, path: Path | None = None,
                 text_index: bool = True) -> None:
        import pyoxigraph as ox

        self._ox = ox
        self.handle = store
        #: over a store, answer a query's ``#@text-index`` lines from the store's text index
        #: (:mod:`iimgraph.query.text_index`); False runs every query as written (the reference)
        self.text_index = text_index
        self.path = path
        self._union = store is not None
        self._pid = os.getpid()
        if store is not None:
            self.store = store.store
        elif path is not None:
            self.store = None
        else:
            if ntriples is None:
                from iimgraph.build.cache import release_ntriples

                ntriples = release_ntriples()
            self.store = ox.Store()
            self.store.bulk_load(ntriples,
                                 format=ox.RdfFormat.N_TRIPLES)

    def _opened(self) -> Any:
        if self.path is not None and (self.store is None or os.getpid() != self._pid):
            self.store, self._pid = self._ox.Store.read_only(str(self.path)), os.getpid()
        return self.store

    def __len__(self) -> int:
        return len(self._opened())

    def _text_index(self) -> Any:
        """The store's text index, read (or built) once per handle."""
        if self.handle.text_index is None:
            from iimgraph.query import text_index

            self.handle.text_index = text_index.load(self.handle.folder, self.handle.manifest, self._opened())
        return self.handle.text_index

    def _term(self, term: Any) -> Term | None:
        ox = self._ox
        kind = type(term)
        if kind is ox.NamedNode:
            return IRI(term.value)
        if kind is ox.Literal:
            return Literal(term.value, term.datatype.value, term.language)
        if kind is ox.BlankNode:
            return BNode(term.value)
        if term is None:
            return None
        raise QueryError(f"unsupported term in results: {term!r}")

    def _query(self, query: str, allow_remote: Sequence[str], checked: bool = False) -> Any:
        if not checked:
            check_query_text(query, allow_remote, prefixes=SPARQL_PREFIXES)
        if self.handle is not None and os.getpid() != self._pid:
            # a forked worker (iimgraph.worker): RocksDB's files and threads did not survive the fork,
            # so the child reads the store through its own read-only handle
            from iimgraph.query.store import reopen_read_only

            self.store, self._pid = reopen_read_only(self.handle), os.getpid()
        if self.handle is not None and self.text_index and "#@text-index" in query:
            from iimgraph.query import text_index

            query = text_index.rewrite(query, self._opened(), self._text_index)
        try:
            return self._opened().query(query, prefixes=SPARQL_PREFIXES, use_default_graph_as_union=self._union)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {short_syntax_error(str(exc))}") from None
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from None

    def serialized(self, query: str, result_format: ResultFormat = ResultFormat.JSON,
                   rdf_format: RdfFormat = RdfFormat.TURTLE, *, max_rows: int | None = None,
                   max_bytes: int | None = None, allow_remote: Sequence[str] = (), checked: bool = False) -> Serialized:
        """The answer to ``query`` written by Oxigraph itself: SELECT and ASK in ``result_format``,
        CONSTRUCT and DESCRIBE in ``rdf_format``; no term becomes a Python object (half of what
        ``serve`` spent on a 850-row answer). At most ``max_rows`` rows (triples); :class:`Refused` (400)
        past ``max_bytes``.

        The cap is counted on one line per row: Oxigraph writes the rows as SPARQL TSV (the triples as
        N-Triples), which escape every line break in a term, and stops evaluating when the writer has
        enough; the lines kept are read back and written in the asked format (TSV and N-Triples: as they are).
        ``checked``: the caller has run :func:`check_query_text` on ``query`` with ``allow_remote`` and the
        project prefixes (``serve``, before it hands the text to a worker), so it is not run again.
        """
        answer = self._query(query, allow_remote, checked)
        ox = self._ox
        try:
            if isinstance(answer, ox.QueryBoolean):
                return Serialized(answer.serialize(format=result_format.oxigraph()), result_format)
            graph = not isinstance(answer, ox.QuerySolutions)
            if not graph and result_format in _ROW_MARKS:
                direct = _Bounded(_ROW_MARKS[result_format], max_rows, max_bytes)
                try:
                    answer.serialize(direct, format=result_format.oxigraph())
                    return Serialized(b"".join(direct.parts), result_format)
                except _Bounded.Unsure:  # maybe past a cap: again through the lines, which count exactly
                    answer = None
                    answer = self._query(query, allow_remote, True)
            lines = _Lines(max_rows, max_bytes, header=0 if graph else 1)
            with contextlib.suppress(_Lines.Enough):
                answer.serialize(lines, format=ox.RdfFormat.N_TRIPLES if graph else ox.QueryResultsFormat.TSV)
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from None
        finally:
            answer = None  # pyoxigraph iterators are thread-bound: drop them here
        data, truncated = lines.kept()
        if graph:
            body = data if rdf_format is RdfFormat.NTRIPLES else convert_rdf(data, RdfFormat.NTRIPLES, rdf_format)
            return Serialized(body, rdf_format, truncated)
        if result_format is not ResultFormat.TSV:
            data = ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV).serialize(format=result_format.oxigraph())
        return Serialized(data, result_format, truncated)

    def execute(self, query: str, *, max_rows: int | None = None,
                allow_remote: Sequence[str] = ()) -> Result:
        answer = self._query(query, allow_remote)
        ox = self._ox
        if isinstance(answer, ox.QueryBoolean):
            return Result(variables=[], boolean=bool(answer))
        rows: list[Row] = []
        truncated = False
        graph = not isinstance(answer, ox.QuerySolutions)
        if not graph:
            variables = [v.value for v in answer.variables]
            it: Any = (tuple(sol) for sol in answer)  # a solution iterates its values in variable order
        else:  # QueryTriples
            variables = ["subject", "predicate", "object"]
            it = ([t.subject, t.predicate, t.object] for t in answer)
        seen: dict[Any, Any] = {None: None}  # rows repeat terms: convert each once per query
        convert = self._term
        try:
            for values in it:
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                row: Row = {}
                for v, t in zip(variables, values, strict=False):
                    term: Any = seen.get(t, seen)
                    if term is seen:
                        term = seen[t] = convert(t)
                    row[v] = term
                rows.append(row)
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from None
        finally:
            # pyoxigraph iterators are thread-bound: drop them here, not wherever a traceback is collected
            it = answer = None
        return Result(variables=variables, rows=rows, truncated=truncated, graph=graph)


#: a byte string that every row of a result written in the format holds at least once (so a count of it
#: bounds the rows from above): JSON's ``{`` opens each row object (and each term), XML's ``<result>`` is
#: each row's element (a ``<`` in a value is written ``&lt;``), CSV ends each row with a line break
_ROW_MARKS = {ResultFormat.JSON: b"{", ResultFormat.XML: b"<result>", ResultFormat.CSV: b"\n"}


class _Bounded:
    """A writer for Oxigraph's result serialisers that keeps everything while it is sure no cap applies:
    at most ``max_rows`` marks (:data:`_ROW_MARKS`) and ``max_bytes`` bytes; past either it stops the
    writer (:class:`_Bounded.Unsure`), and the answer is written again through :class:`_Lines`, which counts
    rows exactly. Most answers are far under both caps: Oxigraph writes them in the asked format at once,
    not as TSV read back and written again (0.8 ms of the packaged queries' 8.9 on average)."""

    class Unsure(Exception):
        pass

    def __init__(self, mark: bytes, max_rows: int | None, max_bytes: int | None) -> None:
        self.parts: list[bytes] = []
        self.mark, self.marks, self.size = mark, 0, 0
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.tail = b""  # a multi-byte mark may straddle two writes

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.size += len(chunk)
        if len(self.mark) == 1:
            self.marks += chunk.count(self.mark)
        else:
            seen = self.tail + chunk
            self.marks += seen.count(self.mark) - self.tail.count(self.mark)
            self.tail = seen[-(len(self.mark) - 1):]
        if (self.max_bytes is not None and self.size > self.max_bytes) or (
                self.max_rows is not None and self.marks > self.max_rows):
            raise _Bounded.Unsure
        return len(chunk)

    def flush(self) -> None:
        pass


class _Lines:
    """A writer for Oxigraph's serialisers that keeps ``header`` + ``max_rows`` lines and stops the writer
    (:class:`_Lines.Enough`) once it has one more, or :class:`Refused` past ``max_bytes``."""

    class Enough(Exception):
        pass

    def __init__(self, max_rows: int | None, max_bytes: int | None, *, header: int) -> None:
        self.parts: list[bytes] = []
        self.lines = self.size = 0
        self.limit = None if max_rows is None else header + max_rows
        self.max_bytes = max_bytes

    def write(self, data: bytes) -> int:
        chunk = bytes(data)  # whatever buffer type the writer hands over
        self.parts.append(chunk)
        self.lines += chunk.count(b"\n")
        self.size += len(chunk)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise Refused(f"the answer is larger than {self.max_bytes // (1024 * 1024)} MB: ask for fewer "
                                 "rows or leave out long values")
        if self.limit is not None and self.lines > self.limit:
            raise _Lines.Enough
        return len(chunk)

    def flush(self) -> None:
        pass

    def kept(self) -> tuple[bytes, bool]:
        """The lines kept, and whether any were left out."""
        data = b"".join(self.parts)
        if self.limit is None or self.lines <= self.limit:
            return data, False
        end = -1
        for _ in range(self.limit):
            end = data.index(b"\n", end + 1)
        return data[:end + 1], True


class RdflibEngine:
    """rdflib over the release graph built from the sources: the reference implementation."""

    name = "rdflib"

    def __init__(self, graph: Any = None) -> None:
        if graph is None:
            from iimgraph.build.graph import load_graph

            graph = load_graph()
        self.graph = graph

    def _term(self, term: Any) -> Term | None:
        from rdflib import BNode as RBNode
        from rdflib import Literal as RLiteral
        from rdflib import URIRef

        if term is None:
            return None
        if isinstance(term, URIRef):
            return IRI(str(term))
        if isinstance(term, RBNode):
            return BNode(str(term))
        if isinstance(term, RLiteral):
            return Literal(str(term), str(term.datatype) if term.datatype else None, term.language)
        raise QueryError(f"unsupported term in results: {term!r}")

    def execute(self, query: str, *, max_rows: int | None = None,
                allow_remote: Sequence[str] = ()) -> Result:
        check_query_text(query, allow_remote, prefixes=SPARQL_PREFIXES)
        try:
            answer = self.graph.query(query, initNs=SPARQL_PREFIXES)  # instead of the graph's own bindings
            kind = answer.type
            if kind == "ASK":
                return Result(variables=[], boolean=bool(answer.askAnswer))
            rows: list[Row] = []
            truncated = False
            if kind == "SELECT":
                variables = [str(v) for v in answer.vars]
                source: Any = (tuple(r) for r in answer)
            else:
                variables = ["subject", "predicate", "object"]
                source = iter(answer)
            for values in source:
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append({v: self._term(t) for v, t in zip(variables, values, strict=False)})
        except QueryError:
            raise
        except Exception as exc:  # pyparsing and evaluation errors have many types
            raise QueryError(f"SPARQL error (rdflib): {' '.join(str(exc).split())[:300]}") from None
        return Result(variables=variables, rows=rows, truncated=truncated, graph=kind != "SELECT")


class RemoteEngine:
    """A SPARQL 1.1 endpoint over HTTP: POST, a deadline per request, a cap on the answer's size, no
    redirects (unless same-origin ones are allowed), retries for transient failures
    (:mod:`iimgraph.query.http`), and an answer checked against the SPARQL results JSON format
    before anything reads it. SERVICE and FROM are the endpoint's business, not checked here."""

    name = "remote"

    def __init__(self, endpoint: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int | None = None,
                 same_origin_redirects: bool = False) -> None:
        if not re.match(r"^https?://[^\s/]+", endpoint or ""):
            raise QueryError(f"endpoint {endpoint!r} is not an http(s) URL")
        self.endpoint = endpoint
        self.timeout = timeout
        self.max_bytes = max_bytes  # None: the default cap (IIMGRAPH_MAX_ANSWER_MB or 64 MB)
        self.same_origin_redirects = same_origin_redirects

    def execute(self, query: str, *, max_rows: int | None = None,
                allow_remote: Sequence[str] = ()) -> Result:
        import urllib.parse

        query = with_prefix_declarations(query)
        construct = query_form(query) in ("CONSTRUCT", "DESCRIBE")
        accept = RdfFormat.NTRIPLES.media_type if construct else ResultFormat.JSON.media_type
        body = urllib.parse.urlencode({"query": query}).encode()
        from iimgraph.query.http import request  # urllib and http.client: only for a remote endpoint

        answer = request("POST", self.endpoint, data=body, timeout=self.timeout, max_bytes=self.max_bytes,
                         same_origin_redirects=self.same_origin_redirects,
                         headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        if construct:
            return self._triples(answer.body, max_rows)
        return self._json(answer.body, max_rows)

    def _json(self, body: bytes, max_rows: int | None) -> Result:
        try:
            return read_sparql_json(body, max_rows)
        except ValueError as exc:
            raise EndpointError(f"{self.endpoint}: the answer is not SPARQL results JSON ({exc})") from None

    def _triples(self, body: bytes, max_rows: int | None) -> Result:
        try:
            engine = OxigraphEngine(ntriples=body)
        except (SyntaxError, ValueError, OSError) as exc:
            raise EndpointError(f"{self.endpoint}: the answer is not N-Triples ({exc})") from None
        return engine.execute("CONSTRUCT WHERE { ?subject ?predicate ?object }", max_rows=max_rows)


def with_prefix_declarations(query: str) -> str:
    """``query`` with a PREFIX line for every project prefix it uses without declaring (for a remote
    endpoint, which may not predeclare them); prefixes the project does not know are left to the endpoint."""
    declared = declared_prefixes(query)
    missing = dict.fromkeys(name for name, _ in used_prefixes(query) if name not in declared and name in SPARQL_PREFIXES)
    if not missing:
        return query
    return "".join(f"PREFIX {name}: <{SPARQL_PREFIXES[name]}>\n" for name in missing) + query


def short_syntax_error(message: str) -> str:
    """Oxigraph's syntax error without its lists of Unicode ranges (``['A' ..= 'Z' | '\\u{00C0}'..]``)."""
    shorter = re.sub(r"\[[^\[\]]*\\u\{[^\[\]]*\]", "[a name character]", message)
    return re.sub(r"(\[a name character\], )+\[a name character\]", "[a name character]", shorter)


# --- choosing an engine ----------------------------------------------------------------------------

#: (engine name, source, one_shot) -> (the source's state when opened, the engine)
_LOCAL: dict[tuple[str, GraphSource, bool], tuple[str | None, Engine]] = {}


def engine_for(source: GraphSource = RELEASE, engine: str | Engine = DEFAULT_ENGINE, *,
               timeout: float = DEFAULT_TIMEOUT, one_shot: bool = False, progress: Progress | None = None,
               say: Callable[[str], None] | None = None) -> Engine:
    """The engine over ``source``, one per process and source for local graphs (memoised here: the
    catalogue, rank, serve and the site share it).

    ``engine``: ``oxigraph`` or ``rdflib`` for a graph built here (an :class:`Engine` object is used as
    it is); ignored for an endpoint, which is asked with ``timeout`` per HTTP request. ``one_shot``:
    the caller runs one query and exits (the CLI), so the release graph is opened from its prebuilt
    on-disk store instead of being loaded into memory (a long-lived process, such as ``serve`` or a
    Python session, keeps the in-memory store: its queries are faster). In a long-lived process the
    engine is made again when the source's files changed since (an edited working copy or companion). ``progress``/``say``: how
    opening a store reports (callbacks the CLI renders).
    """
    if not isinstance(engine, str):
        return engine
    if isinstance(source, Remote):
        return RemoteEngine(source.url, timeout=timeout, max_bytes=source.max_answer_bytes,
                            same_origin_redirects=source.same_origin_redirects)
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)}, or give an endpoint)")
    one_shot = one_shot and isinstance(source, Release) and engine == DEFAULT_ENGINE
    key = (engine, source, one_shot)
    state = None if one_shot else source.state()  # one query, then the process exits: nothing goes stale
    held = _LOCAL.get(key)
    if held is not None and held[0] == state:
        return held[1]
    if held is not None:  # the files changed since the engine was made (a long-lived process): open afresh
        del _LOCAL[key]
        _close(held[1])
    opened = _open(source, engine, one_shot, progress, say)
    _LOCAL[key] = (state, opened)
    return opened


def _close(engine: Engine) -> None:
    """Let go of a stale engine's store and its lock (a store's lock must be free before it reloads)."""
    handle = getattr(engine, "handle", None)
    if handle is not None:
        engine.store = None  # type: ignore[attr-defined]
        handle.close()


def _open(source: Release | Sources | Store, engine: str, one_shot: bool, progress: Progress | None,
          say: Callable[[str], None] | None) -> Engine:
    if isinstance(source, Store):
        if engine != DEFAULT_ENGINE:
            raise QueryError(f"companion graphs and stores are queried with the oxigraph engine, not {engine!r}")
        from iimgraph.query.store import open_store

        return OxigraphEngine(store=open_store(source.folder, source.companions, progress=progress, say=say))
    if one_shot:
        from iimgraph.build.cache import release_store

        path = release_store()
        return OxigraphEngine(path=path) if path is not None else OxigraphEngine()
    if engine == "oxigraph":
        return OxigraphEngine(source.ntriples() if isinstance(source, Sources) else None)
    from iimgraph.build.graph import build_graph

    return RdflibEngine(build_graph(source.folder) if isinstance(source, Sources) else None)
