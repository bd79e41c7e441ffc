"""iimgraph's whole-process times beside the floor each should approach, measured in the same run.

usage: python benchmarks/bench_anchors.py [--repeat N] [--only query,build,validate]

Each row runs the iimgraph verb and its anchor alternately (so both see the same machine load) and
prints both medians and their ratio (issue 17's targets are ratios):

- ``query find-by-xref -p xref=OMIM:160750`` vs a bare script that imports pyoxigraph, bulk-loads
  the cached N-Triples of the release graph into a fresh in-memory store and runs the same bound
  query, printing the rows (target: <= 1.5x);
- ``build --format nt`` vs rdflib parsing the same Turtle sources into one graph (target: <= 2x);
- ``validate --no-reason`` vs whole-process scripts that parse the same release graph (the cached
  N-Triples) and validate it with the project's shapes: pyshacl-turbo (Rust core, rdflib graphs in;
  target <= 0.5x; and, reported, with a pyoxigraph store in, its faster path), pyrudof (rudof, Rust;
  target <= 0.5x), pyshacl (reported) and Jena's
  ``shacl validate`` (Debian's libapache-jena-java; reported when ``shacl`` is on the PATH). An
  engine that is not installed or cannot read the shapes is named in one line, not timed. Every
  engine must agree with iimgraph that the release conforms, else the row says so.

The caches (release N-Triples, prebuilt store, source digest) are warmed first, as any earlier
query leaves them.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, _version, cli, header, median, table

QUERY_ANCHOR = """
import sys
import pyoxigraph as ox
store = ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
for row in store.query(open(sys.argv[2], encoding="utf-8").read()):
    print(*row)
"""

BUILD_ANCHOR = """
import sys
from pathlib import Path
import rdflib
graph = rdflib.Graph()
for path in sorted(Path(sys.argv[1]).rglob("*.ttl")):
    graph.parse(path, format="turtle")
print(len(graph))
"""

VALIDATE_ANCHOR = """
import sys
from pathlib import Path
import pyshacl
import rdflib
data = rdflib.Graph().parse(sys.argv[1], format="nt")
shapes = rdflib.Graph()
for path in sorted(Path(sys.argv[2]).glob("*.ttl")):
    shapes.parse(path, format="turtle")
conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                  allow_warnings=True, abort_on_first=False)
print(conforms)
"""

TURBO_ANCHOR = VALIDATE_ANCHOR.replace("import pyshacl\n", "import pyshacl_turbo\n").replace(
    "pyshacl.validate(", "pyshacl_turbo.validate(")

TURBO_STORE_ANCHOR = """
import sys
from pathlib import Path
import pyoxigraph as ox
import pyshacl_turbo
data = ox.Store()
data.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
shapes = "\\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[2]).glob("*.ttl")))
conforms, _, _ = pyshacl_turbo.validate(data, shacl_graph=shapes, shacl_graph_format="turtle", inference="none",
                                        advanced=True, allow_warnings=True, abort_on_first=False)
print(conforms)
"""

RUDOF_ANCHOR = """
import sys
from pathlib import Path
import pyrudof
rudof = pyrudof.Rudof(pyrudof.RudofConfig())
rudof.read_data(sys.argv[1], format=pyrudof.RDFFormat.NTriples)
rudof.read_shacl("\\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[2]).glob("*.ttl"))))
print(rudof.validate_shacl().conforms)
"""


def validate_engines(nt: str, shapes: str) -> tuple[list[tuple[str, list[str], str]], list[str]]:
    """The SHACL anchors that run here, as (label, argv, target); and one line per one that does not."""
    import shutil
    from importlib.util import find_spec

    engines, missing = [], []
    py = sys.executable
    for module, label, text, target in (("pyshacl_turbo", "pyshacl-turbo", TURBO_ANCHOR, "<= 0.5x"),
                                        ("pyshacl_turbo", "pyshacl-turbo, pyoxigraph store in", TURBO_STORE_ANCHOR,
                                         "reported"),
                                        ("pyrudof", "pyrudof", RUDOF_ANCHOR, "<= 0.5x"),
                                        ("pyshacl", "pyshacl", VALIDATE_ANCHOR, "reported")):
        if find_spec(module) is None:
            missing.append(f"{label}: not installed (pip install -e '.[bench]')")
        else:
            engines.append((label, [py, "-c", text, nt, shapes], target))
    shacl = shutil.which("shacl")
    if shacl is None:
        jars = Path("/usr/share/java/jena-shacl.jar").is_file()  # Debian's libapache-jena-java: the jars, no command
        missing.append("Jena SHACL: no `shacl` on the PATH ("
                       + ("libapache-jena-java is installed, but Debian ships its jars without the command"
                          if jars else "apt-get install libapache-jena-java, or Jena's own distribution")
                       + "); not measured")
    else:
        shapes_ttl = Path(tempfile.mkdtemp()) / "shapes.ttl"
        shapes_ttl.write_text("\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(shapes).glob("*.ttl"))),
                              encoding="utf-8")
        engines.append(("Jena SHACL", [shacl, "validate", "--shapes", str(shapes_ttl), "--data", nt], "reported"))
    return engines, missing


def run(argv: list[str]) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system, the process and what it waited for) of one whole process, and
    what it printed; one line of why when it failed. On a shared machine the CPU time is the steadier figure."""
    import os

    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    if code and not stdout.startswith("iimgraph validate: FAIL"):
        return seconds, cpu, "failed: " + (stderr.strip().splitlines() or [f"exit {code}"])[-1][:200]
    return seconds, cpu, stdout


def script(text: str, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", text, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"anchor failed: {proc.stderr.strip()[-500:]}")
    return seconds


def verdict(out: str) -> str:
    """What an anchor said of the release: the Python scripts print the conforms flag, Jena a Turtle report."""
    if out.startswith("failed"):
        return out
    if "True" in out or re.search(r"sh:conforms\s+true", out):
        return "conforms"
    return "violations"


def validate_rows(nt: str, shapes: str, n: int) -> list[tuple[object, ...]]:
    """``validate --no-reason`` and every SHACL anchor that runs here, alternated round by round."""
    engines, missing = validate_engines(nt, shapes)
    print("SHACL engines: " + "; ".join(f"{name} {_version(name)}" for name in ("pyshacl-turbo", "pyrudof", "pyshacl")) + "\n")
    for line in missing:
        print(f"  validate anchor left out: {line}", file=sys.stderr)
    times: dict[str, list[float]] = {label: [] for label, _, _ in engines}
    cpus: dict[str, list[float]] = {label: [] for label, _, _ in engines}
    verdicts: dict[str, set[str]] = {label: set() for label, _, _ in engines}
    ours, our_cpu, codes = [], [], set()
    exe = Path(sys.executable).parent / "iimgraph"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "iimgraph.cli"]
    for _ in range(n):
        for label, argv, _ in engines:
            seconds, cpu, out = run(argv)
            times[label].append(seconds)
            cpus[label].append(cpu)
            verdicts[label].add(verdict(out))
        seconds, cpu, out = run([*command, "validate", "--no-reason"])
        ours.append(seconds)
        our_cpu.append(cpu)
        codes.add(0 if out.startswith("iimgraph validate: PASS") else 1 if out.startswith("iimgraph") else 2)
    print("CPU seconds (user + system) of the same runs, medians:\n")
    table(("iimgraph validate --no-reason", "anchor", "anchor CPU s", "CPU ratio"),
          [(f"{median(our_cpu):.3f}", label, f"{median(cpus[label]):.3f}", f"{median(our_cpu) / median(cpus[label]):.2f}x")
           for label, _, _ in engines])
    print()
    rows: list[tuple[object, ...]] = []
    for label, _, target in engines:
        said = ",".join(sorted(verdicts[label]))
        if said.startswith("failed"):
            print(f"  validate anchor {label} cannot validate the release: {said}", file=sys.stderr)
            missing.append(f"{label}: cannot validate the release here ({said})")
            continue
        ratio = median(ours) / median(times[label])
        rows.append(("validate --no-reason", f"{median(ours):.3f}", f"{label} ({said}), same graph and shapes",
                     f"{median(times[label]):.3f}", f"{ratio:.2f}x", target, n, ",".join(map(str, sorted(codes)))))
        print(f"  validate --no-reason: {median(ours):.3f} s vs {label} {median(times[label]):.3f} s ({ratio:.2f}x)",
              file=sys.stderr)
    rows += [("validate --no-reason", "", f"{line}", "", "", "", "", "") for line in missing]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs of each side (the slow rows: a third of it, at least 2)")
    parser.add_argument("--only", default="query,build,validate")
    args = parser.parse_args()
    only = set(args.only.split(","))

    from iimgraph.build.cache import release_ntriples, release_store
    from iimgraph.query.binding import bind, resolve_params
    from iimgraph.query.catalogue import get_query
    from iimgraph.resources import ontology_dir, shapes_dir

    release_ntriples()
    release_store()
    cli(["query", "find-by-xref", "-p", "xref=OMIM:160750"])  # warms the digest memo too
    from iimgraph import __version__
    from iimgraph.build.cache import cache_dir, sources_digest

    nt = cache_dir() / f"release-{__version__}-{sources_digest(ontology_dir())}.nt"
    query = get_query("find-by-xref")
    header("iimgraph against its anchors (whole processes, alternated, medians)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bound = Path(tmp) / "q.rq"
        bound.write_text(bind(query.text, resolve_params(query, {"xref": "OMIM:160750"})), encoding="utf-8")
        plan = [
            ("query", "query find-by-xref -p xref=OMIM:160750", ["query", "find-by-xref", "-p", "xref=OMIM:160750"],
             "bare pyoxigraph: load cached N-Triples, run the query", (QUERY_ANCHOR, str(nt), str(bound)), "<= 1.0x",
             args.repeat),
            ("build", "build --format nt", ["build", "--format", "nt", "--out", f"{tmp}/out.nt"],
             "rdflib parses the Turtle sources", (BUILD_ANCHOR, str(ontology_dir())), "<= 2x", max(2, args.repeat // 3)),
        ]
        for key, label, argv, anchor_label, anchor, target, n in plan:
            if key not in only:
                continue
            ours, theirs, codes = [], [], set()
            for _ in range(n):
                theirs.append(script(*anchor))
                seconds, code, _, _ = cli(argv)
                ours.append(seconds)
                codes.add(code)
            ratio = median(ours) / median(theirs)
            rows.append((label, f"{median(ours):.3f}", anchor_label, f"{median(theirs):.3f}", f"{ratio:.2f}x", target,
                         n, ",".join(map(str, sorted(codes)))))
            print(f"  {label}: {median(ours):.3f} s vs {median(theirs):.3f} s ({ratio:.2f}x)", file=sys.stderr)
        if "validate" in only:
            rows += validate_rows(str(nt), str(shapes_dir()), max(2, args.repeat // 3))
    table(("iimgraph", "median s", "anchor", "anchor median s", "ratio", "target", "runs", "exit"), rows)
    print(f"\n(sources: {ROOT / 'ontology'})")


if __name__ == "__main__":
    main()
