"""Resources a hostile input can exhaust: a literal past the RDF parser's buffer, blank nodes as deep as
the data makes them, blank-node cycles that look alike, and the children a verb starts.

Before: a 20 MB literal (under the 64 MB line limit) ended in ``internal error: MemoryError`` (and in
``validate``, "needed more than None MB"); ``site`` over a 5,000-node blank-node chain ended in
``internal error: RecursionError`` after minutes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef

from iimgraph.errors import SourceError
from iimgraph.formats import RdfFormat
from iimgraph.release.export import canonical, serialize
from tests.cli import popen_cli
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


def _chain(folder: Path, n: int) -> Path:
    """The packaged sources plus ``n`` blank nodes chained under a class, written flat (``_:b0 ... _:b1``),
    which the Turtle bracket-depth check does not see."""
    shutil.copytree(ROOT / "ontology", folder)
    lines = ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "<http://purl.obolibrary.org/obo/MONDO_0016367> rdfs:seeAlso _:b0 ."]
    lines += [f"_:b{i} rdfs:seeAlso _:b{i + 1} ." for i in range(n)]
    lines.append(f'_:b{n} rdfs:label "end of the chain" .')
    (folder / "chain.ttl").write_text("\n".join(lines) + "\n")
    return folder / "chain.ttl"


@pytest.mark.parametrize("verb", ["site", "release", "build", "validate", "sparql"])
def test_a_5000_node_blank_chain_is_refused_by_name(verb: str, tmp_path: Path):
    """Before: ``site`` ended in internal error: RecursionError after minutes, ``release`` likewise in the
    Turtle serialiser: the chain is the nesting ``[ :p [ :p ... ] ]`` written flat, refused as that is."""
    chain = _chain(tmp_path / "ontology", 5000)
    folder = str(chain.parent)
    args = {"site": ("site", "--sources", folder, "--out", str(tmp_path / "site")),
            "release": ("release", "--no-validate", "--sources", folder, "--out", str(tmp_path / "release")),
            "build": ("build", "--sources", folder, "--out", str(tmp_path / "out.ttl")),
            "validate": ("validate", "--no-reason", folder),
            "sparql": ("sparql", "ASK { ?s ?p ?o }", "--sources", folder)}[verb]
    run = run_cli(*args, env={"IIMGRAPH_CACHE_DIR": str(tmp_path / "cache")}, time_limit=120)
    assert_clean_failure(run, mentions=str(chain))
    assert "deeper than the 100 levels" in run.stderr


def test_site_cuts_a_deep_chain_in_a_term_page(tmp_path: Path):
    """Under a raised limit the chain is read; each term page follows blank nodes 32 deep, no recursion."""
    folder = _chain(tmp_path / "ontology", 190).parent
    run = run_cli("site", "--sources", str(folder), "--out", str(tmp_path / "site"),
                  env={"IIMGRAPH_MAX_DEPTH": "200"}, time_limit=180)
    assert run.code == 0, run.stderr
    page = tmp_path / "site" / "term" / "MONDO_0016367.ttl"
    assert page.exists()
    assert "end of the chain" not in page.read_text()


# --- children die with the command --------------------------------------------------------------------

def _children() -> dict[int, int]:
    """pid -> parent pid of every process on the machine."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descendants(root: int) -> set[int]:
    parents = _children()
    found, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        grew = bool(more)
        found |= more
    return found - {root}


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(shutil.which("java") is None, reason="the reasoner needs java")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_stopping_validate_kills_the_reasoners_java(how: signal.Signals):
    """Before: Ctrl-C (SIGINT) or SIGTERM during reasoning left HermiT's JVM (and its Python parent) running."""
    proc = popen_cli("validate", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            seen |= _descendants(proc.pid)
            if any(_name(pid) == "java" for pid in seen):
                break
            time.sleep(0.02)
        else:
            pytest.fail("validate ended (or never started java) before it could be stopped")
        os.killpg(proc.pid, how) if how == signal.SIGINT else proc.send_signal(how)  # Ctrl-C reaches the group
        proc.wait(timeout=30)
        deadline = time.monotonic() + 2  # killed at once, not left to finish (HermiT alone takes seconds)
        while time.monotonic() < deadline and any(_alive(pid) for pid in seen):
            time.sleep(0.1)
        left = {pid: _name(pid) for pid in seen if _alive(pid)}
        assert left == {}, f"still running after validate stopped: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- blank nodes alike: canonicalisation stays bounded ------------------------------------------------

def _cycles(count: int, size: int, seed: int) -> Graph:
    """``count`` identical ``size``-cycles of blank nodes, named at random and added in a shuffled order."""
    rng = random.Random(seed)
    p = URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    triples = []
    for _ in range(count):
        ring = [BNode(f"n{rng.getrandbits(64):x}") for _ in range(size)]
        triples += [(ring[i], p, ring[(i + 1) % size]) for i in range(size)]
    rng.shuffle(triples)
    graph = Graph()
    for t in triples:
        graph.add(t)
    return graph


def test_identical_blank_node_cycles_get_the_same_bytes_quickly():
    """Seven identical 3-cycles: rdflib's canonicalisation (the fallback before) ran for minutes."""
    start = time.monotonic()
    one, two = (serialize(canonical(_cycles(7, 3, seed)), RdfFormat.NTRIPLES, already_canonical=True) for seed in (1, 2))
    assert one == two and len(one.splitlines()) == 21
    assert time.monotonic() - start < 10
    big = [serialize(canonical(_cycles(40, 5, seed)), RdfFormat.NTRIPLES, already_canonical=True) for seed in (3, 4)]
    assert big[0] == big[1] and time.monotonic() - start < 30


def test_blank_nodes_alike_but_not_interchangeable_are_refused_by_name():
    """A 6-cycle beside a 3-cycle: colour refinement sees nine alike nodes that no swap maps onto each other."""
    graph = _cycles(1, 6, 5)
    for t in _cycles(1, 3, 6):
        graph.add(t)
    with pytest.raises(SourceError, match="9 blank nodes look alike"):
        canonical(graph)


def test_release_with_seven_identical_blank_node_cycles_finishes(tmp_path: Path):
    folder = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", folder)
    lines = ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for i in range(7):
        lines += [f"_:a{i} rdfs:seeAlso _:b{i} .", f"_:b{i} rdfs:seeAlso _:c{i} .", f"_:c{i} rdfs:seeAlso _:a{i} ."]
    (folder / "cycles.ttl").write_text("\n".join(lines) + "\n")
    run = run_cli("release", "--no-validate", "--sources", str(folder), "--out", str(tmp_path / "release"),
                  time_limit=240)
    assert run.code == 0, run.stderr
    assert (tmp_path / "release" / "manifest.json").exists()


def _exhausts_memory() -> None:
    raise MemoryError


def test_a_worker_without_a_memory_cap_never_reports_none_mb():
    """Before: validate's worker (no cap) reported 'validation needed more than None MB'."""
    from iimgraph import worker
    from iimgraph.errors import QueryMemoryError

    with pytest.raises(QueryMemoryError) as caught:
        worker.call(_exhausts_memory, timeout=30, memory_mb=None, what="validation", renice=False)
    assert "None" not in str(caught.value) and "validation ran out of memory" in str(caught.value)
