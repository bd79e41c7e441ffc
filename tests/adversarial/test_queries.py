"""Hostile queries and parameter values through the real CLI: each fails with one clean line (or is
bound as data and finds nothing), within a time and memory bound, and none reaches the loopback trap.

Cases live in ``tests/adversarial/queries/``: ``*.rq`` files for ``iimgraph sparql`` (a header
``# expect: CODE [words the message must contain]`` and optional ``# args: ...``), and
``params.tsv`` for ``iimgraph query -p``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iimgraph.cli.watchdog import IN_PROCESS_MAX_CHARS
from iimgraph.errors import QueryError
from iimgraph.query.binding import bind, sparql_term, to_term
from iimgraph.query.catalogue import Param
from iimgraph.query.results import IRI, Literal
from tests.adversarial.conftest import Listener, Run, assert_clean_failure, materialise, run_cli
from tests.cli import CLI

CASES = Path(__file__).resolve().parent / "queries"
RQ_CASES = sorted(CASES.glob("*.rq"))
TIME_LIMIT = 30.0  # every case sets --timeout of a few seconds at most; the default is 60


def _header(text: str, field: str) -> str | None:
    m = re.search(rf"^# {field}: ?(.*)$", text, re.M)
    return m.group(1).strip() if m else None


def _param_cases() -> list[tuple[str, str, str, int, str, str]]:
    lines = [line for line in (CASES / "params.tsv").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r["query"], r["param"], r["value"], int(r["expect"]), r["mentions"] or "", r["with"] or "")
            for r in rows]


PARAM_CASES = _param_cases()


def _assert_clean_success(run: Run) -> None:
    assert run.code == 0, run.stderr[-500:]
    # a hostile value bound as data finds nothing: at most the warnings that say why
    noise = [line for line in run.stderr.splitlines() if line.strip() and not line.startswith("iimgraph: warning: ")]
    assert "Traceback" not in run.stderr and noise == [], run.stderr[-500:]


def test_the_corpus_has_enough_cases():
    assert len(RQ_CASES) + len(PARAM_CASES) >= 40
    assert sum("{TRAP}" in p.read_text(errors="replace") for p in RQ_CASES) >= 12


@pytest.mark.parametrize("case", RQ_CASES, ids=[p.stem for p in RQ_CASES])
def test_hostile_query(case: Path, listener: Listener, tmp_path: Path):
    text = case.read_text(encoding="utf-8", errors="replace")
    expect = (_header(text, "expect") or "").split(None, 1)
    code, mentions = int(expect[0]), (expect[1] if len(expect) > 1 else None)
    args = shlex.split((_header(text, "args") or "").replace("{TRAP}", listener.url))
    path = materialise(case, listener, tmp_path)
    before = listener.connections
    run = run_cli("sparql", str(path), "--format", "csv", *args, time_limit=TIME_LIMIT)
    if code == 0:
        _assert_clean_success(run)
    else:
        assert_clean_failure(run, code, mentions=mentions)
    assert listener.connections == before, f"{case.name} connected to the trap"


@pytest.mark.parametrize("query,param,value,code,mentions,others", PARAM_CASES,
                         ids=[f"{q}-{p}-{i}" for i, (q, p, *_rest) in enumerate(PARAM_CASES)])
def test_hostile_parameter(query: str, param: str, value: str, code: int, mentions: str, others: str,
                           listener: Listener):
    literal = eval(value.replace("{TRAP}", listener.url), {"__builtins__": {}})  # our own corpus: str/bytes
    arg = (param + "=").encode() + literal if isinstance(literal, bytes) else f"{param}={literal}"
    before = listener.connections
    extra = [a for item in others.split() for a in ("-p", item)]
    run = run_cli("query", query, "-p", arg, *extra, "--format", "csv", time_limit=TIME_LIMIT)  # type: ignore[arg-type]
    if code == 0:
        _assert_clean_success(run)
        assert len(run.stdout.splitlines()) == 1, f"the value matched something: {run.stdout[:500]}"
    else:
        assert_clean_failure(run, code, mentions=mentions or None)
    assert listener.connections == before


@pytest.mark.parametrize("value", ["1 } SERVICE <http://127.0.0.1:9/> {", "1\n#", "0x10", "1.5", "1e3", "",
                                   "9" * 5000, "\\u0031", "１", True, 1.0, None])
def test_integer_values_are_digits_or_refused(value):
    """No packaged query has an integer parameter yet; the type is checked here directly."""
    param = Param(name="n", type="integer")
    try:
        term = to_term(param, value)
    except QueryError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 200
        return
    assert re.fullmatch(r"-?[0-9]+", str(term)), term
    assert sparql_term(term) == f'"{term}"^^<http://www.w3.org/2001/XMLSchema#integer>'


@pytest.mark.parametrize("term", [Literal("x", lang="en } SERVICE <http://127.0.0.1:9/> {"),
                                  Literal("x", datatype="http://e/t> } SERVICE <http://127.0.0.1:9/> {"),
                                  IRI("http://e/x\n"), IRI("http://e/x> } #"), Literal("\udcff")])
def test_bindings_from_python_cannot_break_out(term):
    with pytest.raises(QueryError):
        bind("SELECT * WHERE { ?s ?p ?x }", {"x": term})


def _children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid``, whichever of its threads forked them."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while we looked
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
#: the same, past the length the CLI runs in its own process: ad-hoc text this long goes to a forked worker
LONG_RUNAWAY = f"# {'x' * IN_PROCESS_MAX_CHARS}\n{RUNAWAY}"


def _cli_with_worker(*extra: str) -> tuple[subprocess.Popen[bytes], list[int]]:
    """``iimgraph sparql LONG_RUNAWAY`` started, once its query worker exists: the process and the worker pids.

    Fails at once, with the CLI's exit status and error, if the CLI ends before forking its worker."""
    proc = subprocess.Popen([*CLI, "sparql", LONG_RUNAWAY, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (workers := _children(proc.pid)) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not workers:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"no worker process appeared (CLI exit {proc.returncode}: {err.decode().strip()[-500:]!r})")
    return proc, workers


def test_a_timed_out_query_leaves_no_worker_running():
    """In-process check: after QueryTimeout the forked worker is gone, not burning a core."""
    from iimgraph.errors import QueryTimeout
    from iimgraph.query.run import execute_sparql

    before = set(_children(os.getpid()))  # e.g. servers other tests' fixtures keep running
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match="timed out after 1 s"):
        execute_sparql(RUNAWAY, timeout=1)
    assert time.monotonic() - start < 5
    assert set(_children(os.getpid())) <= before


def test_ctrl_c_stops_the_worker_too():
    """SIGINT during a long local query: the CLI exits 2 with one line and its worker dies with it."""
    proc, workers = _cli_with_worker()
    try:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2 and err.decode().strip() == "iimgraph: error: interrupted"
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize("how", ["timeout", "ctrl-c"])
def test_a_query_in_the_cli_process_is_stopped_with_one_line(how: str):
    """A short query runs in the CLI's own process (no worker to fork): its deadline and Ctrl-C still stop
    the engine, which cannot be interrupted from Python, with one line and exit 2, and nothing left running."""
    args = ["--timeout", "2"] if how == "timeout" else []
    proc = subprocess.Popen([*CLI, "sparql", RUNAWAY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if how == "ctrl-c":  # inside the engine: the process has run well past its start-up
            deadline = time.monotonic() + 60
            while proc.poll() is None and _cpu_seconds(proc.pid) < 2.0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _children(proc.pid), "a short query forked a worker"
            proc.send_signal(signal.SIGINT)
        start = time.monotonic()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    expected = "interrupted" if how == "ctrl-c" else "query timed out after 2 s and was stopped"
    assert proc.returncode == 2 and err.decode().strip() == f"iimgraph: error: {expected}" and out == b""
    assert time.monotonic() - start < 10


def test_a_query_in_the_cli_process_is_stopped_past_its_memory_allowance():
    """The watchdog's other limit: the process grew by more than the allowance while the query ran."""
    code = ("import time\nfrom iimgraph.cli.watchdog import within\n"
            "def grow():\n    kept = b'x' * (400 << 20)\n    time.sleep(20)\n    return kept\n"
            "within(grow, timeout=30, memory_mb=100)\nprint('not stopped')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == "iimgraph: error: query needed more than 100 MB and was stopped"


def test_a_killed_cli_leaves_no_worker_behind():
    """SIGKILL cannot be caught, so the parent cannot stop its worker: the kernel must (PR_SET_PDEATHSIG)."""
    proc, workers = _cli_with_worker("--timeout", "120")
    proc.kill()
    proc.wait()

    def alive(pid: int) -> bool:
        status = Path(f"/proc/{pid}/status")
        return status.exists() and "zombie" not in status.read_text().lower()

    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers), "the worker outlived its killed parent"
