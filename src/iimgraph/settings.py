"""Every number a user gives (an option on the command line, a variable in the environment) is checked
here, and only here: finite, in range, and named in the one-line error when it is not.

Why one place: ``float()`` accepts ``nan``, ``inf`` and ``1e400``; a ``nan`` timeout compares false
with everything, so a deadline never passes or passes at once, and an infinite size overflows the C
integers underneath (``readline``, ``setrlimit``, ``select``). Each kind of number has one range
(:data:`RANGES`), so the same value means the same thing in every verb.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from iimgraph.errors import SettingError


@dataclass(frozen=True)
class Range:
    """What a number may be: more than ``low`` (or at least, when ``low_closed``), at most ``high``."""

    low: float
    high: float
    unit: str = ""
    integer: bool = False
    low_closed: bool = False

    def describe(self) -> str:
        low = f"at least {_plain(self.low)}" if self.low_closed else f"more than {_plain(self.low)}"
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} {low} and at most {_plain(self.high)}{' ' + self.unit if self.unit else ''}"


def _plain(x: float) -> str:
    return f"{int(x):,}" if x == int(x) else f"{x:g}"


WEEK = 7 * 24 * 3600.0

#: the kinds of number a user gives, each with its one range
SECONDS = Range(0, WEEK, "seconds")
DEFAULT_ANSWER_CACHE_MB = 64  # serve's answers kept in memory (serve --answer-cache-mb, IIMGRAPH_ANSWER_CACHE_MB; 0: off)
DEFAULT_MAX_ANSWER_MB = 64  # a 64 MB SPARQL JSON answer peaks near 400 MB as rows; IIMGRAPH_MAX_ANSWER_MB overrides
MEGABYTES = Range(0, 1024 * 1024, "MB")           # up to 1 TB: beyond it the C sizes underneath overflow
CACHE_MB = Range(0, 1024 * 1024, "MB", low_closed=True)  # as MEGABYTES, and 0: no cache
RATIO = Range(0, 1_000_000)                        # gzip inflation, decompressed : compressed
DEPTH = Range(0, 200, integer=True)                # nesting levels: rdflib's serialisers nest blank nodes by recursion
ROWS = Range(0, 1_000_000_000, integer=True)       # rows of an answer
PROCESSES = Range(0, 1024, integer=True)           # worker processes, connections
PORT = Range(0, 65535, integer=True, low_closed=True)
AGE_YEARS = Range(0, 130, "years", low_closed=True)  # age at a patient's first symptom (rank --age)


def check_number(raw: str | float, name: str, allowed: Range) -> float:
    """``raw`` as a finite number within ``allowed``, or :class:`SettingError` naming ``name``
    (the option or variable: ``--timeout``, ``IIMGRAPH_MAX_INPUT_MB``)."""
    shown = raw.strip() if isinstance(raw, str) else raw
    try:
        value = float(shown)
    except (TypeError, ValueError, OverflowError):
        raise SettingError(f"{name}={shown!r} is not a number (expected {allowed.describe()})") from None
    if not math.isfinite(value):
        raise SettingError(f"{name}={shown!r} is not a finite number (expected {allowed.describe()})")
    too_low = value < allowed.low if allowed.low_closed else value <= allowed.low
    if too_low or value > allowed.high:
        raise SettingError(f"{name}={shown!r} is out of range (expected {allowed.describe()})")
    if allowed.integer and value != int(value):
        raise SettingError(f"{name}={shown!r} is not a whole number (expected {allowed.describe()})")
    return value


def env_number(var: str, allowed: Range, default: float | None = None) -> float | None:
    """The environment variable ``var`` checked by :func:`check_number`; ``default`` when unset or empty."""
    raw = os.environ.get(var, "").strip()
    return check_number(raw, var, allowed) if raw else default
