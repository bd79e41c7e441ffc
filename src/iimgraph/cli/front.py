"""The light front of the command line: output helpers, the query verbs, and a reader of plain
``query``/``sparql`` lines that needs no click. Exit codes: 0 ok, 1 findings, 2 error.

This module is light: ``iimgraph query NAME -p key=value`` and ``iimgraph sparql TEXT`` in their plain forms are
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from iimgraph.cli.options import HOUSEKEEPING, options_of
from iimgraph.cli.watchdog import IN_PROCESS_MAX_CHARS, within
from iimgraph.errors import SettingError
from iimgraph.escape import escape
from iimgraph.query.results import Result, display, render, table_cells
from iimgraph.settings import MEGABYTES, SECONDS, check_number

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:
    from typing import Any

    from iimgraph.build.graph_source import GraphSource
    from iimgraph.query.engines import Engine

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


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


def _engine(source: GraphSource, engine: str, timeout: float) -> Engine:
    """The engine a one-query command runs on (the release from its prebuilt on-disk store; a store
    reports its loading on the terminal)."""
    from iimgraph.query.engines import engine_for

    return engine_for(source, engine, timeout=timeout, one_shot=True, progress=progress_bar, say=say)


def query_source(opts: Mapping[str, Any]) -> GraphSource:
    """Which graph a query verb works on, from the options of :data:`iimgraph.cli.options.QUERY_OPTIONS`."""
    from iimgraph.build.graph_source import graph_source

    return graph_source(sources=opts["sources"], store=opts["store"], companions=opts["companions"],
                        endpoint=opts["endpoint"], engine=opts["engine"],
                        max_answer_bytes=int(opts["max_answer_mb"] * 1024 * 1024),
                        same_origin_redirects=opts["same_origin"])


def run_query_verb(name: str, opts: Mapping[str, Any], hidden: tuple[str, ...] = ()) -> None:
    """``iimgraph query NAME`` with the options of the table (either reader gives them); ``hidden``:
    columns a verb leaves out besides the housekeeping ones."""
    from iimgraph.errors import QueryError
    from iimgraph.query.run import execute, explain

    values: dict[str, str] = {}
    for item in opts["params"]:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"parameter {item!r} is not KEY=VALUE")
        values[key.strip()] = value
    engine = _engine(query_source(opts), opts["engine"], opts["timeout"])
    run: dict[str, Any] = {"engine": engine, "timeout": None, "allow_remote": opts["allow"]}
    # a packaged query's text is ours (its parameters are flat VALUES): it runs in this process
    result = _local(engine, opts, lambda: execute(name, values, **run))
    emit(result, opts["fmt"], hidden=hidden + (() if opts["all_columns"] else HOUSEKEEPING))
    for note in _local(engine, opts, lambda: explain(name, values, result, **run)):
        say(f"warning: {note}")


def _local(engine: Engine, opts: Mapping[str, Any], job: Callable[[], Any]) -> Any:
    """``job()``, which queries ``engine`` with no time limit of its own: in this process under the
    watchdog's deadline (:mod:`iimgraph.cli.watchdog`), or as it is on an endpoint, where ``timeout``
    is the limit per HTTP request (the engine holds it)."""
    from iimgraph.query.engines import RemoteEngine

    if isinstance(engine, RemoteEngine):
        return job()
    from iimgraph.worker import DEFAULT_MEMORY_MB

    return within(job, timeout=opts["timeout"], memory_mb=DEFAULT_MEMORY_MB)


def run_sparql_verb(query: str, opts: Mapping[str, Any]) -> None:
    """``iimgraph sparql QUERY``: the text itself, a .rq file, or - for standard input."""
    from iimgraph.errors import QueryError
    from iimgraph.query.binding import decode_query
    from iimgraph.query.run import execute_sparql

    if query == "-":
        text = decode_query(sys.stdin.buffer.read(), "standard input")
    elif "\n" not in query and len(query) < 4096 and Path(query).is_file():
        text = decode_query(Path(query).read_bytes(), query)
    elif not re.search(r"[\s{]", query):  # one word with no group: a file name, never a query
        what = "is a folder, not a .rq file" if Path(query).is_dir() else "no such file"
        raise QueryError(f"{query}: {what} (give a .rq file, - for standard input, or the query text)")
    else:
        text = query
    engine = _engine(query_source(opts), opts["engine"], opts["timeout"])
    if len(text) > IN_PROCESS_MAX_CHARS:  # long ad-hoc text may crash the engine: a forked worker reports it
        result = execute_sparql(text, engine=engine, timeout=opts["timeout"], allow_remote=opts["allow"])
    else:
        result = _local(engine, opts, lambda: execute_sparql(text, engine=engine, timeout=None,
                                                              allow_remote=opts["allow"]))
    emit(result, opts["fmt"])


# --- the fast reader ---------------------------------------------------------------------------------


class QueryArgs:
    """What ``query``/``sparql`` were given: the verb, its argument, and every option of the table by
    the name click gives it (defaults where not given)."""

    def __init__(self, verb: str, argument: str, values: dict[str, Any]) -> None:
        self.verb, self.argument, self.values = verb, argument, values


#: environment variables click reads as option values: when one is set, click reads the command line
_CLICK_ENV = frozenset(o.envvar for o in options_of("query") + options_of("sparql") if o.envvar)


def _value(kind: str, text: str, option: str, choices: tuple[str, ...]) -> Any:
    """``text`` as the option's value, or None where click should judge it (it says why)."""
    if kind == "choice":
        return text if text in choices else None
    if kind in ("seconds", "megabytes"):
        try:
            return check_number(text, option, SECONDS if kind == "seconds" else MEGABYTES)
        except SettingError:
            return None  # click says why, through the same check
    if kind == "file":
        return None if Path(text).is_dir() else Path(text)
    if kind == "folder":
        return None if Path(text).is_file() else Path(text)
    return text


def read_query_args(argv: Sequence[str]) -> QueryArgs | None:
    """``argv`` (without the program name) as a plain ``query``/``sparql`` command line, read with the
    options of :data:`iimgraph.cli.options.QUERY_OPTIONS`, or None when click should read it: another
    verb, help, an option this reader does not take, a value it would have to judge (a leading ``-``,
    a bad choice or number, a path of the wrong kind)."""
    if len(argv) < 2 or argv[0] not in ("query", "sparql") or _CLICK_ENV & os.environ.keys():
        return None
    verb = argv[0]
    options = options_of(verb)
    by_name = {name: o for o in options for name in o.names}
    values: dict[str, Any] = {o.dest: [] if o.multiple else o.default for o in options}
    positional: list[str] = []
    items = list(argv[1:])
    i = 0
    while i < len(items):
        token = items[i]
        i += 1
        if not token.startswith("-") or token == "-":
            positional.append(token)
            continue
        name, eq, inline = token.partition("=")
        option = by_name.get(name)
        if option is None or (eq and not name.startswith("--")):
            return None  # --help, --, fused short options, unknown options: click decides
        if option.kind == "flag":
            if eq:
                return None
            values[option.dest] = True
            continue
        if eq:
            text = inline
        else:
            if i >= len(items) or (items[i].startswith("-") and items[i] != "-"):
                return None
            text = items[i]
            i += 1
        value = _value(option.kind, text, name, option.choices)
        if value is None:
            return None
        if option.multiple:
            values[option.dest].append(value)
        else:
            values[option.dest] = value
    if len(positional) != 1:
        return None
    return QueryArgs(verb, positional[0], {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def run_fast(args: QueryArgs) -> None:
    if args.verb == "query":
        run_query_verb(args.argument, args.values)
    else:
        run_sparql_verb(args.argument, args.values)
