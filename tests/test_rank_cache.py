"""The ranking's knowledge cached on disk: a cold ``iimgraph rank`` reads it instead of rebuilding the
profiles, a changed sources folder or rank data is a new key, and a damaged file is rebuilt."""

from __future__ import annotations

import json
import os
import shutil

from iimgraph import __version__
from iimgraph.build.cache import cache_dir, sources_digest
from iimgraph.build.graph_source import RELEASE, Remote, Sources, Store
from iimgraph.rank import cache
from iimgraph.resources import ontology_dir

from .cli import run_cli


def test_a_cold_rank_writes_then_reads_the_cached_knowledge(tmp_path) -> None:
    store = tmp_path / "cache"
    store.mkdir()
    name = f"release-{__version__}-{sources_digest(ontology_dir())}.nt"
    shutil.copy(cache_dir() / name, store / name)  # the graph's own cache, so only the ranking's is built here
    env = {"IIMGRAPH_CACHE_DIR": str(store)}
    args = ("rank", "HP:0003701", "HP:0033033", "--age", "50", "--format", "json")
    first = run_cli(*args, env=env)
    assert first.returncode == 0, first.stderr
    written = list((store / "rank").glob("knowledge-*.marshal"))
    assert len(written) == 1
    stamp = written[0].stat().st_mtime_ns
    second = run_cli(*args, env=env)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert written[0].stat().st_mtime_ns == stamp  # read, not rewritten
    written[0].write_bytes(b"not a knowledge")  # a damaged cache file is rebuilt, never an error
    third = run_cli(*args, env=env)
    assert third.returncode == 0, third.stderr
    assert json.loads(third.stdout) == json.loads(first.stdout)


def test_the_key_follows_the_sources_and_the_options(tmp_path) -> None:
    copy = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), copy)
    key = cache.knowledge_key(Sources(copy), False, True)
    assert key == cache.knowledge_key(RELEASE, False, True)  # the same sources: the same knowledge
    some = next(p for p in sorted(copy.rglob("*.ttl")) if p.is_file())
    some.write_text(some.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    os.utime(some, ns=(some.stat().st_atime_ns, some.stat().st_mtime_ns + 10**9))
    assert cache.knowledge_key(Sources(copy), False, True) != key
    assert cache.knowledge_key(RELEASE, True, True) != cache.knowledge_key(RELEASE, False, True)
    assert cache.knowledge_key(RELEASE, False, False) != cache.knowledge_key(RELEASE, False, True)
    # a store or an endpoint can change under one name: not cached
    assert cache.knowledge_key(Store(tmp_path / "store"), False, True) is None
    assert cache.knowledge_key(Remote("http://127.0.0.1:9/sparql"), False, True) is None
    assert cache.knowledge_key(Sources(tmp_path / "missing"), False, True) is None


def test_the_knowledge_read_back_is_the_knowledge_built_and_ranks_alike() -> None:
    """Two code paths: the knowledge as built, and as read from the compact file (marshal, shared
    annotations, lazily decoded synonyms); every field, memo indices included, and every result agree."""
    import dataclasses
    import pickle

    from iimgraph.query.engines import engine_for
    from iimgraph.rank import Knowledge, rank
    from iimgraph.rank.model import prepare
    from iimgraph.rank.profiles import build_knowledge
    from iimgraph.resources import reference_dir

    built = prepare(build_knowledge(engine_for(RELEASE), reference_dir()))
    read = cache.unpack(cache.pack(built))
    assert isinstance(read, Knowledge)
    for f in dataclasses.fields(Knowledge):
        if f.name != "p_cache":
            assert getattr(read, f.name) == getattr(built, f.name), f.name
    for d, prof in built.profiles.items():
        again = read.profiles[d]
        assert (again, again.implied_index, again.expected_features()) == \
            (prof, prof.implied_index, prof.expected_features())
    again = pickle.loads(pickle.dumps(read))  # a knowledge read from the file still pickles (a user's worker)
    for observed, age in ((["HP:0003701", "HP:0033033", "Gottron's papules"], 50.0),
                          (["HP:0001324", "HP:0003236", "HP:0002090"], None)):
        results = [rank(observed, age=age, suggestions=3, kb=kb) for kb in (built, read, again)]
        assert dataclasses.asdict(results[0]) == dataclasses.asdict(results[1]) == dataclasses.asdict(results[2])
