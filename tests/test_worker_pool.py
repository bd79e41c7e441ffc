"""The pre-forked query workers of ``serve`` (``worker.Pool``): reused between requests, and still killed at
their deadline, retired after a memory failure, and gone with their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from iimgraph import worker
from iimgraph.errors import QueryError, QueryMemoryError, QueryTimeout

pytestmark = pytest.mark.skipif(not worker.available(), reason="no os.fork on this platform")


def job(kind: str) -> object:
    if kind == "pid":
        return os.getpid()
    if kind == "sleep":
        time.sleep(60)
    if kind == "error":
        raise QueryError("a clear error from the worker")
    if kind == "memory":
        return bytearray(2_000 * 1024 * 1024)
    if kind == "exit":
        os._exit(7)
    if kind == "nap":  # waits without using the CPU, as a query does on a machine whose cores are busy
        time.sleep(0.4)
        return os.getpid()
    if kind == "spin":  # uses the CPU
        end = time.process_time() + 0.4
        while time.process_time() < end:
            pass
        return os.getpid()
    return kind


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is not alive
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def pool(monkeypatch):
    # a child whose answer takes longer than _RENICE_AFTER (0.1 s) is retired by design; on a loaded
    # machine a trivial call can take that long, and reuse is what these tests check
    monkeypatch.setattr(worker, "_RENICE_AFTER", 5.0)
    p = worker.Pool(job, memory_mb=256, keep=2, start=1)
    try:
        yield p
    finally:
        p.close()


def test_a_worker_serves_one_request_after_another(pool):
    first = pool.call("pid", timeout=10)
    assert first != os.getpid()
    assert pool.call("pid", timeout=10) == first
    assert pool.call("an answer", timeout=10) == "an answer"


def test_an_error_in_the_worker_is_raised_here_and_the_worker_stays(pool):
    pid = pool.call("pid", timeout=10)
    with pytest.raises(QueryError, match="a clear error from the worker"):
        pool.call("error", timeout=10)
    assert pool.call("pid", timeout=10) == pid


def test_a_worker_past_its_deadline_is_killed_and_the_next_request_gets_a_new_one(pool):
    pid = pool.call("pid", timeout=10)
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"timed out after 0\.5 s"):
        pool.call("sleep", timeout=0.5)
    assert time.monotonic() - start < 5
    assert not alive(pid)
    assert pool.call("pid", timeout=10) not in (pid, os.getpid())


def test_a_worker_is_reniced_for_the_cpu_it_used_not_the_time_it_waited():
    """Under 16 clients on 2 cores a 10 ms query takes over 0.1 s of wall time: renicing (and so retiring)
    its worker for that made serve fork a worker for a quarter of its requests. Only CPU time counts."""
    pool = worker.Pool(job, memory_mb=256, keep=2, start=1)
    try:
        napper = pool.call("nap", timeout=10)
        assert pool.call("pid", timeout=10) == napper  # kept: it used no CPU while it waited
        spinner = pool.call("spin", timeout=10)
        assert pool.call("pid", timeout=10) != spinner  # reniced for its 0.4 s of CPU, then retired
        assert not alive(spinner) or _nice(spinner) == 19
    finally:
        pool.close()


def _nice(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[16])


def test_a_retired_worker_is_replaced_in_the_background_before_the_next_request(pool):
    """The request after a runaway query finds a child already forked (serve's p50 under load paid a
    fork per runaway otherwise)."""
    with pytest.raises(QueryTimeout):
        pool.call("sleep", timeout=0.3)
    deadline = time.monotonic() + 10
    while not pool._idle and time.monotonic() < deadline:
        time.sleep(0.02)
    waiting = {child.pid for child in pool._idle}
    assert waiting, "no spare child was forked after the runaway's was retired"
    assert pool.call("pid", timeout=10) in waiting
    assert len(pool._idle) <= pool.keep


def test_a_worker_over_its_memory_cap_is_retired(pool):
    pid = pool.call("pid", timeout=10)
    with pytest.raises(QueryMemoryError, match="more than 256 MB"):
        pool.call("memory", timeout=10)
    assert pool.call("pid", timeout=10) != pid


def test_a_worker_that_dies_is_reported_and_replaced(pool):
    pid = pool.call("pid", timeout=10)
    with pytest.raises(RuntimeError, match="ended without an answer"):
        pool.call("exit", timeout=10)
    assert not alive(pid)
    assert pool.call("pid", timeout=10) != pid


def test_concurrent_requests_each_get_a_worker_and_at_most_keep_stay(pool):
    pids: list[object] = []
    threads = [threading.Thread(target=lambda: pids.append(pool.call("pid", timeout=10))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(pids) == 6
    assert len(pool._idle) <= 2
    pool.close()
    assert not any(alive(pid) for pid in pids)  # type: ignore[arg-type]


def test_workers_die_with_their_parent(tmp_path):
    """SIGKILL of the server: idle and busy pool workers go too (the kernel's parent-death signal, tied to
    the pool's own forking thread, which lives as long as the process)."""
    script = textwrap.dedent("""
        import sys, threading, time
        from iimgraph import worker
        import os
        def job(kind):
            if kind == "sleep":
                time.sleep(120)
            return os.getpid()
        pool = worker.Pool(job, start=2)
        print(pool.call("pid", timeout=10), flush=True)
        threading.Thread(target=lambda: pool.call("sleep", timeout=120), daemon=True).start()
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        idle = int(proc.stdout.readline())  # type: ignore[union-attr]
        deadline = time.monotonic() + 10
        children: list[int] = []
        while len(children) < 2 and time.monotonic() < deadline:
            children = sorted({int(p) for task in Path(f"/proc/{proc.pid}/task").iterdir()
                               for p in (task / "children").read_text().split()})
            time.sleep(0.05)
        assert idle in children and len(children) >= 2
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children)


def _address_space_growth_opening_the_store() -> float:
    """MB of address space that opening the release store and running a query added in this process."""
    import pyoxigraph as ox

    from iimgraph.build.cache import release_store

    def size() -> int:
        with open("/proc/self/status") as fh:
            return int(next(line for line in fh if line.startswith("VmSize:")).split()[1])

    folder = release_store()
    assert folder is not None
    before = size()
    store = ox.Store.read_only(str(folder))
    list(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    return (size() - before) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_the_store_does_not_eat_the_workers_address_space_cap():
    """The cap counts address space: RocksDB's threads each got a malloc arena (~400 MB reserved, 5 MB
    used), and a small query now and then failed as needing more than the cap."""
    grown = worker.call(_address_space_growth_opening_the_store, timeout=60)
    assert grown < 256, f"opening the store took {grown:.0f} MB of the worker's address space"


def test_a_call_on_a_closed_pool_says_so_instead_of_waiting_forever():
    """serve replaces its pool when a working copy changes; a request that took the old one must not hang."""
    closed = worker.Pool(job, memory_mb=256, keep=1, start=0)
    closed.close()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(closed.call("pid", timeout=5))
        except Exception as exc:  # the outcome is what the test looks at
            outcome.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(10)
    assert outcome and isinstance(outcome[0], worker.PoolClosed)


def test_a_reused_worker_says_its_cpu_time_with_its_answer(pool, monkeypatch):
    """A request's CPU time (for renicing) counts from what the child had used when it sent its last answer,
    which it sends with the answer: ``/proc`` is read once, for a new child, not for every request.
    Failed before: read at every request."""
    reads: list[int] = []
    real = worker._cpu_seconds

    def counted(pid: int) -> float | None:
        reads.append(pid)
        return real(pid)

    monkeypatch.setattr(worker, "_cpu_seconds", counted)
    pids = {pool.call("pid", timeout=10) for _ in range(5)}
    assert len(pids) == 1 and len(reads) <= 1


def test_a_call_that_turns_out_long_says_so_once(monkeypatch):
    """``on_long`` is called once for a call past LONG_WALL seconds (or reniced for its CPU), never for a
    quick one: serve gives the call's turn to the next query then. Failed before: no such hook."""
    monkeypatch.setattr(worker, "LONG_WALL", 0.2)
    pool = worker.Pool(job, memory_mb=256, keep=2, start=1)
    calls: list[str] = []
    try:
        pool.call("pid", timeout=10, on_long=lambda: calls.append("quick"))
        pool.call("nap", timeout=10, on_long=lambda: calls.append("nap"))
        assert calls == ["nap"]
    finally:
        pool.close()


def test_an_answer_is_unpickled_with_the_collector_paused_and_then_restored():
    """A worker's answer (10^5 findings of a large validation) is unpickled with the cyclic collector paused, which
    cost more than the unpickling; the collector is as it was afterwards, on or off."""
    import gc
    import pickle

    from iimgraph import worker

    _SEEN.clear()
    data = pickle.dumps([_Probe()])
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            worker._unpickled(data)
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert _SEEN == [False, False]


_SEEN: list[bool] = []


class _Probe:
    """Unpickled as a call that notes whether the collector runs."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_collector_state, ())


def _collector_state() -> None:
    import gc

    _SEEN.append(gc.isenabled())
