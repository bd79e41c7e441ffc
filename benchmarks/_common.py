"""What every benchmark prints first (the machine, the load) and how it prints tables.

Benchmarks are scripts that print figures; no test is timed. Figures depend on the machine and on
what else runs on it, so each table is preceded by the CPU count, versions and load average.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return "-"


def machine() -> str:
    """One line: where and under what load the figures were taken."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} CPUs; python "
            f"{platform.python_version()}; pyoxigraph {_version('pyoxigraph')}; rdflib {_version('rdflib')}; "
            f"pyshacl {_version('pyshacl')}; load average {load} (1/5/15 min) at {time.strftime('%Y-%m-%d %H:%M')}"
            + ("; PYTHONDONTWRITEBYTECODE is set: every iimgraph process recompiles its modules (~0.1 s), which "
               "an installed package does not (unset it for figures a user sees)" if sys.dont_write_bytecode else ""))


def header(title: str) -> None:
    print(f"\n## {title}\n")
    print(machine() + "\n")


def table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table (pastes into docs/performance.md as it is)."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(columns))) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    sys.stdout.flush()


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def cli(args: Sequence[str], *, env: dict | None = None, timeout: float = 3600) -> tuple[float, int, str, str]:
    """Wall time of one whole ``iimgraph`` process (interpreter start included)."""
    exe = Path(sys.executable).parent / "iimgraph"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "iimgraph.cli"]
    start = time.perf_counter()
    proc = subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=timeout)
    return time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr


def fmt_int(n: float) -> str:
    return f"{n:,.0f}"


def parse_size(text: str) -> int:
    return int(float(text))


def run_child(script: str, *args: str) -> dict:
    """``script --child ARGS`` in a fresh process (its own peak memory and caches); the JSON it prints last."""
    proc = subprocess.run([sys.executable, script, "--child", *args], capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"child {args[0]} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
