"""Issue 15: a curator's CI: the pre-commit hook (run by pre-commit itself) and the workflow recipe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.needs import TEST_EXTRA, missing

from .conftest import ROOT

BIN = Path(sys.executable).parent
HOOKS = ROOT / ".pre-commit-hooks.yaml"
WORKFLOW = ROOT / "docs" / "ci" / "iimgraph-validate.yml"


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        missing(name, TEST_EXTRA)
    return str(path)


def test_hook_manifest_is_valid_for_pre_commit():
    proc = subprocess.run([_tool("pre-commit"), "validate-manifest", str(HOOKS)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "iimgraph-validate" and hook["entry"].startswith("iimgraph validate")


@pytest.fixture
def curator_repo(tmp_path: Path) -> Path:
    """A curator's git repository holding a copy of the sources, with the hook wired in as pre-commit runs it."""
    from iimgraph.resources import ontology_dir

    repo = tmp_path / "curation"
    shutil.copytree(ontology_dir(), repo / "ontology")
    (hook,) = yaml.safe_load(HOOKS.read_text())
    # the manifest's hook as a local one: same entry, file filter and file passing, run from this environment
    local = {k: hook[k] for k in ("id", "name", "entry", "files", "pass_filenames", "require_serial")}
    config = {"repos": [{"repo": "local", "hooks": [{**local, "language": "system"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    return repo


def _pre_commit(repo: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    return subprocess.run([_tool("pre-commit"), "run", "--files", *files], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)


def test_the_hook_passes_a_good_edit_and_stops_a_typo(curator_repo: Path):
    edited = "ontology/clinical/phenotypes_seeds.ttl"
    proc = _pre_commit(curator_repo, edited)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "iimgraph validate" in proc.stdout and "Passed" in proc.stdout
    path = curator_repo / edited
    text = path.read_text(encoding="utf-8")
    at = text.index("biolink:object obo:HP_")
    end = text.index(" ", at + len("biolink:object "))
    path.write_text(text[:at] + "biolink:object obo:HP_9999999" + text[end:], encoding="utf-8")
    proc = _pre_commit(curator_repo, edited)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "Failed" in proc.stdout and "unknown_identifier" in proc.stdout and "HP:9999999" in proc.stdout


def test_ci_recipe_is_a_valid_workflow_that_posts_the_markdown_report():
    proc = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    flow = yaml.safe_load(WORKFLOW.read_text())
    steps = flow["jobs"]["validate"]["steps"]
    run = "\n".join(s.get("run", "") for s in steps)
    assert "iimgraph validate" in run and "--format md" in run
    post = next(s for s in steps if "github-script" in s.get("uses", ""))
    assert "report.md" in post["with"]["script"] and "createComment" in post["with"]["script"]
    assert flow["permissions"]["pull-requests"] == "write"


def _step(flow: dict, name: str) -> dict:
    return next(s for s in flow["jobs"]["validate"]["steps"] if s.get("name") == name)


def test_ci_recipe_installs_iimgraph_from_its_repository_and_its_commands_run(tmp_path: Path):
    """iimgraph is not on the package index: the recipe checks out its source (pinned) and installs that;
    the install command is resolved by pip here against this checkout, and the validate step runs as written."""
    flow = yaml.safe_load(WORKFLOW.read_text())
    install = _step(flow, "Install iimgraph")["run"]
    assert "pip install iimgraph" not in install
    checkout = next(s for s in flow["jobs"]["validate"]["steps"]
                    if s.get("uses", "").startswith("actions/checkout") and s.get("with", {}).get("path"))
    assert checkout["with"]["ref"] == "${{ env.IIMGRAPH_REF }}" and "IIMGRAPH_REF" in flow["env"]
    src = tmp_path / checkout["with"]["path"]
    src.symlink_to(ROOT, target_is_directory=True)
    command = [*install.split(), "--dry-run", "--no-deps", "--no-build-isolation", "--no-index"]
    proc = subprocess.run([sys.executable, "-m", *command[command.index("pip"):]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "Would install iimgraph" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]

    from iimgraph.resources import ontology_dir

    shutil.copytree(ontology_dir(), tmp_path / flow["env"]["SOURCES"])
    output, summary = tmp_path / "out", tmp_path / "summary"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "SOURCES": flow["env"]["SOURCES"],
           "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    proc = subprocess.run(["bash", "-e", "-c", _step(flow, "Validate")["run"]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert output.read_text().strip() in ("status=0", "status=1")
    assert (tmp_path / "report.md").read_text().startswith("#") and summary.read_text()
