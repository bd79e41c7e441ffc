"""Read and write the SSSOM TSV that holds the project's mappings (YAML block with ``#`` lines, then a table).

The reader is strict because curators edit this file by hand: a missing mandatory column, an empty
mandatory cell or a prefix outside the project's prefix map is a ``SourceError`` naming the line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from iimgraph.atomic import write_text_atomic
from iimgraph.errors import SourceError
from iimgraph.io.rdf import read_text
from iimgraph.namespaces import CONVERTER, PREFIX_MAP, split_curie

MANDATORY = ("subject_id", "predicate_id", "object_id", "mapping_justification")
PREDICATES = ("oboInOwl:hasDbXref", "skos:exactMatch", "skos:closeMatch", "skos:broadMatch",
              "skos:narrowMatch", "skos:relatedMatch")


@dataclass
class MappingSet:
    metadata: dict[str, object]
    rows: list[dict[str, str]] = field(default_factory=list)
    #: line number in the file of each row (1-based), for messages; empty for sets built in memory
    lines: list[int] = field(default_factory=list)


def read_sssom(path: Path) -> MappingSet:
    """Parse an SSSOM TSV file; raise ``SourceError`` with ``file:line`` on any defect."""
    import yaml

    text = read_text(path)  # bounded, UTF-8, no NUL, lines of sane length; SourceError otherwise
    lines = text.splitlines()
    meta_lines = [ln[1:] for ln in lines if ln.startswith("#")]
    n_meta = 0
    while n_meta < len(lines) and lines[n_meta].startswith("#"):
        n_meta += 1
    try:
        metadata = _load_metadata("\n".join(meta_lines), path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise SourceError(f"{path}{where}: the SSSOM metadata block is not valid YAML") from None
    if not isinstance(metadata, dict):
        raise SourceError(f"{path}:1: the SSSOM metadata block must be a YAML mapping")
    table = lines[n_meta:]
    if not table or not table[0].strip():
        raise SourceError(f"{path}:{n_meta + 1}: no SSSOM table header after the metadata block")
    reader = csv.DictReader(io.StringIO("\n".join(table)), delimiter="\t")
    header = reader.fieldnames or []
    missing = [c for c in MANDATORY if c not in header]
    if missing:
        raise SourceError(f"{path}:{n_meta + 1}: SSSOM table lacks mandatory column(s) {', '.join(missing)}")
    curie_map = metadata.get("curie_map") or {}
    rows, numbers = [], []
    try:
        numbered = list(enumerate(reader))
    except csv.Error as exc:  # e.g. a cell beyond the csv module's field size limit
        raise SourceError(f"{path}:{n_meta + 1 + reader.line_num}: malformed SSSOM table ({exc})") from None
    for i, row in numbered:
        lineno = n_meta + 2 + i
        if None in row:
            raise SourceError(f"{path}:{lineno}: more cells than columns")
        for col in MANDATORY:
            if not (row.get(col) or "").strip():
                raise SourceError(f"{path}:{lineno}: empty {col}")
        for col in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
            value = row[col].strip()
            try:
                prefix, _ = split_curie(value)
            except ValueError:
                raise SourceError(f"{path}:{lineno}: {col} {value!r} is not a CURIE") from None
            if prefix not in PREFIX_MAP and prefix not in curie_map and CONVERTER.standardize_prefix(prefix) is None:
                raise SourceError(f"{path}:{lineno}: {col} {value!r} uses prefix {prefix!r}, "
                                  "which is neither in the curie_map nor in the project prefix map")
        if row["predicate_id"].strip() not in PREDICATES:
            raise SourceError(f"{path}:{lineno}: predicate_id {row['predicate_id']!r} is not one of {', '.join(PREDICATES)}")
        rows.append({k: (v or "").strip() for k, v in row.items()})
        numbers.append(lineno)
    return MappingSet(metadata=metadata, rows=rows, lines=numbers)


def _load_metadata(text: str, path: Path) -> object:
    """The YAML block, refusing anchors and aliases: nobody needs them in SSSOM metadata, and aliases
    nest without bound (a "billion laughs" for whoever walks the result)."""
    import yaml

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            raise SourceError(f"{path}:{line}: YAML anchors and aliases are not allowed in the SSSOM metadata block")
    return yaml.safe_load(text) or {}


def _used_prefixes(rows: list[dict[str, str]]) -> list[str]:
    used = {"oboInOwl", "skos", "semapv", "MONDO", "iimsrc", "obo"}
    for row in rows:
        for col in ("subject_id", "predicate_id", "object_id", "mapping_justification", "mapping_source"):
            if row.get(col):
                used.add(split_curie(row[col])[0])
    return sorted(used, key=str.lower)


def render_sssom(mapping_set: MappingSet, columns: list[str] | None = None) -> str:
    """The SSSOM TSV text: metadata in a fixed key order, curie_map sorted, rows as given."""
    import yaml

    rows = mapping_set.rows
    columns = columns or list(dict.fromkeys(k for row in rows for k in row)) or list(MANDATORY)
    meta = {k: v for k, v in mapping_set.metadata.items() if k != "curie_map"}
    used = set(_used_prefixes(rows))
    for key in ("creator_id", "author_id", "reviewer_id"):  # entity references of the set itself
        value = meta.get(key)
        for ref in value if isinstance(value, list) else [value] if isinstance(value, str) else []:
            used.add(split_curie(str(ref))[0])
    meta["curie_map"] = {p: PREFIX_MAP[p] for p in sorted(used, key=str.lower) if p in PREFIX_MAP}
    block = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    out = io.StringIO()
    for line in block.splitlines():
        out.write("#" + line + "\n")
    writer = csv.DictWriter(out, fieldnames=columns, delimiter="\t", lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()


def write_sssom(mapping_set: MappingSet, path: Path) -> None:
    write_text_atomic(path, render_sssom(mapping_set))
