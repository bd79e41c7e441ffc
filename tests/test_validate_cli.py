"""``iimgraph validate`` as a curator runs it: exit codes, formats, and one-line errors for broken input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli import invoke, run_cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"


def iimgraph(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``iimgraph validate ARGS``: in this process, or in a child process where the working folder matters."""
    if cwd is None:
        return invoke("validate", *args)
    return run_cli("validate", *args, cwd=cwd, timeout=600)


def test_shipped_graph_validates_with_exit_0_including_reasoning():
    proc = iimgraph()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proc.stdout.startswith("iimgraph validate: PASS")
    # reasoning really ran where Java is present, and says why it did not where it is absent
    if shutil.which("java"):
        assert "reasoning ok" in proc.stdout, proc.stdout[-2000:]
    else:
        assert "reasoning_skipped" in proc.stdout


def test_fail_on_warn_fails_on_the_shipped_warnings_and_json_says_why():
    proc = iimgraph("--no-reason", "--fail-on", "warn", "--format", "json")
    doc = json.loads(proc.stdout)
    assert doc["counts"]["WARN"] > 0 and doc["counts"]["ERROR"] == 0
    assert proc.returncode == 1 and doc["conforms"] is False and doc["fail_on"] == "WARN"
    warn = next(f for t in doc["terms"] for f in t["findings"] if f["level"] == "WARN")
    assert set(warn) == {"level", "rule", "property", "value", "message", "file", "line"}
    assert warn["file"].endswith(".ttl") and warn["line"] > 0


def test_failing_folder_exits_1_and_the_markdown_names_term_rule_and_line(tmp_path: Path):
    folder = tmp_path / "edit"
    folder.mkdir()
    for src in (FIXTURES / "claim_without_source" / "fail" / "data.ttl", FIXTURES / "_header" / "header.ttl"):
        (folder / src.name).write_text(src.read_text())
    proc = iimgraph(str(folder), "--no-reason", "--format", "md", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "#### `iimc:phenotype-fixture-MONDO_0019127-HP_0003701`" in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if "`claim_without_source`" in line)
    assert "| ERROR |" in row and re.search(r"edit/data\.ttl:\d+", row)


def test_ttl_format_is_a_shacl_report(tmp_path: Path):
    from rdflib import Graph, Literal, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    proc = iimgraph(str(FIXTURES / "ClaimShape" / "fail"), str(FIXTURES / "_header"), "--no-reason", "--format", "ttl")
    assert proc.returncode == 1
    g = Graph().parse(data=proc.stdout, format="turtle")
    assert (None, sh.conforms, Literal(False)) in g
    assert (None, sh.resultSeverity, sh.Violation) in g


@pytest.mark.parametrize(
    "name, text, expect",
    [
        ("syntax.ttl", '@prefix obo: <http://purl.obolibrary.org/obo/> .\nobo:MONDO_0019127 a \n  "x" "y" .\n', r"syntax\.ttl:\d+: Turtle syntax error"),
        ("prefix.ttl", '@prefix obo: <http://purl.obolibrary.org/obo/> .\n\nobo:MONDO_0019127 a owl:Class .\n', r"prefix\.ttl:3: .*owl"),
        ("empty.ttl", "", r"empty\.ttl: empty file"),
        ("missing.ttl", None, r"missing\.ttl: no such file"),
    ],
)
def test_broken_input_exits_2_with_one_line_naming_the_file(tmp_path: Path, name: str, text: str | None, expect: str):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    proc = iimgraph(str(path), "--no-reason")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("iimgraph: error: "), proc.stderr
    assert re.search(expect, lines[0]), lines[0]
    assert "Traceback" not in proc.stderr


# --- issue 15: one edited file is validated in its context; release files as published -------------

def _sources_copy(tmp_path: Path) -> Path:
    import shutil

    from iimgraph.resources import ontology_dir

    root = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), root)
    return root


def _typo(path: Path) -> int:
    """Put an unknown HPO term into the first phenotype association of ``path``; the line of the edit."""
    text = path.read_text(encoding="utf-8")
    at = text.index("biolink:object obo:HP_")
    end = text.index(" ", at + len("biolink:object "))
    path.write_text(text[:at] + "biolink:object obo:HP_9999999" + text[end:], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def test_one_file_of_a_sources_folder_is_validated_in_that_folder(tmp_path: Path):
    root = _sources_copy(tmp_path)
    edited = root / "clinical" / "phenotypes_seeds.ttl"
    proc = iimgraph(str(edited), "--no-reason", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert "ontology/header.ttl" in json.loads(proc.stdout)["sources"]
    line = _typo(edited)
    proc = iimgraph(str(edited), "--no-reason", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    hits = [f for t in json.loads(proc.stdout)["terms"] for f in t["findings"] if f["rule"] == "unknown_identifier"]
    assert [(f["value"], f["file"], f["line"]) for f in hits] == [("HP:9999999", "ontology/clinical/phenotypes_seeds.ttl", line)]


def test_a_lone_edited_file_is_validated_with_the_packaged_rest(tmp_path: Path):
    from iimgraph.resources import ontology_dir

    edited = tmp_path / "edit" / "phenotypes_seeds.ttl"
    edited.parent.mkdir()
    edited.write_text((ontology_dir() / "clinical" / "phenotypes_seeds.ttl").read_text(encoding="utf-8"), encoding="utf-8")
    proc = iimgraph(str(edited), "--no-reason", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    sources = json.loads(proc.stdout)["sources"]
    assert "edit/phenotypes_seeds.ttl" in sources
    assert not any(s.endswith("clinical/phenotypes_seeds.ttl") for s in sources)  # the edit replaces its packaged copy
    assert any(s.endswith("header.ttl") for s in sources)
    line = _typo(edited)
    proc = iimgraph(str(edited), "--no-reason", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert f"[edit/phenotypes_seeds.ttl:{line}]" in proc.stdout and "HP:9999999" in proc.stdout


@pytest.mark.parametrize("fmt", ["owl", "nt", "jsonld"])
def test_release_files_are_validated_as_published(tmp_path: Path, fmt: str):
    out = tmp_path / f"iimgraph.{fmt}"
    made = invoke("export", "--format", fmt, "--out", str(out), "--version", "9.9.9")
    assert made.returncode == 0, made.stderr
    proc = iimgraph(str(out), "--no-reason", "--format", "json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert json.loads(proc.stdout)["sources"] == [out.as_posix()]


def test_a_published_file_is_not_restamped(tmp_path: Path):
    out = tmp_path / "iimgraph.nt"
    made = invoke("export", "--format", "nt", "--out", str(out))
    assert made.returncode == 0, made.stderr
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(ln for ln in lines if "owl#versionIRI" not in ln), encoding="utf-8")
    proc = iimgraph(str(out), "--no-reason", "--format", "json")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr
    hits = [f for t in json.loads(proc.stdout)["terms"] for f in t["findings"] if f["rule"] == "OntologyHeaderShape"]
    assert any(f["property"] == "owl:versionIRI" for f in hits), hits


def test_release_files_and_sources_do_not_mix(tmp_path: Path):
    (tmp_path / "a.nt").write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    proc = iimgraph(str(tmp_path / "a.nt"), str(FIXTURES / "_header" / "header.ttl"), "--no-reason")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "a.nt" in proc.stderr
