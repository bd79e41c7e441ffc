"""The packaged reference snapshot (``reference/*.tsv``): labels of MONDO and HP terms and the known identifiers.

The identifier check and the label check read the snapshot the package ships, so validation works
offline and from an installed wheel. Each table is read once per process (``lru_cache``).

Identifiers are compared as *keys*: the project's prefix (``ORPHA``/``ORDO`` -> ``Orphanet``,
``MIM`` -> ``OMIM``, ``MESH`` -> ``mesh``, via the one converter) and, for purely numeric local
parts, the number without leading zeros (MONDO writes ``GARD:0007425``, a seed page ``GARD 7425``).
ICD-10 and ICD-10-CM codes share one key space, as do the two ICD-11 spellings of an MMS code.

Reading the tables is most of a second's tenth; what they give is kept as JSON in the user cache,
under the SHA-256 of every table's name and bytes and of the code that reads them (this module and
the prefix map), so an edited table or a changed rule of reading is read afresh, never answered
from the cache.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from iimgraph.errors import IIMGraphError
from iimgraph.namespaces import CONVERTER
from iimgraph.resources import reference_dir

#: prefixes whose codes are compared in one space (ICD-10-CM reuses ICD-10's codes for these chapters)
_SAME_SPACE = {"ICD10CM": "ICD10"}
#: a CURIE inside a reference cell; the prefix is anything CURIE-shaped and is standardised afterwards
_CELL_CURIE = re.compile(r"(?<![\w/#.:-])([A-Za-z][A-Za-z0-9_.\-]*):([A-Za-z0-9][A-Za-z0-9_.\-]*)")
_PUBMED_URL = re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d+)")
_ICD11_CELL = re.compile(r"^\s*([0-9A-Z]{2,}[0-9A-Z.]*)\s*\(foundation URI id (\d+|N/A)\)")
SEED_FILE = "seed_identifiers.tsv"


def id_key(curie: str) -> tuple[str, str] | None:
    """Comparison key of a CURIE, or None when its prefix is not in the project's prefix map.

    >>> id_key("ORPHA:0732") == id_key("Orphanet:732")
    True
    """
    curie = curie.strip()
    if ":" not in curie:
        return None
    prefix, local = curie.split(":", 1)
    std = CONVERTER.standardize_prefix(prefix)
    if std is None or not local:
        return None
    std = _SAME_SPACE.get(std, std)
    local = local.strip()
    if local.isdigit():
        local = str(int(local))
    return std, local.upper() if std in ("ICD10", "icd11.mms", "MESH", "UMLS") else local


@dataclass(frozen=True)
class Reference:
    """What the snapshot knows: identifier keys, and the current label of each MONDO/HP term (by CURIE)."""

    known: frozenset[tuple[str, str]]
    labels: dict[str, str]
    #: CURIE -> the seed file that vouches for it (identifiers that no reference table holds)
    seeds: dict[str, str]

    def knows(self, curie: str) -> bool:
        key = id_key(curie)
        return key is not None and key in self.known


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _keys_in_cell(column: str, cell: str) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    if column == "icd10_codes":  # bare ICD-10 codes in the Orphanet nomenclature
        keys |= {("ICD10", c.strip().upper()) for c in cell.split("|") if c.strip()}
        return keys
    if column == "icd11_mms_codes_and_uris":  # "4A41.1 (foundation URI id 1157134196)"
        for part in cell.split("|"):
            m = _ICD11_CELL.match(part)
            if m:
                keys.add(("icd11.mms", m.group(1).upper()))
                if m.group(2).isdigit():
                    keys.add(("icd11.foundation", m.group(2)))
        return keys
    for m in _CELL_CURIE.finditer(cell):
        key = id_key(f"{m.group(1)}:{m.group(2)}")
        if key is not None:
            keys.add(key)
    keys |= {("PMID", str(int(n))) for n in _PUBMED_URL.findall(cell)}
    return keys


@lru_cache(maxsize=4)
def load_reference(folder: str | None = None) -> Reference:
    """Read every ``*.tsv`` of the snapshot once (per folder) into a :class:`Reference`, through the disk cache."""
    from iimgraph import namespaces
    from iimgraph.build.cache import cache_dir

    root = Path(reference_dir() if folder is None else folder)
    paths = sorted(root.glob("*.tsv"))
    digest = hashlib.sha256()
    for code in (__file__, namespaces.__file__):
        digest.update(Path(code).read_bytes())
    for path in paths:
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    cached = cache_dir() / f"reference-{digest.hexdigest()}.json"
    try:
        doc = json.loads(cached.read_text(encoding="utf-8"))
        return Reference(known=frozenset((a, b) for a, b in doc["known"]), labels=doc["labels"], seeds=doc["seeds"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    reference = _read_reference(paths)
    doc = {"known": sorted(reference.known), "labels": reference.labels, "seeds": reference.seeds}
    try:
        from iimgraph.atomic import write_text_atomic

        cached.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(cached, json.dumps(doc, ensure_ascii=False))
    except (OSError, IIMGraphError):  # a read-only or missing cache: read the tables each time
        pass
    return reference


def _read_reference(paths: list[Path]) -> Reference:
    known: set[tuple[str, str]] = set()
    labels: dict[str, str] = {}
    seeds: dict[str, str] = {}
    for path in paths:
        rows = _read(path)
        if path.name == SEED_FILE:
            for row in rows:
                key = id_key(row["identifier"])
                if key is not None:
                    known.add(key)
                    seeds[row["identifier"]] = row["seed_file"]
            continue
        for row in rows:
            for column, cell in row.items():
                if cell and column:
                    known |= _keys_in_cell(column, cell)
        for row in rows:
            if path.name == "mondo_iim_classes.tsv":
                labels.setdefault(row["mondo_id"], row["label"])
            elif path.name == "hpo_terms.tsv" and row.get("label_current"):
                labels.setdefault(row["hpo_id"], row["label_current"])
            elif path.name in ("hpo_frequency_onset_terms.tsv", "hpo_myositis_autoantibody_terms.tsv"):
                label = row.get("label_current") or row.get("label")
                if label:
                    labels.setdefault(row["hpo_id"], label)
    return Reference(known=frozenset(known), labels=labels, seeds=seeds)
