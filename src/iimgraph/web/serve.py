"""A read-only SPARQL 1.1 Protocol endpoint over the embedded release graph (stdlib HTTP server).

Guards, because a public endpoint is an SSRF and denial-of-service surface (FIELD-NOTES 3.1):
updates are refused (403); ``SERVICE`` and ``FROM``/``FROM NAMED`` are refused (400) by the same
check the local engines use, unless their IRI is on the operator's allow-list; every query runs in
a worker process of a pool forked from the server once the graph is loaded (the workers share it
copy-on-write and are reused), and a worker still running at the wall-clock timeout is killed (503),
so a runaway query frees its core the moment its 503 is sent; a worker's memory is capped; results
are capped at ``max_rows`` (``X-IIMGraph-Truncated: true`` says so). At most ``workers`` queries
are under way at once; a request that finds none free within the timeout gets 503 with ``Retry-After``.
Of those, one a core runs at a time until it turns out long (reniced for its CPU, or past
:data:`iimgraph.worker.LONG_WALL` seconds), as a server with a thread a core does: 16 queries at once on
2 cores were preempted ~5 times an answer; a long query gives its turn to the next one and runs on.
Connections are bounded too: a client has :data:`READ_TIMEOUT` seconds to send its whole request and
:data:`WRITE_TIMEOUT` to take its answer; past :data:`MAX_CONNECTIONS` open at once a new connection is
answered 503 and closed; an answer's terms over :data:`MAX_ANSWER_BYTES` are refused in the worker (400),
and answers being sent at once are held under :data:`TOTAL_ANSWER_BYTES` (503 past it).

Answers follow the SPARQL 1.1 Protocol: SELECT and ASK as results JSON (default), XML, CSV or TSV;
CONSTRUCT and DESCRIBE as RDF: Turtle (default), N-Triples, JSON-LD or RDF/XML, by the Accept
header or a ``format=`` parameter. The worker writes the answer with Oxigraph's own serialisers
(:meth:`OxigraphEngine.serialized`), so only bytes cross the pipe; each answer carries a strong
``ETag`` (``If-None-Match`` gives 304), and answers are kept for the same query on the same state of
the graph (:mod:`iimgraph.web.answers`; ``X-IIMGraph-Cache: hit`` or ``miss``, off with ``cache_bytes=0``).
``GET /sparql`` without a query answers the SPARQL 1.1 Service
Description (Turtle, or another RDF format by Accept), or a small query form for a browser.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import html
import io
import os
import queue
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from iimgraph import worker
from iimgraph.build.graph_source import RELEASE, GraphSource, Release, Sources, local_source
from iimgraph.errors import Busy, IIMGraphError, QueryError, Refused, RemoteAccessRefused, ServeError
from iimgraph.escape import escape
from iimgraph.formats import RdfFormat, ResultFormat
from iimgraph.namespaces import DCTERMS, ENTAILMENT_SIMPLE, FORMATS, SD, SPARQL_PREFIXES, VOID
from iimgraph.query.binding import check_text
from iimgraph.query.engines import OxigraphEngine, engine_for
from iimgraph.query.guard import ENDPOINT_REASON, check_query_text, lex, may_hold
from iimgraph.query.results import convert_rdf
from iimgraph.settings import DEFAULT_ANSWER_CACHE_MB
from iimgraph.version import __version__
from iimgraph.web.answers import AnswerCache, Tagged, matches
from iimgraph.web.routes import RunQuery, SiteRoutes, accept_ranges

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_WORKERS = 32
DEFAULT_MEMORY_MB = 512
POOL_KEEP = 16  # idle query workers kept for the next requests (more are forked while more queries run)
POOL_SPARE = 4  # idle workers forked ahead of demand (runaway queries retire theirs)
MAX_BODY = 1_000_000  # bytes of query text accepted
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # one answer's terms, measured in its worker (beside the row cap)
TOTAL_ANSWER_BYTES = 256 * 1024 * 1024  # answers being sent at once, over every connection
MAX_CONNECTIONS = 256  # open at once; beyond it a connection gets 503 and is closed (well under 1,024 descriptors)
READ_TIMEOUT = 10.0  # seconds a client has to send its whole request (request line, headers, body)
WRITE_TIMEOUT = 60.0  # seconds a client has to take the whole answer

RESULT_NAMES = frozenset(f.value for f in ResultFormat)
#: the RDF formats a CONSTRUCT/DESCRIBE answer (and the service description) can take, by media type
_GRAPH_MEDIA = {
    **{f.media_type: f for f in (RdfFormat.TURTLE, RdfFormat.NTRIPLES, RdfFormat.JSONLD, RdfFormat.RDFXML)},
    "application/x-turtle": RdfFormat.TURTLE, "application/turtle": RdfFormat.TURTLE,
    "text/n3": RdfFormat.TURTLE, "text/rdf+n3": RdfFormat.TURTLE,  # Turtle is N3
    "text/plain": RdfFormat.NTRIPLES,  # N-Triples' media type before 2014
    "application/x-json+ld": RdfFormat.JSONLD, "application/json": RdfFormat.JSONLD,
    "application/xml": RdfFormat.RDFXML, "text/xml": RdfFormat.RDFXML,
}
#: ``format=`` values for RDF answers (SPARQLWrapper sends turtle, n3, xml, rdf, rdf+xml, json, json-ld)
_GRAPH_NAMES = {
    "ttl": RdfFormat.TURTLE, "turtle": RdfFormat.TURTLE, "n3": RdfFormat.TURTLE,
    "nt": RdfFormat.NTRIPLES, "ntriples": RdfFormat.NTRIPLES, "n-triples": RdfFormat.NTRIPLES,
    "jsonld": RdfFormat.JSONLD, "json-ld": RdfFormat.JSONLD, "json": RdfFormat.JSONLD,
    "rdfxml": RdfFormat.RDFXML, "rdf+xml": RdfFormat.RDFXML, "rdf": RdfFormat.RDFXML, "xml": RdfFormat.RDFXML,
}
# Update operations; none of these words is a keyword or function of the query language.
_UPDATE_WORDS = ("insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with")
_UPDATE = re.compile(r"(?<![\w:?$.-])(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)(?![\w:-])", re.I)


def check_query(text: str, allow: Sequence[str] = ()) -> None:
    """Raise :class:`Refused` unless ``text`` is a read-only query that reaches no unlisted host.

    The SERVICE/FROM, nesting and prefix checks are the ones the local engines run
    (:func:`iimgraph.query.guard.check_query_text`), here before a worker is taken, so the worker does
    not run them again; syntax errors are left to the engine.
    """
    check_text(text, "query")
    lexed = lex(text)  # escapes decoded (\u0049NSERT is INSERT too), then masked: once for every check
    if may_hold(lexed[1], _UPDATE_WORDS) and _UPDATE.search(lexed[1]):
        raise Refused("updates are refused: this endpoint is read-only", 403)
    try:
        check_query_text(text, allow, ENDPOINT_REASON, prefixes=SPARQL_PREFIXES, lexed=lexed)
    except RemoteAccessRefused as exc:
        raise Refused(str(exc)) from None


class _Checked:
    """Query texts that passed :func:`check_query` on this endpoint, most recent last, at most ``max_chars``
    of them in all: the guard reads only the text and the endpoint's allow-list, which never changes,
    so a text it passed passes again and is not lexed again (the guard was a fifth of the server
    process's CPU per answer under 16 clients). A refused text is checked (and refused) every time."""

    def __init__(self, allow: Sequence[str], max_chars: int = 4_000_000) -> None:
        self.allow, self.max_chars = tuple(allow), max_chars
        self._texts: dict[str, None] = {}  # insertion order: the oldest first out
        self._chars = 0
        self._lock = threading.Lock()

    def check(self, text: str) -> None:
        """:func:`check_query` on ``text`` unless it passed before."""
        if text in self._texts:
            return
        check_query(text, self.allow)
        if len(text) > self.max_chars // 4:
            return
        with self._lock:
            if text in self._texts:
                return
            self._texts[text] = None
            self._chars += len(text)
            while self._chars > self.max_chars:
                oldest = next(iter(self._texts))
                del self._texts[oldest]
                self._chars -= len(oldest)

    def __contains__(self, text: str) -> bool:
        return text in self._texts


def negotiate(accept: str, fmt_param: str | None = None) -> str:
    """Result format from a ``format=`` parameter or the Accept header (JSON when anything goes)."""
    if fmt_param:
        short = fmt_param.lower()
        if short in RESULT_NAMES:
            return short
        named = ResultFormat.from_media_type(short)
        if named is not None:
            return named.value
    for media, _ in sorted(accept_ranges(accept), key=lambda r: -r[1]):  # stable: header order breaks ties
        named = ResultFormat.from_media_type(media)
        if named is not None:
            return named.value
    return ResultFormat.JSON.value


def negotiate_graph(accept: str, fmt_param: str | None = None) -> RdfFormat:
    """RDF format of a CONSTRUCT/DESCRIBE answer from ``format=`` or the Accept header (Turtle when anything goes)."""
    if fmt_param:
        short = fmt_param.lower()
        chosen = _GRAPH_NAMES.get(short) or _GRAPH_MEDIA.get(short)
        if chosen is not None:
            return chosen
    for media, q in sorted(accept_ranges(accept), key=lambda r: -r[1]):
        if q > 0 and media in _GRAPH_MEDIA:
            return _GRAPH_MEDIA[media]
    return RdfFormat.TURTLE


def graph_content_type(fmt: RdfFormat) -> str:
    return fmt.media_type + ("; charset=utf-8" if fmt in (RdfFormat.TURTLE, RdfFormat.NTRIPLES) else "")


def wants_html(accept: str) -> bool:
    """True when the client names text/html and likes it at least as much as any RDF format (a browser)."""
    ranges = accept_ranges(accept)
    html_q = max((q for m, q in ranges if m in ("text/html", "application/xhtml+xml")), default=0.0)
    rdf_q = max((q for m, q in ranges if m in _GRAPH_MEDIA), default=0.0)
    return html_q > 0 and html_q >= rdf_q


_FORMATS_NS = FORMATS
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                   "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


_DESCRIPTION = ("iimgraph: the idiopathic inflammatory myopathies knowledge graph, read-only. No updates; "
                "SERVICE and FROM only to allow-listed IRIs; the project prefixes (rdfs:, obo:, MONDO:, HP:, "
                "iim: ...) are predeclared.")


def service_description(endpoint_url: str, triples: int) -> bytes:
    """The SPARQL 1.1 Service Description of this endpoint, as Turtle."""
    url = endpoint_url
    formats = ", ".join(f"<{_FORMATS_NS}{name}>" for name in _RESULT_FORMATS)
    text = f"""@prefix sd: <{SD}> .
@prefix void: <{VOID}> .
@prefix dcterms: <{DCTERMS}> .

<{url}> a sd:Service ;
    sd:endpoint <{url}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat {formats} ;
    sd:defaultEntailmentRegime <{ENTAILMENT_SIMPLE}> ;
    dcterms:description "{_DESCRIPTION}" ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ; void:triples {int(triples)} ]
    ] .
"""
    return text.encode("utf-8")


def query_form(endpoint_path: str) -> bytes:
    """A small HTML page with a query form, for a browser that opens the endpoint."""
    action = html.escape(endpoint_path, quote=True)
    example = html.escape("SELECT ?disease ?label WHERE {\n  ?disease rdfs:subClassOf+ MONDO:0600023 ;\n"
                          "    rdfs:label ?label .\n} ORDER BY ?label")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>iimgraph SPARQL endpoint</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>iimgraph SPARQL endpoint</h1>
<p>A read-only SPARQL 1.1 endpoint. The project prefixes (<code>rdfs:</code>, <code>obo:</code>,
<code>MONDO:</code>, <code>HP:</code>, <code>iim:</code> ...) are predeclared. The <a href="/">site</a>
and the <a href="/queries.html">query catalogue</a> are here too.</p>
<form method="get" action="{action}">
<p><label for="query">Query</label><br>
<textarea id="query" name="query" rows="12" cols="80">{example}</textarea></p>
<p><label for="format">Results as</label>
<select id="format" name="format">
<option value="json">JSON (SELECT, ASK) / JSON-LD (CONSTRUCT)</option>
<option value="csv">CSV</option><option value="tsv">TSV</option><option value="xml">XML</option>
<option value="turtle">Turtle (CONSTRUCT, DESCRIBE)</option>
</select>
<button type="submit">Run</button></p>
</form>
<p>Machine clients: <code>GET</code> this address with <code>Accept: text/turtle</code> for the
service description.</p>
</body></html>
"""
    return page.encode("utf-8")


def release_engine(source: Release | Sources = RELEASE) -> OxigraphEngine:
    """The process's in-memory Oxigraph engine over ``source`` (the workers fork from it and share it)."""
    engine = engine_for(source)
    assert isinstance(engine, OxigraphEngine)
    return engine


class Endpoint:
    """The query side: engine, guards, worker processes, timeout, row cap and answer cache, independent of HTTP.

    Over a ``source`` (when no ``engine`` is given) it follows that source: when its state changes (a
    working copy edited), the graph is loaded again, the workers are forked again from it and the
    answer cache is emptied, so no answer of the earlier state is given. ``cache_bytes``: answers kept
    (:mod:`iimgraph.web.answers`; 0 turns the cache off). ``at_once``: queries running at once before
    they turn out long (default: one a core).
    """

    def __init__(self, engine: OxigraphEngine | None = None, *, source: Release | Sources = RELEASE,
                 timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS, workers: int = DEFAULT_WORKERS,
                 allow_remote: Sequence[str] = (), memory_mb: int = DEFAULT_MEMORY_MB,
                 max_answer_bytes: int = MAX_ANSWER_BYTES, cache_bytes: int = DEFAULT_ANSWER_CACHE_MB * 1024 * 1024,
                 at_once: int | None = None) -> None:
        self.source = source if engine is None else None  # an engine given is a graph that does not change
        self._state = self.source.state() if self.source is not None else ""
        self.engine = engine if engine is not None else release_engine(source)
        self.cache = AnswerCache(cache_bytes)
        self.max_answer_bytes = max_answer_bytes
        self.timeout = timeout
        self.max_rows = max_rows
        self.allow_remote = tuple(allow_remote)
        self.checked = _Checked(self.allow_remote)
        self.memory_mb = memory_mb
        self.slots = threading.BoundedSemaphore(workers)
        # queries running at once before they turn out long (reniced, or past worker.LONG_WALL): one a core
        self.at_once = at_once or _cores()
        self.running = threading.BoundedSemaphore(self.at_once)
        self._pool: worker.Pool | None = None
        self._pool_lock = threading.Lock()

    def pool(self) -> worker.Pool:
        """The pre-forked workers, started with the first query (after the graph is loaded, so they share it)."""
        with self._pool_lock:
            if self._pool is None:
                # the worker writes the answer (Oxigraph's serialisers): only bytes come back through the pipe;
                # answer() ran check_query on the text before handing it over
                self._pool = worker.Pool(functools.partial(self.engine.serialized, max_rows=self.max_rows,
                                                           allow_remote=self.allow_remote, checked=True,
                                                           max_bytes=self.max_answer_bytes),
                                         memory_mb=self.memory_mb, keep=POOL_KEEP, spare=POOL_SPARE)
            return self._pool

    def start(self) -> None:
        """Fork the query workers now rather than at the first request."""
        self.pool()

    def close(self) -> None:
        """Stop the query workers (an idle pool child also dies with the server process)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _current(self) -> tuple[str, worker.Pool]:
        """The source's state now and the workers over the graph in that state (loaded again if it changed)."""
        state = self.source.state() if self.source is not None else ""
        if state != self._state:
            assert self.source is not None
            stale = None
            with self._pool_lock:
                if state != self._state:
                    # engine_for loads the changed source again; if it does not build, nothing changes here
                    engine = release_engine(self.source)
                    stale, self._pool = self._pool, None
                    self.engine = engine
                    self.cache.clear()
                    self._state = state
            if stale is not None:
                stale.close()  # its busy workers finish the requests they have, on the graph they had
        return state, self.pool()

    def answer(self, text: str, result_format: ResultFormat = ResultFormat.JSON,
               rdf_format: RdfFormat = RdfFormat.TURTLE) -> tuple[Tagged, bool]:
        """The answer to ``text``, written in ``result_format`` (SELECT, ASK) or ``rdf_format`` (CONSTRUCT,
        DESCRIBE) by a worker within the timeout and the caps, or kept from an earlier identical request
        on the same state of the graph (then the second value is True)."""
        state, pool = self._current()
        key = (state, text, result_format, rdf_format, self.max_rows)
        kept = self.cache.get(key)
        if kept is not None:  # only an answer to a query that passed check_query is ever kept
            return kept, True
        self.checked.check(text)
        start = time.monotonic()
        if not self.slots.acquire(timeout=self.timeout):
            raise Busy(f"the server is busy: no query worker was free within {self.timeout:g} s")
        try:
            if not self.running.acquire(timeout=max(self.timeout - (time.monotonic() - start), 0)):
                raise Busy(f"the server is busy: no query could start within {self.timeout:g} s")
            turn = _Turn(self.running)
            try:
                try:
                    left = self.timeout - (time.monotonic() - start)
                    tagged = Tagged(pool.call(text, result_format, rdf_format, timeout=max(left, 0.001),
                                              on_long=turn.end))
                except worker.PoolClosed:  # the graph changed while this request waited: the new workers answer
                    state, pool = self._current()
                    key = (state, *key[1:])
                    left = self.timeout - (time.monotonic() - start)
                    tagged = Tagged(pool.call(text, result_format, rdf_format, timeout=max(left, 0.001),
                                              on_long=turn.end))
            finally:
                turn.end()
        finally:
            self.slots.release()
        self.cache.put(key, tagged)
        return tagged, False


def _cores() -> int:
    """The cores this process may run on (at least 2)."""
    try:
        return max(len(os.sched_getaffinity(0)), 2)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 2, 2)


class _Turn:
    """A query's hold on one of :attr:`Endpoint.running`, given back once: when the query turns out long
    (the pool's ``on_long``) or ends, whichever comes first."""

    def __init__(self, running: threading.BoundedSemaphore) -> None:
        self.running, self.held, self.lock = running, True, threading.Lock()

    def end(self) -> None:
        with self.lock:
            held, self.held = self.held, False
        if held:
            self.running.release()


class _DeadlineReader(io.RawIOBase):
    """A connection's bytes, read against one deadline for the whole request: a client trickling a byte
    at a time (slowloris) is cut off at :data:`READ_TIMEOUT`, not kept forever."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.sock, self.deadline = sock, time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the client did not send its request in time")
        self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


class Handler(BaseHTTPRequestHandler):
    server_version = f"iimgraph/{__version__}"
    sys_version = ""
    endpoint: Endpoint  # set on the subclass made by make_server
    site: SiteRoutes  # likewise
    quiet = False
    timeout = READ_TIMEOUT  # per connection: the socket's timeout until the request is read
    # the head and a small body leave in one send, not two (each woke the client: a tenth of an answer's wall time)
    wbufsize = 64 * 1024

    def setup(self) -> None:
        # StreamRequestHandler.setup, less the reader it makes and this one replaces
        self.connection = self.request
        self.connection.settimeout(self.timeout)
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self.timeout))
        self.wfile = self.connection.makefile("wb", self.wbufsize)

    def handle(self) -> None:
        try:
            super().handle()
        except TimeoutError:  # slow or idle client: dropped, nothing to answer
            self.close_connection = True

    def version_string(self) -> str:
        """The ``Server`` header: the package and its version, not the Python behind it."""
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            sys.stderr.write(f"{self.address_string()} - {escape(format % args, one_line=True)}\n")  # a client's bytes

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        budget: _Budget | None = getattr(self.server, "budget", None)
        size = len(body) if self.command != "HEAD" else 0
        if budget is not None and not budget.take(size):
            body, size = b"the server is sending too much at once; try again shortly\n", 0
            status, content_type, extra = 503, "text/plain; charset=utf-8", {"Retry-After": "1"}
        try:
            self._write(status, body, content_type, extra)
        finally:
            if budget is not None:
                budget.give(size)

    def _write(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None) -> None:
        self.connection.settimeout(WRITE_TIMEOUT)  # the whole answer, however slowly the client reads
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, extra: dict[str, str] | None = None) -> None:
        self._send(status, (message.rstrip() + "\n").encode(), "text/plain; charset=utf-8", extra)

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(parts.query)
        if parts.path not in ("/sparql", "/query"):
            self._site(parts)
            return
        if "update" in params:
            self._error(403, "updates are refused: this endpoint is read-only")
            return
        if "query" not in params:
            self._describe(parts.path, params.get("format", [None])[0])
            return
        self._answer(params["query"][0], params.get("format", [None])[0])

    def _describe(self, path: str, fmt_param: str | None) -> None:
        """``GET /sparql`` without a query: the service description, or a query form for a browser."""
        accept = self.headers.get("Accept", "")
        headers = {"Vary": "Accept"}
        if not fmt_param and wants_html(accept):
            self._send(200, query_form(path), "text/html; charset=utf-8", headers)
            return
        host = self.headers.get("Host") or ""
        if not re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?", host):  # not a host name: our own address
            address: Any = self.server.server_address
            host = f"{address[0]}:{address[1]}"
        body = service_description(f"http://{host}{path}", len(self.endpoint.engine))
        fmt = negotiate_graph(accept, fmt_param)
        if fmt is not RdfFormat.TURTLE:
            body = convert_rdf(body, RdfFormat.TURTLE, fmt)
        self._send(200, body, graph_content_type(fmt), headers)

    def do_POST(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path not in ("/sparql", "/query", "/update"):
            self._error(404, f"not found: {parts.path} (the endpoint is /sparql)")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._error(400, "invalid Content-Length")
            return
        if length > MAX_BODY:
            self._error(413, f"request body over {MAX_BODY} bytes")
            return
        body = self.rfile.read(length).decode("utf-8", "replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if parts.path == "/update" or ctype == "application/sparql-update":
            self._error(403, "updates are refused: this endpoint is read-only")
            return
        params = urllib.parse.parse_qs(parts.query)
        if ctype == "application/sparql-query":
            text: str | None = body
        elif ctype in ("application/x-www-form-urlencoded", ""):
            form = urllib.parse.parse_qs(body)
            if "update" in form:
                self._error(403, "updates are refused: this endpoint is read-only")
                return
            text = (form.get("query") or [None])[0]  # type: ignore[list-item]
            params.update(form)
        else:
            self._error(415, f"unsupported content type {ctype!r}")
            return
        if not text:
            self._error(400, "missing 'query' parameter")
            return
        self._answer(text, params.get("format", [None])[0])

    def _site(self, parts: urllib.parse.SplitResult) -> None:
        """The site, the term pages (content negotiation) and /run/NAME; see :mod:`iimgraph.web.routes`."""
        routed = self.site.handle(parts.path, parts.query, self.headers.get("Accept", ""))
        if routed is None:
            self._error(404, f"not found: {parts.path} (the endpoint is /sparql; the site starts at /)")
        elif isinstance(routed, RunQuery):
            self._answer(routed.text, routed.fmt)
        else:
            self._send(routed.status, routed.body, routed.content_type, routed.headers)

    def _answer(self, text: str, fmt_param: str | None) -> None:
        accept = self.headers.get("Accept", "")
        try:
            tagged, kept = self.endpoint.answer(text, ResultFormat(negotiate(accept, fmt_param)),
                                          negotiate_graph(accept, fmt_param))
        except Refused as exc:
            self._error(exc.status, f"refused: {exc}")
            return
        except Busy as exc:
            self._error(503, str(exc), {"Retry-After": "1"})
            return
        except (worker.QueryTimeout, worker.QueryMemoryError) as exc:
            self._error(503, str(exc))
            return
        except QueryError as exc:
            self._error(400, str(exc))
            return
        except IIMGraphError as exc:  # the graph itself: an edited working copy that does not build
            self._error(503, f"the graph cannot be loaded: {exc}")
            return
        answer = tagged.answer
        extra = {"ETag": tagged.etag, "Vary": "Accept"}
        if self.endpoint.cache.on:  # said, so that a figure measured through the cache is never taken for a query's
            extra["X-IIMGraph-Cache"] = "hit" if kept else "miss"
        if answer.truncated:
            extra["X-IIMGraph-Truncated"] = "true"
        if matches(self.headers.get("If-None-Match"), tagged.etag):
            self._not_modified(extra)
            return
        if isinstance(answer.fmt, RdfFormat):  # CONSTRUCT, DESCRIBE: an RDF graph, not a results table
            self._send(200, answer.body, graph_content_type(answer.fmt), extra)
            return
        self._send(200, answer.body, answer.fmt.media_type + "; charset=utf-8", extra)

    def _not_modified(self, headers: dict[str, str]) -> None:
        """304: the client holds these bytes already (its ``If-None-Match`` names their ``ETag``)."""
        self.connection.settimeout(WRITE_TIMEOUT)
        self.send_response(304)
        self.send_header("Access-Control-Allow-Origin", "*")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    do_HEAD = do_GET


class _Budget:
    """Bytes of answers being sent at once: a request that would go past ``limit`` gets 503 instead."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used, self.lock = limit, 0, threading.Lock()

    def take(self, size: int) -> bool:
        with self.lock:
            if self.used + size > self.limit and self.used > 0:  # one answer alone may use it all
                return False
            self.used += size
            return True

    def give(self, size: int) -> None:
        with self.lock:
            self.used -= size


_BUSY_BODY = b"the server has too many open connections; try again shortly\n"
_BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n"
         b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_BUSY_BODY), _BUSY_BODY))


class _Server(ThreadingHTTPServer):
    """One thread per open connection, at most ``max_connections`` of them; the connection past the cap is
    answered 503 at once and closed, so idle clients cannot use up the descriptors (at 1,024 the
    server stopped answering anyone and spun a core on ``accept``). A thread that has served its
    connection waits for the next one (up to :attr:`keep_threads` wait)."""

    request_queue_size = 128  # the default 5 drops concurrent clients' SYNs: a 1-3 s stall each
    quiet = False
    max_connections = MAX_CONNECTIONS

    keep_threads = 64  # idle handler threads kept for the next connections

    def server_activate(self) -> None:
        super().server_activate()
        self.open_connections = 0
        self.idle_threads = 0  # handler threads waiting for a connection on _work
        self.threads_started = 0
        self.closing = False
        self._work: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._kind = (int(self.socket.family), int(self.socket.type), self.socket.proto)
        self.count_lock = threading.Lock()
        self.budget = _Budget(TOTAL_ANSWER_BYTES)  # make_server sets its own

    def get_request(self) -> tuple[Any, Any]:
        try:
            fd, address = self.socket._accept()  # type: ignore[attr-defined]
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE):  # out of descriptors: wait, do not spin
                time.sleep(0.1)
            raise
        # socket.accept() less its look-ups of the listening socket's family and type as enums, per connection
        return socket.socket(self._kind[0], self._kind[1], self._kind[2], fileno=fd), address

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to an idle handler thread, or to a new one when none is idle (past
        ``max_connections`` open: 503 at once). A thread serves connection after connection: starting
        one per connection was a sixth of the server process's CPU under 16 clients."""
        with self.count_lock:
            full = self.open_connections >= self.max_connections
            if not full:
                self.open_connections += 1
                idle = self.idle_threads > 0
                if idle:
                    self.idle_threads -= 1
        if full:
            with contextlib.suppress(OSError):
                request.settimeout(1.0)
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        if idle:
            self._work.put((request, client_address))
            return
        try:
            thread = threading.Thread(target=self._serve_connections, args=(request, client_address),
                                      name="iimgraph-http", daemon=True)
            thread.start()
            self.threads_started += 1
        except BaseException:
            self._closed()
            self.shutdown_request(request)
            raise

    def _serve_connections(self, request: Any, client_address: Any) -> None:
        """A handler thread: serve this connection, then wait idle for the next one while fewer than
        :attr:`keep_threads` others wait; else end."""
        while True:
            try:
                self.process_request_thread(request, client_address)
            finally:
                self._closed()
            with self.count_lock:
                if self.closing or self.idle_threads >= self.keep_threads:
                    return
                self.idle_threads += 1
            handed = self._work.get()
            if handed is None:  # the server is closing
                return
            request, client_address = handed

    def server_close(self) -> None:
        if not hasattr(self, "count_lock"):  # the address could not be bound: nothing started
            super().server_close()
            return
        with self.count_lock:
            self.closing = True
            idle, self.idle_threads = self.idle_threads, 0
        for _ in range(idle):
            self._work.put(None)
        super().server_close()

    def _closed(self) -> None:
        with self.count_lock:
            self.open_connections -= 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer is one log line, not a traceback; any other failure of a
        handler is one line too (a traceback only with IIMGRAPH_DEBUG=1), so no client can flood the log."""
        error = sys.exc_info()[1]
        host = client_address[0] if isinstance(client_address, tuple) and client_address else "?"
        if isinstance(error, (ConnectionError, TimeoutError)):
            if not self.quiet:
                sys.stderr.write(f"{host} - the client disconnected before the answer was sent\n")
            return
        if os.environ.get("IIMGRAPH_DEBUG"):
            super().handle_error(request, client_address)
            return
        sys.stderr.write(f"iimgraph: error while answering {host}: {type(error).__name__}: "
                         f"{' '.join(str(error).split())[:300]}\n")


def make_server(host: str = "127.0.0.1", port: int = 0, *, endpoint: Endpoint | None = None,
                quiet: bool = False, site: SiteRoutes | None = None, max_connections: int = MAX_CONNECTIONS,
                total_answer_bytes: int = TOTAL_ANSWER_BYTES) -> ThreadingHTTPServer:
    """A ready (not yet serving) HTTP server; ``port=0`` picks a free port (``server.server_port``).
    At most ``max_connections`` open at once, and ``total_answer_bytes`` of answers being sent."""
    handler = type("BoundHandler", (Handler,), {"endpoint": endpoint or Endpoint(), "quiet": quiet,
                                                "site": site or SiteRoutes()})
    try:
        server = _Server((host, port), handler)
    except (OSError, OverflowError, UnicodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or " ".join(str(exc).split()) or type(exc).__name__
        raise ServeError(f"cannot listen on {host}:{port} ({reason})") from None
    server.daemon_threads = True
    server.quiet = quiet
    server.max_connections = max_connections
    server.budget = _Budget(total_answer_bytes)
    return server


def serve(host: str = "127.0.0.1", port: int = 7878, *, timeout: float = DEFAULT_TIMEOUT,
          max_rows: int = DEFAULT_MAX_ROWS, workers: int = DEFAULT_WORKERS,
          allow_remote: Sequence[str] = (), source: GraphSource = RELEASE,
          cache_mb: float = DEFAULT_ANSWER_CACHE_MB) -> None:
    """Serve until interrupted: the graph ``source`` names (the release graph or a working copy), to
    the endpoint, the site and ``/rank`` alike, with ``cache_mb`` of answers kept (0: none);
    :class:`ServeError` when the address cannot be listened on."""
    source = local_source(source, "serve")
    endpoint = Endpoint(source=source, timeout=timeout, max_rows=max_rows, workers=workers, allow_remote=allow_remote,
                        cache_bytes=int(cache_mb * 1024 * 1024))
    server = make_server(host, port, endpoint=endpoint, site=SiteRoutes(source=source))
    sys.stderr.write(f"iimgraph: serving {source.describe()} read-only at "
                     f"http://{host}:{server.server_port}/sparql, the site and term pages at "
                     f"http://{host}:{server.server_port}/ (Ctrl-C to stop)\n")
    endpoint.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        endpoint.close()

