"""OWL reasoning (HermiT through owlready2): is the ontology consistent, and is every class satisfiable?

Why a subprocess: HermiT runs in a JVM that can hang or exhaust memory on a bad input, and
owlready2 keeps global state; a child process with a wall-clock timeout (killed with its JVM) keeps
``validate`` in control. Why a stripped graph: OWL only needs the class declarations and class
axioms; claims, sources and annotations are individuals and strings that only slow HermiT down
(and punning of claim objects is irrelevant to satisfiability). A missing Java is reported as
"skipped", never as a pass and never as a crash.

Run as ``python -m iimgraph.validate.reason FILE.nt [PARENT_PID]``: the child prints one JSON line as its last line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from iimgraph.namespaces import IIM_CLAIM, OWL_NOTHING

if TYPE_CHECKING:
    from rdflib import BNode, Graph, URIRef

DEFAULT_TIMEOUT = 120.0


@dataclass
class ReasonerResult:
    """``status``: ok | inconsistent | unsatisfiable | skipped. ``detail`` says why when skipped."""

    status: str
    unsatisfiable: list[str] = field(default_factory=list)
    detail: str = ""
    seconds: float = 0.0

    def summary(self) -> dict[str, object]:
        return {"status": self.status, "detail": self.detail, "unsatisfiable": sorted(self.unsatisfiable)}


def owl_subset(graph):
    """The part of the graph OWL reasoning needs: class and property declarations, class axioms
    (with their anonymous class expressions), and typed named individuals other than claims."""
    from rdflib import Graph

    out = Graph()
    classes = _declarations(graph, out)
    _copy_expressions(graph, out, _class_axioms(graph, out, classes))
    _named_individuals(graph, out, classes)
    return out


def _declarations(graph: Graph, out: Graph) -> set[URIRef]:
    """The named classes and properties, declared in ``out``; the classes."""
    from rdflib import URIRef
    from rdflib.namespace import OWL, RDF

    classes = {s for s in graph.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef)}
    for c in classes:
        out.add((c, RDF.type, OWL.Class))
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        for p in graph.subjects(RDF.type, kind):
            if isinstance(p, URIRef):
                out.add((p, RDF.type, kind))
    return classes


def _class_axioms(graph: Graph, out: Graph, classes: set[URIRef]) -> list[BNode]:
    """Subclass, equivalence and disjointness axioms between named classes or class expressions,
    copied to ``out``; the expressions (blank nodes) they name."""
    from rdflib import BNode, URIRef
    from rdflib.namespace import OWL, RDFS

    expressions: list[BNode] = []
    for axiom in (RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith):
        for s, o in graph.subject_objects(axiom):
            if isinstance(s, URIRef) and (isinstance(o, BNode) or o in classes or o in (OWL.Thing, OWL.Nothing)):
                out.add((s, axiom, o))
                if isinstance(o, BNode):
                    expressions.append(o)
    return expressions


def _copy_expressions(graph: Graph, out: Graph, pending: list[BNode]) -> None:
    """Anonymous class expressions (restrictions, lists) copied whole, every blank node they reach."""
    from rdflib import BNode

    seen: set[BNode] = set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            out.add((node, p, o))
            if isinstance(o, BNode):
                pending.append(o)


def _named_individuals(graph: Graph, out: Graph, classes: set[URIRef]) -> None:
    """Named individuals other than claims, with their named classes."""
    from rdflib import URIRef
    from rdflib.namespace import OWL, RDF

    claim = URIRef(IIM_CLAIM)
    for ind in graph.subjects(RDF.type, OWL.NamedIndividual):
        if isinstance(ind, URIRef) and (ind, RDF.type, claim) not in graph:
            out.add((ind, RDF.type, OWL.NamedIndividual))
            for c in graph.objects(ind, RDF.type):
                if c in classes:
                    out.add((ind, RDF.type, c))


def java_available() -> str | None:
    """Why reasoning cannot run, or None when a ``java`` executable is on PATH."""
    if shutil.which("java") is None:
        return "no Java runtime found on PATH (HermiT needs java); install a JRE (>= 8) to check consistency"
    return None


def reason(graph, timeout: float = DEFAULT_TIMEOUT) -> ReasonerResult:
    """Check consistency and satisfiability of ``graph`` in a child process; never raises."""
    start = time.monotonic()
    missing = java_available()
    if missing:
        return ReasonerResult("skipped", detail=missing)
    with tempfile.TemporaryDirectory(prefix="iimgraph-reason-") as tmp:
        path = Path(tmp) / "ontology.nt"
        owl_subset(graph).serialize(destination=str(path), format="nt", encoding="utf-8")
        env = {**os.environ, "TMPDIR": tmp}
        try:
            proc = subprocess.Popen([sys.executable, "-m", "iimgraph.validate.reason", str(path), str(os.getpid())],
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env, cwd=tmp, start_new_session=True)
        except OSError as exc:
            return ReasonerResult("skipped", detail=f"could not start the reasoner process ({exc})")
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return ReasonerResult("skipped", detail=f"HermiT did not finish within {timeout:g} s (timeout)",
                                  seconds=time.monotonic() - start)
    seconds = time.monotonic() - start
    last = (out.strip().splitlines() or [""])[-1]
    try:
        doc = json.loads(last)
    except ValueError:
        tail = " ".join((err or out).split())[-300:]
        return ReasonerResult("skipped", detail=f"the reasoner failed to start or crashed (exit {proc.returncode}): {tail}",
                              seconds=seconds)
    if doc.get("status") == "error":
        return ReasonerResult("skipped", detail=f"the reasoner failed: {doc.get('message', '')}", seconds=seconds)
    return ReasonerResult(doc["status"], unsatisfiable=list(doc.get("unsatisfiable", [])), seconds=seconds)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the child and the JVM it started (they share the new session's process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


def _child(path: str) -> dict[str, object]:
    import owlready2

    world = owlready2.World()
    try:
        onto = world.get_ontology(Path(path).resolve().as_uri()).load(format="ntriples")
    except Exception as exc:
        return {"status": "error", "message": f"owlready2 could not load the ontology: {exc}"}
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return {"status": "inconsistent"}
    except Exception as exc:
        return {"status": "error", "message": " ".join(f"{type(exc).__name__}: {exc}".split())[:300]}
    unsat = sorted(c.iri for c in world.inconsistent_classes() if getattr(c, "iri", None))
    unsat = [i for i in unsat if i != OWL_NOTHING]
    return {"status": "unsatisfiable" if unsat else "ok", "unsatisfiable": unsat}


def _end_group(*_: object) -> None:
    """End this child and its JVM: it leads its own session, and the JVM is in its process group."""
    os.killpg(0, signal.SIGKILL)


def _die_with(parent: int) -> None:
    """Have the kernel signal this child when the process that started it dies (Linux), and end the
    JVM with it: a ``validate`` stopped by Ctrl-C or SIGTERM kills its worker, and with it this child,
    so no 2 GB JVM outlives the command. The JVM is started by owlready2, so it is killed by group."""
    signal.signal(signal.SIGTERM, _end_group)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        _end_group()


if __name__ == "__main__":  # the child process
    if len(sys.argv) > 2:
        _die_with(int(sys.argv[2]))
    result = _child(sys.argv[1])
    sys.stdout.write("\n" + json.dumps(result) + "\n")
