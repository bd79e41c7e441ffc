"""Real servers started by the tests on 127.0.0.1: a free port, a wait until they answer, a clean stop."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving_in_thread(srv) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An in-process HTTP server (``make_server``) answering in a thread; yields its base URL, then shuts it."""
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        srv.server_close()


def oxigraph_binary() -> str | None:
    """The `oxigraph` server from PyPI (test extra), beside this Python or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def wait_until_up(proc: subprocess.Popen, probe_url: str, *, seconds: float, what: str) -> None:
    """Poll ``probe_url`` until it answers; fail if ``proc`` exits or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start {log_tail(proc)}".strip())
        try:
            urllib.request.urlopen(probe_url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {seconds:g} s")


def log_tail(proc: subprocess.Popen, size: int = 500) -> str:
    """The end of what ``proc`` wrote to its log file (``proc.log_path``), or ""."""
    path = getattr(proc, "log_path", None)
    if path is None or not Path(path).exists():
        return ""
    return Path(path).read_bytes()[-size:].decode(errors="replace")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def virtuoso_binary() -> str | None:
    """Debian's Virtuoso server (package virtuoso-opensource), or None."""
    return shutil.which("virtuoso-t")


VIRTUOSO_INI = """\
; a throw-away Virtuoso for the tests: every file in {folder}, both ports on 127.0.0.1, no plugins
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}{allowed}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 10
MaxClientConnections = 10

[SPARQL]
; the stock 10,000 would cut answers short without an error
ResultSetMaxRows = 1000000
"""


def start_virtuoso(folder: Path, *, allowed: Sequence[Path] = (), seconds: float = 60) -> tuple[subprocess.Popen, str, int]:
    """A Virtuoso server with its database in ``folder``: (process, HTTP base URL, SQL port).

    ``allowed``: more folders its bulk loader may read (``DirsAllowed``).

    The SPARQL user is granted SPARQL_UPDATE (through isql-vt, as dba), as one does for a store that
    only its owner can reach, so that the Graph Store Protocol and SPARQL Update work without credentials.
    """
    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError("virtuoso-t is not installed")
    http_port = free_port()
    sql_port = free_port()
    while sql_port == http_port:
        sql_port = free_port()
    ini = folder / "virtuoso.ini"
    more = "".join(f", {path}" for path in allowed)
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port, allowed=more),
                   encoding="utf-8")
    # its log goes to a file: a pipe nobody reads fills up (64 KiB) and then blocks the server mid-request
    log_path = folder / "virtuoso.stderr"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder,
                                stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log_path  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_up(proc, base + "/sparql?query=ASK%7B%7D", seconds=seconds, what="virtuoso")
        isql(sql_port, 'GRANT SPARQL_UPDATE TO "SPARQL";')
    except BaseException:
        stop(proc)
        raise
    return proc, base, sql_port


def isql(sql_port: int, statements: str) -> str:
    """Run SQL on the Virtuoso at ``sql_port`` as dba (the default password of a new database)."""
    done = subprocess.run([shutil.which("isql-vt") or "isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba",
                           f"exec={statements}"], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt: {done.stdout[-500:]} {done.stderr[-500:]}".strip())
    return done.stdout
