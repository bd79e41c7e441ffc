"""Issue 16: ``iimgraph export --format kgx`` writes KGX nodes and edges TSV; issue 28: the release ships
them, and ``kgx validate`` accepts them.

The files are checked against the KGX TSV format itself (the columns KGX requires, one value per cell,
'|'-separated lists, Biolink categories and predicates, every edge's ends among the nodes, the edges
against the graph they come from) and by the ``kgx`` command line. kgx lives in a virtualenv of its own
(``tests/tools/kgx-requirements.txt``: it cannot share the project's) and reads the Biolink model over
the network when it starts, so ``tests/tools/kgx_offline.py`` runs it on the model its package ships."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from iimgraph.terms import BIOLINK, IIM
from tests.cli import invoke
from tests.needs import missing

CURIE = re.compile(r"^[A-Za-z][\w.]*:\S+$")
ROOT = Path(__file__).resolve().parents[1]
KGX_OFFLINE = ROOT / "tests" / "tools" / "kgx_offline.py"
#: the Python of the virtualenv kgx is installed in
KGX_PYTHON = Path(os.environ.get("IIMGRAPH_KGX_PYTHON") or ROOT / ".venv-kgx" / "bin" / "python")
KGX_INSTALL = "python3 -m venv .venv-kgx && .venv-kgx/bin/pip install -r tests/tools/kgx-requirements.txt"


def kgx_validate(nodes: Path, edges: Path, *declare: Path) -> tuple[int, dict, str]:
    """``kgx validate -i tsv`` on the two files (prefixes of ``declare`` contexts added): its exit code,
    its report (``{}``: nothing found) and its whole output."""
    if not KGX_PYTHON.exists():
        missing("kgx (in a virtualenv of its own: its pins conflict with the test extra's)", KGX_INSTALL)
    args = [a for d in declare for a in ("--declare", str(d))]
    proc = subprocess.run([str(KGX_PYTHON), str(KGX_OFFLINE), *args, "validate", "-i", "tsv", str(nodes), str(edges)],
                          capture_output=True, text=True, timeout=300, cwd=nodes.parent)
    out = proc.stdout + "\n" + proc.stderr  # the report is JSON on a line of its own, beside kgx's log lines
    start = next((m.start() for m in re.finditer(r"^\{", out, re.MULTILINE)), -1)
    assert start >= 0, f"kgx printed no report (exit {proc.returncode}): {out[-3000:]}"
    report, _ = json.JSONDecoder().raw_decode(out[start:])
    return proc.returncode, report, out


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        assert len(cells) == len(header), f"{path.name}:{n}: {len(cells)} cells for {len(header)} columns"
        rows.append(dict(zip(header, cells, strict=True)))
    return header, rows


@pytest.fixture(scope="module")
def kgx(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("kgx") / "iimgraph"
    proc = invoke("export", "--format", "kgx", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out.with_name("iimgraph_nodes.tsv"), out.with_name("iimgraph_edges.tsv")


def test_kgx_files_have_the_columns_and_values_kgx_requires(kgx):
    node_header, nodes = read(kgx[0])
    edge_header, edges = read(kgx[1])
    assert {"id", "category", "name"} <= set(node_header)
    assert {"id", "subject", "predicate", "object", "knowledge_level", "agent_type",
            "primary_knowledge_source"} <= set(edge_header)
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)) and all(CURIE.match(i) for i in ids)
    assert {n["category"] for n in nodes} <= {"biolink:Disease", "biolink:PhenotypicFeature", "biolink:GeneticInheritance",
                                              "biolink:Treatment", "biolink:NamedThing"}
    assert all(n["name"] for n in nodes)
    known = set(ids)
    assert len({e["id"] for e in edges}) == len(edges)
    for e in edges:
        assert e["subject"] in known and e["object"] in known, e
        assert e["predicate"] in {"biolink:has_phenotype", "biolink:has_mode_of_inheritance", "biolink:treated_by",
                                  "biolink:subclass_of"}, e
        assert e["category"].startswith("biolink:")
        assert re.fullmatch(r"infores:[a-z0-9-]+", e["primary_knowledge_source"]), e
        assert e["knowledge_level"] == "knowledge_assertion" and e["agent_type"] == "manual_agent"
        assert e["negated"] in {"True", "False"}
        for pub in filter(None, e["publications"].split("|")):
            assert re.fullmatch(r"(PMID|Orphanet|OMIM|DECIPHER):\S+|https?://\S+", pub), e


def test_kgx_evidence_is_eco_beside_our_code(kgx, graph):
    """has_evidence takes an ECO class (Biolink's EvidenceType); the project's code stays beside it."""
    from iimgraph.namespaces import CONVERTER
    from iimgraph.release.kgx import EVIDENCE_ECO

    _, edges = read(kgx[1])
    claims = [e for e in edges if e["id"].startswith("iimc:")]
    assert claims
    for e in claims:
        evidence = graph.value(URIRef(CONVERTER.expand(e["id"])), BIOLINK.has_evidence)
        assert e["evidence_code"] == str(evidence).rsplit("/", 1)[-1], e
        assert e["has_evidence"] == EVIDENCE_ECO[e["evidence_code"]], e
    assert {e["has_evidence"] for e in claims} >= {"ECO:0000304", "ECO:0006017"}  # TAS, PCS
    assert all(e["has_evidence"] == "" for e in edges if not e["id"].startswith("iimc:"))  # MONDO's subclass edges


def test_release_ships_kgx_that_kgx_validate_accepts(release_dir):
    """The release's KGX files pass ``kgx validate`` with no finding, once the prefix of the project's own
    concepts is declared (``iimgraph.context.jsonld``); without it kgx names those ids and nothing else."""
    nodes, edges = release_dir / "iimgraph_nodes.tsv", release_dir / "iimgraph_edges.tsv"
    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    assert {"iimgraph_nodes.tsv", "iimgraph_edges.tsv"} <= set(manifest["files"])
    code, report, out = kgx_validate(nodes, edges, release_dir / "iimgraph.context.jsonld")
    assert code == 0 and report == {}, out[-3000:]
    code, report, out = kgx_validate(nodes, edges)
    assert code != 0 and set(report) == {"ERROR"}, out[-3000:]
    flagged = {m.split("'")[3] for kind in report["ERROR"].values() for m in kind}
    _, rows = read(nodes)
    assert flagged == {r["id"] for r in rows if r["id"].startswith("iimt:")} != set()


def test_kgx_edges_are_the_curated_claims_with_their_qualifiers(kgx, graph):
    _, edges = read(kgx[1])
    phenotype = [e for e in edges if e["predicate"] == "biolink:has_phenotype"]
    curated = [n for n in graph.subjects(RDF.type, BIOLINK.DiseaseToPhenotypicFeatureAssociation)
               if graph.value(n, BIOLINK.has_evidence) != IIM["evidence/ITM"]]
    assert len(phenotype) == len(curated) > 0
    assert all(e["category"] == "biolink:DiseaseToPhenotypicFeatureAssociation" for e in phenotype)
    hpo = next(e for e in edges if e["id"] == "iimc:hpoa2025-MONDO_0007827-HP_0002960")
    assert (hpo["subject"], hpo["object"], hpo["frequency_qualifier"]) == ("MONDO:0007827", "HP:0002960", "HP:0040281")
    assert hpo["primary_knowledge_source"] == "infores:hpo-annotations" and hpo["publications"] == "Orphanet:611"
    assert hpo["aggregator_knowledge_source"] == "infores:iimgraph"
    seed = next(e for e in edges if e["id"] == "iimc:phenotype-carenity-MONDO_0016367-HP_0000951")
    assert seed["primary_knowledge_source"] == "infores:iimgraph"
    assert seed["publications"] == "https://w3id.org/iimgraph/source/seed-carenity"
    from iimgraph.namespaces import CONVERTER

    for e in edges:  # every qualifier and negation as the claim node has it
        if not e["id"].startswith("iimc:"):
            continue
        node = URIRef(CONVERTER.expand(e["id"]))
        for column, prop in (("onset_qualifier", BIOLINK.onset_qualifier), ("frequency_qualifier", BIOLINK.frequency_qualifier)):
            value = graph.value(node, prop)
            if value is not None:
                assert CONVERTER.expand(e[column]) == str(value), e
        assert e["negated"] == ("True" if str(graph.value(node, BIOLINK.negated)).lower() == "true" else "False")
    assert {"MONDO:0016367", "MONDO:0005554"} <= {e["subject"] for e in edges if e["predicate"] == "biolink:subclass_of"} | {
        e["object"] for e in edges if e["predicate"] == "biolink:subclass_of"}


def test_kgx_export_is_byte_stable(kgx, tmp_path):
    out = tmp_path / "again"
    assert invoke("export", "--format", "kgx", "--out", str(out)).returncode == 0
    assert out.with_name("again_nodes.tsv").read_bytes() == kgx[0].read_bytes()
    assert out.with_name("again_edges.tsv").read_bytes() == kgx[1].read_bytes()


def test_kgx_without_out_is_a_usage_error():
    proc = invoke("export", "--format", "kgx")
    assert proc.returncode == 2 and "--out" in proc.stderr and "Traceback" not in proc.stderr


def test_export_paths_come_from_one_table(tmp_path):
    """`export` looks its files up in one table: one file per RDF syntax, <stem>_<part>.tsv for KGX."""
    from iimgraph.errors import OutputError
    from iimgraph.formats import EXPORT_FORMATS, WRITABLE, export_paths

    assert set(EXPORT_FORMATS) == {f.value for f in WRITABLE} | {"kgx"}
    assert export_paths(None, "ttl") == [None]
    assert export_paths(tmp_path / "g.nt", "nt") == [tmp_path / "g.nt"]
    assert export_paths(tmp_path / "iim_nodes.tsv", "kgx") == [tmp_path / "iim_nodes.tsv", tmp_path / "iim_edges.tsv"]
    with pytest.raises(OutputError, match="give --out PREFIX"):
        export_paths(None, "kgx")
