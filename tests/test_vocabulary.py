"""The project vocabulary is closed: iimgraph.terms.IIM knows exactly the terms the ontology declares; and
every IRI or link the code writes out lives in one home (``namespaces.py``; ``terms.py`` and the two
generated tables beside it)."""

from __future__ import annotations

import ast
import re
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


SRC = ROOT / "src" / "iimgraph"
#: the one home of IRIs and links, and the generated tables it reads
IRI_HOME = {"namespaces.py", "terms.py", "field_prefixes.py", "iim_vocab.py"}
#: an IRI or URL written out: a scheme and at least a host (a bare "http://", as in a scheme check or
#: a URL assembled from a host and port, is not one); a loopback address is an example for a local server
WRITTEN_URL = re.compile(r"https?://(?!127\.0\.0\.1[:/]|localhost[:/])[^\s\"'<>]")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def written_urls(root: Path) -> list[str]:
    """``file:line: text`` of every string literal (f-string parts too; docstrings aside) under ``root``
    that writes out an http(s) IRI or URL, outside the IRI home."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in IRI_HOME:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
                    and WRITTEN_URL.search(node.value)):
                found.append(f"{rel}:{node.lineno}: {WRITTEN_URL.search(node.value).group(0)}...")  # type: ignore[union-attr]
    return found


def test_iris_and_links_are_written_only_in_their_home():
    """Before: 99 http(s) literals in 27 modules (the evidence base five times, OWL terms in four modules);
    a new one goes in ``namespaces.py`` under a name, and code uses the name."""
    assert written_urls(SRC) == []


def test_the_iri_check_sees_a_literal_and_lets_schemes_and_docstrings_pass(tmp_path: Path):
    (tmp_path / "mod.py").write_text(
        '"""See https://example.org/doc."""\n'
        'OWL_THING = "http://www.w3.org/2002/07/owl#Thing"\n'
        'def f(host, port, iri):\n'
        '    """Links to https://example.org/."""\n'
        '    ok = iri.startswith(("http://", "https://")) or f"http://{host}:{port}/sparql"\n'
        '    return f"<https://w3id.org/iimgraph/vocab/{iri}>", "e.g. http://127.0.0.1:7878/store", ok\n')
    (tmp_path / "namespaces.py").write_text('OBO = "http://purl.obolibrary.org/obo/"\n')
    assert written_urls(tmp_path) == ["mod.py:2: http://w...", "mod.py:6: https://w..."]
