"""The store's compaction after a load of large companions: made on a copy, swapped in only when no
process holds the store, and the same triples and answers before and after."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from iimgraph.build.cache import release_ntriples
from iimgraph.query import store as store_module
from iimgraph.query.engines import OxigraphEngine
from iimgraph.query.run import execute
from iimgraph.query.store import DATABASE, LOCK, NEXT, OLD_DATABASE, READY, open_store, optimize_store
from tests.test_queries import EXAMPLES
from tests.test_store import ASSOCIATION_NT, CLASSES_TTL

#: packaged queries whose answers read both the IIM graph and the companions here
QUERIES = ("find-by-xref", "subtypes", "phenotypes", "ancestors")


@pytest.fixture(scope="module", autouse=True)
def warm_cache() -> None:
    release_ntriples()


@pytest.fixture
def companions(tmp_path: Path) -> list[Path]:
    ttl = tmp_path / "classes.ttl"
    ttl.write_text(CLASSES_TTL, encoding="utf-8")
    nt = tmp_path / "associations.nt"
    nt.write_text(ASSOCIATION_NT, encoding="utf-8")
    return [ttl, nt]


def quiet(message: str) -> None:
    pass


def snapshot(folder: Path, companions: list[Path]) -> tuple[list[str], dict[str, list[dict]]]:
    """Every quad of the store (graph names kept) and the rows of a few packaged queries."""
    handle = open_store(folder, companions, say=quiet)
    try:
        quads = sorted(str(q) for q in handle.store.quads_for_pattern(None, None, None, None))
        engine = OxigraphEngine(store=handle)
        answers = {name: execute(name, EXAMPLES[name], engine=engine).rows for name in QUERIES}
        return quads, answers
    finally:
        handle.close()


def copy_while_held(folder: Path, companions: list[Path]) -> bool:
    """A compaction made while another process holds the store: the copy is left ready, not swapped in."""
    held = open_store(folder, companions, say=quiet)
    try:
        return optimize_store(folder)
    finally:
        held.close()


def test_a_compacted_store_holds_the_same_quads_and_gives_the_same_rows(tmp_path, companions):
    folder = tmp_path / "s"
    before = snapshot(folder, companions)
    database = (folder / DATABASE).stat().st_ino
    assert optimize_store(folder) is True
    assert not (folder / NEXT).exists() and not (folder / OLD_DATABASE).exists()
    assert (folder / DATABASE).stat().st_ino != database  # the compacted copy is in place
    assert not (folder / DATABASE / READY).exists()
    assert snapshot(folder, companions) == before
    assert any("MONDO_9999999" in str(v) for rows in before[1].values() for r in rows for v in r.values())  # a companion's


def test_the_copy_waits_while_the_store_is_open_and_the_next_open_swaps_it_in(tmp_path, companions):
    folder = tmp_path / "s"
    before = snapshot(folder, companions)
    held = open_store(folder, companions, say=quiet)
    try:
        database = (folder / DATABASE).stat().st_ino
        assert optimize_store(folder) is True
        assert (folder / NEXT / READY).is_file()  # made, not swapped: a process has the store open
        assert (folder / DATABASE).stat().st_ino == database
        engine = OxigraphEngine(store=held)
        assert {n: execute(n, EXAMPLES[n], engine=engine).rows for n in QUERIES} == before[1]
        # another process opening the store meanwhile reads the database as it is, and swaps nothing
        assert snapshot(folder, companions) == before
        assert (folder / NEXT / READY).is_file()
    finally:
        held.close()
    assert snapshot(folder, companions) == before
    assert not (folder / NEXT).exists()
    assert (folder / DATABASE).stat().st_ino != database


def test_a_copy_made_before_the_store_changed_is_dropped(tmp_path, companions):
    folder = tmp_path / "s"
    snapshot(folder, companions[:1])
    assert copy_while_held(folder, companions[:1]) is True
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    (folder / "manifest.json").write_text(manifest.replace('"format": 2', '"format":  2'), encoding="utf-8")
    database = (folder / DATABASE).stat().st_ino
    snapshot(folder, companions[:1])
    assert not (folder / NEXT).exists()
    assert (folder / DATABASE).stat().st_ino == database


def test_an_unfinished_copy_is_dropped_and_a_cut_off_swap_is_finished(tmp_path, companions):
    folder = tmp_path / "s"
    before = snapshot(folder, companions)
    (folder / NEXT).mkdir()  # a compaction killed midway: no READY
    (folder / NEXT / "000001.sst").write_bytes(b"half")
    assert snapshot(folder, companions) == before
    assert not (folder / NEXT).exists()
    # a swap cut off after the database was renamed away, with a whole copy ready
    copy_while_held(folder, companions)
    os.rename(folder / DATABASE, folder / OLD_DATABASE)
    assert snapshot(folder, companions) == before
    assert not (folder / OLD_DATABASE).exists() and not (folder / NEXT).exists()
    # cut off with no copy ready: the database is put back
    os.rename(folder / DATABASE, folder / OLD_DATABASE)
    assert snapshot(folder, companions) == before
    assert not (folder / OLD_DATABASE).exists()
    # cut off with a copy that is not the store's any more: dropped, and the database put back
    copy_while_held(folder, companions)
    (folder / NEXT / READY).write_text("another manifest", encoding="utf-8")
    os.rename(folder / DATABASE, folder / OLD_DATABASE)
    assert snapshot(folder, companions) == before
    assert not (folder / OLD_DATABASE).exists() and not (folder / NEXT).exists()


def test_a_large_load_compacts_the_store_in_the_background(tmp_path, companions, monkeypatch):
    monkeypatch.setattr(store_module, "OPTIMIZE_MIN_BYTES", 1)
    monkeypatch.setattr(store_module, "OPTIMIZE_DELAY", 0.0)  # this process stays: start at once
    folder = tmp_path / "s"
    messages: list[str] = []
    handle = open_store(folder, companions, say=messages.append)
    database = (folder / DATABASE).stat().st_ino
    handle.close()
    assert any(m.startswith("compacting the store") for m in messages), messages
    with open(folder / LOCK, "rb") as fh:  # the compaction holds the store (shared) until it is done
        fcntl.flock(fh, fcntl.LOCK_EX)
        fcntl.flock(fh, fcntl.LOCK_UN)
    deadline = time.monotonic() + 60
    while (folder / DATABASE).stat().st_ino == database and not (folder / NEXT / READY).is_file():
        assert time.monotonic() < deadline, "no compaction"
        time.sleep(0.1)
    monkeypatch.setattr(store_module, "OPTIMIZE_MIN_BYTES", 2**62)
    quads, _ = snapshot(folder, companions)
    assert not (folder / NEXT).exists()
    assert (folder / DATABASE).stat().st_ino != database
    assert len(quads) == len(OxigraphEngine()) + 3 + 4


def test_a_small_load_starts_no_compaction(tmp_path, companions):
    messages: list[str] = []
    open_store(tmp_path / "s", companions, say=messages.append).close()
    assert not any(m.startswith("compacting") for m in messages)
    assert not (tmp_path / "s" / NEXT).exists()


def test_the_compaction_starts_once_the_process_that_loaded_has_exited(tmp_path, companions):
    import subprocess
    import sys

    folder = tmp_path / "s"
    script = f"""
import sys, time
from pathlib import Path
from iimgraph.query import store
store.OPTIMIZE_MIN_BYTES, store.OPTIMIZE_DELAY = 1, 600.0
handle = store.open_store(Path({str(folder)!r}), [Path(p) for p in {[str(c) for c in companions]!r}])
time.sleep(1.5)  # the compaction has started, and waits
print(int((Path({str(folder)!r}) / store.NEXT).exists()), (Path({str(folder)!r}) / store.DATABASE).stat().st_ino)
"""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(Path(store_module.__file__).resolve().parents[2])})
    assert proc.returncode == 0, proc.stderr
    copying, database = proc.stdout.split()
    assert copying == "0"  # nothing copied while the loading process ran
    with open(folder / LOCK, "rb") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
    assert time.monotonic() - started < 300  # not the 600 s of its delay: it began when the loader exited
    assert (folder / NEXT / READY).is_file() or (folder / DATABASE).stat().st_ino != int(database)
    quads, _ = snapshot(folder, companions)
    assert (folder / DATABASE).stat().st_ino != int(database) and not (folder / NEXT).exists()
    assert len(quads) == len(OxigraphEngine()) + 3 + 4
