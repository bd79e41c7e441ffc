"""The ranking's knowledge (profiles, HPO table, look-alikes) cached on disk between processes.

Building it reads the graph through the query engine, the packaged HPO table and the reference
extracts (about 0.8 s on a warm graph cache); a cold ``iimgraph rank`` paid that on every run. The
file is keyed by the graph's sources digest (the same key as the N-Triples cache, so an edit to a
source folder given with ``--sources`` is a new key), a hash of the ranking's code and data and of
the reference files it reads, the package and Python versions, and the two options that change the
profiles. It is written whole or not at all, next to the N-Triples cache, and read only from
there; anything unreadable is rebuilt. Only the release graph and a sources folder are cached:
a store or an endpoint can change under the same name. The file is plain values in ``marshal``
(:func:`pack`), read in about a third of the time a pickle of the objects took.
"""

from __future__ import annotations

import dataclasses
import marshal
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from iimgraph.build.cache import cache_dir, remembered_digest, sources_digest, write_cache_file
from iimgraph.build.graph_source import GraphSource, Release, Sources
from iimgraph.rank.profiles import Annotation, Knowledge, NotScorable, OnsetRecord, Profile
from iimgraph.resources import ontology_dir, rank_data_dir, reference_dir
from iimgraph.version import __version__

#: the reference extracts the knowledge reads (profiles.py): an edit to one is a new key
REFERENCE_FILES = ("hpo2025_lookalike_diseases.tsv", "hpo2025_lookalike_annotations.tsv", "maxo_diagnostic_iim.tsv")


def knowledge_key(source: GraphSource, include_text_mined: bool, lookalikes: bool) -> str | None:
    """The cache key of the knowledge of ``source``, or None when it is not cached (a store, an endpoint)."""
    if isinstance(source, Release):
        folder = ontology_dir()
    elif isinstance(source, Sources):
        folder = source.folder
    else:
        return None
    if not folder.is_dir():
        return None  # the build says what is wrong with the folder
    # two remembered digests side by side: no hashing (nor hashlib's import) on a cold run
    return f"{sources_digest(folder)}-{_inputs_digest()[:20]}-{int(include_text_mined)}{int(lookalikes)}"


def _inputs_digest() -> str:
    """A hash of the ranking's code, its data, the reference files it reads and the Python version,
    remembered under their sizes and modification times (hashing 2.7 MB took ~5 ms of each cold run)."""
    package = Path(__file__).resolve().parent
    paths = [p for p in sorted([*package.glob("*.py"), *rank_data_dir().iterdir()]) if p.is_file()]
    references = [reference_dir() / name for name in REFERENCE_FILES]
    stats = "".join(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n"
                    for p, st in ((p, p.stat()) for p in [*paths, *(r for r in references if r.is_file())]))

    def content() -> str:
        import hashlib

        digest = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
        for path in paths:
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        for path in references:
            digest.update(path.name.encode() + b"\0" + (hashlib.sha256(path.read_bytes()).digest()
                                                        if path.is_file() else b""))
        return digest.hexdigest()

    return remembered_digest(f"rank\0{__version__}\0{sys.version}\n{stats}", content)


def cache_path(key: str) -> Path:
    return cache_dir() / "rank" / f"knowledge-{key}.marshal"


#: the layout of the file below; another layout (an older file) is rebuilt
FORMAT = "iimgraph-rank-knowledge/2"


def load(key: str) -> Knowledge | None:
    """The cached knowledge for ``key``, or None (absent, unreadable, or not a knowledge)."""
    try:
        data = cache_path(key).read_bytes()
        if data[:1] == _PICKLED:
            import pickle

            kb = pickle.loads(data[1:])  # our own cache file, written by store() below
        else:
            kb = unpack(data)
    except Exception:  # a damaged or foreign cache file is rebuilt, never an error
        return None
    return kb if isinstance(kb, Knowledge) else None


_PICKLED = b"P"  # a knowledge with a value marshal cannot hold is pickled whole (slower to read)


def store(key: str, kb: Knowledge) -> None:
    """Write the knowledge as built (its per-query memos empty); an unwritable cache folder is not an error."""
    try:
        data = pack(kb)
    except ValueError:  # a value marshal cannot hold
        import pickle

        try:
            data = _PICKLED + pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # not picklable: simply not cached
            return
    write_cache_file(cache_path(key), data)


# The file is one ``marshal`` dump of plain values (a pickle of the objects took ~90 ms to read, most
# of a cold ``iimgraph rank``): each dataclass instance is a tuple of its fields' values, the field
# names stored once, so a field added to a class is carried without a change here; the ~13,600
# annotations are one table, the profiles (their indices of implied terms included) refer to them
# by number, as the onset records do.


#: fields of the knowledge decoded only when first read: the synonyms serve findings given as text
LAZY = ("synonyms", "other_synonyms")


def _fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _row(obj: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(obj.__dict__[n] for n in names)


def _state(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """An instance's fields as the dict its ``__dict__`` becomes again (marshal makes it directly)."""
    return {n: obj.__dict__[n] for n in names}


def pack(kb: Knowledge) -> bytes:
    """The knowledge as marshal bytes (ValueError when a value is not a plain one)."""
    ann_names, onset_names, prof_names = _fields(Annotation), _fields(OnsetRecord), _fields(Profile)
    anns: list[dict[str, Any]] = []
    onsets: list[dict[str, Any]] = []
    number: dict[int, int] = {}
    implied: dict[str, dict[str, tuple[int, bool, int]]] = {}  # term -> candidate -> its implied entry

    def ann(a: Any) -> int:
        n = number.get(id(a))
        if n is None:
            n = number[id(a)] = len(anns)
            anns.append(_state(a, ann_names))
        return n

    def onset(r: Any) -> int:
        onsets.append(_state(r, onset_names))
        return len(onsets) - 1

    profiles = []
    for prof in kb.profiles.values():
        prof.expected_features()  # computed once here, not by each cold process
        values = []
        for name in prof_names:
            value = prof.__dict__[name]
            if name == "annotations":
                value = [ann(a) for a in value]
            elif name in ("positive", "negated"):
                value = {t: ann(a) for t, a in value.items()}
            elif name == "onsets":
                value = [onset(r) for r in value]
            elif name == "implied_index" and value is not None:
                for t, (a, exact, n) in value.items():
                    implied.setdefault(t, {})[prof.disease] = (ann(a), exact, n)
                value = True
            values.append(value)
        profiles.append(tuple(values))
    kb_names = tuple(n for n in _fields(Knowledge) if n not in ("profiles", "not_scorable", "p_cache", *LAZY))
    kb_values = [getattr(kb, n) for n in kb_names]
    pool: dict[Any, Any] = {}
    if "match_index" in kb_names:
        index = kb_values[kb_names.index("match_index")]
        kb_values[kb_names.index("match_index")] = {
            k: {t: marshal.dumps(_shared(v, pool)) for t, v in table.items()} if isinstance(table, Mapping) else table
            for k, table in index.items()}
    return marshal.dumps(_shared({
        "lazy": {n: marshal.dumps(_shared(getattr(kb, n), pool)) for n in LAZY},
        "format": FORMAT, "annotation": anns, "onset": onsets,
        "implied": {t: marshal.dumps(_shared(by, pool)) for t, by in implied.items()},
        "profile": (prof_names, profiles), "not_scorable": (_fields(NotScorable), [_row(x, _fields(NotScorable))
                                                                                   for x in kb.not_scorable]),
        "knowledge": (kb_names, tuple(kb_values)),
    }, pool))


def _shared(value: Any, pool: dict[Any, Any]) -> Any:
    """``value`` with each string (and tuple of strings) one object wherever it recurs, so that marshal
    writes it once and the reader makes it once (an HPO id is a key of five tables)."""
    if isinstance(value, str):
        return pool.setdefault(value, value)
    if isinstance(value, dict):
        return {_shared(k, pool): _shared(v, pool) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_shared(v, pool) for v in value]
        if isinstance(value, tuple) and all(isinstance(v, str) for v in items):
            return pool.setdefault(("tuple", *items), tuple(items))
        return type(value)(items)
    if value is None or isinstance(value, (bool, int, float, bytes)):
        return value
    raise ValueError(f"marshal cannot hold a {type(value).__name__}")


def unpack(data: bytes) -> Knowledge:
    """The knowledge :func:`pack` wrote (ValueError for another file)."""
    import gc

    collecting = gc.isenabled()
    gc.disable()  # ~100,000 objects, all kept: a collection pass in the middle only costs time (a third of it)
    try:
        return _unpack(data)
    finally:
        if collecting:
            gc.enable()


class _Loaded:
    """Mixed into the class of a knowledge read from the file: the fields in ``LAZY`` are decoded on
    first use (``__getattr__`` runs only for an attribute the instance does not hold yet)."""

    def __getattr__(self, name: str) -> Any:
        raw = self.__dict__.get("_lazy_fields", {}).pop(name, None)
        if raw is None:
            raise AttributeError(name)
        value = self.__dict__[name] = marshal.loads(raw)
        return value


class LoadedKnowledge(_Loaded, Knowledge):
    """A :class:`Knowledge` read from the cache file."""


class _LazyTable(Mapping[str, Any]):
    """A term-keyed table whose values stay marshal bytes until a query asks for their term (a query
    reads a few dozen of its thousands of terms)."""

    def __init__(self, raw: dict[str, bytes], make: Callable[[Any], Any]) -> None:
        self._raw = raw
        self._make = make
        self._done: dict[str, Any] = {}

    def __getitem__(self, term: str) -> Any:
        hit = self._done.get(term)
        if hit is None:
            hit = self._done[term] = self._make(marshal.loads(self._raw[term]))
        return hit

    def get(self, term: str, default: Any = None) -> Any:  # Mapping's own goes through a KeyError
        hit = self._done.get(term)
        if hit is not None:
            return hit
        return self[term] if term in self._raw else default

    def __contains__(self, term: object) -> bool:
        return term in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class _Entries:
    """One term's implied entries as stored (candidate -> annotation number, exact, n) -> as the model
    reads them (candidate -> annotation, exact, n); a class, not a closure, so a knowledge pickles."""

    def __init__(self, annotations: list[Any]) -> None:
        self.annotations = annotations

    def __call__(self, by: dict[str, tuple[int, bool, int]]) -> dict[str, tuple[Any, bool, int]]:
        return {d: (self.annotations[i], exact, n) for d, (i, exact, n) in by.items()}


class _Implied(Mapping[str, Any]):
    """One candidate's implied terms (``model._implied``), read from the table of all candidates' by term."""

    def __init__(self, table: _LazyTable, disease: str) -> None:
        self._table, self._disease = table, disease

    def __getitem__(self, term: str) -> Any:
        return self._table[term][self._disease]

    def get(self, term: str, default: Any = None) -> Any:
        by = self._table.get(term)
        return default if by is None else by.get(self._disease, default)

    def __contains__(self, term: object) -> bool:
        return term in self._table and self._disease in self._table[term]  # type: ignore[index]

    def __iter__(self) -> Iterator[str]:
        return (t for t in self._table if self._disease in self._table[t])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _unpack(data: bytes) -> Knowledge:
    blob = marshal.loads(data)
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ValueError("not a knowledge file of this layout")
    for cls, part in ((Profile, "profile"), (NotScorable, "not_scorable"), (Knowledge, "knowledge")):
        if not set(blob[part][0]) <= set(_fields(cls)):  # the key hashes the code: only a foreign file gets here
            raise ValueError(f"the {part} fields differ from the code's")
    new = object.__new__
    setattr_ = object.__setattr__  # the frozen classes' own __setattr__ refuses

    def build(cls: type, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[Any]:
        out = []
        for row in rows:
            obj: Any = new(cls)
            setattr_(obj, "__dict__", dict(zip(names, row, strict=True)))
            out.append(obj)
        return out

    def revive(cls: type, states: list[dict[str, Any]]) -> list[Any]:
        out = []
        for state in states:
            obj: Any = new(cls)
            setattr_(obj, "__dict__", state)
            out.append(obj)
        return out

    anns = revive(Annotation, blob["annotation"])
    onsets = revive(OnsetRecord, blob["onset"])
    implied = _LazyTable(blob["implied"], _Entries(anns))
    prof_names, prof_rows = blob["profile"]
    profiles: dict[str, Any] = {}
    for prof in build(Profile, prof_names, prof_rows):
        d = prof.__dict__
        d["annotations"] = [anns[i] for i in d["annotations"]]
        d["positive"] = {t: anns[i] for t, i in d["positive"].items()}
        d["negated"] = {t: anns[i] for t, i in d["negated"].items()}
        d["onsets"] = [onsets[i] for i in d["onsets"]]
        if d["implied_index"] is not None:
            d["implied_index"] = _Implied(implied, prof.disease)
        profiles[prof.disease] = prof
    kb_names, kb_values = blob["knowledge"]
    kb = new(LoadedKnowledge)
    kb.__dict__.update({f.name: f.default_factory() for f in dataclasses.fields(Knowledge)
                        if f.default_factory is not dataclasses.MISSING and f.name not in LAZY})
    kb.__dict__.update(zip(kb_names, kb_values, strict=True))
    index = kb.__dict__.get("match_index")
    if index:
        kb.__dict__["match_index"] = {k: _LazyTable(table, set) if isinstance(table, dict) else table
                                      for k, table in index.items()}
    kb.__dict__["_lazy_fields"] = dict(blob["lazy"])
    kb.profiles = profiles
    # the same entries by term, for all candidates at once (model._implied_at)
    kb.__dict__["implied_by_term"] = (len(profiles), implied)
    kb.not_scorable = build(NotScorable, *blob["not_scorable"])
    return kb
