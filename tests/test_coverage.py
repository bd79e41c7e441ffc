"""iimgraph info --coverage: a completeness table per IIM subtype, computed from the built graph."""

from __future__ import annotations

from click.testing import CliRunner

from iimgraph.build.coverage import coverage_rows
from iimgraph.cli import cli

from .conftest import read_tsv


def test_coverage_counts_match_the_reference_tables(graph, reference_dir):
    rows = {r["class"]: r for r in coverage_rows(graph)}
    hpo25 = read_tsv(reference_dir / "hpo2025_iim_annotations.tsv")
    itm = read_tsv(reference_dir / "hpo_iim_annotations.tsv")
    for mondo in ("MONDO:0016367", "MONDO:0019127", "MONDO:0019344", "MONDO:0016098"):
        with_freq = sum(r["mondo_id"] == mondo and bool(r["frequency"]) and r["aspect"] == "P" for r in hpo25)
        assert rows[mondo]["with_frequency"] >= with_freq > 0, mondo
        assert rows[mondo]["phenotypes"] >= rows[mondo]["with_frequency"]
        n_itm = sum(r["evidence"] == "ITM" and mondo in r["mondo_ids"].split("|") for r in itm)
        assert rows[mondo]["text_mined"] == n_itm
        assert "hpo-annotations-2025-01-16" in str(rows[mondo]["sources"])
    assert rows["MONDO:0019344"]["autoantibodies"] == 9 + 4  # the curated links, dismech's Jo-1, PL-7, PL-12, Ro52
    assert rows["MONDO:0007827"]["antibody_statistics"] == 5 and rows["MONDO:0019344"]["antibody_statistics"] == 1
    assert rows["MONDO:0600023"]["treatments"] > 0 and rows["MONDO:0600023"]["epidemiology"] > 0
    assert "MONDO:0011603" not in rows  # GNE myopathy is not in scope


def test_info_coverage_prints_the_table():
    result = CliRunner().invoke(cli, ["info", "--coverage"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["class", "label", "phen"]
    dm = next(line for line in lines if line.startswith("MONDO:0016367"))
    assert "dermatomyositis" in dm and "hpo-annotations-2025-01-16" in dm
