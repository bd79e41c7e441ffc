"""The click verbs of the ``iimgraph`` command: thin verbs over the library. Exit codes: 0 ok, 1 findings, 2 error.

No logic lives here beyond argument handling and printing; every verb calls one library function.
The plain ``query``/``sparql`` command lines are read without click by :mod:`iimgraph.cli`, which
runs the same functions (:func:`iimgraph.cli.run_query_verb`), and the output helpers live there.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from iimgraph import __version__
from iimgraph.atomic import check_target, refuse_inputs, write_bytes_atomic
from iimgraph.cli import (
    ENGINE_CHOICES,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    HOUSEKEEPING,
    emit,
    fail,
    guarded,
    progress_bar,
    rich_table,
    run_query_verb,
    run_sparql_verb,
    say,
)
from iimgraph.formats import WRITABLE
from iimgraph.query.catalogue import Where, catalogue, execute
from iimgraph.query.http import DEFAULT_MAX_ANSWER_MB
from iimgraph.query.results import FORMATS as RESULT_FORMATS
from iimgraph.release.publish import publish
from iimgraph.web.serve import serve

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "cli", "main"]

FORMATS = [f.value for f in WRITABLE]


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
        write_bytes_atomic(out, data)


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
    from iimgraph.build.graph import build_graph
    from iimgraph.build.sources import source_files
    from iimgraph.release.export import serialize
    from iimgraph.resources import ontology_dir

    if out is not None:
        check_target(out)   # before the work: a FIFO or device is refused at once
        refuse_inputs(out, source_files(sources if sources is not None else ontology_dir()))
    graph = build_graph(sources, version=version)
    _write(serialize(graph, fmt, stable=False), out)  # byte-stable output is `export`'s and `release`'s job
    if out is not None:
        click.echo(f"wrote {out} ({len(graph)} triples, {fmt})", err=True)


@cli.command()
@click.option("--sources", type=click.Path(path_type=Path), default=None,
              help="Folder of curated sources (default: the packaged ontology/).")
@click.option("--coverage", is_flag=True, help="A completeness table per IIM subtype (phenotypes, antibodies, ...).")
def info(sources: Path | None, coverage: bool) -> None:
    """Version and counts of classes, mappings, sources and claims."""
    from iimgraph.build.graph import build_graph
    from iimgraph.build.stats import graph_stats

    graph = build_graph(sources)
    if coverage:
        from iimgraph.build.coverage import coverage_rows, render

        click.echo(render(coverage_rows(graph)), nl=False)
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
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True,
              help="Seconds allowed for the whole validation; it is then stopped (exit 2).")
@click.option("--reason-timeout", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True,
              help="Seconds allowed for OWL reasoning, within --timeout (past it, reasoning is reported as skipped).")
def validate(paths: tuple[Path, ...], fail_on: str, fmt: str, no_reason: bool, timeout: float,
             reason_timeout: float) -> None:
    """Validate the packaged sources, or the given folders and files: shapes, QC rules, identifiers, OWL."""
    import time

    from iimgraph.build.sources import SOURCE_SUFFIXES
    from iimgraph.errors import QueryTimeout, SourceError, ValidationTimeout
    from iimgraph.query import worker
    from iimgraph.resources import ontology_dir
    from iimgraph.validate.pipeline import validate as run

    for path in paths:  # a missing file: one line, before any work
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
    level = fail_on.upper()
    deadline = time.monotonic() + timeout

    def job() -> tuple[str, int]:
        report = run(list(paths) or None, reason=not no_reason, timeout=reason_timeout, deadline=deadline)
        return report.render(fmt, level), report.exit_code(level)

    try:  # in a forked worker, stopped at the deadline (rdflib and pyshacl cannot be interrupted)
        text, code = worker.call(job, timeout=timeout, memory_mb=None, what="validation", renice=False)
    except QueryTimeout:
        files = [f for p in (paths or (ontology_dir(),)) for f in (p.rglob("*") if p.is_dir() else (p,))
                 if f.is_file() and (f.name.endswith(SOURCE_SUFFIXES) or not p.is_dir())]
        size = sum(f.stat().st_size for f in files)
        what = "source files" if all(f.name.endswith(SOURCE_SUFFIXES) for f in files) else "files"
        raise ValidationTimeout(f"validation timed out after {timeout:g} s ({len(files)} {what}, "
                                f"{size / 1e6:.1f} MB); give it more time with --timeout") from None
    click.echo(text, nl=False)
    sys.exit(code)


@cli.command()
@click.option("--format", "fmt", type=click.Choice([*FORMATS, "kgx"]), default="ttl", show_default=True,
              help="An RDF format, or kgx: Biolink nodes and edges TSV (OUT_nodes.tsv, OUT_edges.tsv; needs --out).")
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

    if fmt == "kgx" and out is None:
        raise click.UsageError("--format kgx writes two files: give --out PREFIX (PREFIX_nodes.tsv, PREFIX_edges.tsv)")
    if out is not None:
        check_target(out)
        stem = out.name.removesuffix(".tsv").removesuffix("_nodes").removesuffix("_edges")
        outs = [out.with_name(f"{stem}_{part}.tsv") for part in ("nodes", "edges")] if fmt == "kgx" else [out]
        inputs = source_files(ontology_dir())
        for path in outs:
            refuse_inputs(path, inputs)
    graph = build_graph(version=version)
    graph = base_graph(graph) if product == "base" else graph
    if fmt == "kgx":
        from iimgraph.release.kgx import render_kgx

        assert out is not None
        stem = out.name.removesuffix(".tsv").removesuffix("_nodes").removesuffix("_edges")
        nodes, edges = render_kgx(graph)
        _write(nodes, out.with_name(f"{stem}_nodes.tsv"))
        _write(edges, out.with_name(f"{stem}_edges.tsv"))
        return
    _write(serialize(graph, fmt), out)


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
        click.echo(f"iimgraph: {exc}", err=True)
        sys.exit(EXIT_FINDINGS)
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



def _where(store: Path | None, companions: tuple[Path, ...], sources: Path | None, max_answer_mb: float,
           same_origin: bool) -> Where:
    """Where a query verb runs, from the options :func:`_query_options` adds."""
    return Where(store=store, companions=companions, sources=sources, progress=progress_bar, say=say,
                 max_answer_bytes=_bytes(max_answer_mb), same_origin_redirects=same_origin)


def _bytes(megabytes: float) -> int:
    return int(megabytes * 1024 * 1024)


def _query_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by `query` and `sparql`."""
    func = click.option("--sources", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
                        help="Query the graph built from this sources folder (a working copy) instead of the "
                             "packaged release graph (cached by a hash of the folder).")(func)
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
                        default=DEFAULT_MAX_ANSWER_MB, show_default=True, envvar="IIMGRAPH_MAX_ANSWER_MB",
                        help="With --endpoint: the largest answer accepted, in MB (env IIMGRAPH_MAX_ANSWER_MB).")(func)
    func = click.option("--endpoint", default=None, metavar="URL",
                        help="Run on this SPARQL endpoint instead of the embedded graph.")(func)
    func = click.option("--engine", type=click.Choice(ENGINE_CHOICES), default="oxigraph",
                        show_default=True, help="Embedded engine (ignored with --endpoint).")(func)
    func = click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table",
                        show_default=True, help="json is SPARQL 1.1 Query Results JSON; ttl, nt and jsonld "
                        "are for CONSTRUCT and DESCRIBE (RDF).")(func)
    return func


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
    if fmt == "json":
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
            names = [a for a in args if not a.startswith("-")]
            if names and names[0] in catalogue():
                click.echo(_query_help(names[0]), nl=False)
                click.echo("\noptions: see iimgraph query --help")
                ctx.exit(0)
        return super().parse_args(ctx, args)


@cli.command("query", cls=QueryCommand)
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable).")
@click.option("--all-columns", is_flag=True,
              help=f"Also the housekeeping columns ({', '.join(HOUSEKEEPING)}: the IRIs of claim nodes).")
@_query_options
def query_cmd(name: str, params: tuple[str, ...], all_columns: bool, fmt: str, engine: str, endpoint: str | None,
              timeout: float, allow: tuple[str, ...], companions: tuple[Path, ...], store: Path | None,
              sources: Path | None, max_answer_mb: float, same_origin: bool) -> None:
    """Run a packaged query by NAME (see `iimgraph queries`; `iimgraph query NAME --help` explains one)."""
    run_query_verb(name, params, all_columns, fmt, engine, endpoint, timeout, allow, companions, store,
                   sources=sources, max_answer_bytes=_bytes(max_answer_mb), same_origin=same_origin)


@cli.command("describe")
@click.argument("disease")
@_query_options
def describe_cmd(disease: str, fmt: str, engine: str, endpoint: str | None, timeout: float, allow: tuple[str, ...],
                 companions: tuple[Path, ...], store: Path | None, sources: Path | None, max_answer_mb: float,
                 same_origin: bool) -> None:
    """Everything the graph holds about one DISEASE class (a CURIE): the `disease` query."""
    run_query_verb("disease", [f"disease={disease}"], False, fmt, engine, endpoint, timeout, allow, companions, store,
                   sources=sources, max_answer_bytes=_bytes(max_answer_mb), same_origin=same_origin)


@cli.command("sources")
@_query_options
def sources_cmd(fmt: str, engine: str, endpoint: str | None, timeout: float, allow: tuple[str, ...],
                companions: tuple[Path, ...], store: Path | None, sources: Path | None, max_answer_mb: float,
                same_origin: bool) -> None:
    """List the sources the graph cites (node, identifier, title, publisher, statements citing it);
    any of node, name or identifier names one for `iimgraph query by-source -p source=...`."""
    where = _where(store, companions, sources, max_answer_mb, same_origin)
    emit(execute("sources", {}, engine=engine, endpoint=endpoint, timeout=timeout, allow_remote=allow,
                 where=where), fmt)


@cli.command("sparql")
@click.argument("query")
@_query_options
def sparql_cmd(query: str, fmt: str, engine: str, endpoint: str | None, timeout: float,
               allow: tuple[str, ...], companions: tuple[Path, ...], store: Path | None,
               sources: Path | None, max_answer_mb: float, same_origin: bool) -> None:
    """Run an ad-hoc SPARQL QUERY: the text itself, a .rq file, or - for standard input."""
    run_sparql_verb(query, fmt, engine, endpoint, timeout, allow, companions, store,
                    sources=sources, max_answer_bytes=_bytes(max_answer_mb), same_origin=same_origin)


@cli.command("rank")
@click.argument("observed", nargs=-1, metavar="HP:... [HP:...]")
@click.option("--absent", multiple=True, metavar="HP:...", help="A finding looked for and not found (repeatable).")
@click.option("--onset", multiple=True, metavar="HP:...", help="The age of onset as an HPO onset term (repeatable).")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only the N best subtypes.")
@click.option("--prior", multiple=True, metavar="MONDO:...=P",
              help="Pre-test probability of a subtype (repeatable; default uniform over the candidates).")
@click.option("--include-text-mined", is_flag=True, help="Also use text-mined (ITM, 2015) annotations.")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv", "json"]), default="table", show_default=True)
def rank_cmd(observed: tuple[str, ...], absent: tuple[str, ...], onset: tuple[str, ...], top: int | None,
             prior: tuple[str, ...], include_text_mined: bool, fmt: str) -> None:
    """Rank the IIM subtypes for a patient's findings (HPO CURIEs, IRIs, labels or synonyms), with a
    likelihood ratio per finding and the annotation and source it rests on. Research use; not for diagnosis."""
    from iimgraph.errors import TermError
    from iimgraph.rank import rank
    from iimgraph.rank.explain import render

    priors: dict[str, float] = {}
    for item in prior:
        key, sep, value = item.partition("=")
        try:
            priors[key.strip()] = float(value)
        except ValueError:
            raise TermError(f"--prior {item!r} is not MONDO:...=P") from None
        if not sep:
            raise TermError(f"--prior {item!r} is not MONDO:...=P")
    result = rank(observed, absent=absent, onset=onset, top=top, prior=priors or None,
                  include_text_mined=include_text_mined)
    for note in result.notes:
        click.echo(f"iimgraph: note: {note}", err=True)
    click.echo(render(result, fmt), nl=False)


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
@click.option("--sources", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Serve the graph built from this sources folder (preview a working copy) instead of the release graph.")
def serve_cmd(host: str, port: int, timeout: float, max_rows: int, workers: int, allow: tuple[str, ...],
              sources: Path | None) -> None:
    """Serve the release graph as a read-only SPARQL 1.1 endpoint at /sparql, and the site with term pages at /."""
    serve(host, port, timeout=timeout, max_rows=max_rows, workers=workers, allow_remote=allow, sources=sources)


def main() -> None:
    cli(prog_name="iimgraph")


