"""Run one call in a forked worker process that is killed at its deadline.

pyoxigraph cannot be interrupted from Python (a query that never yields a row holds its thread
until it ends), and rdflib's SERVICE calls have no timeout. The only stop that always works is
killing a process, so a time-limited local query runs in a child forked from the process that
already holds the loaded graph: the fork shares that memory copy-on-write and costs a few
milliseconds, the answer comes back pickled through a pipe, and at the deadline the child gets
SIGKILL, which frees its core at once. The child's address space is also capped (``memory_mb``),
so a query that materialises an explosion fails cleanly instead of swapping the machine.

Without ``os.fork`` (Windows) the call runs in-process, with no time limit.

A leaf (it imports only ``errors`` and ``settings``): a timed query (``query/run.py``, ``web/serve.py``) and
a timed validation (``validate/pipeline.py``) both use it, and those two stages never import each other.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import pickle
import select
import signal
import struct
import time
from collections.abc import Callable

from iimgraph.errors import IIMGraphError, QueryError, QueryMemoryError, QueryTimeout
from iimgraph.settings import SECONDS, check_number

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

DEFAULT_MEMORY_MB = 1024
_FOR_REQUEST, _SPARE, _LAST = range(3)  # kinds of the pool's fork orders, first served first
_RENICE_AFTER = 0.1  # CPU seconds: a query that has used that much yields the CPU to newer, short ones
LONG_WALL = 0.5  # seconds: a pool call still running then is long, whatever CPU it used (Pool.call's on_long)


def available() -> bool:
    return hasattr(os, "fork")


def call(fn: Callable[..., T], *args: Any, timeout: float, memory_mb: int | None = DEFAULT_MEMORY_MB,
         what: str = "query", renice: bool = True, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a forked child; :class:`QueryTimeout` after ``timeout`` seconds.

    ``renice``: lower the child's priority once it has used ``_RENICE_AFTER`` seconds of CPU (a long query
    yields to newer, short ones); False for a call that is the whole of the command (``validate``),
    which has nothing of ours to yield to.

    IIMGraphError raised in the child is raised here unchanged; any other failure becomes a
    RuntimeError (a bug, reported as such by the CLI).
    """
    if not available():
        return fn(*args, **kwargs)
    timeout = check_number(timeout, "timeout", SECONDS)  # the Python API's too: nan would never expire
    deadline = time.monotonic() + timeout
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's atexit handlers or flushes its buffers
        os.close(read_fd)
        _die_with(parent)
        _child(write_fd, memory_mb, fn, args, kwargs)
    os.close(write_fd)
    received = bytearray()
    expected: int | None = None
    status: int | None = None
    reniced = not renice
    try:
        # The answer is length-prefixed: EOF cannot be trusted, since a sibling worker forked by
        # another thread may have inherited this pipe's write end before the parent closed it.
        while expected is None or len(received) < expected:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(f"{what} timed out after {timeout:g} s (its worker was stopped)")
            if not reniced and _used_cpu(pid, 0.0, timeout - left) > _RENICE_AFTER:
                reniced = _renice(pid)
            wait = min(left, _RENICE_AFTER) if not reniced else left
            ready, _, _ = select.select([read_fd], [], [], wait)
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                received += chunk
                if expected is None and len(received) >= 8:
                    expected = 8 + int.from_bytes(received[:8], "big")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(read_fd)
        if status is None:  # timed out, interrupted or failed: the child must not outlive the call
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    complete = expected is not None and len(received) >= expected
    return _outcome(bytes(received[8:expected]) if complete else b"", status, what, memory_mb)


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies (Linux), so that a CLI killed from outside
    (SIGKILL, an OOM kill) leaves no orphan query burning a core."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(3)


def _cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) that process ``pid`` has used; None where /proc cannot tell (not Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _used_cpu(pid: int, start: float | None, waited: float) -> float:
    """CPU seconds ``pid`` used since it had used ``start``, once ``waited`` seconds of wall time are past
    :data:`_RENICE_AFTER` (0 before: no need to look); the wall time where the CPU time is unknown.

    CPU, not wall time, says a query is long: on a machine whose cores are busy (16 clients on 2 cores)
    a 10 ms query waits over 0.1 s for a core, and renicing it retired its worker for nothing."""
    if waited <= _RENICE_AFTER:
        return 0.0
    now = _cpu_seconds(pid)
    return waited if now is None or start is None else now - start


def _renice(pid: int) -> bool:
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, pid, 19)
    return True


def _child(write_fd: int, memory_mb: int | None, fn: Callable[..., Any], args: Any, kwargs: Any) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
        gc.disable()  # a short life: no collections, which would touch (and copy) every shared page
        os.closerange(3, write_fd)  # hold no client sockets or sibling pipes open
        os.closerange(write_fd + 1, _max_fd())
        if not os.environ.get("IIMGRAPH_DEBUG"):  # an engine's dying words would break the one-line error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        if memory_mb:
            _limit_memory(memory_mb)
        _answer(write_fd, fn, args, kwargs)
    except BaseException:
        code = 3
    finally:
        os._exit(code)


def _answer(fd: int, fn: Callable[..., Any], args: Any, kwargs: Any, *, cpu: bool = False) -> None:
    """Run ``fn`` and write its outcome to ``fd``, length-prefixed and pickled: (kind, value), where kind is
    "ok", "error" (an IIMGraphError, raised again in the parent), "memory" or "bug". ``cpu``: the pickle is
    preceded by the CPU seconds this process has used, 8 bytes (a pool child's next request counts from
    there, so the parent need not read ``/proc`` for it)."""
    try:
        payload = ("ok", fn(*args, **kwargs))
    except IIMGraphError as exc:
        payload = ("error", exc)
    except MemoryError:
        payload = ("memory", None)
    except BaseException as exc:
        payload = ("bug", f"{type(exc).__name__}: {exc}")
    try:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        data = pickle.dumps(("bug", f"cannot return the answer: {type(exc).__name__}: {exc}"))
    del payload
    if cpu:
        data = struct.pack("<d", time.process_time()) + data
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view):]


def _max_fd() -> int:
    try:
        return int(os.sysconf("SC_OPEN_MAX"))
    except (ValueError, OSError):
        return 65536


#: glibc's mallopt parameter for the number of malloc arenas
_M_ARENA_MAX = -8


def _few_arenas() -> None:
    """Let glibc's malloc keep at most two arenas in this process.

    Each thread that allocates may get an arena of its own, reserving 64-128 MB of address space
    it does not use: opening the store started RocksDB's threads and added ~400 MB of address space
    (74 MB with two arenas) while the resident memory grew by 5 MB. Under a cap on the address space,
    that made a small query fail as too big now and then. Elsewhere than glibc, nothing to do."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 2)


def _limit_memory(memory_mb: int) -> None:
    """Cap the child's address space at what it inherited plus ``memory_mb``."""
    import resource

    _few_arenas()
    try:
        with open("/proc/self/statm") as fh:
            inherited = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    limit = inherited + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _outcome(data: bytes, status: int | None, what: str, memory_mb: int | None) -> Any:
    kind, value = _unpickled(data) if data else (None, None)
    return _settle(kind, value, status, what, memory_mb)


def _unpickled(data: bytes) -> Any:
    """``pickle.loads(data)`` with the cyclic collector paused: an answer is many small objects made at once (10^5
    findings of a validation at 10^6 triples: 1.2-1.7 CPU s with collections, 0.35-0.5 s without), and none of
    them is garbage yet."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if was_enabled:
            gc.enable()


def _settle(kind: str | None, value: Any, status: int | None, what: str, memory_mb: int | None) -> Any:
    """The answer a worker gave (``kind`` None: it ended without one, ``status`` says how)."""
    too_big = (f"{what} needed more than {memory_mb} MB and was stopped" if memory_mb else
               f"{what} ran out of memory and was stopped")
    if kind is None:
        code = os.waitstatus_to_exitcode(status) if status is not None else None
        if code == -signal.SIGABRT and memory_mb:
            raise QueryMemoryError(too_big)  # Rust aborts when an allocation fails
        if code in (-signal.SIGSEGV, -signal.SIGBUS):  # e.g. a stack overflow in the engine's parser
            raise QueryError(f"the query engine crashed on this {what} (signal {-code}: most likely a stack "
                             f"overflow on a very long or deeply nested expression)")
        raise RuntimeError(f"the {what} worker ended without an answer (exit status {code})")
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    if kind == "memory":
        raise QueryMemoryError(too_big)
    raise RuntimeError(value)


class PoolClosed(RuntimeError):
    """The pool was closed while a call waited for a worker (a server that replaced its pool: ask the new one)."""


class Pool:
    """Pre-forked workers for a server: each runs ``fn(*args)`` for one request at a time, and is reused.

    A fork per query costs a few milliseconds and a copy of the page tables on every request; a pool
    child pays that once. The guarantees of :func:`call` stay: a child still running at its deadline is
    killed (and replaced on demand), a child past :data:`_RENICE_AFTER` of CPU is reniced and then retired, a
    child whose memory cap was hit is retired, and each child serves at most ``max_requests``.

    Children are forked by one long-lived thread: Linux's parent-death signal fires when the forking
    *thread* ends, and the server's request threads end after every request. That thread also keeps
    ``spare`` children idle ahead of demand, so that a request arriving after runaway queries retired
    their children finds one ready instead of waiting for a fork. A retired child is killed at once and
    reaped by another thread: waiting for a big process to exit kept its request's answer back (a fifth
    of the request threads' time under 16 clients); a child past its deadline is still reaped before its
    503 goes.
    """

    def __init__(self, fn: Callable[..., Any], *, memory_mb: int | None = DEFAULT_MEMORY_MB, keep: int = 8,
                 start: int = 2, spare: int = 2, max_requests: int = 1000, what: str = "query") -> None:
        import queue
        import threading

        self.fn, self.memory_mb, self.keep, self.max_requests, self.what = fn, memory_mb, keep, max_requests, what
        self.spare = min(spare, keep)
        self._idle: list[_PoolChild] = []
        self._ordered = 0  # spare children ordered from the spawner and not yet idle
        self._lock = threading.Lock()
        # (priority, sequence, order): a request waiting for a fork goes before spares ordered earlier
        self._orders: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._sequence = itertools.count()
        self._closed = False
        self._spawner = threading.Thread(target=self._spawn_loop, name="iimgraph-pool", daemon=True)
        self._spawner.start()
        self._dead: queue.SimpleQueue[int | None] = queue.SimpleQueue()  # killed children's pids, to reap
        self._reaper = threading.Thread(target=self._reap_loop, name="iimgraph-pool-reaper", daemon=True)
        self._reaper.start()
        for _ in range(start):
            self._put(self._spawn())

    def _spawn_loop(self) -> None:
        while True:
            kind, _, order = self._orders.get()
            if kind == _LAST:
                return
            if kind == _SPARE:
                try:
                    child = _PoolChild.fork(self.fn, self.memory_mb)
                except OSError:  # fork refused: the next request forks (and reports) on demand
                    child = None
                with self._lock:
                    self._ordered -= 1
                if child is not None:
                    self._put(child, spare=True)
                continue
            box, done = order
            try:
                box.append(_PoolChild.fork(self.fn, self.memory_mb))
            except BaseException as exc:  # e.g. fork refused (EAGAIN): the request gets the error
                box.append(exc)
            done.set()

    def _reap_loop(self) -> None:
        while (pid := self._dead.get()) is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    def _retire(self, child: _PoolChild) -> None:
        """Kill ``child`` and leave its exit to the reaper thread (once closed, wait here: the reaper is gone)."""
        if self._closed:
            child.stop()
        elif child.stop(wait=False):
            self._dead.put(child.pid)

    def _spawn(self) -> _PoolChild:
        import threading

        box: list[Any] = []
        done = threading.Event()
        if self._closed:
            raise PoolClosed("the pool was closed")
        self._orders.put((_FOR_REQUEST, next(self._sequence), (box, done)))
        while not done.wait(0.5):
            if not self._spawner.is_alive():  # closed after the order went in: no one will fork it
                raise PoolClosed("the pool was closed")
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]

    def _take(self) -> _PoolChild:
        with self._lock:
            child = self._idle.pop() if self._idle else None
        if child is None:
            child = self._spawn()
        self._top_up()
        return child

    def _top_up(self) -> None:
        """Order forks in the background until ``spare`` children are idle or on their way."""
        with self._lock:
            wanted = 0 if self._closed else self.spare - len(self._idle) - self._ordered
            self._ordered += max(wanted, 0)
        for _ in range(wanted):
            self._orders.put((_SPARE, next(self._sequence), None))

    def _put(self, child: _PoolChild, *, spare: bool = False) -> None:
        """Keep ``child`` idle. A spare goes behind the children that served last, which are taken first;
        with ``keep`` idle already, a child that has just served displaces the oldest one."""
        with self._lock:
            if self._closed or (spare and len(self._idle) >= self.keep):
                dropped = child
            elif spare:
                self._idle.insert(0, child)
                return
            else:
                self._idle.append(child)
                if len(self._idle) <= self.keep:
                    return
                dropped = self._idle.pop(0)
        self._retire(dropped)

    def call(self, *args: Any, timeout: float, on_long: Callable[[], None] | None = None) -> Any:
        """``fn(*args)`` in a pool child; :class:`QueryTimeout` after ``timeout`` seconds (the child is killed).
        ``on_long``: called once if the call turns out long: reniced for its CPU time, or past
        :data:`LONG_WALL` seconds (a query waiting on something else than the CPU)."""
        if not available():
            return self.fn(*args)
        child = self._take()
        reusable = False
        try:
            data, reniced = child.ask(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL), timeout, self.what,
                                      on_long)
            kind, value = pickle.loads(data) if data else (None, None)
            reusable = not reniced and kind in ("ok", "error") and child.served < self.max_requests
            return _settle(kind, value, child.status, self.what, self.memory_mb)
        except QueryTimeout:
            child.stop()  # dead before the caller answers
            raise
        finally:
            if reusable:
                self._put(child)
            else:
                self._retire(child)
                self._top_up()

    def close(self) -> None:
        """Stop every idle child and the spawner; children busy now are stopped when their call ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.stop()
        self._orders.put((_LAST, next(self._sequence), None))
        self._dead.put(None)
        self._reaper.join(10)


class _PoolChild:
    """One pool child: its pid, the pipe the parent writes requests to and the one it reads answers from."""

    def __init__(self, pid: int, requests: int, answers: int) -> None:
        self.pid, self.requests, self.answers = pid, requests, answers
        self.served = 0
        self.status: int | None = None
        self.cpu: float | None = None  # CPU seconds the child had used when it sent its last answer

    @classmethod
    def fork(cls, fn: Callable[..., Any], memory_mb: int | None) -> _PoolChild:
        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _pool_child(req_r, ans_w, parent, memory_mb, fn)
        os.close(req_r)
        os.close(ans_w)
        return cls(pid, req_w, ans_r)

    def ask(self, request: bytes, timeout: float, what: str,
            on_long: Callable[[], None] | None = None) -> tuple[bytes, bool]:
        """Send one request and read its answer: (the answer's bytes, or b"" if the child died; reniced)."""
        deadline = time.monotonic() + timeout
        self.served += 1
        # a reused child's CPU time counts from its earlier requests; it said how much with its last answer
        cpu_start = self.cpu if self.cpu is not None else _cpu_seconds(self.pid)
        view = memoryview(len(request).to_bytes(8, "big") + request)
        try:
            while view:
                view = view[os.write(self.requests, view):]
        except OSError:  # the child is gone
            self._reap()
            return b"", False
        received = bytearray()
        expected: int | None = None
        reniced = False
        while expected is None or len(received) < expected:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(f"{what} timed out after {timeout:g} s (its worker was stopped)")
            if not reniced and _used_cpu(self.pid, cpu_start, timeout - left) > _RENICE_AFTER:
                reniced = _renice(self.pid)
            if on_long is not None and (reniced or timeout - left > LONG_WALL):
                on_long()
                on_long = None
            ready, _, _ = select.select([self.answers], [], [], min(left, _RENICE_AFTER) if not reniced else left)
            if ready:
                chunk = os.read(self.answers, 1 << 20)
                if not chunk:
                    self._reap()
                    return b"", reniced
                received += chunk
                if expected is None and len(received) >= 8:
                    expected = 8 + int.from_bytes(received[:8], "big")
        self.cpu = struct.unpack_from("<d", received, 8)[0]
        return bytes(received[16:expected]), reniced

    def _reap(self) -> None:
        with contextlib.suppress(ChildProcessError):
            _, self.status = os.waitpid(self.pid, 0)

    def stop(self, *, wait: bool = True) -> bool:
        """Close the pipes and kill the child (again harmless); ``wait``: reap it too. True if it is left to reap."""
        for fd in (self.requests, self.answers):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.requests = self.answers = -1  # closed once: the numbers may already name other files
        if self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            if wait:
                self._reap()
        return self.status is None


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _pool_child(requests: int, answers: int, parent: int, memory_mb: int | None, fn: Callable[..., Any]) -> None:
    """A pool child's life: answer requests until the parent closes the request pipe (or dies)."""
    code = 0
    try:
        _die_with(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        gc.freeze()  # what the parent loaded stays shared: collections no longer visit (and copy) it
        low, high = sorted((requests, answers))
        os.closerange(3, low)
        os.closerange(low + 1, high)
        os.closerange(high + 1, _max_fd())
        if not os.environ.get("IIMGRAPH_DEBUG"):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        if memory_mb:
            _limit_memory(memory_mb)
        while True:
            head = _read_exactly(requests, 8)
            if head is None:
                break
            body = _read_exactly(requests, int.from_bytes(head, "big"))
            if body is None:
                break
            _answer(answers, fn, pickle.loads(body), {}, cpu=True)
    except BaseException:
        code = 3
    finally:
        os._exit(code)
