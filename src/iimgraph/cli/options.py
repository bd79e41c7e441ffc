"""The query verbs' options (``query``, ``sparql``, ``sources``), declared once as data.

Both command-line readers are made from this table: the click options of :mod:`iimgraph.cli.commands`
and the plain reader of :mod:`iimgraph.cli` that answers a cold ``query``/``sparql`` without
importing click. No click here, so the cold path stays light.
"""

from __future__ import annotations

from iimgraph.query.results import FORMATS as RESULT_FORMATS
from iimgraph.record import Value
from iimgraph.settings import DEFAULT_MAX_ANSWER_MB

ENGINE_CHOICES = ("oxigraph", "rdflib")
#: columns of packaged queries that name claim and association nodes: shown only with --all-columns
HOUSEKEEPING = ("association", "claim", "observation")
#: option kinds: text, choice, seconds, megabytes (numbers checked by iimgraph.settings), file (not a
#: folder), folder (not a file), flag
KINDS = ("text", "choice", "seconds", "megabytes", "file", "folder", "flag")


class Opt(Value):
    """One option: its spellings, the parameter name the verb receives, its kind and default."""

    __slots__ = ("choices", "default", "dest", "envvar", "help", "kind", "metavar", "multiple", "names", "verbs")
    names: tuple[str, ...]
    dest: str
    kind: str
    default: object
    multiple: bool
    choices: tuple[str, ...]
    envvar: str | None
    metavar: str | None
    help: str
    verbs: tuple[str, ...]

    def __init__(self, names: tuple[str, ...], dest: str, kind: str, help: str, *, default: object = None,
                 multiple: bool = False, choices: tuple[str, ...] = (), envvar: str | None = None,
                 metavar: str | None = None, verbs: tuple[str, ...] = ("query", "sparql", "sources")) -> None:
        assert kind in KINDS, kind
        self._set(names=names, dest=dest, kind=kind, default=() if multiple else default, multiple=multiple,
                  choices=choices, envvar=envvar, metavar=metavar, help=help, verbs=verbs)


#: in the order ``--help`` lists them
QUERY_OPTIONS = (
    Opt(("-p", "--param"), "params", "text", "A query parameter (repeatable).", multiple=True,
        metavar="KEY=VALUE", verbs=("query",)),
    Opt(("--all-columns",), "all_columns", "flag",
        f"Also the housekeeping columns ({', '.join(HOUSEKEEPING)}: the IRIs of claim nodes).", default=False,
        verbs=("query",)),
    Opt(("--format",), "fmt", "choice", "json is SPARQL 1.1 Query Results JSON; ttl, nt and jsonld are for "
        "CONSTRUCT and DESCRIBE (RDF).", default="table", choices=tuple(RESULT_FORMATS)),
    Opt(("--engine",), "engine", "choice", "Embedded engine (ignored with --endpoint).", default="oxigraph",
        choices=ENGINE_CHOICES),
    Opt(("--endpoint",), "endpoint", "text", "Run on this SPARQL endpoint instead of the embedded graph.",
        metavar="URL"),
    Opt(("--max-answer-mb",), "max_answer_mb", "megabytes",
        "With --endpoint: the largest answer accepted, in MB (env IIMGRAPH_MAX_ANSWER_MB).",
        default=DEFAULT_MAX_ANSWER_MB, envvar="IIMGRAPH_MAX_ANSWER_MB"),
    Opt(("--same-origin-redirects",), "same_origin", "flag", "With --endpoint: follow redirects that stay on the "
        "endpoint's scheme, host and port (default: any redirect is an error).", default=False),
    Opt(("--with",), "companions", "file", "A companion RDF file (e.g. a whole MONDO or HPO release; "
        ".nt/.ttl/.owl/.rdf/.jsonld, .gz too) loaded once into the store and queried with the IIM graph "
        "(repeatable).", multiple=True, metavar="FILE"),
    Opt(("--store",), "store", "folder", "On-disk store to query (created if needed): the IIM graph and every "
        "companion loaded into it.", metavar="DIR"),
    Opt(("--timeout",), "timeout", "seconds", "Seconds allowed: a local query is stopped at this limit; "
        "with --endpoint, the limit per HTTP request, from connecting to the last byte of the "
        "answer.", default=60.0),
    Opt(("--allow-service",), "allow", "text", "Let SERVICE/FROM name this IRI (repeatable; an IRI ending in / "
        "admits everything under it; env IIMGRAPH_ALLOW_SERVICE, space-separated). Default: refused.",
        multiple=True, envvar="IIMGRAPH_ALLOW_SERVICE", metavar="IRI"),
    Opt(("--sources",), "sources", "folder", "Query the graph built from this sources folder (a working copy) "
        "instead of the packaged release graph (cached by a hash of the folder).", metavar="DIR"),
)


def options_of(verb: str) -> tuple[Opt, ...]:
    return tuple(o for o in QUERY_OPTIONS if verb in o.verbs)
