"""Which graph a command works on, as one value built once from the command line's options.

- :class:`Release`: the graph built from the packaged sources (the default);
- :class:`Sources`: the graph built from a curator's working copy (``--sources DIR``);
- :class:`Store`: an on-disk Oxigraph store holding the IIM graph and companion files (``--store``/``--with``);
- :class:`Remote`: a SPARQL 1.1 endpoint (``--endpoint URL``).

:func:`graph_source` holds the rules on which options go together; the engine over a source is made
once per process by :func:`iimgraph.query.engines.engine_for`. Query, rank, serve, site, export and
publish all receive a source instead of deciding for themselves.
"""

from __future__ import annotations

from pathlib import Path

from iimgraph.errors import QueryError
from iimgraph.record import Value


class Release(Value):
    """The release graph of the packaged sources."""

    __slots__ = ()

    folder = None
    local = True

    def describe(self) -> str:
        return "the release graph"

    def ntriples(self) -> bytes:
        """The graph as N-Triples (built once and cached on disk, keyed by a hash of the sources and the build code)."""
        from iimgraph.build.cache import release_ntriples

        return release_ntriples()

    def state(self) -> str:
        """A key that changes when the graph would: the hash of the sources and the build code."""
        from iimgraph.build.cache import sources_digest
        from iimgraph.resources import ontology_dir

        return sources_digest(ontology_dir())


class Sources(Value):
    """The graph built from a folder of sources (a curator's working copy)."""

    __slots__ = ("folder",)
    folder: Path
    local = True

    def __init__(self, folder: Path | str) -> None:
        self._set(folder=Path(folder).resolve())

    def describe(self) -> str:
        return f"the graph built from {self.folder}"

    def ntriples(self) -> bytes:
        from iimgraph.build.cache import release_ntriples

        return release_ntriples(self.folder)

    def state(self) -> str:
        """A key that changes when the working copy is edited (a saved file, an added or removed one)."""
        from iimgraph.build.cache import sources_digest

        return sources_digest(self.folder)


class Store(Value):
    """An on-disk store (``folder``; None: one in the user cache) with the IIM graph and ``companions``."""

    __slots__ = ("companions", "folder")
    folder: Path | None
    companions: tuple[Path, ...]
    local = True

    def __init__(self, folder: Path | str | None = None, companions: tuple[Path, ...] | list[Path] = ()) -> None:
        self._set(folder=Path(folder) if folder is not None else None, companions=tuple(Path(c) for c in companions))

    def describe(self) -> str:
        return f"the store in {self.folder}" if self.folder is not None else "the store with its companion graphs"

    def state(self) -> str:
        """A key that changes when a companion file or the packaged sources do (the store then reloads them)."""
        return "\n".join([RELEASE.state(), *(_stat_line(path) for path in self.companions)])


def _stat_line(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path}\0missing"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}"


class Remote(Value):
    """A SPARQL 1.1 endpoint: ``max_answer_bytes`` is the largest answer accepted (None: IIMGRAPH_MAX_ANSWER_MB
    or 64 MB); ``same_origin_redirects`` whether a redirect on the same scheme, host and port is followed."""

    __slots__ = ("max_answer_bytes", "same_origin_redirects", "url")
    url: str
    max_answer_bytes: int | None
    same_origin_redirects: bool
    local = False

    def __init__(self, url: str, *, max_answer_bytes: int | None = None, same_origin_redirects: bool = False) -> None:
        self._set(url=url, max_answer_bytes=max_answer_bytes, same_origin_redirects=same_origin_redirects)

    def describe(self) -> str:
        return f"the endpoint {self.url}"


GraphSource = Release | Sources | Store | Remote
RELEASE = Release()


def graph_source(*, sources: Path | str | None = None, store: Path | str | None = None,
                 companions: tuple[Path, ...] | list[Path] = (), endpoint: str | None = None,
                 engine: str = "oxigraph", max_answer_bytes: int | None = None,
                 same_origin_redirects: bool = False) -> GraphSource:
    """The one source named by a command's options, or :class:`QueryError` naming the options that
    cannot go together (the only place these rules are written)."""
    if sources is not None and endpoint:
        raise QueryError("--sources builds a local graph: it cannot be combined with an endpoint")
    if store is not None or companions:
        if sources is not None:
            raise QueryError("--sources previews a working copy on its own: it cannot be combined with --with or --store")
        if endpoint:
            raise QueryError("companion graphs and stores are local: they cannot be combined with an endpoint")
        if engine != "oxigraph":
            raise QueryError(f"companion graphs and stores are queried with the oxigraph engine, not {engine!r}")
        return Store(store, companions)
    if endpoint:
        return Remote(endpoint, max_answer_bytes=max_answer_bytes, same_origin_redirects=same_origin_redirects)
    if sources is not None:
        return Sources(sources)
    return RELEASE


def local_source(source: GraphSource, what: str) -> Release | Sources:
    """``source`` when it is a graph built here (release or working copy); else :class:`QueryError`
    saying that ``what`` (a verb) needs one."""
    if isinstance(source, (Release, Sources)):
        return source
    raise QueryError(f"{what} works on the release graph or a sources folder, not on {source.describe()}")
