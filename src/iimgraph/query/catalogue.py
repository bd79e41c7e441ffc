"""The packaged query catalogue (``queries/*.rq``): headers, typed parameters, columns.

Each ``.rq`` file opens with comment lines the package reads::

    # title: Subtypes of a disease
    # description: every descendant of the root ...
    #   (indented comment lines continue the previous field)
    # empty: what an empty answer usually means (shown to the user when there is no row)
    # param: root (curie, default MONDO:0600023): the disease whose subtypes are listed
    # param: disease (curie, optional): ...
    # param: phenotype (curie, required) as ?queried: ...   (bind a variable with another name)
    # example: iimgraph query subtypes -p root=MONDO:0016367

Binding parameter values is :mod:`iimgraph.query.binding`; running a query is :mod:`iimgraph.query.run`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from iimgraph.errors import QueryError
from iimgraph.query.guard import mask
from iimgraph.query.results import IRI, LIST_SEPARATOR, Literal, Result, TermList
from iimgraph.record import Value
from iimgraph.resources import queries_dir

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:  # the store module (and the RDF reader it uses) is imported only when a store is opened
    from typing import Any


PARAM_TYPES = ("curie", "string", "boolean", "integer", "source")
_HEADER_RE = re.compile(r"^#\s?(title|description|param|example|empty):\s*(.*)$")
_PARAM_RE = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*\((?P<type>\w+)"
    r"(?:\s*,\s*(?P<mode>required|optional|default\s+(?P<default>[^)]*)))?\)"
    r"(?:\s+as\s+\?(?P<var>[A-Za-z_]\w*))?\s*:\s*(?P<desc>.*)$")
_ABSOLUTE_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://|urn:)")
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*$")

class Param(Value):
    """One typed parameter of a packaged query (immutable; equal when every field is)."""

    __slots__ = ("default", "description", "name", "required", "type", "var")
    name: str
    type: str
    description: str
    default: str | None
    required: bool
    var: str

    def __init__(self, name: str, type: str, description: str = "", default: str | None = None,
                 required: bool = False, var: str = "") -> None:
        self._set(name=name, type=type, description=description, default=default, required=required, var=var)

    @property
    def variable(self) -> str:
        return self.var or self.name

    def signature(self) -> str:
        mode = "required" if self.required else f"default {self.default}" if self.default is not None else "optional"
        return f"{self.name} ({self.type}, {mode})"


class NamedQuery(Value):
    """One packaged query: its header and text (immutable)."""

    __slots__ = ("columns", "description", "empty", "examples", "lists", "name", "params", "path", "text", "title")
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    examples: tuple[str, ...]
    text: str
    path: Path | None
    columns: tuple[str, ...]
    lists: tuple[str, ...]  # columns aggregated with GROUP_CONCAT (see :func:`split_lists`)
    empty: str  # what an empty answer usually means (the header's ``# empty:`` line)

    def __init__(self, name: str, title: str, description: str, params: tuple[Param, ...], examples: tuple[str, ...],
                 text: str, path: Path | None = None, columns: tuple[str, ...] = (), lists: tuple[str, ...] = (),
                 empty: str = "") -> None:
        self._set(name=name, title=title, description=description, params=params, examples=examples, text=text,
                  path=path, columns=columns, lists=lists, empty=empty)

    def describe(self) -> dict[str, Any]:
        """What a tool needs to call the query: title, description, typed parameters, columns, examples."""
        return {"name": self.name, "title": self.title, "description": self.description,
                "parameters": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                                "description": p.description} for p in self.params],
                "columns": list(self.columns), "examples": list(self.examples)}

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise QueryError(f"query {self.name!r} has no parameter {name!r} (its parameters: {known})")


def parse_header(name: str, text: str, path: Path | None = None) -> NamedQuery:
    """Read the metadata header of one ``.rq`` file."""
    fields: dict[str, list[str]] = {"title": [], "description": [], "param": [], "example": [], "empty": []}
    last: str | None = None
    for _lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        m = _HEADER_RE.match(stripped)
        if m:
            last = m.group(1)
            fields[last].append(m.group(2).strip())
        elif last and re.match(r"^#\s{2,}\S", stripped):
            fields[last][-1] += " " + stripped.lstrip("#").strip()
        else:
            last = None
    where = f"{path or name}"
    if not fields["title"]:
        raise QueryError(f"{where}: the header has no '# title:' line")
    params = []
    for spec in fields["param"]:
        m = _PARAM_RE.match(spec)
        if not m:
            raise QueryError(f"{where}: cannot read parameter line {spec!r}")
        if m.group("type") not in PARAM_TYPES:
            raise QueryError(f"{where}: parameter {m.group('name')!r} has unknown type {m.group('type')!r}")
        mode = m.group("mode") or "optional"
        params.append(Param(name=m.group("name"), type=m.group("type"), description=m.group("desc").strip(),
                            default=m.group("default").strip() if m.group("default") is not None else None,
                            required=mode == "required", var=m.group("var") or ""))
    return NamedQuery(name=name, title=fields["title"][0], description=" ".join(fields["description"]),
                      params=tuple(params), examples=tuple(fields["example"]), text=text, path=path,
                      empty=" ".join(fields["empty"]),
                      columns=select_columns(text), lists=list_columns(text))


def select_columns(text: str) -> tuple[str, ...]:
    """The projected variables of a SELECT query, read from its text (empty for ``SELECT *``)."""
    m = re.search(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\b(?:WHERE|FROM)\b", mask(text), re.S | re.I)
    if not m:
        return ()
    clause = m.group(1)
    while True:  # innermost parentheses first: keep only the "AS ?var" of each projection expression
        reduced = re.sub(r"\(([^()]*)\)",
                         lambda g: (lambda a: f" ?{a.group(1)} " if a else " ")(
                             re.search(r"\bAS\s+\?(\w+)\s*$", g.group(1), re.I)), clause)
        if reduced == clause:
            break
        clause = reduced
    return tuple(re.findall(r"\?(\w+)", clause))


def list_columns(text: str) -> tuple[str, ...]:
    """The projected variables of ``(GROUP_CONCAT(...) AS ?var)``: the aggregated columns."""
    nested = r"(?:[^()]|\((?:[^()]|\([^()]*\))*\))*"  # up to two levels, e.g. COALESCE(STR(?x), "")
    return tuple(re.findall(r"\(\s*GROUP_CONCAT\s*\(" + nested + r"\)\s+AS\s+\?(\w+)\s*\)", mask(text), re.I))


def split_lists(result: Result, columns: Sequence[str]) -> Result:
    """Aggregated cells as :class:`TermList`: the values split at :data:`LIST_SEPARATOR`, IRIs typed
    back as IRIs, de-duplicated and sorted, so that every engine gives the same rows; an empty
    aggregate (nothing to concatenate) is unbound."""
    if not columns or result.is_ask:
        return result
    for row in result.rows:
        for column in columns:
            cell = row.get(column)
            if cell is None or isinstance(cell, TermList):
                continue
            parts = sorted({p for p in str(cell).split(LIST_SEPARATOR) if p})
            row[column] = TermList.of([IRI(p) if _ABSOLUTE_IRI.match(p) and IRI_RE.fullmatch(p) else Literal(p)
                                       for p in parts]) if parts else None
    return result


@lru_cache(maxsize=4)
def _catalogue(folder: str) -> dict[str, NamedQuery]:
    found = {}
    for path in sorted(Path(folder).glob("*.rq")):
        found[path.stem] = parse_header(path.stem, path.read_text(encoding="utf-8"), path)
    return found


def catalogue(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every packaged query by name (the file name without ``.rq``), in name order."""
    if folder is None:
        folder = queries_dir()
    return _catalogue(str(folder))


@lru_cache(maxsize=64)
def _one_query(folder: str, name: str) -> NamedQuery | None:
    path = Path(folder) / f"{name}.rq"
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        return None
    return parse_header(name, path.read_text(encoding="utf-8"), path)


def get_query(name: str) -> NamedQuery:
    found = _one_query(str(queries_dir()), name)  # one file read and parsed, not the whole catalogue
    if found is not None:
        return found
    queries = catalogue()
    if name not in queries:
        close = difflib.get_close_matches(name, list(queries), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see `iimgraph queries`)"
        raise QueryError(f"no query named {name!r}{hint}")
    return queries[name]
