"""The one way tests start the command line: ``python -m iimgraph`` in a child process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "iimgraph"]


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | str | None = None,
            input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``iimgraph ARGS`` with text output captured; ``env`` is added to this process's environment."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, input=input, cwd=cwd,
                          env={**os.environ, **env} if env else None, timeout=timeout, check=False)


def popen_cli(*args: str, **kwargs: Any) -> subprocess.Popen[Any]:
    """``iimgraph ARGS`` started in the background (servers, runaway queries)."""
    return subprocess.Popen([*CLI, *args], **kwargs)


def invoke(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``iimgraph ARGS`` through the real entry point (:func:`iimgraph.cli.main`, the fast reader of
    plain ``query``/``sparql`` lines included) but in this process, with standard streams and argv
    swapped: the same output, exit code and one-line errors as :func:`run_cli`, without starting an
    interpreter that imports rdflib and loads the graph again. For tests about what a verb writes and
    returns; signals, the environment, workers outliving their parent, cold start and servers need
    :func:`run_cli`/:func:`popen_cli`."""
    from iimgraph.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode("utf-8")), encoding="utf-8")
    saved = sys.argv, sys.stdin, sys.stdout, sys.stderr
    sys.argv, sys.stdin, sys.stdout, sys.stderr = ["iimgraph", *args], stdin, stdout, stderr
    code = 0
    try:
        main()
    except SystemExit as exc:
        if isinstance(exc.code, str):  # what the interpreter would print before exiting 1
            stderr.write(exc.code + "\n")
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        stdout.flush()
        stderr.flush()
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
    return subprocess.CompletedProcess(["iimgraph", *args], code, out.getvalue().decode("utf-8", "replace"),
                                       err.getvalue().decode("utf-8", "replace"))
