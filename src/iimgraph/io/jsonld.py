"""The project's JSON-LD context: the one definition of its file name and its content.

Release folders publish it as ``iimgraph.context.jsonld``; the reader (:mod:`iimgraph.io.rdf`)
resolves a reference to that name to this object, so no JSON-LD input ever fetches a context.
"""

from __future__ import annotations

from typing import Any

from iimgraph.namespaces import PREFIX_MAP

#: the file name release folders give the context
CONTEXT_FILE = "iimgraph.context.jsonld"

#: readable JSON-LD keys for the properties a portal shows most; everything else stays a CURIE.
JSONLD_TERMS: dict[str, dict[str, str] | str] = {
    "label": "rdfs:label",
    "subClassOf": {"@id": "rdfs:subClassOf", "@type": "@id"},
    "definition": "obo:IAO_0000115",
    "exactSynonym": "oboInOwl:hasExactSynonym",
    "relatedSynonym": "oboInOwl:hasRelatedSynonym",
    "dbXref": "oboInOwl:hasDbXref",
    "exactMatch": {"@id": "skos:exactMatch", "@type": "@id"},
    "closeMatch": {"@id": "skos:closeMatch", "@type": "@id"},
    "source": {"@id": "dcterms:source", "@type": "@id"},
    "title": "dcterms:title",
    "subject": {"@id": "biolink:subject", "@type": "@id"},
    "object": {"@id": "biolink:object", "@type": "@id"},
    "predicate": {"@id": "biolink:predicate", "@type": "@id"},
    # HPO label translations as language maps ({"es": "...", "fr": "..."}); a candidate (machine) one apart
    "translation": {"@id": "iim:translation", "@container": "@language"},
    "candidateTranslation": {"@id": "iim:candidateTranslation", "@container": "@language"},
}


def jsonld_context() -> dict[str, Any]:
    """The published ``@context``: the project prefix map plus a few readable keys."""
    ctx: dict[str, object] = {p: u for p, u in PREFIX_MAP.items() if p.replace(".", "").isalnum()}
    ctx.update(JSONLD_TERMS)
    return {"@context": ctx}



def shipped_context() -> dict[str, Any]:
    """The ``@context`` object itself (what a document referring to :data:`CONTEXT_FILE` gets)."""
    context: dict[str, Any] = jsonld_context()["@context"]
    return context
