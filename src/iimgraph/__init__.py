"""iimgraph: a curated OWL/RDF knowledge graph of the idiopathic inflammatory myopathies.

Heavy modules (rdflib, pyshacl, owlready2) are imported lazily, so ``import iimgraph`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph

__all__ = ["__version__", "build_graph", "load_graph"]


def build_graph(sources: Any = None, *, version: str | None = None) -> "Graph":
    """Build the release graph from a folder of sources (a curator's working copy); see :mod:`iimgraph.build`."""
    from iimgraph.build import build_graph as _build

    return _build(sources, version=version)


def load_graph() -> "Graph":
    """The release graph built from the packaged sources, as an ``rdflib.Graph``."""
    from iimgraph.build import load_graph as _load

    return _load()
