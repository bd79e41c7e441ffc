"""The harness measures the child, not the test process it was started from."""

from __future__ import annotations

from .conftest import run_cli


def test_peak_memory_is_the_childs_own() -> None:
    """Linux carries a process's peak resident size across fork and exec: a child forked straight from
    a test process that holds 400 MB reported 400 MB or more (a pytest worker that had grown past
    1.5 GB failed every memory check of the CLI errors it later ran)."""
    ballast = b"x" * (400 * 1024 * 1024)
    run = run_cli("--version")
    assert run.code == 0, run.stderr
    assert run.peak_mb < 300, f"peak {run.peak_mb:.0f} MB: the test process's memory, not the child's"
    assert len(ballast) > 0
