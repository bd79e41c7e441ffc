"""Issue 17: ``validate`` loads its sources straight into Oxigraph; the findings are those of the rdflib graph.

Every fixture (pass and fail of every rule), the adversarial files and the shipped sources are
validated both ways: through :func:`validate` (sources -> Oxigraph store, no rdflib graph) and
through :func:`validate_graph` on ``build_graph`` (the rdflib graph copied into Oxigraph). The
reports must be the same text and JSON, and the two graphs isomorphic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iimgraph.build.graph import build_graph, source_files
from iimgraph.build.oxgraph import load_sources
from iimgraph.errors import IIMGraphError
from iimgraph.resources import ontology_dir
from iimgraph.validate.pipeline import validate, validate_graph
from tests.graphs import same_graph

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"
HEADER = FIXTURES / "_header" / "header.ttl"
CASES = sorted(p for p in FIXTURES.glob("*/*") if p.is_dir() and not p.parent.name.startswith("_"))


def _paths(folder: Path) -> list[Path]:
    return [folder] if (folder / "header.ttl").exists() else [folder, HEADER]


def _both(paths: list[Path]) -> tuple[object, object]:
    files = source_files(paths)
    try:
        new = validate(paths, reason=False)
    except IIMGraphError as exc:
        new = f"error: {exc}"
    try:
        old = validate_graph(build_graph(files), files, reason=False)
    except IIMGraphError as exc:
        old = f"error: {exc}"
    return new, old


@pytest.mark.parametrize("folder", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_findings_are_those_of_the_rdflib_graph(folder: Path) -> None:
    files = source_files(_paths(folder))
    new, old = _both(_paths(folder))
    if isinstance(new, str) or isinstance(old, str):
        assert new == old
        return
    for fmt in ("text", "json", "md"):
        assert new.render(fmt, "INFO") == old.render(fmt, "INFO")  # type: ignore[attr-defined]
    assert same_graph(load_sources(files).rdflib_graph(), build_graph(files))


def test_shipped_findings_and_graph_are_those_of_the_rdflib_graph() -> None:
    files = source_files(ontology_dir())
    new, old = _both([ontology_dir()])
    assert not isinstance(new, str) and not isinstance(old, str)
    for fmt in ("text", "json", "md"):
        assert new.render(fmt, "INFO") == old.render(fmt, "INFO")  # type: ignore[attr-defined]
    loaded, expected = load_sources(files), build_graph(files)
    assert len(loaded) == len(expected)
    assert same_graph(loaded.rdflib_graph(), expected)


def test_an_edited_reference_table_is_read_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference tables are cached under their hash: an edit is never answered from the cache."""
    import shutil

    from iimgraph.resources import reference_dir
    from iimgraph.validate.reference import load_reference

    monkeypatch.setenv("IIMGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "reference"
    shutil.copytree(reference_dir(), folder)
    first = load_reference(str(folder))
    assert not first.knows("MONDO:9999999")
    load_reference.cache_clear()
    assert load_reference(str(folder)) == first  # from the cache now
    assert len(list((tmp_path / "cache").glob("reference-*.json"))) == 1
    seeds = folder / "seed_identifiers.tsv"
    seeds.write_text(seeds.read_text(encoding="utf-8") + "MONDO:9999999\ttest.ttl\tMONDO:9999999\n", encoding="utf-8")
    load_reference.cache_clear()
    edited = load_reference(str(folder))
    assert edited.knows("MONDO:9999999") and edited.seeds["MONDO:9999999"] == "test.ttl"
    load_reference.cache_clear()
