"""The ``iimgraph`` command. Exit codes: 0 ok, 1 findings, 2 error.

This package is the only code that prints or imports click or rich. Its front (this module) is
light: ``iimgraph query NAME -p key=value`` and ``iimgraph sparql TEXT`` in their plain forms are
read here without importing click (about a third of a cold query's time went to importing click
and rich before any work); everything else, and anything this reader is not sure of (``--help``, an
unknown or malformed option), goes to the click verbs in :mod:`iimgraph.cli.commands`, which give
the same answers and the same error messages. A test parses many command lines both ways and
requires the same values.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from iimgraph.query.results import FORMATS as RESULT_FORMATS
from iimgraph.query.results import Result, render, text_table

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:
    from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
ENGINE_CHOICES = ("oxigraph", "rdflib")


def __getattr__(name: str) -> Any:
    """``from iimgraph.cli import cli``: the click group, imported only when asked for."""
    if name == "cli":
        from iimgraph.cli.commands import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- output ----------------------------------------------------------------------------------------


def fail(message: str) -> None:
    """One line on standard error and exit 2."""
    sys.stderr.write(f"iimgraph: error: {' '.join(message.split())}\n")
    sys.stderr.flush()
    sys.exit(EXIT_ERROR)


def guarded(run: Callable[[], Any]) -> Any:
    """``run()`` with library errors turned into one line on stderr and exit 2 (a traceback only
    with IIMGRAPH_DEBUG=1)."""
    from iimgraph.errors import IIMGraphError

    try:
        return run()
    except IIMGraphError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted")
    except (SystemExit, GeneratorExit, BrokenPipeError):
        raise
    except Exception as exc:
        if type(exc).__module__.startswith("click"):  # click's own exits and usage errors
            raise
        if os.environ.get("IIMGRAPH_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set IIMGRAPH_DEBUG=1 for a traceback)")
    return None


def say(message: str) -> None:
    sys.stderr.write(f"iimgraph: {message}\n")
    sys.stderr.flush()


@contextlib.contextmanager
def progress_bar(name: str, total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on standard error over a file's bytes, only when it is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    with Progress(TextColumn("loading {task.description}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                  transient=True) as bar:
        task = bar.add_task(name, total=total)
        yield lambda done: bar.update(task, completed=done)


def _styled() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def terminal_width() -> int:
    """What ``shutil.get_terminal_size((80, 24)).columns`` gives (COLUMNS, else the terminal, else 80),
    without importing shutil."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return max(20, columns or 80)


def emit(result: Result, fmt: str) -> None:
    """A query's result on standard output: ``table`` as a box table sized to the terminal, the
    other formats as their text."""
    text = text_table(result, width=terminal_width(), styled=_styled()) if fmt == "table" else render(result, fmt)
    sys.stdout.write(text)
    sys.stdout.flush()


# --- the query verbs, shared by the fast reader and the click verbs ------------------------------


def run_query_verb(name: str, params: Sequence[str], fmt: str, engine: str, endpoint: str | None, timeout: float,
                   allow: Sequence[str], companions: Sequence[Path], store: Path | None) -> None:
    from iimgraph.errors import QueryError
    from iimgraph.query.catalogue import execute
    from iimgraph.query.engines import select_engine

    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"parameter {item!r} is not KEY=VALUE")
        values[key.strip()] = value
    chosen = select_engine(engine, endpoint, store=store, companions=companions, timeout=timeout,
                           progress=progress_bar, say=say, one_shot=True)
    emit(execute(name, values, engine=chosen, timeout=timeout, allow_remote=allow), fmt)


def run_sparql_verb(query: str, fmt: str, engine: str, endpoint: str | None, timeout: float,
                    allow: Sequence[str], companions: Sequence[Path], store: Path | None) -> None:
    from iimgraph.query.catalogue import decode_query, execute_sparql
    from iimgraph.query.engines import select_engine

    if query == "-":
        text = decode_query(sys.stdin.buffer.read(), "standard input")
    elif "\n" not in query and len(query) < 4096 and Path(query).is_file():
        text = decode_query(Path(query).read_bytes(), query)
    else:
        text = query
    chosen = select_engine(engine, endpoint, store=store, companions=companions, timeout=timeout,
                           progress=progress_bar, say=say, one_shot=True)
    emit(execute_sparql(text, engine=chosen, timeout=timeout, allow_remote=allow), fmt)


# --- the fast reader ---------------------------------------------------------------------------------


class QueryArgs:
    """What ``query``/``sparql`` were given, with click's defaults (the names of click's parameters)."""

    def __init__(self, verb: str, argument: str, params: list[str] | None = None, fmt: str = "table",
                 engine: str = "oxigraph", endpoint: str | None = None, timeout: float = 60.0,
                 allow: list[str] | None = None, companions: list[Path] | None = None,
                 store: Path | None = None) -> None:
        self.verb, self.argument = verb, argument
        self.params = params or []
        self.fmt, self.engine, self.endpoint, self.timeout = fmt, engine, endpoint, timeout
        self.allow = allow or []
        self.companions = companions or []
        self.store = store


_VALUE_OPTIONS = {"-p": "params", "--param": "params", "--format": "fmt", "--engine": "engine",
                  "--endpoint": "endpoint", "--timeout": "timeout", "--allow-service": "allow",
                  "--with": "companions", "--store": "store"}


def read_query_args(argv: Sequence[str]) -> QueryArgs | None:
    """``argv`` (without the program name) as a plain ``query``/``sparql`` command line, or None
    when click should read it: another verb, help, an option this reader does not take, a value it
    would have to judge (a leading ``-``, a bad choice or number, a path of the wrong kind)."""
    if len(argv) < 2 or argv[0] not in ("query", "sparql") or "IIMGRAPH_ALLOW_SERVICE" in os.environ:
        return None
    verb = argv[0]
    positional: list[str] = []
    found: dict[str, Any] = {"params": [], "allow": [], "companions": []}
    items = list(argv[1:])
    i = 0
    while i < len(items):
        token = items[i]
        if not token.startswith("-") or token == "-":
            positional.append(token)
            i += 1
            continue
        option, eq, inline = token.partition("=")
        if option not in _VALUE_OPTIONS or (option == "-p" and eq) or (option in ("-p", "--param") and verb != "query"):
            return None  # --help, --, fused short options, unknown options: click decides
        if eq:
            value = inline
        else:
            if i + 1 >= len(items):
                return None
            i += 1
            value = items[i]
        if value.startswith("-") and value != "-" and not eq:
            return None
        i += 1
        slot = _VALUE_OPTIONS[option]
        if slot in ("params", "allow"):
            found[slot].append(value)
        elif slot == "companions":
            if Path(value).is_dir():
                return None
            found[slot].append(Path(value))
        elif slot == "store":
            if Path(value).is_file():
                return None
            found[slot] = Path(value)
        elif slot == "fmt":
            if value not in RESULT_FORMATS:
                return None
            found[slot] = value
        elif slot == "engine":
            if value not in ENGINE_CHOICES:
                return None
            found[slot] = value
        elif slot == "timeout":
            try:
                seconds = float(value)
            except ValueError:
                return None
            if not math.isfinite(seconds) or seconds <= 0:
                return None
            found[slot] = seconds
        else:
            found[slot] = value
    if len(positional) != 1:
        return None
    return QueryArgs(verb=verb, argument=positional[0], **found)


def run_fast(args: QueryArgs) -> None:
    if args.verb == "query":
        run_query_verb(args.argument, args.params, args.fmt, args.engine, args.endpoint, args.timeout,
                       args.allow, args.companions, args.store)
    else:
        run_sparql_verb(args.argument, args.fmt, args.engine, args.endpoint, args.timeout,
                        args.allow, args.companions, args.store)


def main() -> None:
    fast = read_query_args(sys.argv[1:])
    if fast is not None:
        try:
            guarded(lambda: run_fast(fast))
        except BrokenPipeError:  # `iimgraph query ... | head`: as click does, quietly
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces stdout for the interpreter's final flush
            sys.exit(1)
        sys.exit(EXIT_OK)
    from iimgraph.cli.commands import cli

    cli(prog_name="iimgraph")
