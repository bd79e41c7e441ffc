"""Shared harness for the hostile-input corpus: run the real CLI in a child process, bound its time
and memory, and watch a loopback listener that no input may reach.

Every case file may contain the placeholder ``{TRAP}``; the harness replaces it with the URL of the
listener (``http://127.0.0.1:PORT``) so that a remote context, external entity, SERVICE or FROM
pointing "outside" really points at a socket we can watch.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import CLI

HERE = Path(__file__).resolve().parent
TIME_LIMIT = 60.0        # seconds: a hang is a failure, not a slow test
MEMORY_LIMIT_MB = 1500   # peak resident memory of the child


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None,
            time_limit: float = TIME_LIMIT, env: dict[str, str] | None = None) -> Run:
    """Run ``iimgraph ARGS`` in a child process; kill it past ``time_limit`` (the test then fails)."""
    child_env = {**os.environ, **(env or {})}
    child_env.pop("IIMGRAPH_DEBUG", None)
    start = time.monotonic()
    proc = subprocess.Popen([*CLI, *args], cwd=cwd, env=child_env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream) -> None:  # type: ignore[no-untyped-def]
        chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    try:
        proc.stdin.write(stdin or b"")  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
    except BrokenPipeError:
        pass
    timer = threading.Timer(time_limit, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)   # this child's own peak RSS, not the whole session's
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    seconds = time.monotonic() - start
    assert seconds < time_limit, f"iimgraph {' '.join(args)} did not finish within {time_limit:g} s"
    return Run(proc.returncode, chunks["out"].decode("utf-8", "replace"),
               chunks["err"].decode("utf-8", "replace"), seconds, usage.ru_maxrss / 1024)


def assert_clean_failure(run: Run, code: int = 2, *, mentions: str | None = None) -> None:
    """Exit ``code``; stderr is exactly one line (``iimgraph: error: ...`` for exit 2); no traceback."""
    assert run.code == code, f"exit {run.code}, expected {code}; stderr: {run.stderr[-500:]}"
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.stderr[-2000:]
    assert "internal error" not in run.stderr, run.stderr
    if code == 2:
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {run.stderr[:1000]}"
        assert lines[0].startswith("iimgraph: error: "), lines[0]
        if mentions is not None:
            assert mentions.lower() in lines[0].lower(), f"{mentions!r} not in: {lines[0]}"
    assert run.peak_mb < MEMORY_LIMIT_MB, f"peak memory {run.peak_mb:.0f} MB"


class Listener:
    """A loopback TCP listener that counts every connection made to it (HTTP or not).

    Reading :attr:`connections` first accepts, under the same lock as the accept thread, whatever
    the kernel has queued: a connection a finished child made is counted, with no sleeping.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._count = 0
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, OSError):
                return
            self._count += 1
            conn.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                ready, _, _ = select.select([self.sock], [], [], 0.05)
            except (OSError, ValueError):
                return
            if ready:
                with self._lock:
                    self._drain()

    @property
    def connections(self) -> int:
        with self._lock:
            self._drain()
            return self._count

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="session")
def listener() -> Iterator[Listener]:
    trap = Listener()
    try:
        yield trap
    finally:
        trap.close()


def materialise(case: Path, listener: Listener, folder: Path) -> Path:
    """Copy a case file into ``folder`` with ``{TRAP}`` replaced by the listener's URL."""
    data = case.read_bytes().replace(b"{TRAP}", listener.url.encode())
    target = folder / case.name
    target.write_bytes(data)
    return target
