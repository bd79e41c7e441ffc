"""The command line as a shell pipeline uses it."""

from __future__ import annotations

import subprocess

import pytest

from tests.cli import CLI


@pytest.mark.parametrize("args", [("info",), ("query", "subtypes", "--format", "tsv")])
def test_a_reader_that_went_away_is_not_an_error(args):
    """``iimgraph info | head -1``: a closed pipe ends the command quietly with exit 0, no message."""
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""
