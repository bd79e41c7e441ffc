"""The only code that finds packaged data, so that a wheel and a source checkout behave alike.

In a built wheel the data folders live in ``iimgraph/data/``; in a source checkout (editable
install or ``PYTHONPATH=src``) they are at the repository root.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from iimgraph.errors import DataError

DATA_FOLDERS = ("ontology", "shapes", "queries", "reference")


@lru_cache(maxsize=1)
def data_root() -> Path:
    """Folder that holds ``ontology/``, ``shapes/``, ``queries/`` and ``reference/``."""
    packaged = Path(__file__).resolve().parent / "data"  # importlib.resources.files, without its import cost
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir():
        return checkout
    raise DataError("iimgraph's packaged data is missing: reinstall the package")


def ontology_dir() -> Path:
    return data_root() / "ontology"


def shapes_dir() -> Path:
    return data_root() / "shapes"


def queries_dir() -> Path:
    return data_root() / "queries"


def reference_dir() -> Path:
    return data_root() / "reference"


def rank_data_dir() -> Path:
    """The ranking's own data (the HPO release table, onset ages, matching equivalences): package
    data beside the code, so always in the wheel."""
    return Path(__file__).resolve().parent / "rank" / "data"


def site_assets_dir() -> Path:
    """CSS and JavaScript of the generated site (package data beside the code, so always in the wheel)."""
    return Path(__file__).resolve().parent / "web" / "assets"
