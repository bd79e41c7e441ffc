"""Where a candidate's profile comes from: the published statements the graph holds (dismech: a PMID
and a verbatim quote each) count beside Orphanet's rows."""

from __future__ import annotations

import csv

import pytest

from iimgraph.rank import knowledge
from iimgraph.rank.profiles import Knowledge

from .conftest import read_tsv

IBM = "MONDO:0007827"
QUADRICEPS_WEAKNESS = "HP:0003731"


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return knowledge()


def test_a_published_statement_enters_the_profile(kb: Knowledge) -> None:
    """dismech: "The typical clinical phenotype is characterized by prominent involvement of deep finger
    flexors and quadriceps muscles." (PMID:36237625), very frequent; Orphanet's IBM rows lack it."""
    ann = kb.profiles[IBM].positive[QUADRICEPS_WEAKNESS]
    assert ann.claim.startswith("iimc:dismech-") and ann.evidence == "PCS"
    assert any(s.startswith("PMID:") for s in ann.sources), ann.sources
    assert ann.frequency == pytest.approx(0.895)


FOCAL_MYOSITIS, MUSCULAR_EDEMA, MYALGIA = "MONDO:0018845", "HP:0100748", "HP:0003326"


def _definitions(reference_dir) -> dict[str, str]:
    """Source id -> definition text: Orphanet's (ORDO 2018 extract) and MONDO's."""
    out = {r["orpha_id"]: r["definition"] for r in read_tsv(reference_dir / "orphanet_iim_classes_ordo2018.tsv")}
    out.update({r["mondo_id"]: r["definition"] for r in read_tsv(reference_dir / "mondo_iim_classes.tsv")})
    return out


def test_definition_features_quote_their_definition(reference_dir) -> None:
    """Each row's quote is verbatim in the definition it names, of an IIM class of the reference, and its
    HPO term is a current term of the reference."""
    from iimgraph.resources import rank_data_dir

    definitions = _definitions(reference_dir)
    terms = {r["hpo_id"]: r for name in ("hpo2025_terms.tsv", "hpo2025_lookalike_terms.tsv")
             for r in read_tsv(reference_dir / name)}
    iim = {r["mondo_id"] for r in read_tsv(reference_dir / "mondo_iim_classes.tsv")}
    with open(rank_data_dir() / "definition_features.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))
    assert rows
    for r in rows:
        assert r["quote"] in definitions[r["source"]], r
        assert r["mondo_id"] in iim and r["evidence"] == "CUR"
        assert r["hpo_id"] in terms and terms[r["hpo_id"]]["label"] == r["hpo_label"], r


def test_a_definition_names_what_the_annotations_lack(kb: Knowledge) -> None:
    """Orphanet defines focal myositis by "a localized swelling of skeletal muscle"; its ten HPO rows hold
    no swelling. With the definition read, a swollen painful muscle ranks focal myositis first."""
    ann = kb.profiles[FOCAL_MYOSITIS].positive[MUSCULAR_EDEMA]
    assert ann.evidence == "CUR" and ann.sources == ("Orphanet:48918",)
    assert "localized swelling of skeletal muscle" in ann.frequency_basis
    from iimgraph.rank.model import rank

    assert rank([MUSCULAR_EDEMA, MYALGIA], kb=kb).rows[0].disease == FOCAL_MYOSITIS
