"""SPARQL engines behind one interface: embedded Oxigraph (default), rdflib, or a remote endpoint.

Each engine's ``execute(query)`` returns a :class:`iimgraph.results.Result`, so callers never see
engine-specific terms. The Oxigraph engine loads the release graph from N-Triples, cached per
process and on disk (keyed by package version and a hash of the source files), so a query from the
CLI does not rebuild the graph with rdflib each time. Local engines refuse ``SERVICE`` and
``FROM``/``FROM NAMED`` unless their IRI is on the caller's allow-list: nothing reaches the network
unless the user named that endpoint. Time limits are enforced around ``execute`` by
:mod:`iimgraph.worker`, not here.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Protocol, Sequence

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
                allow_remote: Sequence[str] = ()) -> Result: ...


# --- the release graph as N-Triples -----------------------------------------------------------------


_BUILD_MODULES = ("build.py", "sssom.py", "safeparse.py", "namespaces.py", "terms.py")


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
_PREFIX_DECL = re.compile(r"(?<![\w:?$.-])PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\s]*)>", re.I)
_BASE_DECL = re.compile(r"(?<![\w:?$.-])BASE(?![\w:-])", re.I)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _unescape(query: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)


def mask(text: str) -> str:
    """``text`` with comments, strings and IRIs blanked out (same length), for locating keywords."""
    return _MASK.sub(lambda m: " " * len(m.group(0)), text)


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (the first such keyword outside comments, strings and IRIs)."""
    m = re.search(r"(?<![\w:?$.-])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:-])", mask(_unescape(query)), re.I)
    return m.group(1).upper() if m else "SELECT"


def is_allowed(iri: str, allow: Sequence[str]) -> bool:
    """An allow-list entry admits the same IRI, or every IRI under it when it ends with ``/``."""
    return any(iri == entry or (entry.endswith("/") and iri.startswith(entry)) for entry in allow)


def _target(decoded: str, masked: str, pos: int, word: str, prefixes: dict[str, str],
            comments: dict[int, int]) -> Optional[str]:
    """The IRI after SERVICE [SILENT] / FROM [NAMED] at ``pos``, or None when it cannot be known."""
    def skip(p: int) -> int:
        while p < len(decoded):
            if decoded[p].isspace():
                p += 1
            elif p in comments:
                p = comments[p]
            else:
                break
        return p

    pos = skip(pos)
    modifier = "SILENT" if word == "SERVICE" else "NAMED"
    if masked[pos:pos + len(modifier)].upper() == modifier and not re.match(r"[\w:-]", masked[pos + len(modifier):][:1]):
        pos = skip(pos + len(modifier))
    if decoded[pos:pos + 1] == "<":
        end = decoded.find(">", pos)
        return decoded[pos + 1:end] if end > 0 else None
    m = re.match(r"([A-Za-z][\w.-]*)?:((?:[^\s{}()<>\"'#,;\\]|\\.)*)", decoded[pos:])
    if m is None or (m.group(1) or "") not in prefixes:
        return None  # a variable, or a name this check cannot resolve
    return prefixes[m.group(1) or ""] + re.sub(r"\\(.)", r"\1", m.group(2))


MAX_NESTING = 200  # groups and brackets; Oxigraph's parser overflows its stack (SIGSEGV) somewhere past 1000


class RemoteAccessRefused(QueryError):
    """SERVICE or FROM names an IRI that is not on the allow-list."""


def check_query_text(query: str, allow: Sequence[str] = ()) -> None:
    """What every local engine and ``serve`` check before parsing: nesting depth, then remote access."""
    depth = deepest = 0
    for ch in mask(_unescape(query)):
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})]":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(f"the query nests groups or brackets {deepest} deep; at most {MAX_NESTING} are accepted")
    refuse_remote_access(query, allow)


def refuse_remote_access(query: str, allow: Sequence[str] = ()) -> None:
    """Raise QueryError if the query could make an engine fetch a URL the user did not allow.

    ``SERVICE``, ``FROM`` and ``FROM NAMED`` are refused unless their IRI is on ``allow``
    (:func:`is_allowed`); a SERVICE on a variable, a relative IRI or an unresolvable name is always
    refused. A lexical check on purpose: it runs before any parser, needs no rdflib, is shared by
    every local engine and by ``serve``, and errs on the side of refusing. Codepoint escapes are
    decoded first, since SPARQL allows them anywhere.
    """
    decoded = _unescape(query)
    masked = mask(decoded)
    found = list(_FORBIDDEN.finditer(masked))
    if not found:
        return
    hint = "allow it with --allow-service IRI" if not allow else "it is not on the --allow-service list"
    prefixes: dict[str, str] = {}
    for m in _PREFIX_DECL.finditer(decoded):
        if masked[m.start():m.start() + 6].upper() == "PREFIX":
            prefixes[m.group(1) or ""] = m.group(2)
    has_base = bool(_BASE_DECL.search(masked))
    comments = {c.start(): c.end() for c in _MASK.finditer(decoded) if c.group(0).startswith("#")}
    for m in found:
        word = m.group(1).upper()
        iri = _target(decoded, masked, m.end(), word, prefixes, comments) if allow else None
        if iri is None or has_base or not _SCHEME.match(iri) or not is_allowed(iri, allow):
            shown = f" <{iri}>" if iri else ""
            raise RemoteAccessRefused(f"{word}{shown} is refused here: a local query may not reach the network "
                             f"({hint}, or run the query on a named --endpoint)")


# --- engines ---------------------------------------------------------------------------------------


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
        self._pid = os.getpid()
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
                allow_remote: Sequence[str] = ()) -> Result:
        check_query_text(query, allow_remote)
        if self.handle is not None and os.getpid() != self._pid:
            # a forked worker (iimgraph.worker): RocksDB's files and threads did not survive the fork,
            # so the child reads the store through its own read-only handle
            from iimgraph.store import reopen_read_only

            self.store, self._pid = reopen_read_only(self.handle), os.getpid()
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
            it: Any = (tuple(sol) for sol in answer)  # a solution iterates its values in variable order
        else:  # QueryTriples
            variables = ["subject", "predicate", "object"]
            it = ([t.subject, t.predicate, t.object] for t in answer)
        seen: dict[Any, Optional[Term]] = {None: None}  # rows repeat terms: convert each once per query
        convert = self._term
        try:
            for values in it:
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
                allow_remote: Sequence[str] = ()) -> Result:
        check_query_text(query, allow_remote)
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
    """A SPARQL 1.1 endpoint over HTTP: POST, a timeout per request, retries for transient failures
    (:mod:`iimgraph.http`), clear errors. SERVICE and FROM are the endpoint's business, not checked here."""

    name = "remote"

    def __init__(self, endpoint: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not re.match(r"^https?://[^\s/]+", endpoint or ""):
            raise QueryError(f"endpoint {endpoint!r} is not an http(s) URL")
        self.endpoint = endpoint
        self.timeout = timeout

    def execute(self, query: str, *, max_rows: Optional[int] = None,
                allow_remote: Sequence[str] = ()) -> Result:
        import urllib.parse

        from iimgraph.http import request

        construct = query_form(query) in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples" if construct else "application/sparql-results+json"
        body = urllib.parse.urlencode({"query": query}).encode()
        answer = request("POST", self.endpoint, data=body, timeout=self.timeout,
                         headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        if construct:
            return self._triples(answer.body, max_rows)
        return self._json(answer.body, max_rows)

    def _json(self, body: bytes, max_rows: Optional[int]) -> Result:
        import json

        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
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
        try:
            engine = OxigraphEngine(ntriples=body)
        except (SyntaxError, ValueError, OSError) as exc:
            raise EndpointError(f"{self.endpoint}: the answer is not N-Triples ({exc})") from None
        return engine.execute("SELECT ?subject ?predicate ?object WHERE { ?subject ?predicate ?object }",
                              max_rows=max_rows)


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
