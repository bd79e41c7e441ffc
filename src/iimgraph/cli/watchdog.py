"""A one-query command runs its local query in this process, under a deadline kept by the main thread.

A forked worker (:mod:`iimgraph.worker`) costs a cold ``iimgraph query`` more than the query itself (the
fork, the child's set-up, the answer pickled back), and forking after this process has read the
on-disk store is unsafe (a worker hung or hit its memory cap). A command can do what a library cannot:
end the whole process. So the query runs in a thread of this process with a large stack (Oxigraph
recurses over long expressions: a 16 KB chain of ``!`` overflows the usual 8 MB); the main thread
waits for it, and at the deadline, or when the process has grown by more than the memory allowance, or
at Ctrl-C, it writes the one-line error and ends the process with ``os._exit(2)``: no exit handlers and
no library destructors run beside a query still inside the engine. Nothing is written to disk while a
query runs: the on-disk store is read through a read-only handle, the other graphs are in memory.

Ad-hoc text longer than :data:`IN_PROCESS_MAX_CHARS` still goes to a forked worker, where even a crash
of the engine is one line (four times shorter chains of the deepest constructs tried ran in the large stack).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

from iimgraph.escape import escape

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

STACK_BYTES = 256 * 1024 * 1024  # address space only: pages are touched as the engine recurses
IN_PROCESS_MAX_CHARS = 32 * 1024  # 128 KB of `!` and 64 KB of `1+1+...` ran in STACK_BYTES
TICK = 0.05  # seconds between the main thread's looks at the clock and the process's size
EXIT_ERROR = 2


def stop(message: str) -> None:
    """One line on standard error and end the process now, exit 2 (a query may still be in the engine)."""
    sys.stderr.write(f"iimgraph: error: {' '.join(escape(message, one_line=True).split())}\n")
    sys.stderr.flush()
    os._exit(EXIT_ERROR)


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None  # not Linux: the deadline still holds


def within(fn: Callable[[], T], *, timeout: float, memory_mb: int | None, what: str = "query") -> T:
    """``fn()`` in a thread of this process; its answer, or its exception raised here. At ``timeout``
    seconds, when the process has grown by more than ``memory_mb``, or at Ctrl-C: :func:`stop`."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # handed to the main thread, which reports it
            outcome.append((False, exc))

    baseline = _resident_bytes() if memory_mb else None
    thread = _start(run)
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            thread.join(max(min(left, TICK), 0))
            if not thread.is_alive():
                break
            if left <= 0:
                stop(f"{what} timed out after {timeout:g} s and was stopped")
            if baseline is not None and memory_mb:
                size = _resident_bytes()
                if size is not None and size - baseline > memory_mb * 1024 * 1024:
                    stop(f"{what} needed more than {memory_mb} MB and was stopped")
    except KeyboardInterrupt:
        stop("interrupted")
    ok, value = outcome[0]
    if ok:
        return value
    raise value


def _start(run: Callable[[], None]) -> threading.Thread:
    """A daemon thread running ``run`` with :data:`STACK_BYTES` of stack (the default where refused)."""
    for size in (STACK_BYTES, 0):
        try:
            old = threading.stack_size(size)
        except (ValueError, RuntimeError):
            continue
        try:
            thread = threading.Thread(target=run, name="iimgraph-query", daemon=True)
            thread.start()
            return thread
        except RuntimeError:  # no room for the stack: try the default size
            continue
        finally:
            threading.stack_size(old)
    raise RuntimeError("cannot start a thread for the query")
