"""Hostile output paths: a FIFO or a device where a file should go, a symlinked subfolder leading out
of the target, a folder where a release file should go, an output that is one of the inputs; and
the mode every written file gets. Private nodes and links under a temporary folder only.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import assert_clean_failure, run_cli


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def check_release(folder: Path) -> dict:
    """The folder holds exactly the files its manifest lists (plus the manifest), with their hashes."""
    manifest = json.loads((folder / "manifest.json").read_text())
    files = tree(folder)
    assert set(files) == set(manifest["files"]) | {"manifest.json"}, set(files) ^ (set(manifest["files"]) | {"manifest.json"})
    for name, entry in manifest["files"].items():
        assert files[name] == entry["sha256"], name
    return manifest


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# --- FIFOs and devices -----------------------------------------------------------------------------

class FifoReader:
    """Reads a FIFO from before the writer opens it until the writer is done."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.data = bytearray()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.done.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                continue
            if chunk:
                self.data += chunk
            elif self.data:  # end of file once the writer has written and closed
                return
            else:  # no writer yet
                time.sleep(0.05)

    def finish(self) -> bytes:
        self.done.set()
        self.thread.join(10)
        os.close(self.fd)
        return bytes(self.data)


def test_export_into_a_fifo_writes_through_it(tmp_path: Path):
    """Before: the FIFO was replaced by a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    run = run_cli("export", "--format", "nt", "--out", str(fifo))
    data = reader.finish()
    assert run.code == 0, run.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced"
    assert data.count(b" .\n") > 1000 and b"<http://purl.obolibrary.org/obo/MONDO_0016367>" in data


def test_a_fifo_without_a_reader_is_refused_not_waited_on(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    run = run_cli("export", "--out", str(fifo))
    assert_clean_failure(run, 2, mentions="no reader")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_character_device_is_written_into_not_replaced(tmp_path: Path):
    """Before: ``export --out X/null`` left a regular file where the device node was."""
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the null device
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc}); needs root")
    run = run_cli("export", "--out", str(device))
    assert run.code == 0, run.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode), "the device node was replaced by a regular file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"], "temporary file left behind"


def test_a_socket_is_refused(tmp_path: Path):
    path = tmp_path / "s"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    try:
        run = run_cli("export", "--out", str(path))
    finally:
        sock.close()
    assert_clean_failure(run, 2, mentions="is a socket")
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_folder_is_refused(tmp_path: Path):
    (tmp_path / "d").mkdir()
    run = run_cli("export", "--out", str(tmp_path / "d"))
    assert_clean_failure(run, 2, mentions="is a folder")


# --- symlinked subfolders ---------------------------------------------------------------------------

@pytest.mark.parametrize("sub", ["term", "assets"])
def test_site_does_not_write_through_a_symlinked_subfolder(sub: str, tmp_path: Path):
    """Before: ``S/term -> /elsewhere`` got 135 files written into /elsewhere."""
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    site.mkdir()
    elsewhere.mkdir()
    (site / sub).symlink_to(elsewhere)
    run = run_cli("site", "--out", str(site))
    assert_clean_failure(run, 2, mentions=f"{site / sub}: is a symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_release_does_not_write_through_a_symlinked_subfolder(tmp_path: Path):
    """Before: ``R/shapes -> /elsewhere`` got the shapes written into /elsewhere."""
    release, elsewhere = tmp_path / "release", tmp_path / "elsewhere"
    first = run_cli("release", "--out", str(release), "--version", "1.0.0")
    assert first.code == 0, first.stderr
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    shutil.rmtree(release / "shapes")
    (release / "shapes").symlink_to(elsewhere)
    run = run_cli("release", "--out", str(release), "--version", "1.0.1")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert (release / "shapes").is_dir() and not (release / "shapes").is_symlink()
    assert check_release(release)["version"] == "1.0.1"


# --- release: all or nothing ------------------------------------------------------------------------

def test_release_replaces_a_previous_release_whole(tmp_path: Path):
    """Before: a folder where a file should go gave ``internal error: IsADirectoryError`` and a mixed
    release (new data files beside the old manifest)."""
    release = tmp_path / "release"
    assert run_cli("release", "--out", str(release), "--version", "1.0.0").code == 0
    (release / "void.ttl").unlink()
    (release / "void.ttl").mkdir()
    (release / "void.ttl" / "x").write_text("in the way")
    run = run_cli("release", "--out", str(release), "--version", "1.0.1")
    assert run.code == 0, run.stderr
    assert check_release(release)["version"] == "1.0.1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"], "staging folder left behind"


def test_release_refuses_a_folder_that_is_not_a_release(tmp_path: Path):
    """A release replaces its folder whole, so a folder holding anything else is not taken."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    run = run_cli("release", "--out", str(folder))
    assert_clean_failure(run, 2, mentions="is not a previous release")
    assert tree(folder) == {"notes.txt": hashlib.sha256(b"keep me").hexdigest()}


def test_a_failed_release_keeps_the_previous_one(tmp_path: Path, monkeypatch):
    """An OS error while staging (here: the disk fails on the sixth file) leaves the previous release as it was."""
    from iimgraph import atomic
    from iimgraph.errors import OutputError
    from iimgraph.release.release import write_release

    release = tmp_path / "release"
    write_release(release, version="1.0.0")
    before = tree(release)
    real, calls = os.fsync, []

    def failing(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 6:
            raise OSError(5, "Input/output error")
        real(fd)

    monkeypatch.setattr(atomic.os, "fsync", failing)
    with pytest.raises(OutputError, match="Input/output error"):
        write_release(release, version="1.0.1")
    assert tree(release) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"], "staging folder left behind"


# --- outputs that are inputs -------------------------------------------------------------------------

def sources_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", folder)
    return folder


def test_build_refuses_to_overwrite_its_source_file(tmp_path: Path):
    """Before: ``build --sources F --out F`` overwrote the curator's file (exit 0)."""
    source = sources_copy(tmp_path)
    merged = tmp_path / "all.ttl"
    assert run_cli("build", "--sources", str(source), "--out", str(merged)).code == 0
    before = merged.read_bytes()
    run = run_cli("build", "--sources", str(merged), "--out", str(merged))
    assert_clean_failure(run, 2, mentions="is one of the inputs")
    assert merged.read_bytes() == before


def test_build_refuses_to_overwrite_a_file_of_its_source_folder(tmp_path: Path):
    source = sources_copy(tmp_path)
    target = source / "classification.ttl"
    before = target.read_bytes()
    link = tmp_path / "link.ttl"
    link.symlink_to(target)
    for out in (target, link):
        run = run_cli("build", "--sources", str(source), "--out", str(out))
        assert_clean_failure(run, 2, mentions="is one of the inputs")
    assert target.read_bytes() == before


def test_release_and_site_refuse_a_folder_holding_their_sources(tmp_path: Path):
    source = sources_copy(tmp_path)
    before = tree(source)
    for verb in ("release", "site"):
        run = run_cli(verb, "--sources", str(source), "--out", str(tmp_path))
        assert_clean_failure(run, 2, mentions="holds one of the inputs")
    assert tree(source) == before


# --- modes --------------------------------------------------------------------------------------------

def modes(folder: Path) -> set[int]:
    return {stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*") if p.is_file()}


def test_written_files_follow_the_umask(tmp_path: Path, umask: None):
    """Before: every file was 0600 (the temporary file's mode survived the rename)."""
    assert run_cli("build", "--out", str(tmp_path / "b.ttl")).code == 0
    assert run_cli("export", "--out", str(tmp_path / "e.ttl")).code == 0
    assert run_cli("release", "--out", str(tmp_path / "r")).code == 0
    assert run_cli("site", "--out", str(tmp_path / "s")).code == 0
    assert stat.S_IMODE((tmp_path / "b.ttl").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "e.ttl").stat().st_mode) == 0o644
    assert modes(tmp_path / "r") == {0o644}
    assert modes(tmp_path / "s") == {0o644}
    assert stat.S_IMODE((tmp_path / "r").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "r" / "shapes").stat().st_mode) == 0o755


def test_a_stricter_umask_is_followed_too(tmp_path: Path, umask: None):
    os.umask(0o077)
    assert run_cli("export", "--out", str(tmp_path / "e.ttl")).code == 0
    assert stat.S_IMODE((tmp_path / "e.ttl").stat().st_mode) == 0o600
