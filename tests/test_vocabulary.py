"""The project vocabulary is closed: iimgraph.terms.IIM knows exactly the terms the ontology declares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_generated_term_list_matches_the_ontology():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "iim_vocab.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_misspelt_term_fails_instead_of_minting_an_iri():
    from iimgraph.terms import IIM

    assert str(IIM.AutoantibodyAssociation) == "https://w3id.org/iimgraph/vocab/AutoantibodyAssociation"
    with pytest.raises(AttributeError):
        IIM.AutoantibodyAsociation  # noqa: B018
    with pytest.raises(KeyError):
        IIM["evidence/TSA"]
