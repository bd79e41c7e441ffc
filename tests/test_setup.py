"""Issue 15: the README's test command passes on a fresh machine; CI still runs everything."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT


def _browser_tests(**env: str) -> subprocess.CompletedProcess[str]:
    """tests/test_site_browser.py as a machine without chromium runs it."""
    environ = {k: v for k, v in os.environ.items() if k != "IIMGRAPH_REQUIRE_ALL"}
    environ.update(IIMGRAPH_CHROMIUM="/nonexistent/chromium", IIMGRAPH_CHROMEDRIVER="/nonexistent/chromedriver", **env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/test_site_browser.py"], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=600)


def test_without_chromium_the_browser_tests_skip_with_one_reason():
    proc = _browser_tests()
    assert proc.returncode in (0, 5), proc.stdout[-3000:]  # 5: this file alone, every test skipped (none failed)
    assert "1 skipped" in proc.stdout
    skipped = [ln for ln in proc.stdout.splitlines() if ln.startswith("SKIPPED")]
    assert len(skipped) == 1, proc.stdout[-3000:]  # one line for every test: one reason
    assert "chromium" in skipped[0] and "apt-get install chromium chromium-driver" in skipped[0]
    assert " error" not in proc.stdout and "passed" not in proc.stdout


def test_ci_requires_the_browser():
    proc = _browser_tests(IIMGRAPH_REQUIRE_ALL="1")
    assert proc.returncode != 0 and "skipped" not in proc.stdout.lower().split("short test summary")[0][-200:]
    assert "/nonexistent/chromium" in proc.stdout
    ci = (ROOT / ".ci" / "run").read_text()
    assert "IIMGRAPH_REQUIRE_ALL=1" in ci and "apt-get install" in ci and "chromium-driver" in ci
