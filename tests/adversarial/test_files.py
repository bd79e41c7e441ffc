"""Hostile and broken FILE inputs through the real CLI: exit 2, one line naming the file, no traceback,
bounded time and memory, no connection to the loopback trap, no source modified, no output left behind.

Each file in ``files/`` is one case. Its name decides the verbs it goes through: ``*.ttl`` and
``*.sssom.tsv`` are curator sources (``build --sources FILE --out ...`` and ``validate FILE``);
every other file is an RDF input to ``diff CASE GOOD.nt``. ``CASES`` says which words the error line
must contain; a file without an entry fails the suite, so no case goes untested. A few cases are
generated at run time because they are large or are not regular files (a FIFO, a device).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from .conftest import Listener, Run, assert_clean_failure, materialise, run_cli

FILES = Path(__file__).resolve().parent / "files"
GOOD_NT = '<https://w3id.org/iimgraph/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\n'

#: case file -> words its one-line error must contain
CASES: dict[str, str] = {
    # Turtle sources
    "ttl_syntax_missing_dot.ttl": "ttl_syntax_missing_dot.ttl:5: Turtle syntax error",
    "ttl_unknown_prefix.ttl": "ttl_unknown_prefix.ttl:4: Turtle syntax error: prefix 'foo:' is not declared",
    "ttl_unterminated_string.ttl": "ttl_unterminated_string.ttl:3: Turtle syntax error",
    "ttl_bad_iri.ttl": "ttl_bad_iri.ttl:3: invalid IRI",
    "ttl_ill_typed_literal.ttl": "is not a valid http://www.w3.org/2001/XMLSchema#date",
    "ttl_deep_blank_nodes.ttl": "ttl_deep_blank_nodes.ttl:3: Turtle nested deeper than the 100 levels",
    "ttl_deep_collection.ttl": "ttl_deep_collection.ttl:3: Turtle nested deeper than the 100 levels",
    "ttl_latin1.ttl": "ttl_latin1.ttl:3: not UTF-8",
    "ttl_utf16_bom.ttl": "UTF-16-encoded",
    "ttl_utf16_no_bom.ttl": "ttl_utf16_no_bom.ttl:1: NUL byte",
    "ttl_nul_byte.ttl": "ttl_nul_byte.ttl:3: NUL byte",
    "ttl_bom_then_syntax_error.ttl": "ttl_bom_then_syntax_error.ttl:4: Turtle syntax error",
    "ttl_empty.ttl": "ttl_empty.ttl: empty file",
    "ttl_whitespace_only.ttl": "ttl_whitespace_only.ttl: empty file",
    "ttl_binary_png.ttl": "NUL byte",
    "ttl_gzip_bomb_disguised.ttl": "inflates more than 200:1",
    "ttl_base_and_imports_to_trap.ttl": "no ontology header",
    # SSSOM tables
    "sssom_missing_column.sssom.tsv": "sssom_missing_column.sssom.tsv:8: SSSOM table lacks mandatory column(s) mapping_justification",
    "sssom_bad_yaml.sssom.tsv": "sssom_bad_yaml.sssom.tsv:8: the SSSOM metadata block is not valid YAML",
    "sssom_yaml_aliases.sssom.tsv": "YAML anchors and aliases are not allowed",
    "sssom_yaml_python_tag.sssom.tsv": "not valid YAML",
    "sssom_unknown_prefix.sssom.tsv": "sssom_unknown_prefix.sssom.tsv:10: object_id 'NOSUCHPREFIX:1' uses prefix",
    "sssom_extra_cells.sssom.tsv": "sssom_extra_cells.sssom.tsv:10: more cells than columns",
    "sssom_bad_predicate.sssom.tsv": "sssom_bad_predicate.sssom.tsv:9: predicate_id 'owl:sameAs'",
    "sssom_curie_with_markup.sssom.tsv": "sssom_curie_with_markup.sssom.tsv:9:",
    "sssom_latin1.sssom.tsv": "sssom_latin1.sssom.tsv:9: not UTF-8",
    "sssom_empty.sssom.tsv": "no SSSOM table header",
    "sssom_metadata_only.sssom.tsv": "sssom_metadata_only.sssom.tsv:8: no SSSOM table header",
    # N-Triples, N-Quads, gzip
    "nt_syntax_error.nt": "nt_syntax_error.nt:4: N-Triples syntax error",
    "nt_relative_iri.nt": "nt_relative_iri.nt:2: N-Triples syntax error",
    "nt_unterminated_literal.nt": "nt_unterminated_literal.nt:2: N-Triples syntax error",
    "nt_prefixed_name.nt": "nt_prefixed_name.nt:2: N-Triples syntax error",
    "nt_latin1.nt": "nt_latin1.nt:2: not UTF-8",
    "nt_empty.nt": "nt_empty.nt: empty file",
    "nq_syntax_error.nq": "nq_syntax_error.nq:2: N-Quads syntax error",
    "nt_gzip_truncated.nt.gz": "truncated gzip",
    "nt_gzip_corrupt.nt.gz": "corrupt gzip",
    "nt_gzip_trailing_garbage.nt.gz": "trailing garbage after the gzip data",
    "nt_gzip_bomb.nt.gz": "inflates more than 200:1",
    "unknown_suffix.xyz": "unknown RDF format '.xyz'",
    "folder_as_file.nt": "folder_as_file.nt: no .ttl or .sssom.tsv source files found",
    # RDF/XML and OWL
    "rdfxml_billion_laughs.rdf": "rdfxml_billion_laughs.rdf:2: RDF/XML with a <!DOCTYPE> is refused",
    "rdfxml_external_entity.rdf": "rdfxml_external_entity.rdf:2: RDF/XML with a <!DOCTYPE> is refused",
    "rdfxml_local_file_entity.rdf": "RDF/XML with a <!DOCTYPE> is refused",
    "rdfxml_external_dtd.owl": "rdfxml_external_dtd.owl:3: RDF/XML with a <!DOCTYPE> is refused",
    "rdfxml_parameter_entity.rdf": "RDF/XML with a <!DOCTYPE> is refused",
    "rdfxml_mismatched_tag.rdf": "rdfxml_mismatched_tag.rdf:4: RDF/XML syntax error: mismatched tag",
    "rdfxml_truncated.rdf": "rdfxml_truncated.rdf:4: RDF/XML syntax error",
    "rdfxml_latin1_declared.rdf": "not UTF-8",
    "rdfxml_utf16.rdf": "UTF-16-encoded",
    "owl_functional_syntax.owl": "OWL functional syntax is not RDF",
    "owl_xml_syntax.owl": "OWL/XML is not RDF",
    # JSON-LD
    "jsonld_remote_context.jsonld": "@context '{TRAP}/ctx.jsonld' refused",
    "jsonld_nested_remote_context.jsonld": "@context '{TRAP}/nested.jsonld' refused",
    "jsonld_scoped_remote_context.jsonld": "@context '{TRAP}/scoped.jsonld' refused",
    "jsonld_import.jsonld": "@import '{TRAP}/import.jsonld' refused",
    "jsonld_context_list_with_remote.jsonld": "@context '{TRAP}/second.jsonld' refused",
    "jsonld_deep_arrays.jsonld": "nested deeper than the 100 levels",
    "jsonld_deep_objects.jsonld": "nested deeper than the 100 levels",
    "jsonld_syntax_error.jsonld": "jsonld_syntax_error.jsonld:4: JSON syntax error",
    "jsonld_truncated.jsonld": "jsonld_truncated.jsonld:4: JSON syntax error",
    "jsonld_utf16.jsonld": "UTF-16-encoded",
}


def proxy_env(listener: Listener) -> dict[str, str]:
    """Route any HTTP(S) a library might attempt, to any host, into the trap as well."""
    return dict.fromkeys(("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"), listener.url) | {
        "no_proxy": "", "NO_PROXY": ""}


def verbs(target: Path, good: Path, out: Path) -> list[list[str]]:
    if target.name.endswith((".ttl", ".sssom.tsv")):
        return [["build", "--sources", str(target), "--out", str(out)], ["validate", "--no-reason", str(target)]]
    return [["diff", str(target), str(good)]]


def digest(path: Path) -> str:
    if path.is_dir():
        return "".join(digest(p) for p in sorted(path.rglob("*")) if p.is_file())
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: lone source files that ``validate`` reads in the context of the packaged sources (their own
#: problems are findings, exit 1), where ``build`` of the file alone refuses it (exit 2)
VALIDATE_FINDS = {"ttl_base_and_imports_to_trap.ttl": "OntologyHeaderShape"}


def run_hostile(target: Path, mentions: str, listener: Listener, tmp_path: Path, *,
                env: dict[str, str] | None = None) -> list[Run]:
    """Every verb for ``target``: clean failure, no connection, source unchanged, no output file."""
    good = tmp_path / "good.nt"
    good.write_text(GOOD_NT)
    out = tmp_path / "out" / "graph.ttl"
    runs = []
    for args in verbs(target, good, out):
        before_hash = digest(target) if target.is_file() or target.is_dir() else None  # never read a FIFO or device
        before = listener.connections
        run = run_cli(*args, env={**proxy_env(listener), **(env or {})})
        assert listener.connections == before, f"{args[0]} {target.name} connected to the loopback trap"
        if args[0] == "validate" and target.name in VALIDATE_FINDS:
            assert run.code == 1 and VALIDATE_FINDS[target.name] in run.stdout, run
            assert "Traceback" not in run.stderr
        else:
            assert_clean_failure(run, 2, mentions=mentions.replace("{TRAP}", listener.url))
        assert not out.exists(), f"{args[0]} left an output file behind"
        assert not out.parent.exists() or not any(out.parent.iterdir()), "temporary file left behind"
        if before_hash is not None:
            assert digest(target) == before_hash, f"{args[0]} modified its input {target.name}"
        runs.append(run)
    return runs


def test_every_case_file_has_an_expectation():
    present = {p.name for p in FILES.iterdir()}
    assert present == set(CASES), f"untested: {sorted(present - set(CASES))}; missing: {sorted(set(CASES) - present)}"
    assert len(present) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file(name: str, listener: Listener, tmp_path: Path):
    case = FILES / name
    if case.is_dir():
        target = tmp_path / name
        shutil.copytree(case, target)
    else:
        target = materialise(case, listener, tmp_path)
    run_hostile(target, CASES[name], listener, tmp_path)


# --- generated cases: too big to keep in git, or not regular files --------------------------------

def test_huge_literal_ntriples(listener: Listener, tmp_path: Path):
    """A 65 MB one-line literal: refused by the line limit before any parser (rdflib's N-Triples
    parser is quadratic in line length: this line would take hours)."""
    target = tmp_path / "huge_literal.nt"
    with open(target, "wb") as fh:
        fh.write(b'<https://w3id.org/iimgraph/a> <http://www.w3.org/2000/01/rdf-schema#label> "')
        fh.write(b"x" * (65 * 1024 * 1024))
        fh.write(b'" .\n')
    run_hostile(target, "huge_literal.nt:1: line longer than the 64 MB limit", listener, tmp_path)


def test_huge_literal_turtle_under_a_lowered_limit(listener: Listener, tmp_path: Path):
    target = tmp_path / "huge_literal.ttl"
    target.write_text('@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                      '<https://w3id.org/iimgraph/a> rdfs:label "' + "x" * 3_000_000 + '" .\n')
    run_hostile(target, "huge_literal.ttl:2: line longer than the 1 MB limit", listener, tmp_path,
                env={"IIMGRAPH_MAX_LINE_MB": "1"})


def test_input_over_the_size_limit(listener: Listener, tmp_path: Path):
    target = tmp_path / "big.nt.gz"
    target.write_bytes(gzip.compress(GOOD_NT.encode() * 40_000))  # 3 MB inflated, 30:1: no bomb, only too big
    run_hostile(target, "big.nt.gz: decompresses to larger than the 2 MB input limit", listener, tmp_path,
                env={"IIMGRAPH_MAX_INPUT_MB": "2"})


def test_huge_sssom_cell(listener: Listener, tmp_path: Path):
    """A cell beyond the csv module's field limit was an internal error before."""
    source = (FILES / "sssom_extra_cells.sssom.tsv").read_text()
    meta = "".join(line + "\n" for line in source.splitlines() if line.startswith("#"))
    target = tmp_path / "huge_cell.sssom.tsv"
    target.write_text(meta + "subject_id\tpredicate_id\tobject_id\tmapping_justification\tcomment\n"
                      "MONDO:0016367\tskos:exactMatch\tOMIM:160750\tsemapv:ManualMappingCuration\t" + "y" * 200_000 + "\n")
    run_hostile(target, "huge_cell.sssom.tsv:9: malformed SSSOM table", listener, tmp_path)


def test_fifo_is_refused_not_waited_on(listener: Listener, tmp_path: Path):
    target = tmp_path / "pipe.nt"
    os.mkfifo(target)
    run_hostile(target, "pipe.nt: not a regular file", listener, tmp_path)


def test_device_behind_a_symlink_is_refused(listener: Listener, tmp_path: Path):
    target = tmp_path / "zero.nt"
    target.symlink_to("/dev/zero")
    run_hostile(target, "zero.nt: not a regular file", listener, tmp_path)


def test_remote_context_option_is_a_path_not_a_url(listener: Listener, tmp_path: Path):
    doc = tmp_path / "doc.jsonld"
    doc.write_text('{"@context": "https://example.org/ctx.jsonld", "@id": "https://w3id.org/iimgraph/a", "label": "A"}')
    good = tmp_path / "good.nt"
    good.write_text(GOOD_NT)
    before = listener.connections
    run = run_cli("diff", "--context", f"{listener.url}/ctx.jsonld", str(doc), str(good), env=proxy_env(listener))
    assert listener.connections == before
    assert_clean_failure(run, 2, mentions="ctx.jsonld: no such file")


def test_a_local_context_file_the_user_names_is_used(tmp_path: Path):
    """The other side of the coin: a JSON-LD file whose context is a reference parses with --context FILE."""
    ctx = tmp_path / "my.context.jsonld"
    ctx.write_text('{"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"}}')
    doc = tmp_path / "doc.jsonld"
    doc.write_text('{"@context": "https://example.org/ctx.jsonld", "@id": "https://w3id.org/iimgraph/a", "label": "A"}')
    good = tmp_path / "good.nt"
    good.write_text(GOOD_NT)
    run = run_cli("diff", "--context", str(ctx), str(doc), str(good))
    assert run.code == 0, run.stderr
    assert run.stdout.strip() == "No changes."


# --- the same hostile files as companions of a query (--with), loaded into the on-disk store -------

#: companion cases: the store's own loader (pyoxigraph) must be guarded as well as rdflib is
COMPANION_CASES = {
    "rdfxml_billion_laughs.rdf": "DTD", "rdfxml_external_entity.rdf": "DTD",
    "rdfxml_parameter_entity.rdf": "DTD", "rdfxml_local_file_entity.rdf": "DTD",
    "rdfxml_external_dtd.owl": "DTD", "jsonld_remote_context.jsonld": "context",
    "jsonld_nested_remote_context.jsonld": "context", "jsonld_scoped_remote_context.jsonld": "context",
    "jsonld_context_list_with_remote.jsonld": "context", "jsonld_import.jsonld": "@import",
    "nt_gzip_bomb.nt.gz": "bomb", "nt_gzip_truncated.nt.gz": "truncated", "nt_syntax_error.nt": "nt_syntax_error.nt",
}


@pytest.mark.parametrize("name", sorted(COMPANION_CASES))
def test_hostile_companion_file(name: str, listener: Listener, tmp_path: Path):
    target = materialise(FILES / name, listener, tmp_path)
    before_hash, before = digest(target), listener.connections
    store = tmp_path / "store"
    run = run_cli("query", "subtypes", "--with", str(target), "--store", str(store), env=proxy_env(listener))
    assert listener.connections == before, f"--with {name} connected to the loopback trap"
    assert_clean_failure(run, 2, mentions=COMPANION_CASES[name])
    assert digest(target) == before_hash
    # the store stays usable: the IIM graph alone still answers
    again = run_cli("query", "subtypes", "--store", str(store), "--format", "csv")
    assert again.code == 0 and "MONDO:0016367" in again.stdout, again.stderr
