"""Files and folders that are not ours: what a user keeps in a release folder, outputs inside the sources
folder, and source files that are links out of their folder.

Before: ``release --out`` over a previous release deleted a ``NOTES.txt``, a ``.git/`` or a file put in a
folder where an output used to be (the swap replaced the folder whole and only the manifest was checked);
``release``/``site``/``build --out`` inside ``--sources`` were accepted and the next build read the output
as sources; and a ``.ttl`` linking outside its sources folder was read by every verb (and served), a parse
error printing the outside file's first token.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import assert_clean_failure, run_cli

SECRET = "SECRET-TOKEN-4417 is not Turtle"


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def previous_release(folder: Path) -> Path:
    """A folder as a previous release left it (manifest, a data file, a shapes folder): the checks run
    before any work, so a small one stands for the real thing."""
    (folder / "shapes").mkdir(parents=True)
    files = {"iimgraph.ttl": b"# old\n", "shapes/iim.ttl": b"# old shapes\n"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    manifest = {"name": "iimgraph", "version": "0.0.1",
                "files": {n: {"sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)} for n, d in files.items()}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _notes(folder: Path) -> str:
    (folder / "NOTES.txt").write_text("my notes")
    return "NOTES.txt"


def _git(folder: Path) -> str:
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return ".git"


def _in_output_folder(folder: Path) -> str:
    (folder / "shapes" / "draft.ttl").write_text("# my draft shape\n")
    return "shapes/draft.ttl"


def _folder_where_a_file_was(folder: Path) -> str:
    (folder / "iimgraph.ttl").unlink()
    (folder / "iimgraph.ttl").mkdir()
    (folder / "iimgraph.ttl" / "keep.txt").write_text("mine")
    return "iimgraph.ttl/keep.txt"


FOREIGN = {"notes": _notes, "git": _git, "file_in_an_output_folder": _in_output_folder,
           "file_in_a_folder_where_an_output_was": _folder_where_a_file_was}


@pytest.mark.parametrize("case", sorted(FOREIGN))
def test_release_over_a_release_never_deletes_what_it_did_not_write(case: str, tmp_path: Path):
    release = previous_release(tmp_path / "release")
    named = FOREIGN[case](release)
    before = tree(release)
    run = run_cli("release", "--out", str(release), "--no-validate", time_limit=120)
    assert_clean_failure(run, mentions=named)
    assert tree(release) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"], "a staging folder was left behind"


# --- outputs inside an input folder -------------------------------------------------------------------

@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", folder)
    return folder


@pytest.mark.parametrize("verb, out", [("release", "release"), ("site", "site"), ("build", "built.ttl"),
                                       ("build", "clinical/built.ttl"), ("release", "generated/r")])
def test_an_output_inside_the_sources_folder_is_refused(verb: str, out: str, sources: Path):
    before = tree(sources)
    run = run_cli(verb, "--sources", str(sources), "--out", str(sources / out), time_limit=120)
    assert_clean_failure(run, mentions="inside the input folder")
    assert tree(sources) == before


def test_a_sources_folder_inside_the_output_folder_is_refused(sources: Path):
    """The other way round: the output folder would hold the inputs (and replace them)."""
    for verb in ("release", "site"):
        run = run_cli(verb, "--sources", str(sources), "--out", str(sources.parent), time_limit=120)
        assert_clean_failure(run, mentions="holds one of the inputs")


# --- symbolic links out of the sources folder ---------------------------------------------------------

LINK_VERBS = {
    "build": ("build", "--sources", "{src}", "--out", "{tmp}/out.ttl"),
    "info": ("info", "--sources", "{src}"),
    "validate": ("validate", "--no-reason", "{src}"),
    "query": ("query", "subtypes", "--sources", "{src}"),
    "sparql": ("sparql", "ASK { ?s ?p ?o }", "--sources", "{src}"),
    "serve": ("serve", "--port", "0", "--sources", "{src}"),
    "release": ("release", "--no-validate", "--sources", "{src}", "--out", "{tmp}/release"),
    "site": ("site", "--sources", "{src}", "--out", "{tmp}/site"),
}


@pytest.mark.parametrize("verb", sorted(LINK_VERBS))
def test_a_source_linking_out_of_its_folder_is_refused(verb: str, sources: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.ttl").write_text(SECRET + "\n")
    (sources / "clinical" / "linked.ttl").symlink_to(outside / "private.ttl")
    args = [a.replace("{src}", str(sources)).replace("{tmp}", str(tmp_path)) for a in LINK_VERBS[verb]]
    run = run_cli(*args, time_limit=120, env={"IIMGRAPH_CACHE_DIR": str(tmp_path / "cache")})
    assert_clean_failure(run, mentions="symbolic link out of the sources folder")
    assert "SECRET" not in run.stdout + run.stderr


def test_a_linked_folder_out_of_the_sources_is_never_read(sources: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.ttl").write_text(SECRET + "\n")
    (sources / "clinical" / "linked").symlink_to(outside, target_is_directory=True)
    run = run_cli("sparql", "ASK { ?s ?p ?o }", "--sources", str(sources), time_limit=120,
                  env={"IIMGRAPH_CACHE_DIR": str(tmp_path / "cache")})
    assert "SECRET" not in run.stdout + run.stderr
    if run.code != 0:
        assert_clean_failure(run, mentions="symbolic link out of the sources folder")


def test_a_link_that_stays_inside_the_sources_folder_is_read(sources: Path, tmp_path: Path):
    """The control: a link to another file inside the folder is an ordinary source."""
    (sources / "spare.txt").write_text(
        "<https://w3id.org/iimgraph/term/x> <http://www.w3.org/2000/01/rdf-schema#label> \"linked in\" .\n")
    (sources / "clinical" / "linked.ttl").symlink_to(sources / "spare.txt")
    run = run_cli("sparql", 'ASK { ?s ?p "linked in" }', "--sources", str(sources), "--format", "json",
                  time_limit=120, env={"IIMGRAPH_CACHE_DIR": str(tmp_path / "cache")})
    assert run.code == 0 and "true" in run.stdout, run.stderr
