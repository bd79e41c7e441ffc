"""Load the release into a SPARQL 1.1 store through the Graph Store Protocol, then check it arrived.

HTTP PUT replaces the target graph (a second publish does not append); without ``graph`` the
default graph is replaced. The triple count is then read back with a ``COUNT`` query, so a store
that accepted the request but kept something else is caught. Only the URL the user gives is
contacted.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Optional

from iimgraph.errors import EndpointError, QueryError

DEFAULT_TIMEOUT = 120.0


@dataclass
class PublishReport:
    store_url: str
    query_url: str
    graph: Optional[str]
    sent: int
    counted: int

    def __str__(self) -> str:
        where = f"<{self.graph}>" if self.graph else "the default graph"
        return f"published {self.sent} triples to {where} at {self.store_url}; the store counts {self.counted}"


def graph_store_url(store_url: str, graph: Optional[str]) -> str:
    """The GSP target: ``?default`` or ``?graph=<iri>`` appended to the store URL."""
    sep = "&" if "?" in store_url else "?"
    if graph is None:
        return f"{store_url}{sep}default"
    return f"{store_url}{sep}graph={urllib.parse.quote(graph, safe='')}"


def default_query_url(store_url: str) -> str:
    """Oxigraph and Fuseki put the query service beside the store service (``/store`` -> ``/query``)."""
    parts = urllib.parse.urlsplit(store_url)
    path = re.sub(r"/(store|data)/?$", "/query", parts.path)
    if path == parts.path:
        path = path.rstrip("/") + "/query" if not path.endswith("/query") else path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _check_url(url: str, what: str) -> None:
    if not re.match(r"^https?://[^\s/]+", url or ""):
        raise QueryError(f"{what} {url!r} is not an http(s) URL")


def publish(store_url: str, *, graph: Optional[str] = None, query_url: Optional[str] = None,
            ntriples: Optional[bytes] = None, timeout: float = DEFAULT_TIMEOUT) -> PublishReport:
    """PUT the release N-Triples to ``store_url`` and verify the count through ``query_url``."""
    from iimgraph.engines import OxigraphEngine, RemoteEngine, release_ntriples

    _check_url(store_url, "store URL")
    if graph is not None:
        from iimgraph.queries import to_iri

        graph = str(to_iri(graph, "graph"))
    query_url = query_url or default_query_url(store_url)
    _check_url(query_url, "query URL")
    data = ntriples if ntriples is not None else release_ntriples()
    sent = len(OxigraphEngine(ntriples=data))  # distinct triples, as the store will count them

    request = urllib.request.Request(graph_store_url(store_url, graph), data=data, method="PUT",
                                     headers={"Content-Type": "application/n-triples"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read(300).decode("utf-8", "replace").split()) if exc.fp else ""
        raise EndpointError(f"{store_url}: PUT refused: HTTP {exc.code} {exc.reason} {detail}".rstrip()) from None
    except urllib.error.URLError as exc:
        raise EndpointError(f"{store_url}: cannot connect ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise EndpointError(f"{store_url}: {exc or 'timed out'}") from None

    pattern = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
    rows = RemoteEngine(query_url, timeout=timeout).execute(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}").rows
    try:
        counted = int(rows[0]["n"])  # type: ignore[arg-type]
    except (IndexError, KeyError, TypeError, ValueError):
        raise EndpointError(f"{query_url}: the COUNT query gave no number") from None
    report = PublishReport(store_url, query_url, graph, sent, counted)
    if counted != sent:
        raise EndpointError(f"{report}: the counts differ")
    return report
