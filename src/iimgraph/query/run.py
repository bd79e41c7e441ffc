"""Running queries: a packaged one by name or ad-hoc text, on the engine over a graph source, with
an optional hard timeout (a killable worker); and explaining an empty answer.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from iimgraph import worker
from iimgraph.build.graph_source import RELEASE, GraphSource
from iimgraph.errors import QueryError
from iimgraph.namespaces import RDFS_LABEL, XSD, display_curie
from iimgraph.query.binding import TRUE_WORDS, bind, check_text, resolve_params, sparql_term
from iimgraph.query.catalogue import get_query, split_lists
from iimgraph.query.engines import DEFAULT_ENGINE, DEFAULT_TIMEOUT, Engine, RemoteEngine, engine_for
from iimgraph.query.results import IRI, Literal, Result, Row, Term
from iimgraph.settings import SECONDS, check_number

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:  # the store module (and the RDF reader it uses) is imported only when a store is opened
    from typing import Any



# --- running ---------------------------------------------------------------------------------------


def _run(text: str, source: GraphSource, engine: str | Engine, timeout: float | None,
         allow_remote: Sequence[str]) -> Result:
    """One query on the engine over ``source``. A local query with a ``timeout`` runs in a worker
    process killed at the deadline (:mod:`iimgraph.worker`); without one it runs here, in this process."""
    if timeout is not None:  # the one check every number a user gives goes through (nan would never expire)
        timeout = check_number(timeout, "timeout", SECONDS)
    chosen = engine_for(source, engine, timeout=timeout if timeout is not None else DEFAULT_TIMEOUT)
    check_text(text, "query")
    if timeout is None or isinstance(chosen, RemoteEngine):
        return chosen.execute(text, allow_remote=allow_remote)

    return worker.call(chosen.execute, text, timeout=timeout, allow_remote=allow_remote)


def execute(name: str, params: Mapping[str, Any] | None = None, *, source: GraphSource = RELEASE,
            engine: str | Engine = DEFAULT_ENGINE, timeout: float | None = None,
            allow_remote: Sequence[str] = ()) -> Result:
    """Run a packaged query and return the typed :class:`Result` (what the CLI formats).

    ``source``: which graph (:mod:`iimgraph.build.graph_source`; default the release graph); ``engine``: an
    engine name for a local graph, or an engine already made (:func:`iimgraph.query.engines.engine_for`).
    ``timeout`` (seconds): on an endpoint, the limit per HTTP request (default 60); on a local
    engine, a hard wall-clock limit enforced by running the query in a worker process that is
    killed at the deadline (:class:`iimgraph.worker.QueryTimeout`). ``None``, the default for
    local engines, runs the query in this process with no limit: fastest, for trusted queries.
    ``allow_remote``: IRIs that ``SERVICE``/``FROM`` may name in a local query (default: none).
    """
    query = get_query(name)
    text = bind(query.text, resolve_params(query, params))
    return split_lists(_run(text, source, engine, timeout, allow_remote), query.lists)


def execute_sparql(text: str, *, source: GraphSource = RELEASE, engine: str | Engine = DEFAULT_ENGINE,
                   bindings: Mapping[str, Term] | None = None, timeout: float | None = DEFAULT_TIMEOUT,
                   allow_remote: Sequence[str] = ()) -> Result:
    """Run an ad-hoc query; ``bindings`` (variable -> :class:`IRI`/:class:`Literal`) go into a VALUES block.

    ``timeout`` and ``allow_remote`` as for :func:`execute`, except that ad-hoc text may be anything
    (a runaway query cannot even be stopped with Ctrl-C inside pyoxigraph), so the local default is
    a killable worker with a 60 s limit; pass ``timeout=None`` to run in-process.
    """
    if not text or not text.strip():
        raise QueryError("empty query")
    return _run(bind(text, bindings or {}), source, engine, timeout, allow_remote)


def explain(name: str, params: Mapping[str, Any] | None, result: Result, **run: Any) -> list[str]:
    """Why a packaged query's answer may not be what was asked, as warnings for the user.

    Only an empty answer is explained (a query with rows costs no second query): an identifier given
    as a parameter that the graph does not hold is named, and where the catalogue knows why, so is
    that: claims that sit on an ancestor (queries with an ``inherited`` parameter are run again with
    it) and the query's own ``# empty:`` note. ``run`` are :func:`execute`'s keyword arguments
    (source, engine, timeout, allow_remote).
    """
    if result.rows or result.is_ask:
        return []
    query = get_query(name)
    given = dict(params or {})
    bound = resolve_params(query, given)
    notes = []
    for p in query.params:
        if p.type != "curie" or given.get(p.name) in (None, ""):
            continue
        term = bound[p.variable]
        shown = display_curie(term)
        ask = (f"ASK {{ {{ {sparql_term(term)} ?p ?o }} UNION {{ ?s ?p {sparql_term(term)} }} "
               f"UNION {{ ?s ?p {sparql_term(Literal(shown))} }} }}")
        if not execute_sparql(ask, **run).boolean:
            notes.append(f"{shown} (parameter {p.name}) is not in the graph: nothing can match it")
    if result.rows or notes:
        return notes
    flag = next((p for p in query.params if p.name == "inherited" and p.type == "boolean"), None)
    if flag is not None and str(given.get("inherited", "")).lower() not in TRUE_WORDS:
        wider = execute(name, {**given, "inherited": True}, **run)
        holders = sorted({str(r["inherited_from"]) for r in wider.rows if r.get("inherited_from")})
        if holders:
            values = " ".join(sparql_term(IRI(h)) for h in holders)
            labels = {str(r["a"]): str(r["l"]) for r in execute_sparql(
                f"SELECT ?a ?l WHERE {{ VALUES ?a {{ {values} }} ?a <{RDFS_LABEL}> ?l }}",
                **run).rows}
            named = ", ".join(f"{display_curie(h)} ({labels[h]})" if h in labels else display_curie(h) for h in holders)
            what = display_curie(bound["disease"]) if "disease" in bound else "it"
            own = next((str(r["label"]) for r in wider.rows if r.get("label")), None)
            what += f" ({own})" if own and "disease" in bound else ""
            notes.append(f"no {query.title.lower()} claims are about {what} itself; {len(wider.rows)} are about "
                         f"its ancestor{'s' if len(holders) > 1 else ''} {named}: -p inherited=true lists them")
            return notes
    for p in query.params:
        if p.type == "source" and p.variable in bound:
            names = [display_curie(r["source"]) for r in execute("sources", {}, **run).rows]
            close = difflib.get_close_matches(display_curie(bound[p.variable]), names, n=3, cutoff=0.6)
            if display_curie(bound[p.variable]) not in names:
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                notes.append(f"no source is called {display_curie(bound[p.variable])}{hint}; "
                             "`iimgraph sources` lists them")
                return notes
    if query.empty:
        notes.append(query.empty)
    return notes


def _rows(result: Result) -> list[Row]:
    if result.is_ask:
        return [{"ask": Literal("true" if result.boolean else "false", XSD + "boolean")}]
    return result.rows


def run_query(name: str, params: Mapping[str, Any] | None = None, *, source: GraphSource = RELEASE,
              engine: str | Engine = DEFAULT_ENGINE, timeout: float | None = None,
              allow_remote: Sequence[str] = ()) -> list[Row]:
    """Rows of a packaged query as dicts of variable -> IRI/Literal (``str`` subclasses) or None.

    ``timeout``: see :func:`execute` (a number makes a local query killable; None runs it in-process).
    """
    return _rows(execute(name, params, source=source, engine=engine, timeout=timeout, allow_remote=allow_remote))


def run_sparql(text: str, *, source: GraphSource = RELEASE, engine: str | Engine = DEFAULT_ENGINE,
               bindings: Mapping[str, Term] | None = None, timeout: float | None = DEFAULT_TIMEOUT,
               allow_remote: Sequence[str] = ()) -> list[Row]:
    """Rows of an ad-hoc query, in the same shape as :func:`run_query`."""
    return _rows(execute_sparql(text, source=source, engine=engine, bindings=bindings, timeout=timeout,
                                allow_remote=allow_remote))
