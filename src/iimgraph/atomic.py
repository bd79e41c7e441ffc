"""Atomic file writes: a temporary file in the target folder, then ``os.replace``.

A failed or interrupted write leaves no partial file and keeps any previous one. The file gets the
mode a plain ``open`` would give (0666 less the umask), not the 0600 of a temporary file, and a
target that exists but is not a regular file (a FIFO, a device, a folder) is refused, never replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from pathlib import Path

from iimgraph.errors import OutputError

_UMASK_LOCK = threading.Lock()


def file_mode() -> int:
    """The mode a new file gets from ``open``: 0666 less the current umask."""
    with _UMASK_LOCK:  # reading the umask means setting it; keep the window to one thread
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def check_target(path: Path) -> None:
    """Refuse an output path that exists and is not a regular file (followed through symlinks)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode)
                else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise OutputError(f"{path}: refusing to write: it exists and is {kind}, not a regular file")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    check_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
