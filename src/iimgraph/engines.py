"""SPARQL engines behind one interface: embedded Oxigraph (default), rdflib, or a remote endpoint.

Each engine's ``execute(query)`` returns a :class:`iimgraph.results.Result`, so callers never see
engine-specific terms. The Oxigraph engine loads the release graph from N-Triples, cached per
process and on disk (keyed by package version and a hash of the source files), so a query from the
CLI does not rebuild the graph with rdflib each time. Local engines refuse ``SERVICE`` and
``FROM``/``FROM NAMED``: nothing reaches the network unless the user named an endpoint.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Protocol

from iimgraph import __version__
from iimgraph.errors import EndpointError, QueryError
from iimgraph.results import IRI, BNode, Literal, Result, Row, Term

DEFAULT_ENGINE = "oxigraph"
ENGINES = ("oxigraph", "rdflib")
DEFAULT_TIMEOUT = 60.0
_SOURCE_SUFFIXES = (".ttl", ".sssom.tsv")  # as build.SOURCE_SUFFIXES (not imported: build imports rdflib)


class Engine(Protocol):
    name: str

    def execute(self, query: str, *, max_rows: Optional[int] = None,
                deadline: Optional[float] = None) -> Result: ...


# --- the release graph as N-Triples -----------------------------------------------------------------


_BUILD_MODULES = ("build.py", "sssom.py", "namespaces.py", "terms.py")


def _sources_digest(folder: Path) -> str:
    """Hash of the source files and of the code that builds them: the cache key changes when either does."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for module in _BUILD_MODULES:
        try:
            digest.update(module.encode() + b"\0" + (package / module).read_bytes())
        except OSError:
            digest.update(module.encode() + b"\0missing")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(_SOURCE_SUFFIXES))
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:20]


def cache_dir() -> Path:
    env = os.environ.get("IIMGRAPH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iimgraph"


@lru_cache(maxsize=1)
def release_ntriples() -> bytes:
    """The packaged release graph as N-Triples: from the disk cache if it matches the sources, else built."""
    from iimgraph.resources import ontology_dir

    key = _sources_digest(ontology_dir())
    cached = cache_dir() / f"release-{__version__}-{key}.nt"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    from iimgraph.build import load_graph

    data = load_graph().serialize(format="nt", encoding="utf-8")
    try:  # the cache is an optimisation: an unwritable cache folder is not an error
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".release-", suffix=".nt")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, cached)
    except OSError:
        pass
    return data


# --- refusing network access from local engines ----------------------------------------------------

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_MASK = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*', re.S)
_FORBIDDEN = re.compile(r"(?<![\w:?$.-])(SERVICE|FROM)(?![\w:-])", re.I)


def _unescape(query: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)


def refuse_remote_access(query: str) -> None:
    """Raise QueryError if the query could make an engine fetch a URL (``SERVICE``, ``FROM``, ``FROM NAMED``).

    A lexical check on purpose: it runs before any parser, needs no rdflib, and errs on the side of
    refusing. Codepoint escapes are decoded first, since SPARQL allows them anywhere.
    """
    masked = _MASK.sub(" ", _unescape(query))
    m = _FORBIDDEN.search(masked)
    if m:
        word = m.group(1).upper()
        raise QueryError(f"{word} is refused here: a local query may not reach the network "
                         f"(run it against a named --endpoint instead)")


# --- engines ---------------------------------------------------------------------------------------


def _check_deadline(deadline: Optional[float]) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise QueryError("query timed out")


class OxigraphEngine:
    """Embedded pyoxigraph store holding the release graph (or any N-Triples given), or an open on-disk store.

    With ``store`` (a :class:`iimgraph.store.StoreHandle`) queries read the union of its named
    graphs: the IIM graph and every companion loaded next to it.
    """

    name = "oxigraph"

    def __init__(self, ntriples: Optional[bytes] = None, *, store: Any = None) -> None:
        import pyoxigraph as ox

        self._ox = ox
        self.handle = store
        self._union = store is not None
        if store is not None:
            self.store = store.store
        else:
            self.store = ox.Store()
            self.store.bulk_load(ntriples if ntriples is not None else release_ntriples(),
                                 format=ox.RdfFormat.N_TRIPLES)

    def __len__(self) -> int:
        return len(self.store)

    def _term(self, term: Any) -> Optional[Term]:
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

    def execute(self, query: str, *, max_rows: Optional[int] = None,
                deadline: Optional[float] = None) -> Result:
        refuse_remote_access(query)
        try:
            answer = self.store.query(query, use_default_graph_as_union=self._union)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from None
        ox = self._ox
        if isinstance(answer, ox.QueryBoolean):
            return Result(variables=[], boolean=bool(answer))
        rows: list[Row] = []
        truncated = False
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            it: Any = ([sol[i] for i in range(len(variables))] for sol in answer)
        else:  # QueryTriples
            variables = ["subject", "predicate", "object"]
            it = ([t.subject, t.predicate, t.object] for t in answer)
        seen: dict[Any, Optional[Term]] = {None: None}  # rows repeat terms: convert each once per query
        convert = self._term
        try:
            for values in it:
                _check_deadline(deadline)
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                row = {}
                for v, t in zip(variables, values):
                    term = seen.get(t, seen)
                    if term is seen:
                        term = seen[t] = convert(t)
                    row[v] = term
                rows.append(row)
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from None
        finally:
            # pyoxigraph iterators are thread-bound: drop them here, not wherever a traceback is collected
            it = answer = None
        return Result(variables=variables, rows=rows, truncated=truncated)


class RdflibEngine:
    """rdflib over the release graph built from the sources: the reference implementation."""

    name = "rdflib"

    def __init__(self, graph: Any = None) -> None:
        if graph is None:
            from iimgraph.build import load_graph

            graph = load_graph()
        self.graph = graph

    def _term(self, term: Any) -> Optional[Term]:
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

    def execute(self, query: str, *, max_rows: Optional[int] = None,
                deadline: Optional[float] = None) -> Result:
        refuse_remote_access(query)
        try:
            answer = self.graph.query(query)
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
                _check_deadline(deadline)
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append({v: self._term(t) for v, t in zip(variables, values)})
        except QueryError:
            raise
        except Exception as exc:  # pyparsing and evaluation errors have many types
            raise QueryError(f"SPARQL error (rdflib): {' '.join(str(exc).split())[:300]}") from None
        return Result(variables=variables, rows=rows, truncated=truncated)


class RemoteEngine:
    """A SPARQL 1.1 endpoint over HTTP, through SPARQLWrapper: POST, a timeout, clear errors."""

    name = "remote"

    def __init__(self, endpoint: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not re.match(r"^https?://[^\s/]+", endpoint or ""):
            raise QueryError(f"endpoint {endpoint!r} is not an http(s) URL")
        self.endpoint = endpoint
        self.timeout = timeout

    def execute(self, query: str, *, max_rows: Optional[int] = None,
                deadline: Optional[float] = None) -> Result:
        import socket
        import urllib.error

        from SPARQLWrapper import JSON, N3, POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        client = SPARQLWrapper(self.endpoint)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setTimeout(int(max(1, self.timeout)))
        client.setQuery(query)
        kind = client.queryType
        construct = kind in ("CONSTRUCT", "DESCRIBE")
        if construct:
            client.setReturnFormat(N3)
            client.addCustomHttpHeader("Accept", "application/n-triples")
        else:
            client.setReturnFormat(JSON)
        try:
            response = client.query()
            body = response.response.read()
        except SPARQLWrapperException as exc:
            status = _WRAPPER_STATUS.get(type(exc).__name__, "HTTP error")
            raise EndpointError(f"{self.endpoint}: {status}: {' '.join(str(exc).split())[:300]}") from None
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
            raise EndpointError(f"{self.endpoint}: HTTP {exc.code} {exc.reason} {' '.join(detail.split())}") from None
        except urllib.error.URLError as exc:
            raise EndpointError(f"{self.endpoint}: cannot connect ({exc.reason})") from None
        except (socket.timeout, TimeoutError):
            raise EndpointError(f"{self.endpoint}: no answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise EndpointError(f"{self.endpoint}: {exc}") from None
        if construct:
            return self._triples(body, max_rows)
        return self._json(body, max_rows)

    def _json(self, body: bytes, max_rows: Optional[int]) -> Result:
        import json

        try:
            data = json.loads(body)
        except ValueError:
            raise EndpointError(f"{self.endpoint}: the answer is not SPARQL results JSON") from None
        if "boolean" in data:
            return Result(variables=[], boolean=bool(data["boolean"]))
        variables = list(data.get("head", {}).get("vars", []))
        rows: list[Row] = []
        truncated = False
        for binding in data.get("results", {}).get("bindings", []):
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            rows.append({v: _json_term(binding.get(v)) for v in variables})
        return Result(variables=variables, rows=rows, truncated=truncated)

    def _triples(self, body: bytes, max_rows: Optional[int]) -> Result:
        engine = OxigraphEngine(ntriples=body)
        return engine.execute("SELECT ?subject ?predicate ?object WHERE { ?subject ?predicate ?object }",
                              max_rows=max_rows)


_WRAPPER_STATUS = {"QueryBadFormed": "HTTP 400", "Unauthorized": "HTTP 401", "EndPointNotFound": "HTTP 404",
                   "URITooLong": "HTTP 414", "EndPointInternalError": "HTTP 500"}


def _json_term(cell: Optional[dict[str, str]]) -> Optional[Term]:
    if cell is None:
        return None
    kind = cell.get("type")
    if kind == "uri":
        return IRI(cell["value"])
    if kind == "bnode":
        return BNode(cell["value"])
    return Literal(cell["value"], cell.get("datatype"), cell.get("xml:lang"))


# --- choosing an engine ----------------------------------------------------------------------------

_LOCAL: dict[str, Engine] = {}


def get_engine(engine: str | Engine = DEFAULT_ENGINE, endpoint: Optional[str] = None,
               *, timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """The engine to use: a remote one when ``endpoint`` is given, else a per-process local engine."""
    if endpoint:
        return RemoteEngine(endpoint, timeout=timeout)
    if not isinstance(engine, str):
        return engine
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)}, or give an endpoint)")
    if engine not in _LOCAL:
        _LOCAL[engine] = OxigraphEngine() if engine == "oxigraph" else RdflibEngine()
    return _LOCAL[engine]


def store_engine(folder: Optional[Path] = None, companions: Sequence[Path] = (), *,
                 progress: bool = True) -> OxigraphEngine:
    """An Oxigraph engine over the on-disk store in ``folder`` with ``companions`` loaded (see :mod:`iimgraph.store`)."""
    from iimgraph.store import open_store

    return OxigraphEngine(store=open_store(folder, companions, progress=progress))


def select_engine(engine: str | Engine = DEFAULT_ENGINE, endpoint: Optional[str] = None, *,
                  store: Optional[Path] = None, companions: Sequence[Path] = (),
                  timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """:func:`get_engine`, or a store engine when a store folder or companion files are given."""
    if store is None and not companions:
        return get_engine(engine, endpoint, timeout=timeout)
    if endpoint:
        raise QueryError("companion graphs and stores are local: they cannot be combined with an endpoint")
    if engine != DEFAULT_ENGINE:
        raise QueryError(f"companion graphs and stores are queried with the oxigraph engine, not {engine!r}")
    return store_engine(store, companions)
