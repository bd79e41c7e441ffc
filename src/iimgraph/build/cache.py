"""The release graph as N-Triples, cached on disk: the query path loads it without rdflib.

The cache key is the package version plus a hash of the source files and of the code that builds
them (:func:`sources_digest`), so an edit to either gives a new cache file. rdflib is imported only
when the cache misses.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from iimgraph import __version__
from iimgraph.build.sources import SOURCE_SUFFIXES
from iimgraph.resources import ontology_dir

#: the code a build runs, relative to the package folder: a change to any of it invalidates the cache
BUILD_CODE = ("build/*.py", "io/*.py", "namespaces.py", "terms.py", "formats.py")


def sources_digest(folder: Path) -> str:
    """Hash of the source files and of the code that builds them: the cache key changes when either does."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parents[1]
    for module in sorted({p for pattern in BUILD_CODE for p in package.glob(pattern)}):
        digest.update(module.relative_to(package).as_posix().encode() + b"\0" + module.read_bytes())
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(SOURCE_SUFFIXES))
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
    key = sources_digest(ontology_dir())
    cached = cache_dir() / f"release-{__version__}-{key}.nt"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    from iimgraph.build.graph import load_graph

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
