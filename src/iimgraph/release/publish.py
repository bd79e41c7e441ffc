"""Load the release into a SPARQL 1.1 store so that the previous release survives any failure.

The release is PUT (Graph Store Protocol) into a staging graph beside the target, and its triple
count is read back; only then does one SPARQL Update replace the target with the staging graph's
content. Stores such as Oxigraph run one update request as one transaction, so a failure at any
point leaves the target holding either the previous release or the new one, never a mix, and
never nothing: the replacement is guarded so that a missing or emptied staging graph (a retried
request, someone else's cleanup) changes nothing: it runs only if staging holds one known triple of
the release. The staging graph is dropped afterwards, and the
target's count is checked once more; it is dropped too when the replacement fails, so a failed
publish leaves nothing of its own behind.

Some stores have no default graph of their own: Virtuoso's is the union of its named graphs, and it
refuses an update without ``GRAPH``. Publishing to the default graph of such a store replaces the
named graph :data:`DEFAULT_STAND_IN` instead, which queries without ``GRAPH`` then see (the report
says so). Every request has a timeout and is retried only for transient
failures (:mod:`iimgraph.query.http`). Only the URLs the user gives are contacted.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iimgraph.build.graph_source import RELEASE, Release, Sources
from iimgraph.errors import EndpointError, HTTPStatusError, PublishError, QueryError
from iimgraph.query.binding import to_iri
from iimgraph.query.engines import OxigraphEngine, RemoteEngine
from iimgraph.query.http import RETRIES, request

DEFAULT_TIMEOUT = 120.0
STAGING = "urn:iimgraph:staging:"
ANSWER_KEPT = 64 * 1024  # bytes read of an answer nobody needs (the upload's, the updates')
DEFAULT_STAND_IN = "urn:iimgraph:default-graph"
#: what a store says when it has no default graph to write (Virtuoso: "No plain default graph specified ...")
NO_DEFAULT_GRAPH = re.compile(r"plain default graph|not configured to have default graph", re.I)


@dataclass
class PublishReport:
    store_url: str
    query_url: str
    graph: str | None
    sent: int
    counted: int
    stand_in: str | None = None  # the named graph holding the default graph's content, on a union store

    def __str__(self) -> str:
        where = f"<{self.graph}>" if self.graph else "the default graph"
        if self.stand_in:
            where += f" (held in <{self.stand_in}>: the store's default graph is the union of its named graphs)"
        return f"published {self.sent} triples to {where} at {self.store_url}; the store counts {self.counted}"


def graph_store_url(store_url: str, graph: str | None) -> str:
    """The GSP target: ``?default`` or ``?graph=<iri>`` appended to the store URL."""
    sep = "&" if "?" in store_url else "?"
    if graph is None:
        return f"{store_url}{sep}default"
    return f"{store_url}{sep}graph={urllib.parse.quote(graph, safe='')}"


def default_query_url(store_url: str) -> str:
    """Oxigraph and Fuseki put the query service beside the store service (``/store`` -> ``/query``);
    Virtuoso's is ``/sparql``, beside ``/sparql-graph-crud``."""
    parts = urllib.parse.urlsplit(store_url)
    if re.search(r"/sparql-graph-crud/?$", parts.path):
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, re.sub(r"-graph-crud/?$", "", parts.path), "", ""))
    path = re.sub(r"/(store|data)/?$", "/query", parts.path)
    if path == parts.path:
        path = path.rstrip("/") + "/query" if not path.endswith("/query") else path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _check_url(url: str, what: str) -> None:
    if not re.match(r"^https?://[^\s/]+", url or ""):
        raise QueryError(f"{what} {url!r} is not an http(s) URL")


def staging_graph(graph: str | None) -> str:
    """The staging graph for a target: deterministic, so a failed publish's leftovers are replaced next time."""
    return STAGING + hashlib.sha256((graph or "default").encode()).hexdigest()[:16]


def replace_update(graph: str | None, staging: str, marker: str | None = None) -> str:
    """One SPARQL Update that replaces the target with the staging graph, and does nothing if staging lacks
    the release.

    The guard is ``marker``, one ground triple of the release (N-Triples, no blank node), looked up in
    the staging graph: a single index probe that every planner evaluates once. Without a marker (a
    release of blank nodes only) the guard is a count of the staging graph in a subquery. Virtuoso
    took minutes on 24,000 triples with a ``FILTER EXISTS`` per triple and with a ``LIMIT 1``
    subquery, and its planner sometimes runs the count subquery once per target triple too (the
    replacement then never ends within the timeout, depending on the graphs' internal ids), holding
    its locks meanwhile; the marker takes 0.45 s.
    """
    def inside(pattern: str) -> str:
        return pattern if graph is None else f"GRAPH <{graph}> {{ {pattern} }}"

    if marker is not None:
        guard = f"GRAPH <{staging}> {{ {marker} }}"
    else:
        guard = f"{{ SELECT (COUNT(*) AS ?staged) WHERE {{ GRAPH <{staging}> {{ ?a ?b ?c }} }} }} FILTER(?staged > 0)"
    return (f"DELETE {{ {inside('?s ?p ?o')} }} WHERE {{ {guard} {inside('?s ?p ?o')} }} ;\n"
            f"INSERT {{ {inside('?s ?p ?o')} }} WHERE {{ GRAPH <{staging}> {{ ?s ?p ?o }} }}")


def ground_triple(engine: OxigraphEngine) -> str | None:
    """One triple of ``engine``'s default graph without blank nodes, as a SPARQL triple pattern; None if every
    triple has one. An ontology header (IRI, rdf:type, owl:Ontology) is preferred: it is in every release."""
    ontology = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Ontology>"
    for row in engine.store.query(f"SELECT ?s WHERE {{ ?s {ontology} FILTER(isIRI(?s)) }} LIMIT 1"):
        return f"{row['s']} {ontology}"
    for row in engine.store.query("SELECT * WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) } LIMIT 1"):
        return f"{row['s']} {row['p']} {row['o']}"
    return None


def default_update_url(store_url: str) -> str:
    """Oxigraph and Fuseki put the update service beside the store service (``/store`` -> ``/update``);
    Virtuoso's is ``/sparql`` (queries and updates)."""
    return re.sub(r"/query$", "/update", default_query_url(store_url))


def publish(store_url: str, *, graph: str | None = None, query_url: str | None = None,
            update_url: str | None = None, ntriples: bytes | None = None, source: Release | Sources = RELEASE,
            timeout: float = DEFAULT_TIMEOUT, same_origin_redirects: bool = False) -> PublishReport:
    """Replace ``graph`` (default: the default graph) at ``store_url`` with the release, atomically.

    What is published is ``ntriples`` if given, else the graph ``source`` names (default: the release graph).

    No request follows a redirect unless ``same_origin_redirects`` (and then only on the same scheme,
    host and port); the answers to the upload and the updates are read up to 64 KiB, no more.

    Raises :class:`PublishError` whose message says whether the previous release is still in place.
    """
    _check_url(store_url, "store URL")
    if graph is not None:
        graph = str(to_iri(graph, "graph"))
    query_url = query_url or default_query_url(store_url)
    update_url = update_url or default_update_url(store_url)
    _check_url(query_url, "query URL")
    _check_url(update_url, "update URL")
    data = ntriples if ntriples is not None else source.ntriples()
    local = OxigraphEngine(ntriples=data)
    sent = len(local)  # distinct triples, as the store will count them
    marker = ground_triple(local)
    staging = staging_graph(graph)
    target = f"<{graph}>" if graph else "the default graph"
    remote = RemoteEngine(query_url, timeout=timeout, same_origin_redirects=same_origin_redirects)
    unread: dict[str, Any] = {"max_bytes": ANSWER_KEPT, "truncate": True, "same_origin_redirects": same_origin_redirects}

    def count(pattern: str) -> int:
        rows = remote.execute(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}").rows
        try:
            return int(rows[0]["n"])  # type: ignore[arg-type]
        except (IndexError, KeyError, TypeError, ValueError):
            raise EndpointError(f"{query_url}: the COUNT query gave no number") from None

    def update(text: str, what: str, *, timeout: float = timeout, retries: int = RETRIES) -> None:
        request("POST", update_url, data=text.encode("utf-8"), what=what,
                headers={"Content-Type": "application/sparql-update"}, timeout=timeout, retries=retries, **unread)

    try:  # 1. stage: nothing the target holds is touched yet
        request("PUT", graph_store_url(store_url, staging), data=data, timeout=timeout, what="PUT",
                headers={"Content-Type": "application/n-triples"}, **unread)
        staged = count(f"GRAPH <{staging}> {{ ?s ?p ?o }}")
        if staged != sent:
            raise EndpointError(f"the staging graph holds {staged} triples, not the {sent} sent")
    except EndpointError as exc:
        _drop_quietly(update, staging, store_url)
        raise PublishError(f"publish failed before replacing {target}: {exc}; "
                           f"the previous release is still in place") from None
    stand_in = None
    try:  # 2. replace, in one update request (one transaction)
        try:
            update(replace_update(graph, staging, marker), "replace")
        except HTTPStatusError as exc:
            if graph is not None or exc.status != 400 or not NO_DEFAULT_GRAPH.search(str(exc)):
                raise
            # a store whose default graph is the union of its named graphs: one of them stands in for it
            stand_in = DEFAULT_STAND_IN
            update(replace_update(stand_in, staging, marker), "replace")
    except EndpointError as exc:
        _drop_quietly(update, staging, store_url)
        raise PublishError(f"publish failed while replacing {target}: {exc}; the store applies the "
                           f"replacement as one transaction, so it holds either the previous release or "
                           f"the new one, not a mix: run publish again") from None
    held = stand_in or graph
    try:  # 3. clean up and check what readers now see
        update(f"DROP SILENT GRAPH <{staging}>", "drop staging")
        counted = count("?s ?p ?o" if held is None else f"GRAPH <{held}> {{ ?s ?p ?o }}")
    except EndpointError as exc:
        raise PublishError(f"the new release replaced {target}, but the check afterwards failed: {exc}") from None
    report = PublishReport(store_url, query_url, graph, sent, counted, stand_in)
    if counted != sent:
        raise PublishError(f"{report}: the counts differ")
    return report


def _drop_quietly(update: Callable[..., None], staging: str, store_url: str | None = None) -> None:
    """Best effort: a store that just failed may not answer, and the next publish replaces staging anyway.

    When the update service refuses, the Graph Store Protocol's DELETE of the staging graph is tried.
    """
    try:
        update(f"DROP SILENT GRAPH <{staging}>", "drop staging", retries=0, timeout=5.0)
    except EndpointError:
        if store_url is None:
            return
        with contextlib.suppress(EndpointError):
            request("DELETE", graph_store_url(store_url, staging), what="DELETE staging", retries=0, timeout=5.0,
                    max_bytes=ANSWER_KEPT, truncate=True)
