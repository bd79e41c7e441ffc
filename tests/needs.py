"""What a test needs from outside the package, and what happens when it is missing.

Outside CI a test whose tool, browser, Java, Virtuoso or ``../shared`` is missing is skipped, and the
reason names the command that installs it. With ``IIMGRAPH_REQUIRE_ALL=1`` (``.ci/run`` sets it) the
same test fails with that reason: a broken install of the test extra or of a system package cannot
pass CI by skipping quietly. Every test module asks through :func:`missing` or :func:`module`.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest

#: the one switch: every test must run (CI)
REQUIRE_ALL = os.environ.get("IIMGRAPH_REQUIRE_ALL", "") not in ("", "0")

TEST_EXTRA = "pip install -e '.[test]'"
JAVA_INSTALL = "apt-get install openjdk-17-jre-headless"
OWLAPI_INSTALL = "apt-get install libowlapi-java openjdk-17-jdk-headless"
CHROMIUM_INSTALL = "apt-get install chromium chromium-driver"
SHARED = ("../shared, the reference snapshot the identifier and seed tests compare against, is not beside "
          "the project (the suite passes without it; put a copy of it at ../shared to run them)")


def reason(what: str, install: str) -> str:
    return f"{what} is missing: {install}" if install else what


def missing(what: str, install: str = "") -> NoReturn:
    """Skip this test because ``what`` is missing (``install`` brings it); fail instead under IIMGRAPH_REQUIRE_ALL=1."""
    text = reason(what, install)
    if REQUIRE_ALL:
        pytest.fail(f"{text} (IIMGRAPH_REQUIRE_ALL=1: every test must run)", pytrace=False)
    pytest.skip(text)


def module(name: str, what: str = "", install: str = TEST_EXTRA) -> ModuleType:
    """``import name``, or :func:`missing` naming ``what`` (default: the module) and its install command."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(what or f"the Python module {name}", install)
