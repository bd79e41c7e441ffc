"""Sources -> the release graph in an in-memory Oxigraph store, without an rdflib graph.

``validate`` runs its SPARQL checks (compiled shapes, QC rules) on Oxigraph; building an rdflib
graph first and copying it there was two thirds of its time. :func:`load_sources` reads the same
sources as :func:`iimgraph.build.graph.build_graph` (the same reader and checks, the same SSSOM
triples, decimals and version stamp) straight into a store.

Each Turtle file is parsed by the store itself (no Python object per triple: at 10^6 triples that
was half of ``validate``'s time and most of its memory) when the checks
:func:`iimgraph.io.rdf.turtle_terms` makes per term can be made another way: an IRI rdflib refuses
can only be written with a ``\\u`` escape (Turtle's grammar excludes those characters), typed
literals are read back from the store once and given rdflib's lexical form, and a blank node label
is per document (Oxigraph keeps labels, so only one file with ``_:`` labels is loaded this way; the
others go through ``turtle_terms``, whose blank nodes are fresh). Whatever fails or looks odd on
that path (a syntax error, a literal rdflib cannot read, blank nodes chained too deep) makes the
whole load start again through ``turtle_terms``, which raises the one-line error the rdflib path
raises, for the same file.

The store keeps no order: lookups that take one of several values choose it by a rule of their own
(``validate/report.py: preferred``), the same on the rdflib path, not by the order of the sources.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from iimgraph.build.mappings import mapping_triples
from iimgraph.build.sources import source_files
from iimgraph.errors import IIMGraphError, SourceError
from iimgraph.formats import RdfFormat
from iimgraph.io.rdf import Limits, blank_depth, bracket_depth, check_text, read_bytes, turtle_terms
from iimgraph.io.sssom import read_sssom
from iimgraph.namespaces import (
    BASE,
    ONTOLOGY_IRI,
    OWL_ONTOLOGY,
    OWL_VERSION_INFO,
    OWL_VERSION_IRI,
    RDF_LANGSTRING,
    RDF_REST,
    RDF_TYPE,
    XSD,
    XSD_DECIMAL,
    XSD_STRING,
)
from iimgraph.resources import ontology_dir
from iimgraph.version import __version__

_RDF_TYPE = ox.NamedNode(RDF_TYPE)
_OWL_ONTOLOGY = ox.NamedNode(OWL_ONTOLOGY)
_VERSION_IRI = ox.NamedNode(OWL_VERSION_IRI)
_VERSION_INFO = ox.NamedNode(OWL_VERSION_INFO)
_DECIMAL = XSD_DECIMAL
_STRINGS = (XSD_STRING, RDF_LANGSTRING)
#: every literal whose lexical form rdflib may write otherwise (typed, not a string)
_TYPED_LITERALS = ("SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && lang(?o) = '' && datatype(?o) != "
                   f"<{XSD_STRING}>) }}")
#: the same, and the blank-node links whose chains the nesting limit bounds (a list's rdf:rest chain excepted)
_TYPED_LITERALS_AND_BLANK_LINKS = (
    f"SELECT ?s ?o WHERE {{ ?s ?p ?o FILTER((isLiteral(?o) && lang(?o) = '' && datatype(?o) != <{XSD_STRING}>) "
    f"|| (isBlank(?s) && isBlank(?o) && ?p != <{RDF_REST}>)) }}")


class _Exact(Exception):
    """The store-parsed load met something only the per-term path reports exactly: start again on it."""



def ground_term(term: Any) -> Any:
    """Oxigraph's term for an rdflib IRI or literal (language and datatype kept); None for anything else."""
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if not isinstance(term, Literal):
        return None
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


@functools.cache
def _rdflib_terms() -> tuple[Any, Any, Any]:
    """rdflib's ``BNode``, ``Literal`` and ``URIRef`` (imported once, not at every term made: 10^5 terms and more)."""
    from rdflib import BNode, Literal, URIRef

    return BNode, Literal, URIRef


class SourceGraph:
    """The release graph as an Oxigraph store, with rdflib terms on demand."""

    def __init__(self) -> None:
        self.store = ox.Store()
        self._rdflib: dict[Any, Any] = {}  # Oxigraph term -> rdflib term (blank nodes made once)
        self._oxigraph: dict[Any, Any] = {}  # and back
        self._graph: Any = None
        #: the decoded text of each Turtle file the store parsed, by resolved path (for the report's source index)
        self.texts: dict[Path, str] = {}

    # --- building --------------------------------------------------------------------------------

    def add(self, s: Any, p: Any, o: Any) -> None:
        self.store.add(ox.Quad(s, p, o))

    def remove(self, s: Any, p: Any, o: Any) -> None:
        self.store.remove(ox.Quad(s, p, o))

    # --- reading, in rdflib terms ----------------------------------------------------------------

    def to_rdflib(self, node: Any) -> Any:
        found = self._rdflib.get(node)
        if found is not None:
            return found
        BNode, Literal, URIRef = _rdflib_terms()
        if isinstance(node, ox.NamedNode):
            out: Any = URIRef(node.value)
        elif isinstance(node, ox.BlankNode):
            out = BNode(f"ox{node.value}")  # the store's labels are unique in it (BNode() draws a uuid4: 30 us)
        elif node.language:
            out = Literal(node.value, lang=node.language)
        elif node.datatype.value in _STRINGS:
            out = Literal(node.value)
        else:
            out = Literal(node.value, datatype=URIRef(node.datatype.value))
        self._rdflib[node] = out
        self._oxigraph[out] = node
        return out

    def to_oxigraph(self, term: Any) -> Any:
        """The store's term for an rdflib term (None: not a term of this graph, or a value made by a query)."""
        found = self._oxigraph.get(term)
        if found is not None:
            return found
        out = ground_term(term)
        if out is None:
            return None  # a blank node this graph never gave out
        self._oxigraph[term] = out  # the report asks for the same few predicates again and again
        return out

    def objects(self, subject: Any, predicate: Any) -> Iterator[Any]:
        """``rdflib.Graph.objects(subject, predicate)`` (in the store's order)."""
        s, p = self.to_oxigraph(subject), self.to_oxigraph(predicate)
        if s is None or p is None or isinstance(s, ox.Literal):
            return iter(())
        return (self.to_rdflib(quad.object) for quad in self.store.quads_for_pattern(s, p, None))

    def subject_objects(self, predicate: Any) -> Iterator[tuple[Any, Any]]:
        p = self.to_oxigraph(predicate)
        for quad in self.store.quads_for_pattern(None, p, None):
            yield self.to_rdflib(quad.subject), self.to_rdflib(quad.object)

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        rd = self.to_rdflib
        for quad in self.store:
            yield rd(quad.subject), rd(quad.predicate), rd(quad.object)

    def __len__(self) -> int:
        return len(self.store)

    def select(self, query: str) -> list[tuple[object, ...]]:
        """Rows of a SELECT on the store, each value an rdflib term (the graph's own blank nodes included)."""
        rd = self.to_rdflib
        return [tuple(None if v is None else rd(v) for v in solution) for solution in self.store.query(query)]  # type: ignore[union-attr]

    def select_raw(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of a SELECT as Oxigraph terms (``term`` makes the rdflib term of one): a caller that keeps
        few of many rows makes rdflib terms only for those."""
        return [tuple(solution) for solution in self.store.query(query)]  # type: ignore[union-attr]

    def term(self, value: Any) -> Any:
        return None if value is None else self.to_rdflib(value)

    def rdflib_graph(self) -> Any:
        """The same graph as an ``rdflib.Graph`` (built once), as ``build_graph`` writes it.

        The store keeps a number as its value (``"50"^^xsd:decimal`` for ``"50.0"``): each typed literal is
        written in rdflib's form of that value, decimals as ``build_graph`` writes them (``"50.0"``); a
        lexical form that says more than its value (``"0.10"``) comes back as the value (``"0.1"``)."""
        if self._graph is None:
            from rdflib import Graph

            from iimgraph.namespaces import bind_prefixes

            graph = Graph()
            rd = self.to_rdflib
            forms: dict[Any, Any] = {}
            for quad in self.store:
                o = quad.object
                if isinstance(o, ox.Literal) and not o.language and o.datatype.value not in _STRINGS:
                    o = forms.get(o) or forms.setdefault(o, _rdflib_form(o))
                graph.add((rd(quad.subject), rd(quad.predicate), rd(o)))
            bind_prefixes(graph)
            self._graph = graph
        return self._graph


_ESCAPE = re.compile(rb"\\[uU]")


def has_unicode_escape(data: bytes) -> bool:
    """Turtle bytes with a ``\\u`` or ``\\U`` escape (one scan): the only way to write an IRI rdflib refuses."""
    return _ESCAPE.search(data) is not None


def load_sources(sources: Path | str | Iterable[Path | str] | None = None, *,
                 version: str | None = None, parsed: dict[Path, list[Any]] | None = None,
                 read: dict[Path, bytes] | None = None) -> SourceGraph:
    """What ``build_graph`` builds, as a :class:`SourceGraph`; ``parsed``: Turtle files already read
    by :func:`iimgraph.io.rdf.turtle_terms` (resolved path -> its triples), taken instead of reading again;
    ``read``: Turtle files whose bytes were read already, without a ``\\u`` escape (resolved path -> bytes;
    taken out of it as they are used, so that they are freed)."""
    files = source_files(ontology_dir() if sources is None else sources)
    read = read if read is not None else {}
    try:
        graph = _load(files, parsed, read, store_parses=True)
    except (_Exact, IIMGraphError):  # the exact path raises the first error in the order of the files
        graph = _load(files, parsed, read, store_parses=False)
        _literal_forms(graph)
    _stamp_version(graph, version or __version__)
    return graph


def _load(files: list[Path], parsed: dict[Path, list[Any]] | None, read: dict[Path, bytes], *,
          store_parses: bool) -> SourceGraph:
    """Every source into one store: Turtle parsed by the store where it may be (``store_parses``), else
    term by term through ``turtle_terms``; SSSOM tables as ``build_graph`` turns them into triples."""
    graph = SourceGraph()
    limits = Limits.from_env()
    labelled = False  # a file with blank node labels was parsed by the store
    for path in files:
        if path.name.endswith(".sssom.tsv"):  # the triples build_graph makes of it, as Oxigraph terms
            graph.store.extend([ox.Quad(s, p, o) for s, p, o in mapping_triples(read_sssom(path), path, ox.NamedNode,
                                                                               ox.Literal, ox.BlankNode)])
            continue
        triples = (parsed or {}).get(path.resolve())
        if triples is None and store_parses:
            known = read.pop(path.resolve(), None)  # bytes read before and known to hold no \\u escape
            data = known if known is not None else read_bytes(path, limits=limits)
            labels = b"_:" in data
            if (known is not None or not has_unicode_escape(data)) and not (labelled and labels):
                _store_parse(graph, path, data, limits)
                labelled = labelled or labels
                continue
        if triples is None:
            triples = turtle_terms(path, limits=limits)
        graph.store.extend([ox.Quad(s, p, o) for s, p, o in triples])
    if store_parses:
        below: dict[Any, list[Any]] | None = {} if labelled else None
        _literal_forms(graph, below)
        if below and blank_depth(below, limits.max_depth) > limits.max_depth:
            raise _Exact
    return graph


def _store_parse(graph: SourceGraph, path: Path, data: bytes, limits: Limits) -> None:
    """One Turtle file parsed by the store, after the checks ``read_rdf`` and ``turtle_terms`` make first
    (an error among them goes to the exact path, which raises it); its text is kept for the report's
    source index (``graph.texts``), which would read and decode the file again."""
    if not data or data.isspace():  # what read_rdf refuses as an empty file, without strip()'s copy
        raise _Exact
    text = check_text(path, data, limits=limits, line_based=RdfFormat.TURTLE.line_based)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if bracket_depth(text, limits.max_depth) is not None:
        raise _Exact
    graph.texts[path.resolve()] = text
    try:  # N-Triples is Turtle, with the same meaning: its own parser is ~20% faster (a large file is often it)
        graph.store.load(data, format=ox.RdfFormat.N_TRIPLES)
        return
    except (SyntaxError, ValueError):
        pass  # not N-Triples (a prefix, a relative IRI, a ';' ...): the load is undone; read it as Turtle
    base = path.resolve().as_uri() if not path.name.startswith("<") else None
    try:
        graph.store.load(data, format=ox.RdfFormat.TURTLE, base_iri=base)
    except (SyntaxError, MemoryError, ValueError, OSError):
        raise _Exact from None


class _Refused(logging.Handler):
    """Counts what rdflib logs about a literal it cannot read (``turtle_terms`` turns that into an error)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _literal_forms(graph: SourceGraph, below: dict[Any, list[Any]] | None = None) -> None:
    """Every typed literal in rdflib's lexical form (``"01"^^xsd:integer`` is ``"1"``), as ``turtle_terms``
    gives them, then as ``build.graph._canonical_decimals`` writes decimals (``"50"`` is ``"50.0"``).
    A literal rdflib cannot read as its datatype sends the load to the exact path, which names it.

    ``below``: filled with the blank-node links whose chains the nesting limit bounds (blank node ->
    the blank nodes it points to), found in the same scan of the store (one scan, not two: ~0.3 s at 10^6)."""
    if below is None:
        literals: Iterable[Any] = (literal for (literal,) in graph.store.query(_TYPED_LITERALS))  # type: ignore[union-attr]
    else:
        seen = set()
        for s, o in graph.store.query(_TYPED_LITERALS_AND_BLANK_LINKS):  # type: ignore[union-attr]
            if isinstance(o, ox.Literal):
                seen.add(o)
            else:
                below.setdefault(s, []).append(o)
        literals = seen
    log = logging.getLogger("rdflib.term")
    refused = _Refused()
    log.addHandler(refused)
    propagate, log.propagate = log.propagate, False
    changes = []
    try:
        for literal in literals:
            form = _rdflib_form(literal)
            if refused.count:
                raise _Exact
            if form is not literal:
                changes.append((literal, form))
    finally:
        log.removeHandler(refused)
        log.propagate = propagate
    for old, new in changes:
        for quad in list(graph.store.quads_for_pattern(None, None, old)):
            graph.store.remove(quad)
            graph.store.add(ox.Quad(quad.subject, quad.predicate, new))


#: lexical forms that are already rdflib's (and, for a decimal without a point, what it adds): told without rdflib
_KNOWN_FORMS = {
    XSD + "integer": re.compile(r"(?:0|-?[1-9][0-9]{0,17})"),
    XSD + "boolean": re.compile(r"true|false"),
    XSD + "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    XSD_DECIMAL: re.compile(r"(?:0|-?[1-9][0-9]{0,17})(?:\.[0-9]{0,5}[1-9])?"),
}


def _known_form(literal: Any) -> Any:
    """:func:`_rdflib_form` of the common typed literals (small integers and decimals in their canonical form,
    booleans, dates), without importing rdflib (~0.2 s of a ``validate`` of the shipped sources); None for any
    other, which rdflib reads. ``tests/test_validate_sources.py`` compares both on many forms."""
    datatype, text = literal.datatype.value, literal.value
    pattern = _KNOWN_FORMS.get(datatype)
    if pattern is None or pattern.fullmatch(text) is None:
        return None
    if datatype == XSD + "date":
        try:
            if date.fromisoformat(text).isoformat() != text:
                return None
        except ValueError:
            return None  # not a date: rdflib refuses it, and says so
    if datatype == XSD_DECIMAL and "." not in text:
        return ox.Literal(text + ".0", datatype=literal.datatype)
    return literal


def _rdflib_form(literal: Any) -> Any:
    """A typed literal as ``turtle_terms`` and ``_literal_forms`` leave it: rdflib's lexical form, decimals with a point."""
    known = _known_form(literal)
    if known is not None:
        return known
    return _form_by_rdflib(literal)


def _form_by_rdflib(literal: Any) -> Any:
    from rdflib import Literal, URIRef

    datatype = literal.datatype.value
    text = str(Literal(literal.value, datatype=URIRef(datatype)))
    if datatype == _DECIMAL and "." not in text and "e" not in text.lower() and _valid_decimal(text):
        text += ".0"
    return literal if text == literal.value else ox.Literal(text, datatype=literal.datatype)


def _valid_decimal(text: str) -> bool:
    from rdflib import Literal, URIRef

    return Literal(text, datatype=URIRef(_DECIMAL)).value is not None


def _stamp_version(graph: SourceGraph, version: str) -> None:
    ontology = ox.NamedNode(ONTOLOGY_IRI)
    store = graph.store
    if ox.Quad(ontology, _RDF_TYPE, _OWL_ONTOLOGY) not in store:
        raise SourceError(f"no ontology header: <{ONTOLOGY_IRI}> a owl:Ontology is missing from the sources")
    for p, o in ((_VERSION_IRI, ox.NamedNode(f"{BASE}releases/{version}/iimgraph.owl")),
                 (_VERSION_INFO, ox.Literal(version))):
        for old in list(store.quads_for_pattern(ontology, p, None)):
            store.remove(old)
        store.add(ox.Quad(ontology, p, o))
