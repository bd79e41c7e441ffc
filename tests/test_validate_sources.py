"""Issue 17: ``validate`` loads its sources straight into Oxigraph; the findings are those of the rdflib graph.

Every fixture (pass and fail of every rule), the adversarial files and the shipped sources are
validated both ways: through :func:`validate` (sources -> Oxigraph store, no rdflib graph) and
through :func:`validate_graph` on ``build_graph`` (the rdflib graph copied into Oxigraph). The
reports must be the same text and JSON, and the two graphs isomorphic.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef

from iimgraph.build.graph import build_graph, source_files
from iimgraph.build.oxgraph import load_sources
from iimgraph.errors import IIMGraphError
from iimgraph.io.rdf import _bracket_line, bracket_depth
from iimgraph.resources import ontology_dir
from iimgraph.validate.pipeline import validate, validate_graph
from iimgraph.validate.qc import OxigraphCopy
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
    # what the checks run on: the store, against build_graph's graph copied into one (a store keeps a
    # number as its value, so the shipped "0.70"^^xsd:decimal is 0.7 on both sides)
    assert same_graph(_stored(loaded.store), _stored(OxigraphCopy(expected).store))


def _stored(store: object) -> Graph:
    """An Oxigraph store's triples as an rdflib graph, each term as the store gives it back."""
    import pyoxigraph as ox

    def term(node: object) -> object:
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            return BNode(node.value)
        assert isinstance(node, ox.Literal)
        return Literal(node.value, lang=node.language) if node.language else Literal(
            node.value, datatype=URIRef(node.datatype.value))

    graph = Graph()
    for quad in store:  # type: ignore[attr-defined]
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))  # type: ignore[arg-type]
    return graph


def test_a_finding_names_the_same_label_whatever_order_the_sources_write_them_in(tmp_path: Path) -> None:
    """A term with two labels: the finding shows the one ``preferred`` picks (plain or English first, then the
    smallest text), on both paths and in either order; the sources path keeps no order (the store parses it)."""
    fail = (FIXTURES / "multiple_labels" / "fail" / "data.ttl").read_text(encoding="utf-8")
    assert 'rdfs:label "polymyositis", "PM" ;' in fail
    swapped = fail.replace('rdfs:label "polymyositis", "PM" ;', 'rdfs:label "PM", "polymyositis" ;')
    reports = []
    for name, text in (("written", fail), ("swapped", swapped)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "data.ttl").write_text(text, encoding="utf-8")
        new, old = _both([folder, HEADER])
        assert not isinstance(new, str) and not isinstance(old, str)
        reports += [new, old]
    labels = {f.label for r in reports for f in r.findings if f.term == "MONDO:0019127"}  # type: ignore[attr-defined]
    assert labels == {"PM"}


def test_what_the_store_parses_is_checked_as_the_exact_path_checks_it(tmp_path: Path) -> None:
    """Sources parsed by the store give turtle_terms' one-line errors, for the same file: a literal rdflib
    cannot read, an IRI written with an escape rdflib refuses, a syntax error after a bad literal, blank
    nodes chained too deep; and two files with the same blank node labels keep their nodes apart."""
    header = HEADER.read_text(encoding="utf-8")
    prefixes = "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n@prefix iim: <https://w3id.org/iimgraph/vocab/> .\n"
    cases = {
        "literal": (prefixes + 'iim:a iim:p "abc"^^xsd:date .\n', "is not a valid"),
        "iri": (prefixes + "<https://w3id.org/iimgraph/a\\u0020b> iim:p iim:c .\n", "invalid IRI"),
        "chain": (prefixes + "".join(f"_:b{i} iim:p _:b{i + 1} .\n" for i in range(120)), "chained deeper"),
    }
    for name, (text, expected) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "header.ttl").write_text(header, encoding="utf-8")
        (folder / "a.ttl").write_text(text, encoding="utf-8")
        (folder / "z.ttl").write_text(prefixes + "iim:a iim:p", encoding="utf-8")  # a syntax error, read after
        if name == "chain":
            (folder / "z.ttl").unlink()
        with pytest.raises(IIMGraphError, match=expected) as raised:
            load_sources([folder])
        assert "a.ttl" in str(raised.value)
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "header.ttl").write_text(header, encoding="utf-8")
    for name in ("a", "b"):
        (folder / f"{name}.ttl").write_text(prefixes + f'_:x iim:p "{name}" .\n', encoding="utf-8")
    loaded = load_sources([folder])
    assert len({s for s, _o in loaded.rdflib_graph().subject_objects(URIRef("https://w3id.org/iimgraph/vocab/p"))}) == 2


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


def test_a_large_lone_file_keeps_its_findings_and_their_lines(tmp_path: Path) -> None:
    """A lone N-Triples-style file of some size (as ``bench_validate.py --synthetic`` writes): read once for
    both the release test and the load, its blank-node lines skipped by the source index, the filtered QC
    rules tested on the store's text: the planted findings are found at their lines, and the report is the
    rdflib path's."""
    term, label, p = "https://w3id.org/iimgraph/term/gen-", "http://www.w3.org/2000/01/rdf-schema#label", \
        "https://w3id.org/iimgraph/vocab/p"
    lines = []
    for i in range(3000):
        lines += [f'<{term}{i}> <{label}> "generated thing {i}" .', f"_:b{i} <{p}> <{term}{i}> ."]
    xref = "<http://www.geneontology.org/formats/oboInOwl#hasDbXref>"
    planted = {
        ("xref_prefix_unknown", f"{term}1500"): f'<{term}1500> {xref} "NOPE:123" .',
        ("unknown_identifier", f"{term}2000"):
            f"<{term}2000> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://purl.obolibrary.org/obo/MONDO_9999999> .",
    }
    at = {}
    for (rule, subject), line in planted.items():
        index = next(n for n, text in enumerate(lines) if text.startswith(f"<{subject}>")) + 1
        lines.insert(index, line)
        at[rule] = index + 1  # 1-based
    path = tmp_path / "large.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    new = validate([path], reason=False)
    files = [*source_files(ontology_dir()), path]
    old = validate_graph(build_graph(files), files, reason=False)
    assert new.to_json() == old.to_json()
    shown = {(f.rule, f.line) for f in new.findings if f.file is not None and f.file.endswith("large.ttl")}
    assert ("xref_prefix_unknown", at["xref_prefix_unknown"]) in shown
    assert ("unknown_identifier", at["unknown_identifier"]) in shown
    assert any(f.rule == "unknown_identifier" and f.value == "MONDO:9999999" for f in new.findings)


def test_a_file_in_n_triples_then_turtle_is_loaded_once_and_whole(tmp_path: Path) -> None:
    """The store tries a source as N-Triples first (its faster parser; N-Triples is Turtle): a file written as
    N-Triples for thousands of lines and then in Turtle's own syntax is read as Turtle, whole, nothing twice
    and nothing left from the first try; the graph is build_graph's."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "header.ttl").write_text(HEADER.read_text(encoding="utf-8"), encoding="utf-8")
    p = "https://w3id.org/iimgraph/vocab/p"
    lines = [f'<https://w3id.org/iimgraph/term/t{i}> <{p}> "v{i}" .' for i in range(5000)]
    lines += ["@prefix iim: <https://w3id.org/iimgraph/vocab/> .", 'iim:last iim:p "w1", "w2" ; iim:p [ iim:p "x" ] .']
    (folder / "mixed.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded, expected = load_sources([folder]), build_graph(source_files([folder]))
    assert len(loaded) == len(expected)
    assert same_graph(loaded.rdflib_graph(), expected)
    assert len(list(loaded.store.quads_for_pattern(None, None, None))) == len(expected)



SHIPPED_TURTLE = [p.read_text(encoding="utf-8") for p in source_files(ontology_dir()) if p.suffix == ".ttl"]


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet='[]()"\'<>#\\\n ab:.', max_size=120), limit=st.integers(0, 4))
def test_the_bracket_depth_shortcut_gives_the_token_scan_answer(text: str, limit: int) -> None:
    """The nesting check takes strings, IRIs and comments out in one pass and walks only the brackets left; only
    past the limit does it scan token by token for the line. Any text (quotes unterminated or escaped included):
    the same answer as the token scan alone."""
    assert bracket_depth(text, limit) == _bracket_line(text, limit)


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 100])
def test_the_bracket_depth_shortcut_on_the_shipped_sources(limit: int) -> None:
    assert [bracket_depth(t, limit) for t in SHIPPED_TURTLE] == [_bracket_line(t, limit) for t in SHIPPED_TURTLE]


LEXICAL = st.one_of(st.from_regex(r"[+-]?[0-9]{0,22}(\.[0-9]{0,9})?", fullmatch=True),
                    st.from_regex(r"[0-9]{4,5}-[0-9]{1,2}-[0-9]{1,2}", fullmatch=True),
                    st.sampled_from(["true", "false", "1", "0", "TRUE", "-0", "0.0", "00", "1e3", "2025-02-29", "2024-02-29"]),
                    st.text(max_size=12))


@settings(max_examples=600, deadline=None)
@given(text=LEXICAL, datatype=st.sampled_from(["integer", "decimal", "boolean", "date", "dateTime", "double"]))
def test_typed_literals_take_rdflib_s_form_without_rdflib(text: str, datatype: str) -> None:
    """The common typed literals of the sources (integers, decimals, booleans, dates) get the lexical form rdflib
    gives them without asking rdflib; any form the shortcut does not know is left to rdflib, whatever it says."""
    import pyoxigraph as ox

    from iimgraph.build.oxgraph import _form_by_rdflib, _known_form

    try:
        literal = ox.Literal(text, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#" + datatype))
    except ValueError:
        return
    known = _known_form(literal)
    if known is not None:
        assert known == _form_by_rdflib(literal)


PLAIN_LINES = st.lists(st.sampled_from([
    "<http://x/a> <http://x/p> <http://x/b> .", "<http://x/a>\t<http://x/p> \"1\" .", "<http://x/b> <http://x/p> _:n .",
    "<http://x/ab> <http://x/p> <http://x/a> .", "_:n <http://x/q> <http://x/a> .", "# <http://x/b> a comment", "",
    "<http://x/b>", "<http://x/é> <http://x/p> \"é\" .", "<http://x/a> <http://x/p> \"x\"@en .", "  <http://x/a> ...",
    "@prefix x: <http://x/> .", "x:a x:p x:b .", "<> <http://x/p> 1 .", "<http://x/a b> <http://x/p> 1 ."]), max_size=30)


@settings(max_examples=500, deadline=None)
@given(lines=PLAIN_LINES, ending=st.sampled_from(["\n", "", "\r\n"]))
def test_the_line_by_line_index_shortcut_finds_the_blocks_of_the_general_reader(lines: list[str], ending: str) -> None:
    """A file written line by line with full IRIs (N-Triples) is indexed one block per match; any file it cannot
    read that way is left to the general reader: the same subjects, blocks and lines either way."""
    from iimgraph.validate.report import SourceIndex, _index_plain, _index_turtle

    text = ending.join(lines) + (ending if lines else "")
    fast, general = SourceIndex(), SourceIndex()
    if _index_plain(text, text.splitlines(), "f.nt", fast):
        _index_turtle(text.splitlines(), "f.nt", general)
        assert (fast.subjects, fast.blocks) == (general.subjects, general.blocks)
        assert all(not line or line[0] in "<#_" for line in text.splitlines())


def test_the_index_shortcut_reads_a_generated_file(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import generate

    from iimgraph.validate.report import SourceIndex, _index_plain, _index_turtle

    path = tmp_path / "synthetic.ttl"
    generate.write(20_000, path, header=True)
    text = path.read_text(encoding="utf-8")
    fast, general = SourceIndex(), SourceIndex()
    assert _index_plain(text, text.splitlines(), "s.ttl", fast)
    _index_turtle(text.splitlines(), "s.ttl", general)
    assert fast.subjects and (fast.subjects, fast.blocks) == (general.subjects, general.blocks)
