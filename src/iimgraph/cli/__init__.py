"""The ``iimgraph`` command: the only package that prints or imports click or rich.

:func:`main` reads a plain ``query``/``sparql`` line with the light reader of :mod:`iimgraph.cli.front`
(no click: a cold query does not pay for importing it) and hands everything else to the click verbs
of :mod:`iimgraph.cli.commands`; both readers are made from one table of options,
:mod:`iimgraph.cli.options`. Exit codes: 0 ok, 1 findings, 2 error.
"""

from __future__ import annotations

import sys

from iimgraph.cli.front import EXIT_OK, guarded, read_query_args, run_fast

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["cli", "main"]


def __getattr__(name: str) -> Any:
    """``from iimgraph.cli import cli``: the click group, imported only when asked for."""
    if name == "cli":
        from iimgraph.cli.commands import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    fast = read_query_args(sys.argv[1:])
    if fast is not None:
        fast_args = fast
        guarded(lambda: run_fast(fast_args))
        sys.exit(EXIT_OK)
    from iimgraph.cli.commands import cli

    cli(prog_name="iimgraph")
