"""The one RDF reader (io/rdf.py) beyond the CLI corpus: the streaming reader for big companions, and the promise that
``build``, ``validate``, ``export`` and ``diff`` never modify a source and never leave a partial output."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pyoxigraph
import pytest

from iimgraph import atomic
from iimgraph.errors import OutputError, SourceError
from iimgraph.io.rdf import Limits, RdfFormat, open_rdf, parse_rdf, read_rdf
from iimgraph.resources import ontology_dir
from tests.cli import CLI
from tests.graphs import same_graph

FILES = Path(__file__).resolve().parent / "adversarial" / "files"
NT = '<https://w3id.org/iimgraph/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\n'


def test_open_rdf_streams_a_gzipped_file_into_oxigraph(tmp_path: Path):
    path = tmp_path / "companion.nt.gz"
    lines = "".join(f'<https://w3id.org/iimgraph/t{i}> <http://www.w3.org/2000/01/rdf-schema#label> "t{i}" .\n'
                    for i in range(5000))
    path.write_bytes(gzip.compress(lines.encode()))
    store = pyoxigraph.Store()
    with open_rdf(path) as source:
        assert source.format is RdfFormat.NTRIPLES and source.compressed
        store.bulk_load(source.stream, source.format.oxigraph())
    assert len(store) == 5000


@pytest.mark.parametrize("name", ["rdfxml_billion_laughs.rdf", "rdfxml_external_entity.rdf", "nt_gzip_bomb.nt.gz"])
def test_open_rdf_stops_bombs_before_oxigraph_expands_them(name: str):
    """pyoxigraph expands DTD entities itself (the billion laughs file becomes a 3 GB literal)."""
    with pytest.raises(SourceError), open_rdf(FILES / name) as source:
        pyoxigraph.Store().bulk_load(source.stream, source.format.oxigraph())


def test_open_rdf_enforces_the_ratio_while_streaming(tmp_path: Path):
    path = tmp_path / "zeros.nt.gz"
    path.write_bytes(gzip.compress(b"\n" * (8 * 1024 * 1024)))
    limits = Limits(ratio_floor=1024 * 1024)
    with pytest.raises(SourceError, match="inflates more than 200:1"), open_rdf(path, limits=limits) as source:
        pyoxigraph.Store().bulk_load(source.stream, source.format.oxigraph())


def test_read_rdf_and_parse_rdf_agree_on_a_release_file(tmp_path: Path, graph):
    path = tmp_path / "g.nt"
    path.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
    data, fmt = read_rdf(path)
    assert fmt is RdfFormat.NTRIPLES and data == path.read_bytes()
    assert same_graph(parse_rdf(path), graph)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_no_verb_modifies_a_source_file(tmp_path: Path):
    sources = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), sources)
    before = _hashes(sources)
    mtimes = {p: p.stat().st_mtime_ns for p in sources.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    for args in (["build", "--sources", str(sources), "--out", str(out / "g.ttl")],
                 ["validate", "--no-reason", str(sources)],
                 ["release", "--sources", str(sources), "--out", str(out / "release")],
                 ["diff", str(sources), str(sources)]):
        proc = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)
        assert proc.returncode in (0, 1), (args, proc.stderr[-500:])
    assert _hashes(sources) == before
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def test_an_interrupted_write_keeps_the_previous_file(tmp_path: Path, monkeypatch):
    target = tmp_path / "g.ttl"
    target.write_bytes(b"previous release\n")

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", fail)  # interrupted after writing, before the rename
    with pytest.raises(KeyboardInterrupt):
        atomic.write_bytes_atomic(target, b"new release, half written" * 1000)
    assert target.read_bytes() == b"previous release\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.ttl"]
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(OutputError, match="No space left on device"):
        atomic.write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"previous release\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.ttl"]


def test_a_killed_export_never_leaves_a_partial_file(tmp_path: Path):
    """SIGKILL at several moments of ``export``: the target holds the old bytes or the whole new file."""
    target = tmp_path / "g.nt"
    complete = subprocess.run([*CLI, "export", "--format", "nt"], capture_output=True, timeout=600).stdout
    assert complete
    old = b"previous\n"
    for delay in (0.5, 1.5, 3.0, 5.0):
        target.write_bytes(old)
        proc = subprocess.Popen([*CLI, "export", "--format", "nt", "--out", str(target)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert target.read_bytes() in (old, complete), f"partial file after a kill at {delay} s"


def test_turtle_read_through_oxigraph_is_the_graph_rdflib_reads(tmp_path):
    """Turtle is parsed by pyoxigraph (fast) into rdflib terms: the same graph as rdflib's own parser on
    every source, fixture and shape file, and a blank node label names a node of its own file only."""
    from rdflib import Graph

    from iimgraph.io.rdf import parse_rdf

    root = Path(__file__).resolve().parents[1]
    files = [*sorted((root / "ontology").rglob("*.ttl")), *sorted((root / "tests" / "fixtures").rglob("*.ttl")),
             *sorted((root / "shapes").glob("*.ttl"))]
    assert len(files) > 50
    for path in files:
        reference = Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
        assert same_graph(parse_rdf(path), reference), path
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text('_:b0 <http://example.org/p> "a" .\n')
    b.write_text('_:b0 <http://example.org/p> "b" .\n')
    both = parse_rdf(b, parse_rdf(a))
    assert len(set(both.subjects())) == 2
