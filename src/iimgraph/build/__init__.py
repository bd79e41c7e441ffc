"""Sources -> release graph (:mod:`iimgraph.build.graph`) and the importers that generate
``ontology/generated/`` from ``reference/`` (:mod:`iimgraph.build.importers`)."""

from iimgraph.build.graph import (  # noqa: F401
    SOURCE_SUFFIXES,
    add_mappings,
    build_graph,
    load_graph,
    parse_turtle,
    source_files,
    stamp_version,
    version_iri,
)
