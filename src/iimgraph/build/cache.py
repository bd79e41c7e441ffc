"""The release graph as N-Triples and as a prebuilt Oxigraph store, cached on disk: the query path
opens it without rdflib.

The cache key is the package version plus a hash of the source files and of the code that builds
them (:func:`sources_digest`), so an edit to either gives a new cache file. Hashing every file on
each cold query cost more than the query, so the digest is remembered beside the cache under a key
made of the files' paths, sizes and modification times: an edit changes the mtime (and usually the
size) and the content is hashed again. rdflib is imported only when the cache misses.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from iimgraph.build.sources import source_files
from iimgraph.resources import ontology_dir
from iimgraph.version import __version__

#: the code a build runs, relative to the package folder: a change to any of it invalidates the cache
BUILD_CODE = ("build/*.py", "io/*.py", "namespaces.py", "terms.py", "formats.py")


def _inputs(folder: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, Path]]]:
    package = Path(__file__).resolve().parents[1]
    code = [(m.relative_to(package).as_posix(), m) for m in sorted({p for pattern in BUILD_CODE for p in package.glob(pattern)})]
    files = [(p.relative_to(folder).as_posix(), p) for p in source_files(folder)]
    return code, files


def _content_digest(code: list[tuple[str, Path]], files: list[tuple[str, Path]]) -> str:
    import hashlib

    digest = hashlib.sha256(__version__.encode())
    for name, module in code:
        digest.update(name.encode() + b"\0" + module.read_bytes())
    for name, path in files:
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:20]


def sources_digest(folder: Path) -> str:
    """Hash of the source files and of the code that builds them: the cache key changes when either does."""
    code, files = _inputs(folder)
    try:
        stats = "".join(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n"
                        for name, st in ((name, path.stat()) for name, path in code + files))
    except OSError:
        return _content_digest(code, files)
    return remembered_digest(f"{__version__}\0{folder.resolve()}\n{stats}", lambda: _content_digest(code, files))


def remembered_digest(stats: str, digest: Callable[[], str]) -> str:
    """``digest()`` (20 characters or more), remembered in the cache folder under ``stats`` (the
    inputs' paths, sizes and modification times): the content is hashed again only when they change."""
    # the file name is a checksum of the stats; the file holds the stats themselves, compared whole
    memo = cache_dir() / "digests" / f"{zlib.crc32(stats.encode()):08x}{zlib.adler32(stats.encode()):08x}"
    try:
        known, _, recorded = memo.read_text(encoding="utf-8").partition("\n")
        if recorded == stats and len(known) >= 20:
            return known
    except (OSError, UnicodeDecodeError):
        pass
    value = digest()
    write_cache_file(memo, f"{value}\n{stats}".encode())
    return value


def write_cache_file(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all; an unwritable cache folder is not an error."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def cache_dir() -> Path:
    env = os.environ.get("IIMGRAPH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iimgraph"


def release_ntriples(sources: Path | None = None) -> bytes:
    """The release graph of ``sources`` (default: the packaged sources) as N-Triples: from the disk cache if
    it matches the sources, else built. A curator's working copy gets its own cache entry (its hash);
    in a long-lived process an edit to the sources gives the new graph (the memo is keyed by the hash)."""
    from iimgraph.errors import SourceError

    folder = ontology_dir() if sources is None else Path(sources)
    if not folder.is_dir():
        raise SourceError(f"{folder}: no such sources folder")
    return _ntriples(folder, sources_digest(folder))


@lru_cache(maxsize=4)
def _ntriples(folder: Path, key: str) -> bytes:
    cached = cache_dir() / f"release-{__version__}-{key}.nt"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    from iimgraph.build.graph import build_graph

    data = build_graph(folder).serialize(format="nt", encoding="utf-8")
    write_cache_file(cached, data)  # the cache is an optimisation: an unwritable cache folder is not an error
    return data


def release_store() -> Path | None:
    """A read-only-ready Oxigraph store (RocksDB folder) holding the release graph, built once per
    cache key, or None when the cache folder cannot hold one.

    Opening it read-only costs a fraction of bulk-loading the N-Triples into memory, which is what
    a one-shot command wants. The folder is built under a temporary name and renamed into place, so
    a reader never sees a half-written store; of two processes building it at once, one rename wins.
    """
    from iimgraph.resources import ontology_dir

    key = sources_digest(ontology_dir())
    folder = cache_dir() / f"release-{__version__}-{key}.oxigraph"
    if (folder / "CURRENT").is_file():
        return folder
    data = release_ntriples()
    import shutil
    import tempfile

    import pyoxigraph as ox

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".release-store-"))
    except OSError:
        return None
    try:
        store = ox.Store(str(tmp))
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        store.optimize()
        del store
        os.rename(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return folder if (folder / "CURRENT").is_file() else None
    return folder
