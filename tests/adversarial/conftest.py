"""Shared harness for the hostile-input corpus: run the real CLI in a child process, bound its time
and memory, and watch a loopback listener that no input may reach.

Every case file may contain the placeholder ``{TRAP}``; the harness replaces it with the URL of the
listener (``http://127.0.0.1:PORT``) so that a remote context, external entity, SERVICE or FROM
pointing "outside" really points at a socket we can watch.
"""

from __future__ import annotations

import base64
import json
import os
import select
import socket
import subprocess
import sys
import threading
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


_SPAWNER: subprocess.Popen[bytes] | None = None
_SPAWNER_LOCK = threading.Lock()


def _spawner() -> subprocess.Popen[bytes]:
    """The small process that starts each child (``spawner.py`` says why), started once per worker."""
    global _SPAWNER
    if _SPAWNER is None or _SPAWNER.poll() is not None:
        _SPAWNER = subprocess.Popen([sys.executable, str(HERE / "spawner.py")], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE)
    return _SPAWNER


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None,
            time_limit: float = TIME_LIMIT, env: dict[str, str] | None = None) -> Run:
    """Run ``iimgraph ARGS`` in a child process; kill it past ``time_limit`` (the test then fails).
    The child is started by a small helper process so that its peak memory is its own."""
    child_env = {**os.environ, **(env or {})}
    child_env.pop("IIMGRAPH_DEBUG", None)
    mask = os.umask(0o022)
    os.umask(mask)
    request = {"args": [base64.b64encode(os.fsencode(a)).decode() for a in (*CLI, *args)], "umask": mask,
               "cwd": str(cwd) if cwd is not None else None, "env": child_env,
               "stdin": base64.b64encode(stdin or b"").decode(), "time_limit": time_limit}
    with _SPAWNER_LOCK:
        spawner = _spawner()
        spawner.stdin.write((json.dumps(request) + "\n").encode())  # type: ignore[union-attr]
        spawner.stdin.flush()  # type: ignore[union-attr]
        answer = json.loads(spawner.stdout.readline())  # type: ignore[union-attr]
    seconds = answer["seconds"]
    assert seconds < time_limit, f"iimgraph {' '.join(args)} did not finish within {time_limit:g} s"
    return Run(answer["code"], base64.b64decode(answer["out"]).decode("utf-8", "replace"),
               base64.b64decode(answer["err"]).decode("utf-8", "replace"), seconds, answer["maxrss_kb"] / 1024)


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
