"""Hostile output paths beside ``test_output_paths.py``: a socket or a folder where a file should go,
a symlinked subfolder leading out of the target, a folder where a release file should go, a failure
while a release is staged, outputs that are (or hold) the inputs; and the modes of folders and of
files under a strict umask. Private nodes and links under a temporary folder only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import Run, assert_clean_failure
from .conftest import run_cli as run_bounded


def run_cli(*args: str) -> Run:
    """Building the release products takes minutes on a loaded machine: a wider bound than the corpus's."""
    return run_bounded(*args, time_limit=300)


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


# --- sockets and folders ---------------------------------------------------------------------------

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

def test_release_keeps_a_previous_release_it_may_not_replace_whole(tmp_path: Path):
    """Before: a folder where a file should go gave ``internal error: IsADirectoryError`` and a mixed
    release (new data files beside the old manifest); then the swap deleted what the folder held. Now
    the release refuses, naming it, and the previous release stays as it was."""
    release = tmp_path / "release"
    assert run_cli("release", "--out", str(release), "--version", "1.0.0").code == 0
    (release / "void.ttl").unlink()
    (release / "void.ttl").mkdir()
    (release / "void.ttl" / "x").write_text("in the way")
    before = tree(release)
    run = run_cli("release", "--out", str(release), "--version", "1.0.1")
    assert_clean_failure(run, 2, mentions="holds void.ttl/x, which no release wrote")
    assert tree(release) == before
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


def test_build_refuses_to_overwrite_a_source_through_a_symlink(tmp_path: Path):
    source = sources_copy(tmp_path)
    target = source / "classification.ttl"
    before = target.read_bytes()
    link = tmp_path / "link.ttl"
    link.symlink_to(target)
    run = run_cli("build", "--sources", str(source), "--out", str(link))
    assert_clean_failure(run, 2, mentions="is one of the inputs")
    assert target.read_bytes() == before and link.is_symlink()


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


def test_folders_follow_the_umask(tmp_path: Path, umask: None):
    """The release folder is staged under a new name and renamed into place: it gets 0777 less the
    umask like its subfolders (a temporary folder would be 0700)."""
    assert run_cli("release", "--out", str(tmp_path / "r")).code == 0
    assert run_cli("site", "--out", str(tmp_path / "s")).code == 0
    assert modes(tmp_path / "r") == {0o644}
    folders = {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "r", tmp_path / "r" / "shapes",
                                                       tmp_path / "s", tmp_path / "s" / "term")}
    assert folders == {0o755}


def test_a_stricter_umask_is_followed_too(tmp_path: Path, umask: None):
    os.umask(0o077)
    assert run_cli("export", "--out", str(tmp_path / "e.ttl")).code == 0
    assert stat.S_IMODE((tmp_path / "e.ttl").stat().st_mode) == 0o600
