"""Which files are sources: light (no rdflib), so the cache key and the query path can use it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from iimgraph.errors import SourceError

SOURCE_SUFFIXES = (".ttl", ".sssom.tsv")


def source_files(sources: Path | str | Iterable[Path | str]) -> list[Path]:
    """The source files of a folder (recursively) or of an explicit list, in a stable order."""
    if isinstance(sources, (str, Path)):
        sources = [sources]
    found: list[Path] = []
    for item in map(Path, sources):
        if item.is_dir():
            found.extend(p for p in item.rglob("*") if p.is_file() and p.name.endswith(SOURCE_SUFFIXES))
        elif item.is_file():
            if not item.name.endswith(SOURCE_SUFFIXES):
                raise SourceError(f"{item}: not a source file (expected .ttl or .sssom.tsv)")
            found.append(item)
        else:
            raise SourceError(f"{item}: no such file or folder")
    if not found:
        raise SourceError(f"{', '.join(map(str, sources))}: no .ttl or .sssom.tsv source files found")
    return sorted(set(found), key=lambda p: p.as_posix())
