"""iimgraph: a curated OWL/RDF knowledge graph of the idiopathic inflammatory myopathies.

Heavy modules (rdflib, pyshacl, owlready2) are imported lazily, so ``import iimgraph`` stays cheap.
"""

from __future__ import annotations

from iimgraph.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)

if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from rdflib import Graph

    from iimgraph.rank.model import RankResult

__all__ = ["__version__", "build_graph", "load_graph", "rank", "run_query", "run_sparql"]


def build_graph(sources: Any = None, *, version: str | None = None) -> Graph:
    """Build the release graph from a folder of sources (a curator's working copy); see :mod:`iimgraph.build.graph`."""
    from iimgraph.build.graph import build_graph as _build

    return _build(sources, version=version)


def load_graph() -> Graph:
    """The release graph built from the packaged sources, as an ``rdflib.Graph``."""
    from iimgraph.build.graph import load_graph as _load

    return _load()


def _source(source: Any, endpoint: str | None, sources: Any) -> Any:
    from iimgraph.build.graph_source import RELEASE, graph_source

    if source is not None:
        if endpoint or sources is not None:
            from iimgraph.errors import QueryError

            raise QueryError("give the graph as source=..., or as endpoint=/sources=, not both")
        return source
    return graph_source(sources=sources, endpoint=endpoint) if endpoint or sources is not None else RELEASE


def run_query(name: str, params: Any = None, *, engine: Any = "oxigraph", endpoint: str | None = None,
              sources: Any = None, source: Any = None, timeout: float | None = 60.0,
              allow_remote: Any = ()) -> list[dict[str, Any]]:
    """Rows of a packaged query (see ``iimgraph queries``) as dicts; see :mod:`iimgraph.query.run`.

    The graph is the release graph, or ``endpoint`` (a SPARQL 1.1 endpoint URL), or ``sources`` (the
    graph built from a folder of sources), or any ``source`` of :mod:`iimgraph.build.graph_source`.
    As the CLI's ``--timeout``: a local query (either engine) runs in a worker process killed after
    ``timeout`` seconds (default 60), so a call never hangs; ``timeout=None`` runs it in this process,
    with no limit. With ``endpoint``, ``timeout`` is per HTTP request.
    """
    from iimgraph.query.run import run_query as _run

    return _run(name, params, source=_source(source, endpoint, sources), engine=engine, timeout=timeout,
                allow_remote=allow_remote)


def run_sparql(text: str, *, engine: Any = "oxigraph", endpoint: str | None = None, sources: Any = None,
               source: Any = None, bindings: Any = None, timeout: float | None = 60.0,
               allow_remote: Any = ()) -> list[dict[str, Any]]:
    """Rows of an ad-hoc SPARQL query, in the same shape as :func:`run_query`.

    Ad-hoc text runs in a killable worker process with a 60 s limit by default (``timeout=None``:
    in-process, no limit). ``allow_remote``: IRIs that SERVICE/FROM may name (default none).
    """
    from iimgraph.query.run import run_sparql as _run

    return _run(text, source=_source(source, endpoint, sources), engine=engine, bindings=bindings, timeout=timeout,
                allow_remote=allow_remote)


def rank(observed: Any = (), *, absent: Any = (), onset: Any = (), age: float | None = None,
         top: int | None = None, prior: Any = None, include_text_mined: bool = False, lookalikes: bool = True,
         suggestions: int = 0, sources: Any = None) -> RankResult:
    """IIM subtypes and their look-alike diseases ranked for a patient's HPO findings (and age at
    onset), with per-finding likelihood ratios; see :mod:`iimgraph.rank` and ``docs/rank.md``;
    ``sources``: rank on the graph built from that folder. Research use; not for diagnosis."""
    from iimgraph.rank.model import rank as _rank

    return _rank(observed, absent, onset, age=age, top=top, prior=prior, include_text_mined=include_text_mined,
                 lookalikes=lookalikes, suggestions=suggestions, source=_source(None, None, sources))


#: :func:`rank` under a name that importing the :mod:`iimgraph.rank` subpackage does not rebind
rank_function = rank
