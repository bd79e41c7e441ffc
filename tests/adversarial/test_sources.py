"""Hostile curator sources and companions, generated at run time: SSSOM metadata blocks of the wrong
type, nested without bound or with endless entries; N3 companions with formulas; and a curated
graph large enough that validation runs past its ``--timeout``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import Listener, assert_clean_failure, run_cli
from .test_files import run_hostile

TABLE = ("subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
         "MONDO:0016367\tskos:exactMatch\tOMIM:160750\tsemapv:ManualMappingCuration\n")
CURIES = ("#curie_map:\n#  MONDO: http://purl.obolibrary.org/obo/MONDO_\n#  OMIM: https://omim.org/entry/\n"
          "#  semapv: https://w3id.org/semapv/vocab/\n#  skos: http://www.w3.org/2004/02/skos/core#\n")


def sssom(tmp_path: Path, name: str, block: str) -> Path:
    path = tmp_path / f"{name}.sssom.tsv"
    path.write_text(block + TABLE)
    return path


def flow_nested(depth: int) -> str:
    return "#x: " + "[" * depth + "]" * depth + "\n"


def block_nested(depth: int) -> str:
    return "".join(f"#{' ' * i}k{i}:\n" for i in range(depth)) + f"#{' ' * depth}leaf\n"


def many_entries(n: int) -> str:
    return "#curie_map:\n" + "".join(f"#  P{i}: https://example.org/p{i}/\n" for i in range(n))


#: case -> (metadata block, words the error must contain); before: internal errors, or minutes
SSSOM_CASES = {
    "curie_map_is_a_number": ("#curie_map: 5\n", "curie_map must be a mapping"),
    "curie_map_is_a_list": ("#curie_map: [MONDO, OMIM]\n", "curie_map must be a mapping"),
    "curie_map_value_not_a_string": (CURIES + "#  X: 5\n", "curie_map"),
    "curie_map_key_not_a_string": ("#curie_map:\n#  1: https://example.org/\n", "curie_map"),
    "top_level_key_not_a_string": (CURIES + "#1: x\n", "not a string"),
    "flow_sequence_2000_deep": (CURIES + flow_nested(2000), "nested deeper than 20 levels"),
    "block_mapping_600_deep": (CURIES + block_nested(600), "nested deeper than 20 levels"),
    "block_mapping_3000_deep": (CURIES + block_nested(3000), "more than 1024 KB"),
    "curie_map_50000_entries": (many_entries(50_000), "more than 1024 KB"),
    "curie_map_12000_entries": (many_entries(12_000), "more than 20,000 values"),
}


@pytest.mark.parametrize("name", sorted(SSSOM_CASES))
def test_hostile_sssom_metadata_block(name: str, listener: Listener, tmp_path: Path):
    block, mentions = SSSOM_CASES[name]
    target = sssom(tmp_path, name, block)
    run_hostile(target, mentions, listener, tmp_path)  # 50,000 entries took 29 s before, 200,000 over 70 s


def test_a_sane_sssom_metadata_block_still_builds(tmp_path: Path):
    """The control: the same table under an ordinary block builds (so the cases above can fail)."""
    source = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", source)
    sssom(source / "mappings", "extra", CURIES + flow_nested(5) + block_nested(5))
    run = run_cli("build", "--sources", str(source), "--out", str(tmp_path / "out.ttl"))
    assert run.code == 0, run.stderr


# --- N3 companions -----------------------------------------------------------------------------------

N3_FORMULA = """@prefix : <http://example.org/> .
:x :y :z .
{ :a :b :c } => { :d :e :f } .
"""


def test_an_n3_companion_with_formulas_is_refused_clearly(tmp_path: Path):
    """Before: internal error: ValueError: No scheme found in an absolute IRI."""
    rules = tmp_path / "rules.n3"
    rules.write_text(N3_FORMULA)
    store = tmp_path / "store"
    run = run_cli("query", "subtypes", "--with", str(rules), "--store", str(store))
    assert_clean_failure(run, 2, mentions="rules.n3")
    assert "formula" in run.stderr
    again = run_cli("query", "subtypes", "--store", str(store), "--format", "csv")
    assert again.code == 0 and "MONDO:0016367" in again.stdout, again.stderr


def test_an_n3_companion_without_formulas_loads(tmp_path: Path):
    rules = tmp_path / "plain.n3"
    rules.write_text("@prefix : <http://example.org/> .\n:x :y :z .\n")
    run = run_cli("sparql", "SELECT ?o WHERE { <http://example.org/x> <http://example.org/y> ?o }",
                  "--with", str(rules), "--store", str(tmp_path / "store"), "--format", "csv")
    assert run.code == 0, run.stderr
    assert "http://example.org/z" in run.stdout


# --- validate --timeout -------------------------------------------------------------------------------

def big_sources(tmp_path: Path, classes: int) -> Path:
    """The packaged sources plus ``classes`` generated IIM-shaped classes (synthetic MONDO_9xxxxxx IRIs)."""
    folder = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", folder)
    lines = ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
             "@prefix iim: <https://w3id.org/iimgraph/vocab/> .",
             "@prefix obo: <http://purl.obolibrary.org/obo/> ."]
    for i in range(classes):
        parent = "obo:MONDO_0600023" if i < 10 else f"obo:MONDO_9{i // 10:06d}"
        lines.append(f'obo:MONDO_9{i:06d} a owl:Class ; rdfs:label "synthetic myopathy {i}" ; '
                     f'rdfs:subClassOf {parent} ; iim:inScope "iim_subtree" .')
    (folder / "generated.ttl").write_text("\n".join(lines) + "\n")
    return folder


def test_validation_stops_at_its_timeout(tmp_path: Path):
    """Before: no bound (20,000 classes did not finish in 62 s; 50,000 not in 600 s). Validation got faster
    (20,000 classes now take under 3 s): 100,000 classes take well over 2 s on any machine."""
    sources = big_sources(tmp_path, 100_000)
    run = run_cli("validate", "--no-reason", "--timeout", "2", str(sources), time_limit=90)
    assert_clean_failure(run, 2, mentions="validation timed out after 2 s")
    assert "MB" in run.stderr and "source files" in run.stderr  # the size of what was being validated
