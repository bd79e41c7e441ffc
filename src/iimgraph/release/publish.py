"""Load the release into a SPARQL 1.1 store so that the target always holds one release, complete.

Staging graphs left by earlier runs (``urn:iimgraph:staging:*``: a killed publish) are removed first.
The release is PUT (Graph Store Protocol) into a staging graph beside the target, and its triple
count is read back; only then does one SPARQL Update replace the target with the staging graph's
content, guarded so that a missing or emptied staging graph (a retried request, someone else's
cleanup) changes nothing: it runs only if staging holds one known triple of the release.

No store's promise is taken on trust after a failure (Oxigraph runs an update as one transaction and
goes on with it after its client left; Virtuoso may roll it back when the client leaves, and without
transactions a store can stop between the DELETE and the INSERT). After any failure or interrupt,
publish waits until the store answers, finds out what the target holds (its count against the
release's and the count before, and the release's ground triple), fills it from staging again if it
is empty or mixed, runs a replacement whose answer was lost once more (it is idempotent), and only
then drops staging, watching that it stays gone; if the target changes after that, the release in
hand is PUT into it. The error says which release the target holds and names any staging graph
left.

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
import time
import urllib.parse
from dataclasses import dataclass

from iimgraph.build.graph_source import RELEASE, Release, Sources
from iimgraph.errors import EndpointError, HTTPStatusError, PublishError, QueryError
from iimgraph.namespaces import OWL_ONTOLOGY, RDF_TYPE
from iimgraph.query.binding import to_iri
from iimgraph.query.engines import OxigraphEngine
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
    removed: tuple[str, ...] = ()  # staging graphs of earlier runs, removed first

    def __str__(self) -> str:
        where = f"<{self.graph}>" if self.graph else "the default graph"
        if self.stand_in:
            where += f" (held in <{self.stand_in}>: the store's default graph is the union of its named graphs)"
        text = f"published {self.sent} triples to {where} at {self.store_url}; the store counts {self.counted}"
        if self.removed:
            text += "; removed staging graphs left by earlier runs: " + ", ".join(f"<{g}>" for g in self.removed)
        return text


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
    ontology = f"<{RDF_TYPE}> <{OWL_ONTOLOGY}>"
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
            timeout: float = DEFAULT_TIMEOUT, same_origin_redirects: bool = False,
            settle: float | None = None) -> PublishReport:
    """Replace ``graph`` (default: the default graph) at ``store_url`` with the release.

    What is published is ``ntriples`` if given, else the graph ``source`` names (default: the release graph).

    No request follows a redirect unless ``same_origin_redirects`` (and then only on the same scheme,
    host and port); the answers to the upload and the updates are read up to 64 KiB, no more.
    Staging graphs left by earlier runs are removed first (the report names them).

    After a failure or an interrupt (``KeyboardInterrupt``, which the CLI also raises on SIGTERM),
    publish spends up to ``settle`` seconds (default: :func:`settle_seconds`) finding out what the
    target holds, restores it from staging if it ended empty or mixed, and only then drops staging.
    Raises :class:`PublishError` whose message says which release the target holds, and names any
    staging graph it could not remove; ``interrupted`` is set when an interrupt caused it.
    """
    _check_url(store_url, "store URL")
    if graph is not None:
        graph = str(to_iri(graph, "graph"))
    query_url = query_url or default_query_url(store_url)
    update_url = update_url or default_update_url(store_url)
    _check_url(query_url, "query URL")
    _check_url(update_url, "update URL")
    data = ntriples if ntriples is not None else source.ntriples()
    run = _Publish(store_url, query_url, update_url, graph, data, timeout, same_origin_redirects,
                   settle_seconds(timeout) if settle is None else settle)
    return run.run()


def settle_seconds(timeout: float) -> float:
    """How long publish may spend, after a failure, finding out what the store holds and cleaning up:
    twice the request timeout, at least 10 s and at most 60 s."""
    return min(max(10.0, 2 * timeout), 60.0)


QUIET = 2.0  # seconds a graph's count must stay unchanged before publish believes a store is done with it
#: seconds staging must stay gone after an upload the client gave up on: the whole PUT may already sit in a
#: proxy's or the store's buffers and land after the first drop (seen under load: 2 s was not enough, and
#: 10 s once, with three test processes on two cores); at most half the time publish may spend settling
UPLOAD_QUIET = 20.0
POLL = 0.5   # seconds between two looks at the store while it settles


class _Publish:
    """One publish: the steps, and what to do when one of them fails."""

    def __init__(self, store_url: str, query_url: str, update_url: str, graph: str | None, data: bytes,
                 timeout: float, same_origin_redirects: bool, settle: float) -> None:
        self.store_url, self.query_url, self.update_url = store_url, query_url, update_url
        self.graph, self.data, self.timeout, self.settle = graph, data, timeout, settle
        self.same_origin = same_origin_redirects
        local = OxigraphEngine(ntriples=data)
        self.sent = len(local)  # distinct triples, as the store will count them
        self.marker = ground_triple(local)
        self.staging = staging_graph(graph)
        self.target = f"<{graph}>" if graph else "the default graph"
        self.held: str | None = graph  # the graph that holds the target's content (a stand-in on a union store)
        self.stand_in: str | None = None
        self.before: int | None = None  # the target's count before the replacement
        self.uploading = False  # the PUT to staging is under way, not answered yet

    # --- requests -------------------------------------------------------------------------------------

    def count(self, pattern: str, *, timeout: float | None = None, retries: int = RETRIES) -> int:
        import urllib.parse

        from iimgraph.query.engines import read_sparql_json

        body = urllib.parse.urlencode({"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"}).encode()
        answer = request("POST", self.query_url, data=body, timeout=timeout or self.timeout, retries=retries,
                         what="count", same_origin_redirects=self.same_origin,
                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                  "Accept": "application/sparql-results+json"})
        try:
            return int(read_sparql_json(answer.body).rows[0]["n"])  # type: ignore[arg-type]
        except (IndexError, KeyError, TypeError, ValueError, QueryError):
            raise EndpointError(f"{self.query_url}: the COUNT query gave no number") from None

    def update(self, text: str, what: str, *, timeout: float | None = None, retries: int = RETRIES) -> None:
        request("POST", self.update_url, data=text.encode("utf-8"), what=what,
                headers={"Content-Type": "application/sparql-update"}, timeout=timeout or self.timeout,
                retries=retries, max_bytes=ANSWER_KEPT, truncate=True, same_origin_redirects=self.same_origin)

    def inside(self, graph: str | None, pattern: str = "?s ?p ?o") -> str:
        return pattern if graph is None else f"GRAPH <{graph}> {{ {pattern} }}"

    # --- the steps ------------------------------------------------------------------------------------

    def run(self) -> PublishReport:
        try:
            removed = self.remove_stale()
        except (EndpointError, KeyboardInterrupt) as exc:
            raise PublishError(f"publish {_why(exc)} before staging: {_text(exc)}; {self.target} was not touched",
                               interrupted=isinstance(exc, KeyboardInterrupt)) from None
        try:  # 1. stage: nothing the target holds is touched yet
            self.uploading = True
            request("PUT", graph_store_url(self.store_url, self.staging), data=self.data, timeout=self.timeout,
                    what="PUT", headers={"Content-Type": "application/n-triples"}, max_bytes=ANSWER_KEPT,
                    truncate=True, same_origin_redirects=self.same_origin)
            self.uploading = False
            staged = self.count(self.inside(self.staging))
            if staged != self.sent:
                raise EndpointError(f"the staging graph holds {staged} triples, not the {self.sent} sent")
        except (EndpointError, KeyboardInterrupt) as exc:
            raise self.failed_before(exc) from None
        try:  # 2. replace, in one update request
            self.replace()
        except (EndpointError, KeyboardInterrupt) as exc:
            raise self.failed_replacing(exc) from None
        try:  # 3. clean up and check what readers now see
            self.update(f"DROP SILENT GRAPH <{self.staging}>", "drop staging")
            counted = self.count(self.inside(self.held))
        except (EndpointError, KeyboardInterrupt) as exc:
            raise self.failed_after(exc) from None
        report = PublishReport(self.store_url, self.query_url, self.graph, self.sent, counted, self.stand_in,
                               tuple(removed))
        if counted != self.sent:
            raise PublishError(f"{report}: the counts differ")
        return report

    def remove_stale(self) -> list[str]:
        """Drop every staging graph of earlier runs (an interrupted or killed publish): on a store whose
        default graph is the union of its graphs, readers would see the release twice."""
        import urllib.parse

        from iimgraph.query.engines import read_sparql_json

        query = (f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}')
        answer = request("POST", self.query_url, data=urllib.parse.urlencode({"query": query}).encode(),
                         timeout=self.timeout, what="list staging graphs", same_origin_redirects=self.same_origin,
                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                  "Accept": "application/sparql-results+json"})
        try:
            found = sorted(str(row["g"]) for row in read_sparql_json(answer.body).rows)
        except (KeyError, TypeError, ValueError, QueryError) as exc:  # not an answer to this query: one line
            raise EndpointError(f"{self.query_url}: the list of staging graphs is not SPARQL results JSON "
                                f"({' '.join(str(exc).split())[:200]})") from None
        found = [g for g in found if re.fullmatch(re.escape(STAGING) + r"[\w.:-]+", g)]
        if found:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in found), "drop stale staging graphs")
        return [g for g in found if g != self.staging]

    def replace(self) -> None:
        self.before = self.count(self.inside(self.graph))
        try:
            self.update(replace_update(self.graph, self.staging, self.marker), "replace")
        except HTTPStatusError as exc:
            if self.graph is not None or exc.status != 400 or not NO_DEFAULT_GRAPH.search(str(exc)):
                raise
            # a store whose default graph is the union of its named graphs: one of them stands in for it
            self.stand_in = self.held = DEFAULT_STAND_IN
            self.before = self.count(self.inside(self.held))
            self.update(replace_update(self.held, self.staging, self.marker), "replace")

    # --- after a failure --------------------------------------------------------------------------------

    def failed_before(self, exc: BaseException) -> PublishError:
        """The target was not touched: make sure the staging graph is gone (a PUT the client gave up on
        may still be loading at the store), then say so."""
        deadline = time.monotonic() + self.settle
        gone = self.drop_staging(deadline, quiet=min(UPLOAD_QUIET, self.settle / 2))
        held = self.probe(self.inside(self.graph), deadline)
        state = ("the previous release is still in place" +
                 (f" ({held} triples in {self.target})" if held is not None else " (the target was not touched)"))
        error = self.error(f"publish {_why(exc)} before replacing {self.target}: {_text(exc)}; {state}", gone, exc)
        if gone and self.uploading and not isinstance(exc, HTTPStatusError):
            # the store never answered the PUT: all of it may still sit in its buffers (or a proxy's) and
            # load after the watch (seen on a loaded machine): say so, naming the graph, rather than promise
            error = PublishError(f"{error}, but an upload the store was still reading may load <{self.staging}> "
                                 "again later: run publish again, which removes it first",
                                 interrupted=error.interrupted)
        return error

    def failed_replacing(self, exc: BaseException) -> PublishError:
        """The replacement may have run, in part, in full, or not at all, and may still be running.

        Wait until the store answers and the target settles; a target neither previous nor new (a
        store without transactions stopped half-way) is filled from staging again. Staging is dropped
        only once the target holds one release, complete; if it changes after that (the lost request
        was still running), it is restored from the release in hand."""
        deadline = time.monotonic() + self.settle
        answered = isinstance(exc, HTTPStatusError)  # the store answered: it is done with the request
        state, restored = self.settle_target(deadline, answered)
        if state == "previous" and not answered and not isinstance(exc, KeyboardInterrupt):
            # the answer was lost (a timeout, a cut connection) and the store may still be working on it:
            # run the replacement, which is idempotent, once more, so that the outcome is known
            try:
                self.update(replace_update(self.held, self.staging, self.marker), "replace again",
                            timeout=max(1.0, deadline - time.monotonic()), retries=0)
                answered = True
            except EndpointError:
                pass
            state, again = self.settle_target(deadline, answered)
            restored = restored or again
        gone = False
        if state in ("new", "previous"):
            gone = self.drop_staging(deadline, quiet=0.0)
            state = self.watch_target(deadline)  # a lost request still running would show now
            if state not in ("new", "previous", "unknown"):  # and staging is gone: the release in hand
                restored = self.restore_from_release(deadline) or restored
                state = self.target_state(deadline)
        where = f" ({self.held_name()})" if self.stand_in else ""
        if state == "new":
            held = f"the new release is in place{where}, complete ({self.sent} triples)"
            held += ", restored from staging" if restored else ""
        elif state == "previous":
            held = f"the previous release is still in place{where} ({self.before} triples, as before)"
        elif state == "unknown":
            held = "the store did not answer in time to say what the target holds"
        else:
            held = (f"the target holds {state}, neither release; the new release is complete in the staging graph "
                    f"<{self.staging}>, kept: run publish again")
        message = f"publish {_why(exc)} while replacing {self.target}: {_text(exc)}; {held}"
        if state in ("new", "previous", "unknown"):
            return self.error(message, gone, exc)
        return PublishError(message, interrupted=isinstance(exc, KeyboardInterrupt))

    def failed_after(self, exc: BaseException) -> PublishError:
        deadline = time.monotonic() + self.settle
        gone = self.drop_staging(deadline, quiet=0.0)
        state = self.target_state(deadline)
        held = (f"the new release is in place, complete ({self.sent} triples)" if state == "new" else
                f"the target now holds {state}" if state not in ("unknown",) else
                "the store did not answer a count afterwards")
        return self.error(f"publish {_why(exc)} after replacing {self.target}: {_text(exc)}; {held}", gone, exc)

    def error(self, message: str, gone: bool, exc: BaseException) -> PublishError:
        if gone:
            message += "; the staging graph was removed"
        else:
            message += (f"; the staging graph <{self.staging}> could not be removed: drop it "
                        f"(DROP SILENT GRAPH <{self.staging}>) or run publish again, which removes it first")
        return PublishError(message, interrupted=isinstance(exc, KeyboardInterrupt))

    def held_name(self) -> str:
        return f"held in <{self.held}>" if self.held else "the default graph"

    def probe(self, pattern: str, deadline: float) -> int | None:
        """The count of ``pattern`` once the store answers, or None if it does not before ``deadline``."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                return self.count(pattern, timeout=max(1.0, min(self.timeout, left)), retries=0)
            except EndpointError:
                time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))

    def target_state(self, deadline: float) -> str:
        """``new`` (the release's count and its ground triple), ``previous`` (the count it had before),
        ``unknown`` (no answer), or a description of what it holds instead."""
        n = self.probe(self.inside(self.held), deadline)
        if n is None:
            return "unknown"
        marked = True
        if self.marker is not None:
            m = self.probe(self.inside(self.held, self.marker), deadline)
            if m is None:
                return "unknown"
            marked = m > 0
        if n == self.sent and marked:
            return "new"
        if n == self.before:
            return "previous"
        return "no triple" if n == 0 else f"{n} triples"

    def watch_target(self, deadline: float) -> str:
        """The target's state after it stayed the same for :data:`QUIET` seconds (or at ``deadline``)."""
        last, since = self.target_state(deadline), time.monotonic()
        while time.monotonic() - since < QUIET and time.monotonic() < deadline:
            time.sleep(POLL)
            state = self.target_state(deadline)
            if state != last:
                last, since = state, time.monotonic()
        return last

    def settle_target(self, deadline: float, answered: bool) -> tuple[str, bool]:
        """What the target holds once the store is done with the replacement; refilled from staging
        when it holds neither release. (state, whether it was restored)."""
        restored = False
        last, since = None, time.monotonic()
        while True:
            state = self.target_state(deadline)
            if state in ("new", "unknown"):
                return state, restored
            if state != last:
                last, since = state, time.monotonic()
            quiet = answered or time.monotonic() - since >= QUIET
            if quiet and state == "previous":
                return state, restored
            if quiet:  # empty or mixed, and no longer changing: fill it from staging again
                left = deadline - time.monotonic()
                if left <= 0 or self.probe(self.inside(self.staging), deadline) != self.sent:
                    return state, restored
                try:
                    self.update(replace_update(self.held, self.staging, self.marker), "restore",
                                timeout=max(1.0, left), retries=0)
                    restored, answered = True, True
                except EndpointError:
                    answered = False
                continue
            if time.monotonic() >= deadline:
                return state, restored
            time.sleep(POLL)

    def restore_from_release(self, deadline: float) -> bool:
        """The last resort, once staging is gone: the release in hand, PUT straight into the target."""
        if self.held is None:
            return False
        try:
            request("PUT", graph_store_url(self.store_url, self.held), data=self.data, what="restore",
                    headers={"Content-Type": "application/n-triples"}, retries=0, max_bytes=ANSWER_KEPT,
                    timeout=max(1.0, deadline - time.monotonic()), truncate=True, same_origin_redirects=self.same_origin)
        except EndpointError:
            return False
        return True

    def drop_staging(self, deadline: float, *, quiet: float) -> bool:
        """Drop the staging graph once the store answers, and watch it stay gone for ``quiet`` seconds
        (a PUT the client gave up on may still be loading it); True if it is gone."""
        while time.monotonic() < deadline:
            if self.probe(self.inside(self.staging), deadline) is None:
                return False
            left = max(1.0, min(self.timeout, deadline - time.monotonic()))
            try:
                self.update(f"DROP SILENT GRAPH <{self.staging}>", "drop staging", timeout=left, retries=0)
            except EndpointError:
                with contextlib.suppress(EndpointError):
                    request("DELETE", graph_store_url(self.store_url, self.staging), what="DELETE staging",
                            retries=0, timeout=left, max_bytes=ANSWER_KEPT, truncate=True,
                            same_origin_redirects=self.same_origin)
            watch_until = time.monotonic() + quiet
            while True:
                n = self.probe(self.inside(self.staging), deadline)
                if n is None:
                    return False
                if n > 0:
                    break  # loaded again, or not dropped: drop it again
                if time.monotonic() >= watch_until:
                    return True
                time.sleep(POLL)
            time.sleep(POLL)
        return False


def _why(exc: BaseException) -> str:
    return "was interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"


def _text(exc: BaseException) -> str:
    return "by a signal" if isinstance(exc, KeyboardInterrupt) else str(exc)
