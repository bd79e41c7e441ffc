"""The one RDF-format vocabulary: names users type, file suffixes, media types, parser names.

Every module that reads or writes RDF names a format through :class:`RdfFormat`; nothing else
keeps its own table of suffixes or parser names. Light on purpose (no rdflib, pyoxigraph only
inside :meth:`RdfFormat.oxigraph`), so the query path can import it.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from iimgraph.errors import OutputError, SourceError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold query does not need it)
if TYPE_CHECKING:
    from typing import Any


class RdfFormat(str, Enum):
    """An RDF serialisation. The value is the name on the command line (``--format ttl``)."""

    TURTLE = "ttl"
    NTRIPLES = "nt"
    NQUADS = "nq"
    RDFXML = "rdfxml"
    JSONLD = "jsonld"
    OWL = "owl"  # RDF/XML with typed OWL elements, under the .owl suffix portals expect
    N3 = "n3"  # read only (store companions)

    @property
    def label(self) -> str:
        return _TABLE[self][0]

    @property
    def suffix(self) -> str:
        """The suffix a file of this format is written with."""
        return _TABLE[self][1]

    @property
    def media_type(self) -> str:
        return _TABLE[self][2]

    @property
    def rdflib_name(self) -> str:
        """The rdflib parser name for reading this format."""
        return _TABLE[self][3]

    @property
    def syntax(self) -> RdfFormat:
        """The syntax underneath: OWL files are RDF/XML."""
        return RdfFormat.RDFXML if self is RdfFormat.OWL else self

    @property
    def line_based(self) -> bool:
        return self in (RdfFormat.TURTLE, RdfFormat.NTRIPLES, RdfFormat.NQUADS, RdfFormat.N3)

    @property
    def is_dataset(self) -> bool:
        return self is RdfFormat.NQUADS

    @property
    def writable(self) -> bool:
        """Whether ``build``/``export`` write this format (N3 is read only, as a store companion)."""
        return self is not RdfFormat.N3

    def oxigraph(self) -> Any:
        """The ``pyoxigraph.RdfFormat`` of this format (for ``Store.bulk_load`` and ``parse``)."""
        import pyoxigraph

        return getattr(pyoxigraph.RdfFormat, _TABLE[self.syntax][4])


#: format -> (label, suffix written, media type, rdflib parser name, pyoxigraph RdfFormat member): one row each
_TABLE: dict[RdfFormat, tuple[str, str, str, str, str]] = {
    RdfFormat.TURTLE: ("Turtle", ".ttl", "text/turtle", "turtle", "TURTLE"),
    RdfFormat.NTRIPLES: ("N-Triples", ".nt", "application/n-triples", "nt", "N_TRIPLES"),
    RdfFormat.NQUADS: ("N-Quads", ".nq", "application/n-quads", "nquads", "N_QUADS"),
    RdfFormat.RDFXML: ("RDF/XML", ".rdf", "application/rdf+xml", "xml", "RDF_XML"),
    RdfFormat.JSONLD: ("JSON-LD", ".jsonld", "application/ld+json", "json-ld", "JSON_LD"),
    RdfFormat.OWL: ("OWL (RDF/XML)", ".owl", "application/rdf+xml", "xml", "RDF_XML"),
    RdfFormat.N3: ("N3", ".n3", "text/n3", "n3", "N3"),
}


class ResultFormat(str, Enum):
    """A SPARQL 1.1 query-results serialisation (SELECT and ASK). The value is the ``format=`` name."""

    JSON = "json"
    XML = "xml"
    CSV = "csv"
    TSV = "tsv"

    @property
    def media_type(self) -> str:
        return _RESULT_MEDIA[self]

    def oxigraph(self) -> Any:
        """The ``pyoxigraph.QueryResultsFormat`` of this format (for serialising an answer in Oxigraph)."""
        import pyoxigraph

        return getattr(pyoxigraph.QueryResultsFormat, self.name)

    @classmethod
    def from_media_type(cls, media: str) -> ResultFormat | None:
        """The format a media type names (``application/json`` is SPARQL JSON), or None."""
        return _RESULT_BY_MEDIA.get(media.strip().lower())


_RESULT_MEDIA = {ResultFormat.JSON: "application/sparql-results+json", ResultFormat.XML: "application/sparql-results+xml",
                 ResultFormat.CSV: "text/csv", ResultFormat.TSV: "text/tab-separated-values"}
_RESULT_BY_MEDIA = {**{media: fmt for fmt, media in _RESULT_MEDIA.items()},
                    "application/json": ResultFormat.JSON, "application/xml": ResultFormat.XML,
                    "text/xml": ResultFormat.XML}


#: the formats ``build`` and ``export`` write
WRITABLE = tuple(f for f in RdfFormat if f.writable)

#: suffix of a file to read (after any ``.gz``) -> its format; ``None``: the content decides
READ_SUFFIXES: dict[str, RdfFormat | None] = {
    ".ttl": RdfFormat.TURTLE, ".turtle": RdfFormat.TURTLE, ".nt": RdfFormat.NTRIPLES,
    ".ntriples": RdfFormat.NTRIPLES, ".nq": RdfFormat.NQUADS, ".nquads": RdfFormat.NQUADS,
    ".rdf": RdfFormat.RDFXML, ".owl": None, ".xml": None, ".jsonld": RdfFormat.JSONLD, ".json": None,
    ".n3": RdfFormat.N3,
}


def bare_suffix(path: Path) -> str:
    """The suffix that names the format, lower-cased, with a trailing ``.gz`` ignored."""
    name = Path(path).name.lower()
    return Path(name[:-3] if name.endswith(".gz") else name).suffix


def sniff(head: bytes, path: Path) -> RdfFormat:
    """The format the first bytes of ``path`` show; non-RDF ontology formats get a one-line error."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if text.startswith(b"<"):
        if b"rdf:RDF" in text or b"w3.org/1999/02/22-rdf-syntax-ns" in text:
            return RdfFormat.RDFXML
        if b"<Ontology" in text:
            raise SourceError(f"{path}: OWL/XML is not RDF; convert it to RDF/XML or Turtle first "
                              f"(e.g. robot convert --format owl)")
        if text.startswith((b"<?", b"<!")):
            raise SourceError(f"{path}: XML that is not RDF/XML")
        return RdfFormat.TURTLE
    if text.startswith((b"Prefix(", b"Ontology(")):
        raise SourceError(f"{path}: OWL functional syntax is not RDF; convert it to RDF/XML or Turtle first")
    if text.startswith((b"{", b"[")):
        if b'"graphs"' in text and b'"nodes"' in text:
            raise SourceError(f"{path}: OBO Graphs JSON is not RDF; use the ontology's .owl release instead")
        return RdfFormat.JSONLD
    if text.startswith(b"format-version:"):
        raise SourceError(f"{path}: OBO format is not RDF; use the ontology's .owl release instead")
    return RdfFormat.TURTLE


def detect(path: Path, head: bytes = b"") -> RdfFormat:
    """The format of a file to read: its suffix says, or (``.owl``, ``.xml``, ``.json``) its first bytes."""
    suffix = bare_suffix(path)
    if suffix not in READ_SUFFIXES:
        raise SourceError(f"{path}: unknown RDF format {suffix or '(no suffix)'!r} "
                          f"(expected one of {', '.join(sorted(READ_SUFFIXES))}, optionally .gz)")
    known = READ_SUFFIXES[suffix]
    if known is not None:
        return known
    if not head.strip():  # nothing to look at yet: what the suffix usually holds
        return RdfFormat.JSONLD if suffix == ".json" else RdfFormat.RDFXML
    return sniff(head, path)


#: formats written as several files: name -> the parts, each written to ``<stem>_<part>.tsv``
_MULTI_FILE: dict[str, tuple[str, ...]] = {"kgx": ("nodes", "edges")}
#: every ``export --format`` name: the RDF syntaxes, then the products of other models
EXPORT_FORMATS: tuple[str, ...] = (*(f.value for f in WRITABLE), *_MULTI_FILE)


def export_paths(out: Path | None, fmt: str) -> list[Path | None]:
    """The files an export in ``fmt`` writes: ``[out]`` (None: standard output) for an RDF syntax;
    ``<stem>_<part>.tsv`` beside ``out`` for a multi-file format, which needs ``out``."""
    parts = _MULTI_FILE.get(fmt)
    if parts is None:
        return [out]
    if out is None:
        names = ", ".join(f"PREFIX_{p}.tsv" for p in parts)
        raise OutputError(f"--format {fmt} writes {len(parts)} files: give --out PREFIX ({names})")
    stem = out.name.removesuffix(".tsv")
    for part in parts:
        stem = stem.removesuffix(f"_{part}")
    return [out.with_name(f"{stem}_{part}.tsv") for part in parts]
