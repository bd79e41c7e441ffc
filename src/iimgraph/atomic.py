"""Atomic writes: a temporary file in the target folder, then a rename; a folder staged beside its
target and swapped in with one rename.

A failed or interrupted write leaves no partial file and keeps any previous one. Files are created
with mode 0666 less the umask (0644 under the usual 022), like any file a shell redirection makes,
not the 0600 of a temporary file.

An existing target that is not a regular file (a FIFO, a device, a socket, a folder; followed
through symlinks) is refused, never replaced (:func:`check_target`). Writes into a folder
(:func:`write_tree`) stay inside it: every subfolder is opened relative to its parent without
following symbolic links, so a subfolder that is a link to somewhere else is refused instead of
written through.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from iimgraph.errors import OutputError

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _fail(path: Path | str, exc: OSError) -> OutputError:
    return OutputError(f"{path}: cannot write ({exc.strerror or exc})")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISFIFO, "a FIFO")):
        if test(mode):
            return name
    return "something else"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def check_target(path: Path) -> None:
    """Refuse an output path that exists and is not a regular file (followed through symlinks)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _fail(path, exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{path}: refusing to write: it exists and is {_kind(info.st_mode)}, not a regular file")


def _atomic_in(folder: int, name: str, data: bytes, shown: Path) -> None:
    """``name`` in the open folder ``folder``, written to a temporary file there and renamed over."""
    while True:
        tmp = f".{name[:100]}.{os.urandom(6).hex()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666, dir_fd=folder)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise _fail(shown, exc) from None
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        if isinstance(exc, IsADirectoryError):
            raise OutputError(f"{shown}: exists and is a folder") from None
        if isinstance(exc, OSError):
            raise _fail(shown, exc) from None
        raise


def _open_folder(path: Path) -> int:
    try:
        path.mkdir(parents=True, exist_ok=True)
        return os.open(path, _DIR_FLAGS)
    except FileExistsError:
        raise OutputError(f"{path}: exists and is not a folder") from None
    except OSError as exc:
        raise _fail(path, exc) from None


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    check_target(path)
    folder = _open_folder(path.parent)
    try:
        _atomic_in(folder, path.name, data, path)
    finally:
        os.close(folder)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def _check_name(root: Path, name: str) -> list[str]:
    parts = name.split("/")
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise OutputError(f"{root}: refusing to write {name!r}, which is not a plain path inside it")
    return parts


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (relative POSIX path -> bytes) into the folder ``root``, each atomically.

    Subfolders are created or opened one component at a time relative to their parent, never
    through a symbolic link (``O_NOFOLLOW``): a write cannot leave ``root``. ``root`` itself may be
    a link (the user named it).
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root}: exists and is not a folder")
    opened: dict[tuple[str, ...], int] = {(): _open_folder(root)}
    try:
        for name, data in files.items():
            parts = _check_name(root, name)
            folder = opened[()]
            for depth in range(1, len(parts)):
                key = tuple(parts[:depth])
                if key not in opened:
                    opened[key] = _subfolder(folder, parts[depth - 1], root.joinpath(*key), root)
                folder = opened[key]
            _atomic_in(folder, parts[-1], data, root.joinpath(*parts))
    finally:
        for fd in opened.values():
            os.close(fd)


def _subfolder(parent: int, name: str, shown: Path, root: Path) -> int:
    try:
        os.mkdir(name, 0o777, dir_fd=parent)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise _fail(shown, exc) from None
    try:
        return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent)
    except OSError as exc:
        try:
            link = stat.S_ISLNK(os.lstat(name, dir_fd=parent).st_mode)
        except OSError:
            link = False
        if link:
            raise OutputError(f"{shown}: is a symbolic link; refusing to write through it "
                              f"(writes stay inside {root})") from None
        if exc.errno in (errno.ENOTDIR, errno.ELOOP):
            raise OutputError(f"{shown}: exists and is not a folder") from None
        raise _fail(shown, exc) from None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def check_replaceable(out: Path, *, replaceable: Callable[[Path], bool], what: str = "folder") -> tuple[Path, bool]:
    """Refuse an ``out`` that :func:`replace_folder` must not replace: not a folder, or not empty and not
    ``replaceable``. Returns the folder (a link the user named, followed) and whether it holds anything;
    a verb asks before its work, and :func:`replace_folder` again before the swap."""
    out = Path(out)
    if out.is_symlink():  # the user named a link to a folder: replace the folder it names
        out = out.resolve()
    try:
        entries = any(out.iterdir()) if out.is_dir() else None
    except OSError as exc:
        raise _fail(out, exc) from None
    if out.exists() and entries is None:
        raise OutputError(f"{out}: exists and is not a folder")
    if entries and not replaceable(out):
        raise OutputError(f"{out}: exists and is not a previous {what}; it would be replaced whole, "
                          f"so give a new or empty folder")
    return out, bool(entries)


def replace_folder(out: Path, files: Mapping[str, bytes], *, replaceable: Callable[[Path], bool],
                   what: str = "folder") -> None:
    """Make ``out`` hold exactly ``files``, all or nothing.

    Everything is staged in a sibling folder (same file system), then swapped in with one rename:
    until that moment ``out`` keeps its previous content, and readers never see a mix. An existing
    ``out`` must be empty or pass ``replaceable`` (e.g. a previous release), since it is replaced whole.
    """
    out, entries = check_replaceable(out, replaceable=replaceable, what=what)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        while True:
            stage = out.parent / f".{out.name}.new-{os.urandom(6).hex()}"
            try:
                os.mkdir(stage, 0o777)
                break
            except FileExistsError:
                continue
    except OSError as exc:
        raise _fail(out, exc) from None
    try:
        write_tree(stage, files)
        if entries:
            if not _exchange(stage, out):  # no atomic swap here: move the old one aside for a moment
                aside = out.parent / f".{out.name}.old-{os.urandom(6).hex()}"
                os.rename(out, aside)
                try:
                    os.rename(stage, out)
                except OSError:
                    os.rename(aside, out)
                    raise
                os.rename(aside, stage)
        else:
            os.rename(stage, out)  # over an empty folder too, in one step
    except OSError as exc:
        raise _fail(out, exc) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # the staging folder, or the previous content after a swap


def refuse_inputs(out: Path, inputs: Iterable[Path], *, folder: bool = False,
                  input_folders: Iterable[Path] = ()) -> None:
    """An output must not be one of the inputs (nor, for a folder output, hold one), nor sit inside an
    input folder: the next run would read it back as input (a release inside ``--sources`` doubles the graph)."""
    target = Path(out).resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source == target or (folder and target in source.parents):
            where = "is" if source == target else "holds"
            raise OutputError(f"{out}: {where} one of the inputs (source {item}): refusing to write the output "
                              f"over one of the sources; choose another output")
    for item in input_folders:
        root = Path(item).resolve()
        if root == target or root in target.parents:
            raise OutputError(f"{out}: is inside the input folder {item}: the next build would read the output as "
                              "sources; choose an output outside it")
