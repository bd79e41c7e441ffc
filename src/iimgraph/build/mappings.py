"""SSSOM rows -> triples, made with any term factory: rdflib's for ``build_graph``, Oxigraph's for the store
``validate`` loads its sources into (:mod:`iimgraph.build.oxgraph`), which then needs no rdflib.

Each row becomes an xref or skos triple plus an ``owl:Axiom`` carrying justification and source; a CURIE the
prefix map does not know, or that expands to something no IRI may hold, is an error naming file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from iimgraph.errors import SourceError
from iimgraph.io.sssom import MappingSet
from iimgraph.namespaces import CONVERTER, DCTERMS, OBOINOWL, OWL, RDF, RDFS, SKOS, SSSOM

NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
HAS_DBXREF = OBOINOWL + "hasDbXref"
PREDICATE_IRI = {
    "skos:exactMatch": SKOS + "exactMatch",
    "skos:closeMatch": SKOS + "closeMatch",
    "skos:broadMatch": SKOS + "broadMatch",
    "skos:narrowMatch": SKOS + "narrowMatch",
    "skos:relatedMatch": SKOS + "relatedMatch",
    "oboInOwl:hasDbXref": HAS_DBXREF,
}


def mapping_triples(mapping_set: MappingSet, path: Path, iri: Callable[[str], Any], literal: Callable[[str], Any],
                    blank: Callable[[], Any]) -> Iterator[tuple[Any, Any, Any]]:
    """The triples of every row, terms made by ``iri(text)``, ``literal(text)`` (plain) and ``blank()``."""
    axiom_type, source, prop, target_link = (iri(OWL + n) for n in ("Axiom", "annotatedSource", "annotatedProperty",
                                                                   "annotatedTarget"))
    rdf_type, justification, dc_source = iri(RDF + "type"), iri(SSSOM + "mapping_justification"), iri(DCTERMS + "source")
    object_label, comment = iri(SSSOM + "object_label"), iri(RDFS + "comment")
    for row, lineno in zip(mapping_set.rows, mapping_set.lines or [0] * len(mapping_set.rows), strict=False):
        subject = iri(expand(row["subject_id"], path, lineno))
        predicate_iri = PREDICATE_IRI[row["predicate_id"]]
        predicate = iri(predicate_iri)
        target = literal(row["object_id"]) if predicate_iri == HAS_DBXREF else iri(expand(row["object_id"], path,
                                                                                          lineno))
        yield subject, predicate, target
        axiom = blank()
        yield axiom, rdf_type, axiom_type
        yield axiom, source, subject
        yield axiom, prop, predicate
        yield axiom, target_link, target
        yield axiom, justification, iri(expand(row["mapping_justification"], path, lineno))
        if row.get("mapping_source"):
            yield axiom, dc_source, iri(expand(row["mapping_source"], path, lineno))
        if row.get("object_label"):
            yield axiom, object_label, literal(row["object_label"])
        if row.get("comment"):
            yield axiom, comment, literal(row["comment"])


def expand(curie: str, path: Path, lineno: int) -> str:
    """The IRI of a CURIE of an SSSOM row, or the one-line error that names the file and line."""
    iri = CONVERTER.expand(curie)
    if iri is None:
        raise SourceError(f"{path}:{lineno}: {curie!r} has a prefix the project's prefix map does not know")
    if NOT_IN_IRI.search(iri):
        raise SourceError(f"{path}:{lineno}: {curie!r} holds a character that is not allowed in an IRI")
    return iri
