"""A read-only SPARQL 1.1 Protocol endpoint over the embedded release graph (stdlib HTTP server).

Guards, because a public endpoint is an SSRF and denial-of-service surface (FIELD-NOTES 3.1):
updates are refused (403); ``SERVICE`` and ``FROM``/``FROM NAMED`` are refused (400) after a
lexical check *and* a walk of the rdflib algebra; each query has a wall-clock timeout (503) and
results are capped at ``max_rows`` (``X-IIMGraph-Truncated: true`` says so). pyoxigraph cannot be
interrupted mid-query, so a timed-out query's worker thread finishes in the background; the pool is
bounded, so at most ``workers`` such queries run at once.
"""

from __future__ import annotations

import concurrent.futures
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from iimgraph.conneg import SiteRoutes
from iimgraph.engines import OxigraphEngine, refuse_remote_access
from iimgraph.errors import QueryError
from iimgraph.results import Result, to_delimited, to_json, to_xml

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
MAX_BODY = 1_000_000  # bytes of query text accepted

_MEDIA = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
_CONTENT_TYPE = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values"}


class Refused(QueryError):
    """The request is not allowed here: an update (403) or SERVICE / FROM (400)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_query(text: str) -> None:
    """Raise :class:`Refused` or :class:`QueryError` unless ``text`` is a plain read-only query.

    The lexical check (shared with the local engines) runs first; the rdflib algebra walk then
    confirms there is no ``SERVICE`` node and no dataset clause in the parsed query.
    """
    try:
        refuse_remote_access(text)
    except QueryError as exc:
        raise Refused(str(exc).replace(" (run it against a named --endpoint instead)", "")) from None
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(text)
    except Exception as exc:
        try:
            parseUpdate(text)
        except Exception:
            raise QueryError(f"SPARQL syntax error: {' '.join(str(exc).split())[:200]}") from None
        raise Refused("updates are refused: this endpoint is read-only", 403) from None
    from rdflib.plugins.sparql.algebra import translateQuery

    try:
        query = translateQuery(parsed)
    except Exception as exc:
        raise QueryError(f"SPARQL error: {' '.join(str(exc).split())[:200]}") from None
    if getattr(query.algebra, "datasetClause", None):
        raise Refused("FROM and FROM NAMED are refused here")
    found: list[str] = []

    def visit(node: Any) -> Any:
        if getattr(node, "name", None) == "ServiceGraphPattern":
            found.append("SERVICE")
        return None

    from rdflib.plugins.sparql.algebra import traverse

    traverse(query.algebra, visitPre=visit)
    if found:
        raise Refused("SERVICE is refused: this endpoint does not make outbound requests")


def negotiate(accept: str, fmt_param: Optional[str] = None) -> str:
    """Result format from a ``format=`` parameter or the Accept header (JSON when anything goes)."""
    if fmt_param:
        short = fmt_param.lower()
        if short in _CONTENT_TYPE:
            return short
        if short in _MEDIA:
            return _MEDIA[short]
    choices = []
    for i, part in enumerate((accept or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in pieces[1:]:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, i, pieces[0].lower()))
    for _, _, media in sorted(choices):
        if media in _MEDIA:
            return _MEDIA[media]
    return "json"


def render(result: Result, fmt: str) -> bytes:
    if fmt == "xml":
        return to_xml(result).encode()
    if fmt == "csv":
        return to_delimited(result, ",", curies=False).encode()
    if fmt == "tsv":
        return to_delimited(result, "\t", curies=False, sparql_tsv=True).encode()
    return to_json(result).encode()


class Endpoint:
    """The query side: engine, guards, timeout and row cap, independent of HTTP."""

    def __init__(self, engine: Optional[OxigraphEngine] = None, *, timeout: float = DEFAULT_TIMEOUT,
                 max_rows: int = DEFAULT_MAX_ROWS, workers: int = 4) -> None:
        self.engine = engine or OxigraphEngine()
        self.timeout = timeout
        self.max_rows = max_rows
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparql")

    def run(self, text: str) -> Result:
        check_query(text)
        deadline = time.monotonic() + self.timeout
        future = self.pool.submit(self.engine.execute, text, max_rows=self.max_rows, deadline=deadline)
        try:
            return future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"query timed out after {self.timeout:g} s") from None


class Handler(BaseHTTPRequestHandler):
    server_version = "iimgraph-sparql"
    endpoint: Endpoint  # set on the subclass made by make_server
    site: SiteRoutes  # likewise
    quiet = False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if not self.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, status: int, body: bytes, content_type: str, extra: Optional[dict[str, str]] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, (message.rstrip() + "\n").encode(), "text/plain; charset=utf-8")

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        parts = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(parts.query)
        if parts.path not in ("/sparql", "/query"):
            self._site(parts)
            return
        if "update" in params:
            self._error(403, "updates are refused: this endpoint is read-only")
            return
        if "query" not in params:
            self._error(400, "missing 'query' parameter")
            return
        self._answer(params["query"][0], params.get("format", [None])[0])

    def do_POST(self) -> None:  # noqa: N802
        parts = urllib.parse.urlsplit(self.path)
        if parts.path not in ("/sparql", "/query", "/update"):
            self._error(404, f"not found: {parts.path} (the endpoint is /sparql)")
            return
        length = int(self.headers.get("Content-Length") or 0)
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
            text: Optional[str] = body
        elif ctype in ("application/x-www-form-urlencoded", ""):
            form = urllib.parse.parse_qs(body)
            if "update" in form:
                self._error(403, "updates are refused: this endpoint is read-only")
                return
            text = (form.get("query") or [None])[0]
            params.update(form)
        else:
            self._error(415, f"unsupported content type {ctype!r}")
            return
        if not text:
            self._error(400, "missing 'query' parameter")
            return
        self._answer(text, params.get("format", [None])[0])

    def _site(self, parts: urllib.parse.SplitResult) -> None:
        """The site, the term pages (content negotiation) and /run/NAME; see :mod:`iimgraph.conneg`."""
        from iimgraph.conneg import RunQuery

        routed = self.site.handle(parts.path, parts.query, self.headers.get("Accept", ""))
        if routed is None:
            self._error(404, f"not found: {parts.path} (the endpoint is /sparql; the site starts at /)")
        elif isinstance(routed, RunQuery):
            self._answer(routed.text, routed.fmt)
        else:
            self._send(routed.status, routed.body, routed.content_type, routed.headers)

    def _answer(self, text: str, fmt_param: Optional[str]) -> None:
        fmt = negotiate(self.headers.get("Accept", ""), fmt_param)
        try:
            result = self.endpoint.run(text)
        except Refused as exc:
            self._error(exc.status, f"refused: {exc}")
            return
        except QueryError as exc:
            status = 503 if "timed out" in str(exc) else 400
            self._error(status, str(exc))
            return
        except TimeoutError as exc:
            self._error(503, str(exc))
            return
        extra = {"X-IIMGraph-Truncated": "true"} if result.truncated else {}
        self._send(200, render(result, fmt), _CONTENT_TYPE[fmt] + "; charset=utf-8", extra)

    do_HEAD = do_GET


def make_server(host: str = "127.0.0.1", port: int = 0, *, endpoint: Optional[Endpoint] = None,
                quiet: bool = False, site: Optional[SiteRoutes] = None) -> ThreadingHTTPServer:
    """A ready (not yet serving) HTTP server; ``port=0`` picks a free port (``server.server_port``)."""
    handler = type("BoundHandler", (Handler,), {"endpoint": endpoint or Endpoint(), "quiet": quiet,
                                                "site": site or SiteRoutes()})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(host: str = "127.0.0.1", port: int = 7878, *, timeout: float = DEFAULT_TIMEOUT,
          max_rows: int = DEFAULT_MAX_ROWS) -> None:
    """Serve until interrupted."""
    server = make_server(host, port, endpoint=Endpoint(timeout=timeout, max_rows=max_rows))
    sys.stderr.write(f"iimgraph: serving the release graph read-only at "
                     f"http://{host}:{server.server_port}/sparql, the site and term pages at "
                     f"http://{host}:{server.server_port}/ (Ctrl-C to stop)\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

