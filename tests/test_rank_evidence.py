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
    """Source id -> definition text, then the class's label and synonyms (a class without a definition
    is read by its name): Orphanet's (ORDO 2018 extract) and MONDO's."""
    out = {r["orpha_id"]: "\n".join([r["definition"], r["label"], r["synonyms"]])
           for r in read_tsv(reference_dir / "orphanet_iim_classes_ordo2018.tsv")}
    out.update({r["mondo_id"]: "\n".join([r["definition"], r["label"]])
                for r in read_tsv(reference_dir / "mondo_iim_classes.tsv")})
    for r in read_tsv(reference_dir / "mondo_iim_synonyms.tsv"):
        out[r["mondo_id"]] += "\n" + r["synonym"]
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


ANTI_MDA5_DM, AMYOPATHIC_DM, DERMATOMYOSITIS = "MONDO:1010064", "MONDO:0043317", "MONDO:0016367"
MUSCLE_WEAKNESS, PROXIMAL_WEAKNESS = "HP:0001324", "HP:0003701"


def test_a_definition_caps_what_it_says_is_often_absent(kb: Knowledge) -> None:
    """MONDO: anti-MDA5 DM "is often associated with ... amyopathic or hypomyopathic muscle involvement".
    Its weakness annotations, inherited from dermatomyositis at 0.895, are held at 1 - 0.545; DM keeps its
    own figure. An anti-MDA5 patient with Gottron's papules, interstitial lung disease and no weakness is then
    anti-MDA5 DM's before amyopathic DM's (the antibody defines the first; the second only lacks weakness)."""
    from iimgraph.rank.model import rank

    weak = {t: a for t, a in kb.profiles[ANTI_MDA5_DM].positive.items() if MUSCLE_WEAKNESS in kb.ancestors(t)}
    assert PROXIMAL_WEAKNESS in weak
    assert all(a.frequency <= 0.455 + 1e-9 for a in weak.values()), weak
    assert "amyopathic or hypomyopathic muscle involvement" in weak[PROXIMAL_WEAKNESS].frequency_basis
    assert kb.profiles[DERMATOMYOSITIS].positive[PROXIMAL_WEAKNESS].frequency == pytest.approx(0.895)
    rows = rank(["HP:0033033", "HP:0025508", "HP:0006530", "HP:0000989"], absent=[MUSCLE_WEAKNESS], kb=kb).rows
    order = [r.disease for r in rows]
    assert order.index(ANTI_MDA5_DM) < order.index(AMYOPATHIC_DM), order[:4]


OVERLAP_MYOSITIS, MYOSITIS = "MONDO:0016099", "HP:0100614"


def test_every_definition_is_read_the_same_way(kb: Knowledge) -> None:
    """Orphanet defines overlap myositis as "characterized by myositis with at least one ... overlap
    feature"; the graph gives it Myositis only through the group's statement without a frequency. The
    definition's "characterized by" is read as for every class: very frequent, cited, CUR."""
    ann = kb.profiles[OVERLAP_MYOSITIS].positive[MYOSITIS]
    assert ann.sources == ("Orphanet:206572",) and ann.evidence == "CUR" and ann.inherited_from is None
    assert ann.frequency == pytest.approx(0.895)


EOSINOPHILIC_MYOSITIS, MUSCLE_EOSINOPHILIA, EOSINOPHILIA = "MONDO:0016610", "HP:0032019", "HP:0001880"


def test_a_class_without_a_definition_is_read_by_its_name(kb: Knowledge) -> None:
    """Idiopathic eosinophilic myositis has no definition in MONDO or Orphanet: its name says myositis with
    eosinophils in the muscle, Orphanet's exact synonym "Idiopathic eosinophilia-associated myopathy" the
    blood's eosinophilia. It is a candidate on that, cited and CUR, and a patient with myalgia, eosinophilia
    and muscle eosinophilia on biopsy is its patient first."""
    from iimgraph.rank.model import rank

    prof = kb.profiles[EOSINOPHILIC_MYOSITIS]
    assert {MYOSITIS, MUSCLE_EOSINOPHILIA, EOSINOPHILIA} <= set(prof.positive)
    assert prof.positive[EOSINOPHILIA].sources == ("Orphanet:247724",)
    assert all(prof.positive[t].evidence == "CUR" for t in (MYOSITIS, MUSCLE_EOSINOPHILIA, EOSINOPHILIA))
    assert rank([MYALGIA, EOSINOPHILIA, MUSCLE_EOSINOPHILIA], kb=kb).rows[0].disease == EOSINOPHILIC_MYOSITIS
