"""A persistent on-disk Oxigraph store: the IIM release graph next to whole ontologies (MONDO, HPO, …).

Why: parsing a multi-million-triple release takes tens of seconds, and the IIM graph alone cannot
answer questions that need the rest of MONDO or HPO. So companions are loaded once into a store on
disk, all of them into its default graph, and the release graph into the graph named by the ontology
IRI; queries read the union of all graphs. Later calls open the store without re-parsing anything.

Why the default graph: Oxigraph writes three indexes for a triple there and six for a quad in a named
graph, so the engine's own bulk load (``Store.bulk_load``, ``oxigraph load``), which fills the default
graph, is 1.5x faster than loading into a named graph per file (docs/performance.md). What that costs:
one companion's triples cannot be removed alone. So a companion that changed (or a store from an
older iimgraph, or a load that was cut off) makes the store be rebuilt: the IIM graph and every
companion still on disk loaded again into a new database. Adding a companion only loads it; the IIM
graph, in its own named graph, is replaced alone when the packaged sources change.

The store folder holds ``oxigraph/`` (the database), ``manifest.json`` (what is loaded: for each
companion its path, size, mtime, SHA-256, format; the hash of the IIM sources it was built from;
``pending``, the file being loaded) and ``.lock``. A companion is re-read when its size or mtime
changed *and* its SHA-256 differs. ``Store.bulk_load`` is atomic (a file that fails to parse leaves
nothing behind); a load killed midway leaves ``pending`` in the manifest, and the next call rebuilds
instead of trusting the store. Readers share a lock and open the store read-only; a loader takes it
exclusively.

Why a compaction after the load, and why in the background: the bulk loader leaves the database in
many overlapping files, so each lookup of a query probes all of them; ``Store.optimize()`` compacts them
and makes the packaged queries 1.5-4x faster at 5x10^6 triples, but takes 10 s there, a sixth of the
load (docs/performance.md). So a load of large companions starts a detached process
(:func:`optimize_store`) once the store is read-only again: it compacts a copy of the database
(``Store.backup``: hard links to the same immutable files), never the database readers have open, and
the copy replaces the database (``oxigraph.next`` renamed) only under the exclusive lock, i.e. when no
process has the store open; else the next call that finds the store free swaps it in. The rows are the
same before and after: the same triples, in fewer files.

User files are opened through :func:`iimgraph.io.rdf.open_rdf` (decompressed, bounded, format decided);
nothing here reads them otherwise.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iimgraph.atomic import write_text_atomic
from iimgraph.build import cache
from iimgraph.errors import SourceError, StoreError
from iimgraph.formats import RdfFormat
from iimgraph.io import rdf
from iimgraph.namespaces import ONTOLOGY_IRI
from iimgraph.resources import ontology_dir
from iimgraph.version import __version__

MANIFEST = "manifest.json"
DATABASE = "oxigraph"
#: the compacted copy of the database while it is made, and until no reader holds the store
NEXT = "oxigraph.next"
#: in ``NEXT`` once the copy is whole: the digest of the manifest it was made from
READY = "ready"
#: the database as it was during a swap (renamed, then removed)
OLD_DATABASE = "oxigraph.old"
#: locked by the one compaction under way
OPTIMIZING = ".optimizing"
#: a load of at least this many companion bytes is followed by a compaction in the background
#: (10^6 triples of Turtle are ~37 MB; below, the queries gain little and a process is not worth starting)
OPTIMIZE_MIN_BYTES = 32 * 2**20
#: the compaction starts once the process that loaded has exited (a one-shot ``iimgraph query``: so that it
#: does not compete with the first answer), or after this many seconds (a process that stays: ``serve``)
OPTIMIZE_DELAY = 30.0
LOCK = ".lock"
MANIFEST_FORMAT = 2
#: an older store (one named graph per companion): rebuilt in the current layout when opened
OLD_FORMATS = (1,)
IIM_GRAPH = ONTOLOGY_IRI

#: ``progress(file_name, total_bytes)`` gives a context whose value is called with the bytes read so far
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None] | None]]


def _silent(message: str) -> None:
    """The default for ``say``: the library reports nothing unless its caller asks (the CLI does)."""

# --- the manifest --------------------------------------------------------------------------------


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": MANIFEST_FORMAT, "iim": None, "companions": {}}
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: unreadable store manifest ({exc}); remove the folder to start again") from None
    if not isinstance(data, dict) or data.get("format") not in (MANIFEST_FORMAT, *OLD_FORMATS):
        raise StoreError(f"{path}: not a store manifest this iimgraph understands; remove the folder to start again")
    data.setdefault("companions", {})
    return data


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_text_atomic(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- locking -------------------------------------------------------------------------------------


class _Lock:
    """``flock`` on the store's lock file: shared for readers, exclusive for a loader (POSIX only)."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def _flock(self, exclusive: bool, say: Callable[[str], None], folder: Path) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover (Windows: RocksDB's own lock still refuses a second writer)
            return
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(self.fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another iimgraph process using {folder}")
            fcntl.flock(self.fd, mode)

    def shared(self, say: Callable[[str], None], folder: Path) -> None:
        self._flock(False, say, folder)

    def exclusive(self, say: Callable[[str], None], folder: Path) -> None:
        self._flock(True, say, folder)

    def try_exclusive(self) -> bool:
        """The exclusive lock if no other process holds the store, at once; False (and no lock) if one does."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover
            return False
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    @classmethod
    def adopt(cls, fd: int) -> _Lock:
        """The lock held on ``fd``, an open lock file handed over by another process."""
        lock = cls.__new__(cls)
        lock.fd = fd
        return lock

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


# --- the store -----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What must change before the store matches the sources and the companions asked for."""

    iim: bool = False
    load: list[Path] = field(default_factory=list)
    restat: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    #: why the database must be made again (a changed companion, an older store, a cut-off load), or ""
    rebuild: str = ""

    @property
    def writes(self) -> bool:
        return self.iim or bool(self.load) or bool(self.restat) or bool(self.rebuild)


@dataclass
class StoreHandle:
    """An open store and its lock; keep it alive as long as the store is queried."""

    folder: Path
    store: Any  # pyoxigraph.Store
    manifest: dict[str, Any]
    loaded: list[str]  #: what this call loaded: the IIM graph's IRI, companions' paths
    _lock: _Lock = field(repr=False)
    #: its labels and synonyms for ``search`` (:mod:`iimgraph.query.text_index`), once a search needed them
    text_index: Any = field(default=None, repr=False)

    def close(self) -> None:
        self.store = self.text_index = None
        self._lock.close()


def default_store_dir(companions: Sequence[Path]) -> Path:
    """Where ``--with`` files go without ``--store``: one store per set of files, in the user cache."""
    key = hashlib.sha256("\0".join(sorted(str(Path(p).resolve()) for p in companions)).encode()).hexdigest()[:16]
    return cache.cache_dir() / "stores" / key


def _stat(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _plan(manifest: dict[str, Any], iim_key: str, wanted: Sequence[Path]) -> Plan:
    plan = Plan(iim=(manifest.get("iim") or {}).get("key") != iim_key)
    if manifest.get("format") != MANIFEST_FORMAT:
        plan.rebuild = "it was made by an older iimgraph"
    elif "pending" in manifest:
        plan.rebuild = "a load did not finish"
    entries = manifest["companions"]
    kept: list[Path] = []
    for key in [*entries, *(k for k in manifest.get("pending", ()) if k not in entries)]:
        path = Path(key)
        try:
            now = _stat(path)
        except OSError:
            plan.missing.append(key)
            continue
        kept.append(path)
        entry = entries.get(key)
        if entry is None or (now["size"] == entry["size"] and now["mtime_ns"] == entry["mtime_ns"]):
            continue
        if now["size"] == entry["size"] and _file_sha256(path) == entry["sha256"]:
            plan.restat[key] = now  # touched, not changed
        else:
            plan.rebuild = plan.rebuild or f"{key} changed"
    new = [path for path in wanted if str(path) not in entries]
    if plan.rebuild:  # everything still on disk is loaded again into a new database
        plan.iim, plan.load, plan.restat = True, [*kept, *new], {}
    else:
        plan.load = new
    return plan


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder}: not a folder")
    if folder.is_dir() and not (folder / MANIFEST).exists() and any(
            p.name not in (LOCK, DATABASE) for p in folder.iterdir()):
        raise StoreError(f"{folder}: not an iimgraph store and not empty; give a new or empty folder")


def open_store(folder: Path | None = None, companions: Sequence[Path] = (), *,
               progress: Progress | None = None, say: Callable[[str], None] | None = None) -> StoreHandle:
    """Open (creating or updating as needed) the store in ``folder`` with ``companions`` loaded.

    With no folder, the store for this set of companions in the user cache is used. Files already
    loaded stay loaded (and are re-read if they changed); the IIM graph is replaced when the
    packaged sources changed. Messages (what was loaded, a missing file) go to ``say`` and the
    bytes read to ``progress`` (default: neither; the CLI renders both on standard error).
    """
    import pyoxigraph as ox

    say = say or _silent
    progress = progress or _no_progress
    wanted = []
    for path in companions:
        resolved = Path(path).expanduser().resolve()
        if not resolved.is_file():
            raise SourceError(f"{path}: no such file")
        if resolved not in wanted:
            wanted.append(resolved)
    folder = Path(folder).expanduser() if folder is not None else default_store_dir(wanted)
    _check_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = _Lock(folder / LOCK)
    except OSError as exc:
        raise StoreError(f"{folder}: cannot use this folder ({exc.strerror or exc})") from None
    try:
        iim_key = cache.sources_digest(ontology_dir())
        if _swap_due(folder) and lock.try_exclusive():  # a compacted copy is ready and no one has the store open
            with contextlib.suppress(StoreError):  # reading the store as it is never depends on the swap
                _swap(folder)
        lock.shared(say, folder)
        manifest = _read_manifest(folder)
        plan = _plan(manifest, iim_key, wanted)
        database = folder / DATABASE
        if not plan.writes and database.is_dir():
            store = _open(ox, database, read_only=True)
            if all(g.value == IIM_GRAPH for g in store.named_graphs()):
                _report_missing(plan, say)
                return StoreHandle(folder, store, manifest, [], lock)
            store = None  # a graph that is not ours (written by another program): cleaned up below
            gc.collect()
        lock.exclusive(say, folder)
        _swap(folder)  # a compacted copy: swapped in before anything is written, or dropped if it is stale
        manifest = _read_manifest(folder)  # another process may have done the work meanwhile
        plan = _plan(manifest, iim_key, wanted)
        if plan.rebuild:
            say(f"rebuilding the store in {folder} ({plan.rebuild}): every companion is loaded again")
            manifest = {"format": MANIFEST_FORMAT, "iim": None, "companions": {},
                        "pending": [str(p) for p in plan.load]}
            _write_manifest(folder, manifest)  # from here an interruption is rebuilt again, with the same files
            shutil.rmtree(database, ignore_errors=True)
        store = _open(ox, database, read_only=False)
        loaded = _apply(ox, store, folder, manifest, plan, iim_key, progress, say)
        # queries read through a read-only handle: a writer's background compaction would pull
        # files from under the read-only handles of forked workers (iimgraph.worker)
        store = None
        gc.collect()
        store = _open(ox, database, read_only=True)
        lock.shared(say, folder)
        _report_missing(plan, say)
        if os.name == "posix" and sum(manifest["companions"][key]["size"] for key in loaded
                                      if key in manifest["companions"]) >= OPTIMIZE_MIN_BYTES:
            _start_optimizer(folder, say)  # (elsewhere no lock tells when the store is free to swap)
        return StoreHandle(folder, store, manifest, loaded, lock)
    except BaseException:
        lock.close()
        raise


# --- compaction in the background ----------------------------------------------------------------


def _manifest_digest(folder: Path) -> str:
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


def _swap_due(folder: Path) -> bool:
    """A copy to swap in or to drop (a compaction under way holds the store, so the exclusive lock waits for it)."""
    return (folder / NEXT).exists() or (folder / OLD_DATABASE).exists()


def _swap(folder: Path) -> None:
    """Under the exclusive lock: put a compacted copy made from the current manifest in place of the
    database, or drop a copy that is stale or unfinished. Each step is a rename, and a swap cut off
    between two of them is finished (or undone) by the next call."""
    database, nxt, old = folder / DATABASE, folder / NEXT, folder / OLD_DATABASE
    try:
        ready = (nxt / READY).read_text(encoding="utf-8") == _manifest_digest(folder)
    except OSError:
        ready = False  # unfinished, or made before the store changed
    if old.exists():  # a swap was cut off
        if database.exists():
            shutil.rmtree(old, ignore_errors=True)
        elif not ready:  # put the database back
            with contextlib.suppress(OSError):
                os.rename(old, database)
    if not nxt.exists():
        return
    if not ready:
        shutil.rmtree(nxt, ignore_errors=True)
        return
    try:
        if database.exists():
            os.rename(database, old)
        os.rename(nxt, database)
    except OSError as exc:
        raise StoreError(f"{folder}: cannot put the compacted database in place ({exc.strerror or exc}); "
                         f"remove {NEXT} from the folder") from None
    with contextlib.suppress(OSError):
        (database / READY).unlink()
    shutil.rmtree(old, ignore_errors=True)


def _start_optimizer(folder: Path, say: Callable[[str], None]) -> None:
    """Start :func:`optimize_store` on ``folder`` in a detached process, handing it a shared lock taken
    here (so that no load and no swap can come between this call and its start)."""
    import subprocess
    import sys

    keep = _Lock(folder / LOCK)
    try:
        keep.shared(say, folder)
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r}); "
                "from iimgraph.query.store import optimize_store; "
                "optimize_store(sys.argv[1], int(sys.argv[2]), after=(int(sys.argv[3]), float(sys.argv[4])))")
        subprocess.Popen([sys.executable, "-c", code, str(folder), str(keep.fd), str(os.getpid()), str(OPTIMIZE_DELAY)],
                         pass_fds=(keep.fd,),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        say(f"compacting the store in {folder} in the background: queries get faster once it is done")
    except OSError:  # no process to spare: the store stays as loaded, slower but whole
        pass
    finally:
        keep.close()


def optimize_store(folder: str | Path, lock_fd: int | None = None, *, after: tuple[int, float] | None = None) -> bool:
    """Compact a copy of the store's database (``Store.optimize``) and swap it in if no process holds the
    store (else the next :func:`open_store` that finds it free does). ``lock_fd``: a shared lock on the
    store handed over by the process that started this one; ``after``: (that process's id, seconds): start
    once it has exited, or after that long. True if a compacted copy was made.

    Readers keep their handles on the database as it was: the copy is made of hard links to its
    immutable files, and the compaction writes and deletes files of the copy only.
    """
    import pyoxigraph as ox

    folder = Path(folder)
    lock = _Lock(folder / LOCK) if lock_fd is None else _Lock.adopt(lock_fd)
    if after is not None:  # this process is reparented when the one that started it exits
        parent, deadline = after[0], time.monotonic() + after[1]
        while os.getppid() == parent and time.monotonic() < deadline:
            time.sleep(0.05)
    busy = None
    try:
        if lock_fd is None:
            lock.shared(_silent, folder)
        busy = _Lock(folder / OPTIMIZING)
        if not busy.try_exclusive():  # another compaction is under way
            return False
        manifest = _read_manifest(folder)
        if "pending" in manifest or not (folder / DATABASE).is_dir():
            return False
        digest = _manifest_digest(folder)
        nxt = folder / NEXT
        shutil.rmtree(nxt, ignore_errors=True)
        try:
            source = _open(ox, folder / DATABASE, read_only=True)
            source.backup(str(nxt))
            source = None
            copy = _open(ox, nxt, read_only=False)
            copy.optimize()
            copy.flush()
            copy = None
            gc.collect()
            write_text_atomic(nxt / READY, digest)
        except BaseException:
            copy = source = None
            gc.collect()
            shutil.rmtree(nxt, ignore_errors=True)
            raise
    finally:
        if busy is not None:
            busy.close()
    if lock.try_exclusive():  # no one else has the store open: swap now
        _swap(folder)
    lock.close()
    return True


def reopen_read_only(handle: StoreHandle) -> Any:
    """A fresh read-only handle on ``handle``'s store, for a forked worker process."""
    import pyoxigraph as ox

    return _open(ox, handle.folder / DATABASE, read_only=True)


def _open(ox: Any, database: Path, *, read_only: bool) -> Any:
    try:
        return ox.Store.read_only(str(database)) if read_only else ox.Store(str(database))
    except OSError as exc:
        detail = " ".join(str(exc).split())[:200]
        raise StoreError(f"{database}: cannot open the store ({detail})") from None


def _apply(ox: Any, store: Any, folder: Path, manifest: dict[str, Any], plan: Plan, iim_key: str,
           progress: Progress, say: Callable[[str], None]) -> list[str]:
    loaded: list[str] = []
    for key, stat in plan.restat.items():
        manifest["companions"][key].update(stat)
    if plan.iim:
        manifest["iim"] = None
    _write_manifest(folder, manifest)
    for graph in list(store.named_graphs()):
        if graph.value != IIM_GRAPH or plan.iim:
            store.remove_graph(graph)
    if plan.iim or IIM_GRAPH not in {g.value for g in store.named_graphs()}:
        data = cache.release_ntriples()
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(IIM_GRAPH))
        manifest["iim"] = {"key": iim_key, "package_version": __version__, "graph": IIM_GRAPH,
                           "triples": _count(store, IIM_GRAPH), "loaded_at": _now()}
        _write_manifest(folder, manifest)
        loaded.append(IIM_GRAPH)
    # ``pending``: the companions the store holds once this call is done; still in the manifest when
    # the process was killed midway, and then the next call rebuilds with them
    pending = manifest.setdefault("pending", [*manifest["companions"], *(str(p) for p in plan.load)])
    for path in plan.load:
        _write_manifest(folder, manifest)
        try:
            entry = _load_companion(ox, store, path, progress, say)
        except SourceError:  # the bulk load is atomic: nothing of the file was written
            pending.remove(str(path))
            _settle(folder, manifest)
            raise
        strays = [g for g in store.named_graphs() if g.value != IIM_GRAPH]
        if strays:  # its triples are in with the others': the next call rebuilds without it
            for graph in strays:
                store.remove_graph(graph)
            pending.remove(str(path))
            _write_manifest(folder, manifest)
            raise SourceError(f"{path}: holds named graphs ({', '.join(g.value for g in strays[:3])}); "
                              f"give a graph file, not a dataset")
        manifest["companions"][str(path)] = entry
        loaded.append(str(path))
    _settle(folder, manifest)
    store.flush()
    return loaded


def _settle(folder: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest, without ``pending`` once every file it lists is loaded (else a rebuild is due)."""
    if set(manifest.get("pending", ())) <= set(manifest["companions"]):
        manifest.pop("pending", None)
    _write_manifest(folder, manifest)


def _load_companion(ox: Any, store: Any, path: Path, progress: Progress,
                    say: Callable[[str], None]) -> dict[str, Any]:
    """Bulk-load one companion into the default graph (atomic: on a :class:`SourceError` nothing was written)."""
    stat = _stat(path)
    start = time.perf_counter()
    with progress(path.name, stat["size"]) as on_read, rdf.open_rdf(path, on_read) as source:
        try:
            if source.format is RdfFormat.N3:  # formulas are graphs inside the graph: refused, not loaded
                store.bulk_extend(_n3_triples(ox, source.stream, path))
            else:
                store.bulk_load(source.stream, format=source.format.oxigraph(), base_iri=path.as_uri())
            source.drain()
        except BaseException as exc:
            if isinstance(exc, MemoryError):  # a token past the parser's buffer
                raise rdf.token_too_long(path) from None
            if isinstance(exc, SyntaxError):
                raise SourceError(f"{path}: not valid {source.format_name}: {' '.join(str(exc).split())[:300]}") from None
            if isinstance(exc, (OSError, EOFError, zlib.error, ValueError)):
                raise SourceError(f"{path}: cannot load ({' '.join(str(exc).split())[:300]})") from None
            raise
        sha = source.sha256()
        fmt = source.format_name
    # no COUNT of what was loaded: a scan of the whole default graph (0.3 s a million triples)
    seconds = time.perf_counter() - start
    megabytes = stat["size"] / 2**20
    say(f"loaded {path} ({fmt}): {megabytes:,.1f} MB in {seconds:.1f} s ({megabytes / max(seconds, 1e-9):,.1f} MB/s)")
    return {"path": str(path), "format": fmt, "sha256": sha, "loaded_at": _now(), **stat}


def _n3_triples(ox: Any, stream: Any, path: Path) -> Iterator[Any]:
    """The triples of an N3 file; :class:`SourceError` at the first formula (``{ ... }``)."""
    for quad in ox.parse(stream, format=ox.RdfFormat.N3, base_iri=path.as_uri()):
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            raise SourceError(f"{path}: holds N3 formulas ({{ ... }}, e.g. rules with =>), which are not RDF "
                              f"triples; give a companion without formulas (or as Turtle / N-Triples)")
        yield quad


@contextlib.contextmanager
def _no_progress(name: str, total: int) -> Iterator[Callable[[int], None] | None]:
    yield None


def _count(store: Any, graph: str) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))[0].value)


def _report_missing(plan: Plan, say: Callable[[str], None]) -> None:
    for key in plan.missing:
        say(f"note: {key} is gone; " + ("the rebuilt store no longer holds it" if plan.rebuild
                                         else "its triples stay loaded as they were"))


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
