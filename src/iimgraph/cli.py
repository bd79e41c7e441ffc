"""The ``iimgraph`` command: thin verbs over the library. Exit codes: 0 ok, 1 findings, 2 error.

No logic lives here beyond argument handling and printing; every verb calls one library function.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from iimgraph import __version__
from iimgraph.atomic import refuse_inputs, write_bytes_atomic
from iimgraph.errors import IIMGraphError
from iimgraph.formats import WRITABLE
from iimgraph.query.http import DEFAULT_MAX_ANSWER_MB
from iimgraph.query.results import FORMATS as RESULT_FORMATS
from iimgraph.query.results import Result, display, render, table_cells

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = [f.value for f in WRITABLE]


class Group(click.Group):
    """Turns library errors into one line on stderr and exit 2 (a traceback only with IIMGRAPH_DEBUG=1)."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except IIMGraphError as exc:
            _fail(str(exc))
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as exc:  # a bug: still one line, with a way to see more
            if os.environ.get("IIMGRAPH_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (set IIMGRAPH_DEBUG=1 for a traceback)")


def _write(data: bytes, out: Path | None) -> None:
    """An output file, written atomically, or standard output."""
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_bytes_atomic(out, data)


def _say(message: str) -> None:
    click.echo(f"iimgraph: {message}", err=True)


@contextlib.contextmanager
def _progress_bar(name: str, total: int) -> Iterator[Callable[[int], None] | None]:
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


def _emit(result: Result, fmt: str) -> None:
    """A query's result on standard output: ``table`` as a rich table, the other formats as text."""
    if fmt != "table":
        sys.stdout.write(render(result, fmt))
        sys.stdout.flush()
        return
    from rich.console import Console
    from rich.table import Table

    header, rows, terms = table_cells(result)
    table = Table(show_lines=False, header_style="bold")
    for h in header:
        table.add_column(h, overflow="fold")
    for row in rows:
        table.add_row(*[display(t) if terms else str(t) for t in row])  # type: ignore[arg-type]
    console = Console()
    console.print(table)
    if not result.is_ask:
        note = " (truncated)" if result.truncated else ""
        console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}{note}", style="dim")


def _fail(message: str) -> None:
    click.echo(f"iimgraph: error: {' '.join(message.split())}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iimgraph")
def cli() -> None:
    """iimgraph: the idiopathic inflammatory myopathies knowledge graph.

    Build, validate, query and release the curated IIM graph.
    """


@cli.command()
@click.option("--sources", type=click.Path(path_type=Path), default=None,
              help="Folder of curated sources (default: the packaged ontology/).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output file (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="ttl", show_default=True)
@click.option("--version", "version", default=None, help="Version to stamp (default: the package version).")
def build(sources: Path | None, out: Path | None, fmt: str, version: str | None) -> None:
    """Build the release graph from the sources and write it."""
    from iimgraph.build.graph import build_graph, source_files
    from iimgraph.release.export import serialize
    from iimgraph.resources import ontology_dir

    inputs = source_files(sources or ontology_dir())
    if out is not None:
        refuse_inputs(out, inputs)  # before the work, not after
    graph = build_graph(inputs, version=version)
    _write(serialize(graph, fmt), out)
    if out is not None:
        click.echo(f"wrote {out} ({len(graph)} triples, {fmt})", err=True)


@cli.command()
@click.option("--sources", type=click.Path(path_type=Path), default=None,
              help="Folder of curated sources (default: the packaged ontology/).")
def info(sources: Path | None) -> None:
    """Version and counts of classes, mappings, sources and claims."""
    from iimgraph.build.graph import build_graph
    from iimgraph.build.stats import graph_stats

    stats = graph_stats(build_graph(sources))
    click.echo(f"iimgraph {__version__}")
    for key, value in stats.items():
        click.echo(f"{key.replace('_', ' ')}: {value}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fail-on", type=click.Choice(["error", "warn", "info"], case_sensitive=False), default="error",
              show_default=True, help="Exit 1 when a finding at or above this level exists.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "ttl"]), default="text", show_default=True,
              help="text, json, md (a pull-request comment) or ttl (the SHACL validation report graph).")
@click.option("--no-reason", is_flag=True, help="Skip OWL reasoning (HermiT).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True,
              help="Seconds allowed for the whole validation; it is then stopped (exit 2).")
@click.option("--reason-timeout", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True,
              help="Seconds allowed for OWL reasoning, within --timeout (past it, reasoning is reported as skipped).")
def validate(paths: tuple[Path, ...], fail_on: str, fmt: str, no_reason: bool, timeout: float,
             reason_timeout: float) -> None:
    """Validate the packaged sources, or the given folders and files: shapes, QC rules, identifiers, OWL."""
    import time

    from iimgraph.build.graph import source_files
    from iimgraph.errors import QueryTimeout, ValidationTimeout
    from iimgraph.query import worker
    from iimgraph.resources import ontology_dir
    from iimgraph.validate.pipeline import validate as run

    files = source_files(list(paths) or ontology_dir())  # a missing file: one line, before any work
    level = fail_on.upper()
    deadline = time.monotonic() + timeout

    def job() -> tuple[str, int]:
        report = run(files, reason=not no_reason, timeout=reason_timeout, deadline=deadline)
        return report.render(fmt, level), report.exit_code(level)

    try:  # in a forked worker, stopped at the deadline (rdflib and pyshacl cannot be interrupted)
        text, code = worker.call(job, timeout=timeout, memory_mb=None, what="validation")
    except QueryTimeout:
        size = sum(p.stat().st_size for p in files)
        raise ValidationTimeout(f"validation timed out after {timeout:g} s ({len(files)} source files, "
                                f"{size / 1e6:.1f} MB); give it more time with --timeout") from None
    click.echo(text, nl=False)
    sys.exit(code)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="ttl", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output file (default: standard output).")
@click.option("--product", type=click.Choice(["full", "base"]), default="full", show_default=True,
              help="full: with labels and parents of external terms; base: the project's own axioms and claims.")
@click.option("--version", "version", default=None, help="Version to stamp (default: the package version).")
def export(fmt: str, out: Path | None, product: str, version: str | None) -> None:
    """Export the release graph in one format (byte-stable; written atomically)."""
    from iimgraph.build.graph import build_graph, source_files
    from iimgraph.release.export import serialize
    from iimgraph.release.release import base_graph
    from iimgraph.resources import ontology_dir

    inputs = source_files(ontology_dir())
    if out is not None:
        refuse_inputs(out, inputs)
    graph = build_graph(inputs, version=version)
    _write(serialize(base_graph(graph) if product == "base" else graph, fmt), out)


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Release folder to write.")
@click.option("--version", "version", default=None, help="Release version (default: the package version).")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="Folder of curated sources.")
def release(out: Path, version: str | None, sources: Path | None) -> None:
    """Write one complete, versioned release: RDF in four formats, context, SSSOM, HPOA, shapes, VoID, manifest."""
    from iimgraph.release.release import write_release

    manifest = write_release(out, version=version, sources=sources)
    click.echo(f"release {manifest['version']} written to {out}: {len(manifest['files'])} files, "
               f"{manifest['triples']['full']} triples (base {manifest['triples']['base']})")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write the site into.")
@click.option("--version", "version", default=None, help="Version to stamp (default: the package version).")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="Folder of curated sources.")
def site(out: Path, version: str | None, sources: Path | None) -> None:
    """Write the static site: the classification as a tree, a page per class, the query catalogue."""
    from iimgraph.web.site import write_site

    written = write_site(out, sources=sources, version=version)
    pages = sum(1 for name in written if name.startswith("term/") and name.endswith(".html"))
    click.echo(f"site written to {out}: {len(written)} files, {pages} class pages (open {out / 'index.html'})")


@cli.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
@click.option("--context", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Local JSON-LD context for JSON-LD inputs whose @context is a reference (never fetched).")
def diff(old: Path, new: Path, fmt: str, context: Path | None) -> None:
    """Semantic diff of two releases, source folders or RDF files, optionally gzipped (exit 1 when they differ)."""
    from iimgraph.release.diff import diff_graphs, load_side, render

    changes = diff_graphs(load_side(old, context=context), load_side(new, context=context))
    click.echo(render(changes, fmt), nl=False)
    sys.exit(EXIT_FINDINGS if changes else EXIT_OK)


# --- query path (queries, query, sparql, publish, serve) --------------------------------------------



def _query_options(func):  # type: ignore[no-untyped-def]
    """Options shared by `query` and `sparql`."""
    func = click.option("--allow-service", "allow", multiple=True, metavar="IRI", envvar="IIMGRAPH_ALLOW_SERVICE",
                        help="Let SERVICE/FROM name this IRI (repeatable; an IRI ending in / admits "
                             "everything under it; env IIMGRAPH_ALLOW_SERVICE, space-separated). "
                             "Default: refused.")(func)
    func = click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
                        help="Seconds allowed: a local query runs in a worker process stopped at this "
                             "limit; with --endpoint, the limit per HTTP request, from connecting to "
                             "the last byte of the answer.")(func)
    func = click.option("--store", "store", type=click.Path(file_okay=False, path_type=Path), default=None,
                        metavar="DIR", help="On-disk store to query (created if needed): the IIM graph "
                        "and every companion loaded into it.")(func)
    func = click.option("--with", "companions", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                        metavar="FILE", help="A companion RDF file (e.g. a whole MONDO or HPO release; "
                        ".nt/.ttl/.owl/.rdf/.jsonld, .gz too) loaded once into the store and queried "
                        "with the IIM graph (repeatable).")(func)
    func = click.option("--same-origin-redirects", "same_origin", is_flag=True,
                        help="With --endpoint: follow redirects that stay on the endpoint's scheme, host "
                             "and port (default: any redirect is an error).")(func)
    func = click.option("--max-answer-mb", "max_answer_mb", type=click.FloatRange(min=0, min_open=True),
                        default=DEFAULT_MAX_ANSWER_MB, show_default=True,
                        help="With --endpoint: the largest answer accepted, in MB.")(func)
    func = click.option("--endpoint", default=None, metavar="URL",
                        help="Run on this SPARQL endpoint instead of the embedded graph.")(func)
    func = click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph",
                        show_default=True, help="Embedded engine (ignored with --endpoint).")(func)
    func = click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table",
                        show_default=True, help="json is SPARQL 1.1 Query Results JSON.")(func)
    return func


@cli.command("queries")
def queries_cmd() -> None:
    """List the packaged queries with their parameters."""
    from rich.console import Console
    from rich.table import Table

    from iimgraph.query.catalogue import catalogue

    table = Table(header_style="bold")
    for column in ("name", "parameters", "columns", "title"):
        table.add_column(column, overflow="fold")
    for name, q in catalogue().items():
        table.add_row(name, "\n".join(p.signature() for p in q.params) or "-", ", ".join(q.columns), q.title)
    Console().print(table)


@cli.command("query")
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable).")
@_query_options
def query_cmd(name: str, params: tuple[str, ...], fmt: str, engine: str, endpoint: str | None,
              timeout: float, allow: tuple[str, ...], companions: tuple[Path, ...], store: Path | None,
              max_answer_mb: float, same_origin: bool) -> None:
    """Run a packaged query by NAME (see `iimgraph queries`)."""
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
                           progress=_progress_bar, say=_say, max_answer_bytes=int(max_answer_mb * 1024 * 1024),
                           same_origin_redirects=same_origin)
    _emit(execute(name, values, engine=chosen, timeout=timeout, allow_remote=allow), fmt)


@cli.command("sparql")
@click.argument("query")
@_query_options
def sparql_cmd(query: str, fmt: str, engine: str, endpoint: str | None, timeout: float,
               allow: tuple[str, ...], companions: tuple[Path, ...], store: Path | None,
               max_answer_mb: float, same_origin: bool) -> None:
    """Run an ad-hoc SPARQL QUERY: the text itself, a .rq file, or - for standard input."""
    from iimgraph.query.catalogue import decode_query, execute_sparql
    from iimgraph.query.engines import select_engine

    if query == "-":
        text = decode_query(sys.stdin.buffer.read(), "standard input")
    elif "\n" not in query and len(query) < 4096 and Path(query).is_file():
        text = decode_query(Path(query).read_bytes(), query)
    else:
        text = query
    chosen = select_engine(engine, endpoint, store=store, companions=companions, timeout=timeout,
                           progress=_progress_bar, say=_say, max_answer_bytes=int(max_answer_mb * 1024 * 1024),
                           same_origin_redirects=same_origin)
    _emit(execute_sparql(text, engine=chosen, timeout=timeout, allow_remote=allow), fmt)


@cli.command("publish")
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol URL of the store (e.g. http://127.0.0.1:7878/store).")
@click.option("--graph", default=None, metavar="IRI", help="Named graph to replace (default: the default graph).")
@click.option("--query-endpoint", default=None, metavar="URL",
              help="SPARQL query URL for the count check (default: the store URL with /store -> /query).")
@click.option("--update-endpoint", default=None, metavar="URL",
              help="SPARQL update URL for the replacement (default: the store URL with /store -> /update).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True,
              help="Seconds per HTTP request, from connecting to the last byte of the answer "
                   "(transient failures are retried with backoff).")
@click.option("--same-origin-redirects", "same_origin", is_flag=True,
              help="Follow redirects that stay on the same scheme, host and port (default: any redirect is an error).")
def publish_cmd(endpoint: str, graph: str | None, query_endpoint: str | None, update_endpoint: str | None,
                timeout: float, same_origin: bool) -> None:
    """Replace a graph in a SPARQL 1.1 store with the release, atomically: upload to a staging graph,
    check its count, replace the target in one update, check again. On failure the previous release stays."""
    from iimgraph.release.publish import publish

    click.echo(str(publish(endpoint, graph=graph, query_url=query_endpoint, update_url=update_endpoint,
                           timeout=timeout, same_origin_redirects=same_origin)))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True,
              help="TCP port (0: any free port).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="Seconds allowed per query; its worker process is then killed (HTTP 503).")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows returned at most per query.")
@click.option("--workers", type=click.IntRange(min=1), default=32, show_default=True,
              help="Queries run at once, each in its own worker process.")
@click.option("--allow-service", "allow", multiple=True, metavar="IRI", envvar="IIMGRAPH_ALLOW_SERVICE",
              help="Let SERVICE/FROM name this IRI (repeatable; an IRI ending in / admits everything under it). "
                   "Default: refused.")
def serve_cmd(host: str, port: int, timeout: float, max_rows: int, workers: int, allow: tuple[str, ...]) -> None:
    """Serve the release graph as a read-only SPARQL 1.1 endpoint at /sparql, and the site with term pages at /."""
    from iimgraph.web.serve import serve

    serve(host, port, timeout=timeout, max_rows=max_rows, workers=workers, allow_remote=allow)


def main() -> None:
    cli(prog_name="iimgraph")


