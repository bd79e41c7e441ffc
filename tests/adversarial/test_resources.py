"""Resources a hostile input can exhaust: a literal past the RDF parser's buffer, blank nodes as deep as
the data makes them, blank-node cycles that look alike, and the children a verb starts.

Before: a 20 MB literal (under the 64 MB line limit) ended in ``internal error: MemoryError`` (and in
``validate``, "needed more than None MB"); ``site`` over a 5,000-node blank-node chain ended in
``internal error: RecursionError`` after minutes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import assert_clean_failure, run_cli

BIG = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def big_literal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged sources plus one file whose second line holds a 20 MB literal."""
    folder = tmp_path_factory.mktemp("big") / "ontology"
    shutil.copytree(ROOT / "ontology", folder)
    (folder / "big.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<https://w3id.org/iimgraph/term/big> rdfs:comment "{"a" * BIG}" .\n')
    return folder


@pytest.mark.parametrize("verb", ["build", "validate", "query", "with", "diff"])
def test_a_20_mb_literal_is_one_line_naming_file_line_and_limit(verb: str, big_literal: Path, tmp_path: Path):
    big = big_literal / "big.ttl"
    args = {
        "build": ("build", "--sources", str(big_literal), "--out", str(tmp_path / "out.ttl")),
        "validate": ("validate", "--no-reason", str(big_literal)),
        "query": ("query", "subtypes", "--sources", str(big_literal)),
        "with": ("query", "subtypes", "--with", str(big), "--store", str(tmp_path / "store")),
        "diff": ("diff", str(big), str(big)),
    }[verb]
    run = run_cli(*args, env={"IIMGRAPH_CACHE_DIR": str(tmp_path / "cache")}, time_limit=120)
    assert_clean_failure(run, mentions=str(big))
    assert "16 MB" in run.stderr and "None" not in run.stderr
    if verb != "with":  # a streamed companion has no line to name
        assert f"{big}:2:" in run.stderr


def test_site_over_a_deep_blank_node_chain(tmp_path: Path):
    """5,000 blank nodes in a chain under a class: the site is written, the chain cut in that class's page."""
    folder = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", folder)
    n = 5000
    lines = ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "<http://purl.obolibrary.org/obo/MONDO_0016367> rdfs:seeAlso _:b0 ."]
    lines += [f"_:b{i} rdfs:seeAlso _:b{i + 1} ." for i in range(n)]
    lines.append(f'_:b{n} rdfs:label "end of the chain" .')
    (folder / "chain.ttl").write_text("\n".join(lines) + "\n")
    run = run_cli("site", "--sources", str(folder), "--out", str(tmp_path / "site"), time_limit=180)
    assert run.code == 0, run.stderr
    page = tmp_path / "site" / "term" / "MONDO_0016367.ttl"
    assert page.exists(), sorted(p.name for p in (tmp_path / "site" / "term").iterdir())[:10]
    assert "end of the chain" not in page.read_text()
