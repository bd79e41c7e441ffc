"""iimgraph info --coverage: a completeness table per IIM subtype, computed from the built graph."""

from __future__ import annotations

from click.testing import CliRunner
from rdflib import URIRef

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


def _claims_citing(graph, source: str, kind: str) -> int:
    """Counted by SPARQL, apart from the code under test."""
    q = ("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a <https://w3id.org/iimgraph/vocab/Claim>, ?kind ; "
         "<http://purl.org/dc/terms/source> ?source }")
    return int(next(iter(graph.query(q, initBindings={"kind": URIRef(kind), "source": URIRef(source)})))[0])


def test_per_source_coverage_counts_every_claim_kind_a_source_supports(graph):
    from iimgraph.build.coverage import source_rows
    from iimgraph.claim_kinds import KINDS

    rows = {r["source"]: r for r in source_rows(graph)}
    src = "https://w3id.org/iimgraph/source/"
    for name in ("seed-carenity", "seed-medgen-familial-iim", "hpo-annotations-2025-01-16", "orphadata-2025-12",
                 "dismech-inclusion-body-myositis"):
        row = rows[name]
        for k in KINDS:
            assert row[k.short] == _claims_citing(graph, src + name, k.iri), (name, k.short)
        assert row["total"] == sum(row[k.short] for k in KINDS) > 0
    assert rows["seed-carenity"]["treat"] > 0 and rows["seed-carenity"]["inherit"] == 1
    assert rows["dismech-inclusion-body-myositis"]["abstat"] > 0 and rows["dismech-inclusion-body-myositis"]["treat"] > 0
    # row references are summed per database: one PMID row, not 800
    pmid = rows["PMID"]
    assert pmid["sources"] > 100 and pmid["total"] > 100
    assert not any(name.startswith("pmid-") for name in rows)


def test_info_coverage_prints_the_per_source_table_after_the_subtypes():
    result = CliRunner().invoke(cli, ["info", "--coverage"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = lines.index("claims per source and kind")
    header = lines[at + 1].split()
    assert header[:2] == ["source", "sources"] and "treat" in header and "inherit" in header and header[-1] == "total"
    carenity = next(line.split() for line in lines[at:] if line.startswith("seed-carenity "))
    assert len(carenity) == len(header) and int(carenity[header.index("treat")]) > 0
