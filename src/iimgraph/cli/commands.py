"""The click verbs of the ``iimgraph`` command: thin verbs over the library. Exit codes: 0 ok, 1 findings, 2 error.

No logic lives here beyond argument handling and printing; every verb calls one library function.
The plain ``query``/``sparql`` command lines are read without click by :mod:`iimgraph.cli.front`, which
runs the same functions (:func:`iimgraph.cli.front.run_query_verb`) and holds the output helpers; the
query verbs' options are made from the one table :data:`iimgraph.cli.options.QUERY_OPTIONS`.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from iimgraph.build.graph_source import graph_source, local_source
from iimgraph.cli.front import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    emit,
    fail,
    guarded,
    query_source,
    rich_table,
    run_query_verb,
    run_sparql_verb,
    say,
)
from iimgraph.cli.options import options_of
from iimgraph.errors import PublishError, SettingError
from iimgraph.escape import escape
from iimgraph.formats import EXPORT_FORMATS, WRITABLE, export_paths
from iimgraph.settings import (
    AGE_YEARS,
    CACHE_MB,
    DEFAULT_ANSWER_CACHE_MB,
    MEGABYTES,
    PORT,
    PROCESSES,
    ROWS,
    SECONDS,
    Range,
    check_number,
)
from iimgraph.version import __version__

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "cli", "main"]

FORMATS = [f.value for f in WRITABLE]


class Number(click.ParamType):
    """A number option checked by :func:`iimgraph.settings.check_number` (finite, within its range): the one
    check every number a user gives goes through; the error names the option, or the variable it came from."""

    def __init__(self, allowed: Range) -> None:
        self.allowed = allowed
        self.name = "integer" if allowed.integer else "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        option = name = param.opts[-1] if param is not None and param.opts else "value"
        if ctx is not None and param is not None and param.name is not None and param.envvar and \
                ctx.get_parameter_source(param.name) is click.core.ParameterSource.ENVIRONMENT:
            name = str(param.envvar)
        try:
            number = check_number(value, name, self.allowed)
        except SettingError as exc:  # click names the option first; the variable, when it came from one
            self.fail(str(exc).removeprefix(f"{option}="), param, ctx)
        return int(number) if self.allowed.integer else number


class Group(click.Group):
    """Turns library errors into one line on stderr and exit 2 (a traceback only with IIMGRAPH_DEBUG=1)."""

    def invoke(self, ctx: click.Context) -> Any:
        def run() -> Any:
            try:
                return click.Group.invoke(self, ctx)
            except click.UsageError as exc:  # a verb's bad option value: one line, like every other bad input
                verb = f" {ctx.invoked_subcommand}" if ctx.invoked_subcommand else ""
                fail(f"{exc.format_message()} (see 'iimgraph{verb} --help')")

        # click's own exits, aborts and messages are click's to print
        return guarded(run, passthrough=(click.exceptions.Exit, click.exceptions.Abort, click.ClickException))


def _write(data: bytes, out: Path | None) -> None:
    """An output file, written atomically, or standard output."""
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        from iimgraph.atomic import write_bytes_atomic

        write_bytes_atomic(out, data)


def _sources_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--sources DIR``: the graph built from a working copy instead of the release graph."""
    return click.option("--sources", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
                        help=help)


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
    """Build the release graph from the sources and write it (blank-node labels vary run to run: `export` and
    `release` write byte-stable files)."""
    from iimgraph.atomic import check_target
    from iimgraph.build.graph import build_graph
    from iimgraph.build.sources import refuse_output
    from iimgraph.release.export import serialize
    from iimgraph.resources import ontology_dir

    if out is not None:
        check_target(out)   # before the work: a FIFO or device is refused at once
        refuse_output(out, sources if sources is not None else ontology_dir())
    graph = build_graph(sources, version=version)
    _write(serialize(graph, fmt, stable=False), out)  # byte-stable output is `export`'s and `release`'s job
    if out is not None:
        click.echo(escape(f"wrote {out} ({len(graph)} triples, {fmt})"), err=True)


@cli.command()
@click.option("--sources", type=click.Path(path_type=Path), default=None,
              help="Folder of curated sources (default: the packaged ontology/).")
@click.option("--coverage", is_flag=True, help="A completeness table per IIM subtype (phenotypes, antibodies, ...), "
              "then per source: how many claims of each kind it supports.")
def info(sources: Path | None, coverage: bool) -> None:
    """Version and counts of classes, mappings, sources and claims."""
    from iimgraph.build.graph import build_graph
    from iimgraph.build.stats import graph_stats

    graph = build_graph(sources)
    if coverage:
        from iimgraph.build.coverage import coverage_rows, render, render_sources, source_rows

        click.echo(render(coverage_rows(graph)), nl=False)
        click.echo()
        click.echo(render_sources(source_rows(graph)), nl=False)
        return
    stats = graph_stats(graph)
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
@click.option("--timeout", type=Number(SECONDS), default=600.0, show_default=True,
              help="Seconds allowed for the whole validation; it is then stopped (exit 2).")
@click.option("--reason-timeout", type=Number(SECONDS), default=120.0, show_default=True,
              help="Seconds allowed for OWL reasoning, within --timeout (past it, reasoning is reported as skipped).")
def validate(paths: tuple[Path, ...], fail_on: str, fmt: str, no_reason: bool, timeout: float,
             reason_timeout: float) -> None:
    """Validate the packaged sources, or the given folders and files: shapes, QC rules, identifiers, OWL."""
    from iimgraph.errors import SourceError
    from iimgraph.validate.pipeline import validate_rendered

    for path in paths:  # a missing file: one line, before any work
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
    level = fail_on.upper()
    text, code = validate_rendered(list(paths) or None, fmt, level, reason=not no_reason,
                                   reason_timeout=reason_timeout, timeout=timeout)
    click.echo(text, nl=False)
    sys.exit(code)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="ttl", show_default=True,
              help="An RDF format, or kgx: Biolink nodes and edges TSV (OUT_nodes.tsv, OUT_edges.tsv; needs --out).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output file (default: standard output).")
@click.option("--product", type=click.Choice(["full", "base"]), default="full", show_default=True,
              help="full: with labels and parents of external terms; base: the project's own axioms and claims.")
@click.option("--version", "version", default=None, help="Version to stamp (default: the package version).")
@_sources_option("Export the graph built from this sources folder (a working copy) instead of the packaged sources.")
def export(fmt: str, out: Path | None, product: str, version: str | None, sources: Path | None) -> None:
    """Export the release graph in one format (byte-stable; written atomically)."""
    from iimgraph.atomic import check_target
    from iimgraph.build.graph import build_graph
    from iimgraph.build.sources import refuse_output
    from iimgraph.release.export import render_export
    from iimgraph.release.release import base_graph
    from iimgraph.resources import ontology_dir

    source = local_source(graph_source(sources=sources), "export")
    paths = export_paths(out, fmt)
    for path in paths:
        if path is not None:
            check_target(path)
            refuse_output(path, source.folder or ontology_dir())
    graph = build_graph(source.folder, version=version)
    graph = base_graph(graph) if product == "base" else graph
    for path, data in zip(paths, render_export(graph, fmt), strict=True):
        _write(data, path)


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Release folder to write.")
@click.option("--version", "version", default=None, help="Release version (default: the package version).")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="Folder of curated sources.")
@click.option("--sparql-endpoint", default=None, metavar="URL",
              help="The public SPARQL endpoint that serves the release (VoID void:sparqlEndpoint).")
@click.option("--no-validate", is_flag=True, help="Write the release even when the sources fail validation.")
@click.option("--no-reason", is_flag=True, help="Validate without OWL reasoning (HermiT).")
def release(out: Path, version: str | None, sources: Path | None, sparql_endpoint: str | None, no_validate: bool,
            no_reason: bool) -> None:
    """Validate the sources, then write one complete, versioned release: RDF in four formats, context, SSSOM,
    HPOA, shapes, VoID/DCAT, README, LICENSE, manifest. ERROR findings refuse the release (exit 1, nothing written)."""
    from iimgraph.errors import ValidationFailed
    from iimgraph.release.release import write_release

    if sparql_endpoint is not None and not sparql_endpoint.startswith(("http://", "https://")):
        raise click.BadParameter(f"{sparql_endpoint!r} is not an http(s) URL", param_hint="--sparql-endpoint")
    try:
        manifest = write_release(out, version=version, sources=sources, sparql_endpoint=sparql_endpoint,
                                 validate=not no_validate, reason=not no_reason)
    except ValidationFailed as exc:
        click.echo(exc.report.render("text"), err=True, nl=False)
        say(str(exc))
        sys.exit(EXIT_FINDINGS)
    click.echo(escape(f"release {manifest['version']} written to {out}: {len(manifest['files'])} files, "
                      f"{manifest['triples']['full']} triples (base {manifest['triples']['base']})"))


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write the site into.")
@click.option("--version", "version", default=None, help="Version to stamp (default: the package version).")
@click.option("--sources", type=click.Path(path_type=Path), default=None, help="Folder of curated sources.")
def site(out: Path, version: str | None, sources: Path | None) -> None:
    """Write the static site: the classification as a tree, a page per class, the query catalogue."""
    from iimgraph.web.site import write_site

    written = write_site(out, sources=sources, version=version)
    pages = sum(1 for name in written if name.startswith("term/") and name.endswith(".html"))
    click.echo(escape(f"site written to {out}: {len(written)} files, {pages} class pages (open {out / 'index.html'})"))


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




def _query_options(verb: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click options of a query verb, made from :data:`iimgraph.cli.options.QUERY_OPTIONS`."""
    types: dict[str, Any] = {"seconds": Number(SECONDS), "megabytes": Number(MEGABYTES),
                             "file": click.Path(dir_okay=False, path_type=Path),
                             "folder": click.Path(file_okay=False, path_type=Path)}

    def apply(func: Callable[..., Any]) -> Callable[..., Any]:
        for o in reversed(options_of(verb)):  # the first option applied is listed last
            kwargs: dict[str, Any] = {"help": o.help, "metavar": o.metavar, "envvar": o.envvar, "multiple": o.multiple}
            if o.kind == "flag":
                kwargs["is_flag"] = True
            else:
                kwargs["type"] = click.Choice(o.choices) if o.kind == "choice" else types.get(o.kind)
                kwargs["default"] = o.default
                kwargs["show_default"] = o.default not in (None, ())
            func = click.option(*o.names, o.dest, **kwargs)(func)
        return func
    return apply


def _query_help(name: str) -> str:
    """One packaged query explained: title, description, typed parameters, columns, examples."""
    import shutil
    import textwrap

    from iimgraph.query.catalogue import get_query

    q = get_query(name)
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)

    def wrap(text: str, indent: str) -> str:  # at spaces only: no identifier is ever split
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)

    lines = [f"{q.name}: {q.title}"]
    if q.description:
        lines += ["", wrap(q.description, "  ")]
    lines += ["", "parameters (-p NAME=VALUE):" if q.params else "parameters: none"]
    for p in q.params:
        lines.append(wrap(f"{p.signature()}: {p.description or 'no description'}", "  "))
    lines += ["", "columns: " + (", ".join(q.columns) or "(any)")]
    if q.examples:
        lines += ["", "example" + ("s" if len(q.examples) > 1 else "") + ":"] + [f"  {e}" for e in q.examples]
    return "\n".join(lines) + "\n"


@cli.command("queries")
@click.argument("name", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json: the catalogue (or one query) for tools: parameters with types, defaults and columns.")
def queries_cmd(name: str | None, fmt: str) -> None:
    """List the packaged queries, or explain the one called NAME (parameters, columns, example)."""
    from iimgraph.query.catalogue import catalogue

    if fmt == "json":
        import json

        from iimgraph.query.catalogue import get_query

        doc = get_query(name).describe() if name is not None else [q.describe() for q in catalogue().values()]
        click.echo(json.dumps(doc, indent=1, ensure_ascii=False))
        return
    if name is not None:
        click.echo(_query_help(name), nl=False)
        return
    header = ["name", "parameters", "columns", "title"]
    rows = [[n, ", ".join(p.signature() for p in q.params) or "-", ", ".join(q.columns), q.title]
            for n, q in catalogue().items()]
    if not sys.stdout.isatty():
        sys.stdout.write("".join("\t".join(r) + "\n" for r in [header, *rows]))
        return
    rich_table(header, [[r[0], r[1].replace("), ", ")\n"), r[2], r[3]] for r in rows])
    click.echo("iimgraph queries NAME explains one query.", err=True)


class QueryCommand(click.Command):
    """``iimgraph query NAME --help`` explains the packaged query NAME (``iimgraph queries NAME``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if any(a in ("-h", "--help") for a in args):
            from iimgraph.query.catalogue import catalogue

            names = [a for a in args if not a.startswith("-")]
            if names and names[0] in catalogue():
                click.echo(_query_help(names[0]), nl=False)
                click.echo("\noptions: see iimgraph query --help")
                ctx.exit(0)
        return super().parse_args(ctx, args)


@cli.command("query", cls=QueryCommand)
@click.argument("name")
@_query_options("query")
def query_cmd(name: str, **opts: Any) -> None:
    """Run a packaged query by NAME (see `iimgraph queries`; `iimgraph query NAME --help` explains one)."""
    run_query_verb(name, opts)


def _language_tag(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[a-z]{2,3}", value.strip().lower()):
        raise click.BadParameter(f"{value!r} is not a language tag (es, fr, ja, zh, pt, de, it, nl)")
    return None if value is None else value.strip().lower()


@cli.command("describe")
@click.argument("disease")
@click.option("--lang", default=None, callback=_language_tag, metavar="TAG",
              help="Also each item's HPO label in this language (official, or marked as a machine-made candidate).")
@_query_options("sources")
def describe_cmd(disease: str, lang: str | None, **opts: Any) -> None:
    """Everything the graph holds about one DISEASE class (a CURIE): the `disease` query."""
    params = [f"disease={disease}"] + ([f"lang={lang}"] if lang else [])
    run_query_verb("disease", {**opts, "params": params, "all_columns": False},
                   hidden=() if lang else ("translation",))


@cli.command("sources")
@_query_options("sources")
def sources_cmd(**opts: Any) -> None:
    """List the sources the graph cites (node, identifier, title, publisher, statements citing it);
    any of node, name or identifier names one for `iimgraph query by-source -p source=...`."""
    from iimgraph.query.run import execute

    emit(execute("sources", {}, source=query_source(opts), engine=opts["engine"], timeout=opts["timeout"],
                 allow_remote=opts["allow"]), opts["fmt"])


@cli.command("sparql")
@click.argument("query")
@_query_options("sparql")
def sparql_cmd(query: str, **opts: Any) -> None:
    """Run an ad-hoc SPARQL QUERY: the text itself, a .rq file, or - for standard input."""
    run_sparql_verb(query, opts)


@cli.command("rank")
@click.argument("observed", nargs=-1, metavar="HP:... [HP:...]")
@click.option("--absent", multiple=True, metavar="HP:...", help="A finding looked for and not found (repeatable).")
@click.option("--onset", multiple=True, metavar="HP:...", help="The age of onset as an HPO onset term (repeatable).")
@click.option("--age", type=Number(AGE_YEARS), default=None, metavar="YEARS",
              help="Age in years at the first symptom (instead of --onset).")
@click.option("--top", type=Number(ROWS), default=None, help="Show only the N best candidates.")
@click.option("--prior", multiple=True, metavar="MONDO:...=P",
              help="Pre-test probability of a subtype (repeatable; default uniform over the candidates).")
@click.option("--include-text-mined", is_flag=True, help="Also use text-mined (ITM, 2015) annotations.")
@click.option("--iim-only", is_flag=True, help="Rank the IIM classes only, not the look-alike diseases.")
@click.option("--suggest", "suggest_n", type=Number(ROWS), default=None, metavar="N",
              help="Also list the N findings or tests whose result would most change the top of the ranking.")
@click.option("--list-candidates", is_flag=True,
              help="List the candidates and what each rests on, and the IIM classes not scored with why; no findings needed.")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv", "json"]), default="table", show_default=True)
@_sources_option("Rank with the profiles of the graph built from this sources folder (a working copy), not the release.")
def rank_cmd(observed: tuple[str, ...], absent: tuple[str, ...], onset: tuple[str, ...], age: float | None,
             top: int | None, prior: tuple[str, ...], include_text_mined: bool, iim_only: bool, suggest_n: int | None,
             list_candidates: bool, fmt: str, sources: Path | None) -> None:
    """Rank the IIM subtypes for a patient's findings (HPO CURIEs, IRIs, labels or synonyms), with a
    likelihood ratio per finding and the annotation and source it rests on. Research use; not for diagnosis."""
    import gc

    from iimgraph.errors import TermError

    # One ranking, then exit: the ~150,000 objects of the knowledge live until then, and the cyclic
    # collector's passes over them free nothing (~10 ms of a ~180 ms cold run). A rebuild of the
    # knowledge (a first run, an edited --sources folder) peaks higher for it: 190 MB against 135 MB.
    gc.disable()
    from iimgraph.rank import knowledge, rank
    from iimgraph.rank.explain import candidates_text, render

    if list_candidates:
        click.echo(candidates_text(knowledge(include_text_mined, graph_source(sources=sources), not iim_only), fmt),
                   nl=False)
        return

    priors: dict[str, float] = {}
    for item in prior:
        key, sep, value = item.partition("=")
        try:
            priors[key.strip()] = float(value)
        except ValueError:
            raise TermError(f"--prior {item!r} is not MONDO:...=P") from None
        if not sep:
            raise TermError(f"--prior {item!r} is not MONDO:...=P")
    result = rank(observed, absent=absent, onset=onset, age=age, top=None if top is None else int(top),
                  prior=priors or None, include_text_mined=include_text_mined, lookalikes=not iim_only,
                  suggestions=int(suggest_n or 0), source=graph_source(sources=sources))
    for note in result.notes:
        say(f"note: {note}")
    click.echo(render(result, fmt, shutil.get_terminal_size((100, 24)).columns), nl=False)


@cli.command("publish")
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol URL of the store (e.g. http://127.0.0.1:7878/store).")
@click.option("--graph", default=None, metavar="IRI", help="Named graph to replace (default: the default graph).")
@click.option("--query-endpoint", default=None, metavar="URL",
              help="SPARQL query URL for the count check (default: the store URL with /store -> /query).")
@click.option("--update-endpoint", default=None, metavar="URL",
              help="SPARQL update URL for the replacement (default: the store URL with /store -> /update).")
@click.option("--timeout", type=Number(SECONDS), default=120.0, show_default=True,
              help="Seconds per HTTP request, from connecting to the last byte of the answer "
                   "(transient failures are retried with backoff).")
@click.option("--same-origin-redirects", "same_origin", is_flag=True,
              help="Follow redirects that stay on the same scheme, host and port (default: any redirect is an error).")
def publish_cmd(endpoint: str, graph: str | None, query_endpoint: str | None, update_endpoint: str | None,
                timeout: float, same_origin: bool) -> None:
    """Replace a graph in a SPARQL 1.1 store with the release: upload to a staging graph, check its count,
    replace the target in one update, check again. After a failure, Ctrl-C or SIGTERM it finds out what the
    target holds, restores it from staging if it ended empty or mixed, drops staging, and says which release
    the store holds (exit 2; 130 after Ctrl-C, 143 after SIGTERM)."""
    import signal

    received: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        received.append(signum)
        for name in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut the cleanup short
            signal.signal(name, signal.SIG_IGN)
        raise KeyboardInterrupt

    from iimgraph.release.publish import publish  # not needed by the other verbs' cold start

    before = {name: signal.signal(name, stop) for name in (signal.SIGINT, signal.SIGTERM)}
    try:
        report = publish(endpoint, graph=graph, query_url=query_endpoint, update_url=update_endpoint,
                         timeout=timeout, same_origin_redirects=same_origin)
    except PublishError as exc:
        if not exc.interrupted:
            raise
        say(f"error: {' '.join(str(exc).split())}")
        sys.exit(128 + (received[0] if received else signal.SIGINT))
    finally:
        for name, handler in before.items():
            signal.signal(name, handler)
    click.echo(escape(str(report)))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=Number(PORT), default=7878, show_default=True,
              help="TCP port (0: any free port).")
@click.option("--timeout", type=Number(SECONDS), default=30.0, show_default=True,
              help="Seconds allowed per query; its worker process is then killed (HTTP 503).")
@click.option("--max-rows", type=Number(ROWS), default=10_000, show_default=True,
              help="Rows returned at most per query.")
@click.option("--workers", type=Number(PROCESSES), default=32, show_default=True,
              help="Queries under way at once, each in its own worker process (one a core runs until it "
                   "turns out long: 0.1 s of CPU or 0.5 s; the others wait their turn).")
@click.option("--allow-service", "allow", multiple=True, metavar="IRI", envvar="IIMGRAPH_ALLOW_SERVICE",
              help="Let SERVICE/FROM name this IRI (repeatable; an IRI ending in / admits everything under it). "
                   "Default: refused.")
@click.option("--answer-cache-mb", "cache_mb", type=Number(CACHE_MB), default=DEFAULT_ANSWER_CACHE_MB,
              show_default=True, envvar="IIMGRAPH_ANSWER_CACHE_MB",
              help="Answers kept in memory, in MB, for the same query on the same graph (ETag and 304 either way); "
                   "0 turns the cache off (env IIMGRAPH_ANSWER_CACHE_MB).")
@_sources_option("Serve the graph built from this sources folder (preview a working copy) instead of the release graph.")
def serve_cmd(host: str, port: int, timeout: float, max_rows: int, workers: int, allow: tuple[str, ...],
              cache_mb: float, sources: Path | None) -> None:
    """Serve the release graph as a read-only SPARQL 1.1 endpoint at /sparql, and the site with term pages at /."""
    from iimgraph.web.serve import serve  # the HTTP server: about 70 ms other verbs' cold start need not pay

    serve(host, port, timeout=timeout, max_rows=max_rows, workers=workers, allow_remote=allow,
          source=graph_source(sources=sources), cache_mb=cache_mb)


def main() -> None:
    cli(prog_name="iimgraph")


