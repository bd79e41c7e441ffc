"""Where a candidate's profile comes from: the published statements the graph holds (dismech: a PMID
and a verbatim quote each) count beside Orphanet's rows."""

from __future__ import annotations

import pytest

from iimgraph.rank import knowledge
from iimgraph.rank.profiles import Knowledge

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
