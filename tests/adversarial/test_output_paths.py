"""Hostile output paths: files follow the umask, a FIFO or a device named as --out is refused and left
as it was, and build never writes its output over one of its sources."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from iimgraph.resources import ontology_dir

from .conftest import assert_clean_failure, run_cli


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)   # the children inherit it
    try:
        yield
    finally:
        os.umask(previous)


def _modes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("verb", [("build", "--format", "nt"), ("export", "--format", "nt")])
def test_a_written_file_follows_the_umask(verb, tmp_path, umask_022):
    out = tmp_path / "graph.nt"
    run = run_cli(*verb, "--out", str(out), time_limit=300)
    assert run.code == 0, run.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@pytest.mark.parametrize("verb", ["release", "site"])
def test_every_file_of_a_folder_follows_the_umask(verb, tmp_path, umask_022):
    out = tmp_path / verb
    run = run_cli(verb, "--out", str(out), time_limit=300)
    assert run.code == 0, run.stderr
    modes = _modes(out)
    assert modes and {name: mode for name, mode in modes.items() if mode != 0o644} == {}


def _fifo(folder: Path) -> Path:
    path = folder / "fifo"
    os.mkfifo(path)
    return path


def _device(folder: Path) -> Path:
    path = folder / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))   # a private /dev/null
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return path


def _link_to_dev_null(folder: Path) -> Path:
    path = folder / "null-link"
    path.symlink_to("/dev/null")
    return path


@pytest.mark.parametrize("make", [_fifo, _device, _link_to_dev_null], ids=["fifo", "device", "symlink-to-dev-null"])
@pytest.mark.parametrize("verb", ["build", "export"])
def test_an_out_that_is_not_a_regular_file_is_refused(verb, make, tmp_path):
    target = make(tmp_path)
    before = os.stat(target).st_mode
    run = run_cli(verb, "--format", "nt", "--out", str(target))
    assert_clean_failure(run, mentions="not a regular file")
    assert os.stat(target).st_mode == before and target.is_symlink() == (make is _link_to_dev_null)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]   # no temporary file left behind


def test_a_release_file_that_is_a_fifo_is_refused(tmp_path):
    out = tmp_path / "release"
    out.mkdir()
    os.mkfifo(out / "manifest.json")
    run = run_cli("release", "--out", str(out), time_limit=300)
    assert_clean_failure(run, mentions="not a regular file")
    assert stat.S_ISFIFO(os.stat(out / "manifest.json").st_mode)
    assert [p.name for p in out.iterdir()] == ["manifest.json"]   # nothing moved in


def test_build_refuses_to_write_over_its_source_file(tmp_path):
    source = tmp_path / "header.ttl"
    shutil.copy(ontology_dir() / "header.ttl", source)
    before = source.read_bytes()
    run = run_cli("build", "--sources", str(source), "--out", str(source))
    assert_clean_failure(run, mentions="sources")
    assert source.read_bytes() == before


def test_build_refuses_to_write_over_a_file_of_its_source_folder(tmp_path):
    folder = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), folder)
    target = folder / "classification.ttl"
    before = target.read_bytes()
    run = run_cli("build", "--sources", str(folder), "--out", str(tmp_path / "ontology" / ".." / "ontology" / target.name))
    assert_clean_failure(run, mentions="sources")
    assert target.read_bytes() == before
