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
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from iimgraph.errors import SettingError
from iimgraph.escape import escape
from iimgraph.query.results import FORMATS as RESULT_FORMATS
from iimgraph.query.results import Result, display, render, table_cells
from iimgraph.settings import SECONDS, check_number

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
    sys.stderr.write(f"iimgraph: error: {' '.join(escape(message, one_line=True).split())}\n")
    sys.stderr.flush()
    sys.exit(EXIT_ERROR)


def guarded(run: Callable[[], Any], passthrough: tuple[type[BaseException], ...] = ()) -> Any:
    """``run()`` with library errors turned into one line on stderr and exit 2 (a traceback only
    with IIMGRAPH_DEBUG=1); a reader that went away (``iimgraph ... | head``) ends it quietly.
    The fast reader's verbs and the click group's ``invoke`` run through it; ``passthrough``
    exceptions are raised as they are."""
    from iimgraph.errors import IIMGraphError

    try:
        result = run()
        sys.stdout.flush()  # a closed pipe shows here, where it is handled, not at interpreter exit
        return result
    except passthrough:
        raise
    except IIMGraphError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted")
    except BrokenPipeError:  # the reader went away: nothing left to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail again
        sys.exit(EXIT_OK)
    except Exception as exc:  # a bug: still one line, with a way to see more
        if os.environ.get("IIMGRAPH_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set IIMGRAPH_DEBUG=1 for a traceback)")
    return None


def say(message: str) -> None:
    """One line on standard error (a note, a warning, progress), escaped like every message."""
    sys.stderr.write(f"iimgraph: {escape(message, one_line=True)}\n")
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


#: columns of packaged queries that name claim and association nodes: shown only with --all-columns
HOUSEKEEPING = ("association", "claim", "observation")


def without(result: Result, hidden: tuple[str, ...]) -> Result:
    """``result`` without the ``hidden`` columns; rows that then repeat are shown once."""
    drop = [v for v in result.variables if v in hidden]
    if not drop or result.is_ask or result.graph:
        return result
    keep = [v for v in result.variables if v not in drop]
    rows, seen = [], set()
    for row in result.rows:
        key = tuple((row.get(v).key() if row.get(v) is not None else ()) for v in keep)  # type: ignore[union-attr]
        if key not in seen:
            seen.add(key)
            rows.append({v: row.get(v) for v in keep})
    return Result(variables=keep, rows=rows, truncated=result.truncated)


def count(result: Result) -> None:
    """The row count, on standard error (never in the data)."""
    if not result.is_ask:
        note = " (truncated)" if result.truncated else ""
        n = len(result.rows)
        sys.stderr.write(f"{n} {'triple' if result.graph else 'row'}{'s' if n != 1 else ''}{note}\n")
        sys.stderr.flush()


def column_widths(header: list[str], rows: list[list[str]], available: int) -> list[int]:
    """Content widths that fit ``available`` characters where they can: a column never narrower
    than its longest word (so wrapping happens at spaces only), the slack shared by need."""
    shortest = [max([len(h)] + [len(w) for row in rows for w in row[i].split()]) for i, h in enumerate(header)]
    longest = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(header)]
    room = available - 3 * len(header) - 1  # padding and borders
    if sum(longest) <= room:
        return longest
    slack = max(room - sum(shortest), 0)
    wanted = sum(b - a for a, b in zip(shortest, longest, strict=True)) or 1
    return [a + (b - a) * slack // wanted for a, b in zip(shortest, longest, strict=True)]


def rich_table(header: list[str], rows: list[list[str]]) -> None:
    """A table on the terminal that wraps cells at spaces only: no identifier is ever folded.

    When even the narrowest such table is wider than the terminal, its lines are drawn wider
    (the terminal wraps them) rather than cutting a CURIE.
    """
    from rich.console import Console
    from rich.table import Table

    console = Console()
    widths = column_widths(header, rows, console.width)
    table = Table(show_lines=False, header_style="bold")
    for h, width in zip(header, widths, strict=True):
        table.add_column(h, width=width, overflow="fold")
    for row in rows:
        table.add_row(*row)
    needed = sum(widths) + 3 * len(widths) + 1
    if needed > console.width:
        console = Console(width=needed)
    console.print(table)


def emit(result: Result, fmt: str, *, hidden: tuple[str, ...] = ()) -> None:
    """A query's result on standard output.

    ``table`` is a rich table on a terminal and plain TSV (CURIEs, no box drawing) when standard
    output is a pipe or a file; its row count goes to standard error. The other formats are written
    as they are.
    """
    result = without(result, hidden)
    if fmt == "table" and not sys.stdout.isatty():
        sys.stdout.write(escape(render(result, "tsv")))  # the table for people: no control characters
        sys.stdout.flush()
        count(result)
        return
    if fmt != "table":
        sys.stdout.write(render(result, fmt))
        sys.stdout.flush()
        return
    header, cells, terms = table_cells(result)
    rich_table(header, [[escape(display(t) if terms else str(t)) for t in row] for row in cells])  # type: ignore[arg-type]
    count(result)


# --- the query verbs, shared by the fast reader and the click verbs ------------------------------


def run_query_verb(name: str, params: Sequence[str], all_columns: bool, fmt: str, engine: str, endpoint: str | None,
                   timeout: float, allow: Sequence[str], companions: Sequence[Path], store: Path | None, *,
                   sources: Path | None = None, max_answer_bytes: int | None = None, same_origin: bool = False) -> None:
    from iimgraph.errors import QueryError
    from iimgraph.query.catalogue import Where, execute, explain

    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"parameter {item!r} is not KEY=VALUE")
        values[key.strip()] = value
    where = Where(store=store, companions=companions, sources=sources, progress=progress_bar, say=say,
                  max_answer_bytes=max_answer_bytes, same_origin_redirects=same_origin, one_shot=True)
    run: dict[str, Any] = {"engine": engine, "endpoint": endpoint, "timeout": timeout, "allow_remote": allow,
                           "where": where}
    result = execute(name, values, **run)
    emit(result, fmt, hidden=() if all_columns else HOUSEKEEPING)
    for note in explain(name, values, result, **run):
        say(f"warning: {note}")


def run_sparql_verb(query: str, fmt: str, engine: str, endpoint: str | None, timeout: float,
                    allow: Sequence[str], companions: Sequence[Path], store: Path | None, *,
                    sources: Path | None = None, max_answer_bytes: int | None = None, same_origin: bool = False) -> None:
    from iimgraph.errors import QueryError
    from iimgraph.query.catalogue import Where, decode_query, execute_sparql

    if query == "-":
        text = decode_query(sys.stdin.buffer.read(), "standard input")
    elif "\n" not in query and len(query) < 4096 and Path(query).is_file():
        text = decode_query(Path(query).read_bytes(), query)
    elif not re.search(r"[\s{]", query):  # one word with no group: a file name, never a query
        what = "is a folder, not a .rq file" if Path(query).is_dir() else "no such file"
        raise QueryError(f"{query}: {what} (give a .rq file, - for standard input, or the query text)")
    else:
        text = query
    where = Where(store=store, companions=companions, sources=sources, progress=progress_bar, say=say,
                  max_answer_bytes=max_answer_bytes, same_origin_redirects=same_origin, one_shot=True)
    emit(execute_sparql(text, engine=engine, endpoint=endpoint, timeout=timeout, allow_remote=allow, where=where), fmt)



# --- the fast reader ---------------------------------------------------------------------------------


class QueryArgs:
    """What ``query``/``sparql`` were given, with click's defaults (the names of click's parameters)."""

    def __init__(self, verb: str, argument: str, params: list[str] | None = None, all_columns: bool = False,
                 fmt: str = "table",
                 engine: str = "oxigraph", endpoint: str | None = None, timeout: float = 60.0,
                 allow: list[str] | None = None, companions: list[Path] | None = None,
                 store: Path | None = None) -> None:
        self.verb, self.argument = verb, argument
        self.params = params or []
        self.all_columns = all_columns
        self.fmt, self.engine, self.endpoint, self.timeout = fmt, engine, endpoint, timeout
        self.allow = allow or []
        self.companions = companions or []
        self.store = store


_VALUE_OPTIONS = {"-p": "params", "--param": "params", "--format": "fmt", "--engine": "engine",
                  "--endpoint": "endpoint", "--timeout": "timeout", "--allow-service": "allow",
                  "--with": "companions", "--store": "store"}


#: environment variables click reads as option values: when one is set, click reads the command line
_CLICK_ENV = frozenset({"IIMGRAPH_ALLOW_SERVICE", "IIMGRAPH_MAX_ANSWER_MB"})


def read_query_args(argv: Sequence[str]) -> QueryArgs | None:
    """``argv`` (without the program name) as a plain ``query``/``sparql`` command line, or None
    when click should read it: another verb, help, an option this reader does not take, a value it
    would have to judge (a leading ``-``, a bad choice or number, a path of the wrong kind)."""
    if len(argv) < 2 or argv[0] not in ("query", "sparql") or _CLICK_ENV & os.environ.keys():
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
        if token == "--all-columns" and verb == "query":
            found["all_columns"] = True
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
                found[slot] = check_number(value, option, SECONDS)
            except SettingError:
                return None  # click says why, through the same check
        else:
            found[slot] = value
    if len(positional) != 1:
        return None
    return QueryArgs(verb=verb, argument=positional[0], **found)


def run_fast(args: QueryArgs) -> None:
    if args.verb == "query":
        run_query_verb(args.argument, args.params, args.all_columns, args.fmt, args.engine, args.endpoint,
                       args.timeout, args.allow, args.companions, args.store)
    else:
        run_sparql_verb(args.argument, args.fmt, args.engine, args.endpoint, args.timeout,
                        args.allow, args.companions, args.store)


def main() -> None:
    fast = read_query_args(sys.argv[1:])
    if fast is not None:
        guarded(lambda: run_fast(fast))
        sys.exit(EXIT_OK)
    from iimgraph.cli.commands import cli

    cli(prog_name="iimgraph")
