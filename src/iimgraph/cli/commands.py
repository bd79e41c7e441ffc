"""The click verbs of the ``iimgraph`` command: thin verbs over the library. Exit codes: 0 ok, 1 findings, 2 error.

No logic lives here beyond argument handling and printing; every verb calls one library function.
The plain ``query``/``sparql`` command lines are read without click by :mod:`iimgraph.cli`, which
runs the same functions (:func:`iimgraph.cli.run_query_verb`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iimgraph import __version__
from iimgraph.atomic import write_bytes_atomic
from iimgraph.cli import (
    ENGINE_CHOICES,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    guarded,
    run_query_verb,
    run_sparql_verb,
    terminal_width,
)
from iimgraph.formats import WRITABLE
from iimgraph.query.results import FORMATS as RESULT_FORMATS

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "cli", "main"]

FORMATS = [f.value for f in WRITABLE]


class Group(click.Group):
    """Turns library errors into one line on stderr and exit 2 (a traceback only with IIMGRAPH_DEBUG=1)."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def,unused-ignore]
        return guarded(lambda: super(Group, self).invoke(ctx))


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
    from iimgraph.release.export import serialize

    graph = build_graph(sources, version=version)
    _write(serialize(graph, fmt, stable=False), out)  # byte-stable output is `export`'s and `release`'s job
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
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds allowed for OWL reasoning.")
def validate(paths: tuple[Path, ...], fail_on: str, fmt: str, no_reason: bool, timeout: float) -> None:
    """Validate the packaged sources, or the given folders and files: shapes, QC rules, identifiers, OWL."""
    from iimgraph.validate.pipeline import validate as run

    report = run(list(paths) or None, reason=not no_reason, timeout=timeout)
    click.echo(report.render(fmt, fail_on.upper()), nl=False)
    sys.exit(report.exit_code(fail_on.upper()))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="ttl", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output file (default: standard output).")
@click.option("--product", type=click.Choice(["full", "base"]), default="full", show_default=True,
              help="full: with labels and parents of external terms; base: the project's own axioms and claims.")
@click.option("--version", "version", default=None, help="Version to stamp (default: the package version).")
def export(fmt: str, out: Path | None, product: str, version: str | None) -> None:
    """Export the release graph in one format (byte-stable; written atomically)."""
    from iimgraph.build.graph import build_graph
    from iimgraph.release.export import serialize
    from iimgraph.release.release import base_graph

    graph = build_graph(version=version)
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



def _query_options(func):  # type: ignore[no-untyped-def,unused-ignore]
    """Options shared by `query` and `sparql`."""
    func = click.option("--allow-service", "allow", multiple=True, metavar="IRI", envvar="IIMGRAPH_ALLOW_SERVICE",
                        help="Let SERVICE/FROM name this IRI (repeatable; an IRI ending in / admits "
                             "everything under it; env IIMGRAPH_ALLOW_SERVICE, space-separated). "
                             "Default: refused.")(func)
    func = click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
                        help="Seconds allowed: a local query runs in a worker process stopped at this "
                             "limit; with --endpoint, the limit per HTTP request.")(func)
    func = click.option("--store", "store", type=click.Path(file_okay=False, path_type=Path), default=None,
                        metavar="DIR", help="On-disk store to query (created if needed): the IIM graph "
                        "and every companion loaded into it.")(func)
    func = click.option("--with", "companions", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                        metavar="FILE", help="A companion RDF file (e.g. a whole MONDO or HPO release; "
                        ".nt/.ttl/.owl/.rdf/.jsonld, .gz too) loaded once into the store and queried "
                        "with the IIM graph (repeatable).")(func)
    func = click.option("--endpoint", default=None, metavar="URL",
                        help="Run on this SPARQL endpoint instead of the embedded graph.")(func)
    func = click.option("--engine", type=click.Choice(ENGINE_CHOICES), default="oxigraph",
                        show_default=True, help="Embedded engine (ignored with --endpoint).")(func)
    func = click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table",
                        show_default=True, help="json is SPARQL 1.1 Query Results JSON.")(func)
    return func


@cli.command("queries")
def queries_cmd() -> None:
    """List the packaged queries with their parameters."""
    from iimgraph.query.catalogue import catalogue
    from iimgraph.query.results import box_table

    rows = [[name, "\n".join(p.signature() for p in q.params) or "-", ", ".join(q.columns), q.title]
            for name, q in catalogue().items()]
    sys.stdout.write(box_table(["name", "parameters", "columns", "title"], rows, width=terminal_width()))
    sys.stdout.flush()


@cli.command("query")
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable).")
@_query_options
def query_cmd(name: str, params: tuple[str, ...], fmt: str, engine: str, endpoint: str | None,
              timeout: float, allow: tuple[str, ...], companions: tuple[Path, ...], store: Path | None) -> None:
    """Run a packaged query by NAME (see `iimgraph queries`)."""
    run_query_verb(name, params, fmt, engine, endpoint, timeout, allow, companions, store)


@cli.command("sparql")
@click.argument("query")
@_query_options
def sparql_cmd(query: str, fmt: str, engine: str, endpoint: str | None, timeout: float,
               allow: tuple[str, ...], companions: tuple[Path, ...], store: Path | None) -> None:
    """Run an ad-hoc SPARQL QUERY: the text itself, a .rq file, or - for standard input."""
    run_sparql_verb(query, fmt, engine, endpoint, timeout, allow, companions, store)


@cli.command("publish")
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol URL of the store (e.g. http://127.0.0.1:7878/store).")
@click.option("--graph", default=None, metavar="IRI", help="Named graph to replace (default: the default graph).")
@click.option("--query-endpoint", default=None, metavar="URL",
              help="SPARQL query URL for the count check (default: the store URL with /store -> /query).")
@click.option("--update-endpoint", default=None, metavar="URL",
              help="SPARQL update URL for the replacement (default: the store URL with /store -> /update).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True,
              help="Seconds per HTTP request (transient failures are retried with backoff).")
def publish_cmd(endpoint: str, graph: str | None, query_endpoint: str | None, update_endpoint: str | None,
                timeout: float) -> None:
    """Replace a graph in a SPARQL 1.1 store with the release, atomically: upload to a staging graph,
    check its count, replace the target in one update, check again. On failure the previous release stays."""
    from iimgraph.release.publish import publish

    click.echo(str(publish(endpoint, graph=graph, query_url=query_endpoint, update_url=update_endpoint,
                           timeout=timeout)))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=7878, show_default=True)
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


