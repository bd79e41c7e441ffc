"""``iimgraph validate`` as a curator runs it: exit codes, formats, and one-line errors for broken input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli import CLI

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"


def iimgraph(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "validate", *args],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


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
