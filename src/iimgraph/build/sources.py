"""Which files are sources: light (no rdflib), so the cache key and the query path can use it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from iimgraph.atomic import refuse_inputs
from iimgraph.errors import SourceError

SOURCE_SUFFIXES = (".ttl", ".sssom.tsv")


#: the file that holds the ontology header: a folder holding it is a sources folder
HEADER_FILE = "header.ttl"


def sources_root(path: Path) -> Path | None:
    """The sources folder ``path`` sits in (the nearest folder, itself included, that holds a header.ttl), or None."""
    path = Path(path).resolve()
    for folder in (path, *path.parents) if path.is_dir() else path.parents:
        if (folder / HEADER_FILE).is_file():
            return folder
    return None


def _inside(folder: Path, path: Path) -> Path:
    """``path``, found in ``folder``, if it resolves inside it: a symbolic link out of a sources folder (to a
    file the user never meant to publish or serve) is refused, not read."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve(strict=True))
    except ValueError:
        raise SourceError(f"{path}: a symbolic link out of the sources folder {folder}; refusing to read it "
                          "(copy the file in, or remove the link)") from None
    except (OSError, RuntimeError) as exc:  # a link loop, or a file gone meanwhile
        raise SourceError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    return path


def source_files(sources: Path | str | Iterable[Path | str]) -> list[Path]:
    """The source files of a folder (recursively) or of an explicit list, in a stable order. Every verb finds
    its sources here, so a file of a folder must resolve inside it (a file named on its own may be a link)."""
    if isinstance(sources, (str, Path)):
        sources = [sources]
    found: list[Path] = []
    for item in map(Path, sources):
        if item.is_dir():
            found.extend(_inside(item, p) for p in item.rglob("*") if p.name.endswith(SOURCE_SUFFIXES) and p.is_file())
        elif item.is_file():
            if not item.name.endswith(SOURCE_SUFFIXES):
                raise SourceError(f"{item}: not a source file (expected .ttl or .sssom.tsv)")
            found.append(item)
        else:
            raise SourceError(f"{item}: no such file or folder")
    if not found:
        raise SourceError(f"{', '.join(map(str, sources))}: no .ttl or .sssom.tsv source files found")
    return sorted(set(found), key=lambda p: p.as_posix())


def refuse_output(out: Path, sources: Path, *, folder: bool = False) -> None:
    """Refuse an output (a file, or a ``folder``) that is a source, holds one, or sits inside the sources
    folder (the next build would read it back as sources): every verb that writes asks here first."""
    sources = Path(sources)
    refuse_inputs(out, source_files(sources), folder=folder, input_folders=[sources] if sources.is_dir() else [])
