"""The one way tests start the command line: ``python -m iimgraph`` in a child process."""

from __future__ import annotations

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
