"""The build stage: sources -> release graph (graph.py), its on-disk N-Triples cache (cache.py),
counts (stats.py), and the importers that turn reference tables into generated sources."""
