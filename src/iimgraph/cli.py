"""The ``iimgraph`` command: thin verbs over the library. Exit codes: 0 ok, 1 findings, 2 error.

No logic lives here beyond argument handling and printing; every verb calls one library function.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from iimgraph import __version__
from iimgraph.errors import IIMGraphError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ["ttl", "nt", "nq", "rdfxml", "jsonld", "owl"]


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
    from iimgraph.build import build_graph
    from iimgraph.export import write

    graph = build_graph(sources, version=version)
    write(graph, fmt, out)
    if out is not None:
        click.echo(f"wrote {out} ({len(graph)} triples, {fmt})", err=True)


@cli.command()
@click.option("--sources", type=click.Path(path_type=Path), default=None,
              help="Folder of curated sources (default: the packaged ontology/).")
def info(sources: Path | None) -> None:
    """Version and counts of classes, mappings, sources and claims."""
    from iimgraph.build import build_graph
    from iimgraph.stats import graph_stats

    stats = graph_stats(build_graph(sources))
    click.echo(f"iimgraph {__version__}")
    for key, value in stats.items():
        click.echo(f"{key.replace('_', ' ')}: {value}")


def main() -> None:
    cli(prog_name="iimgraph")


if __name__ == "__main__":  # pragma: no cover
    main()
