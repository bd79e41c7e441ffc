"""The query path stays light: with a warm cache, no rdflib, pyshacl or owlready2 import happens."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("rdflib", "pyshacl", "owlready2")

# Runs the real CLI in a fresh interpreter and reports, on the last line of stderr, which heavy
# top-level packages ended up in sys.modules.
PROBE = """
import json, sys
from iimgraph.cli import main
sys.argv = ["iimgraph", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"rdflib", "pyshacl", "owlready2"})
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


@pytest.fixture(scope="module", autouse=True)
def warm_cache() -> None:
    """The N-Triples cache of the release graph exists (what any earlier query would have left)."""
    from iimgraph.build.cache import release_ntriples

    release_ntriples()


def probe(*args: str) -> tuple[dict, str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True,
                          text=True, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report, proc.stdout


@pytest.mark.parametrize("args,answer", [
    (("query", "find-by-xref", "-p", "xref=OMIM:160750", "--format", "tsv"), "MONDO:0600024"),
    (("query", "phenotypes", "-p", "disease=MONDO:0019127", "--format", "json"), "HP_"),
    (("queries",), "find-by-xref"),
    (("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv"), "n\n"),
])
def test_query_verbs_answer_and_import_no_heavy_library(args, answer):
    report, out = probe(*args)
    assert report == {"code": 0, "heavy": []}
    assert answer in out


def test_store_path_imports_no_heavy_library(tmp_path: Path):
    companion = tmp_path / "extra.nt"
    companion.write_text('<http://purl.obolibrary.org/obo/MONDO_9999999> '
                         '<http://www.w3.org/2000/01/rdf-schema#label> "companion disease" .\n')
    args = ("query", "search", "-p", "text=companion disease", "--store", str(tmp_path / "store"),
            "--with", str(companion), "--format", "tsv")
    for _ in range(2):  # first call loads, second reopens
        report, out = probe(*args)
        assert report == {"code": 0, "heavy": []}
        assert "MONDO:9999999" in out


def test_rdflib_engine_still_available_on_request():
    report, out = probe("query", "find-by-xref", "-p", "xref=OMIM:160750", "--engine", "rdflib", "--format", "tsv")
    assert report["code"] == 0 and "rdflib" in report["heavy"]
    assert "MONDO:0600024" in out
