"""The ranking's knowledge (profiles, HPO table, look-alikes) cached on disk between processes.

Building it reads the graph through the query engine, the packaged HPO table and the reference
extracts (about 0.8 s on a warm graph cache); a cold ``iimgraph rank`` paid that on every run. The
file is keyed by the graph's sources digest (the same key as the N-Triples cache, so an edit to a
source folder given with ``--sources`` is a new key), a hash of the ranking's code and data and of
the reference files it reads, the package and Python versions, and the two options that change the
profiles. It is written whole or not at all, next to the N-Triples cache, and read only from
there; anything unreadable is rebuilt. Only the release graph and a sources folder are cached:
a store or an endpoint can change under the same name.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from iimgraph.build.cache import cache_dir, sources_digest, write_cache_file
from iimgraph.build.graph_source import GraphSource, Release, Sources
from iimgraph.resources import ontology_dir, rank_data_dir, reference_dir
from iimgraph.version import __version__

if TYPE_CHECKING:
    from iimgraph.rank.profiles import Knowledge

#: the reference extracts the knowledge reads (profiles.py): an edit to one is a new key
REFERENCE_FILES = ("hpo2025_lookalike_diseases.tsv", "hpo2025_lookalike_annotations.tsv", "maxo_diagnostic_iim.tsv")


def knowledge_key(source: GraphSource, include_text_mined: bool, lookalikes: bool) -> str | None:
    """The cache key of the knowledge of ``source``, or None when it is not cached (a store, an endpoint)."""
    if isinstance(source, Release):
        folder = ontology_dir()
    elif isinstance(source, Sources):
        folder = source.folder
    else:
        return None
    if not folder.is_dir():
        return None  # the build says what is wrong with the folder
    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0{include_text_mined}\0{lookalikes}\0".encode())
    digest.update(sources_digest(folder).encode())
    package = Path(__file__).resolve().parent
    for path in sorted([*package.glob("*.py"), *rank_data_dir().iterdir()]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    for name in REFERENCE_FILES:
        path = reference_dir() / name
        digest.update(name.encode() + b"\0" + (hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b""))
    return digest.hexdigest()[:24]


def cache_path(key: str) -> Path:
    return cache_dir() / "rank" / f"knowledge-{key}.pickle"


def load(key: str) -> Knowledge | None:
    """The cached knowledge for ``key``, or None (absent, unreadable, or not a knowledge)."""
    from iimgraph.rank.profiles import Knowledge

    try:
        data = cache_path(key).read_bytes()
        kb = pickle.loads(data)  # our own cache file, written by store() below
    except Exception:  # a damaged or foreign cache file is rebuilt, never an error
        return None
    return kb if isinstance(kb, Knowledge) else None


def store(key: str, kb: Knowledge) -> None:
    """Write the knowledge as built (its per-query memos empty); an unwritable cache folder is not an error."""
    try:
        data = pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # not picklable: simply not cached
        return
    write_cache_file(cache_path(key), data)
