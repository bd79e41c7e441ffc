"""KGX export: the graph as Biolink nodes and edges TSV (``PREFIX_nodes.tsv``, ``PREFIX_edges.tsv``).

KGX is not RDF, so it is no :class:`~iimgraph.formats.RdfFormat`; ``iimgraph export --format kgx``
comes here. What is written (curated claims only, as in phenotype.hpoa):

* edges: every claim with a Biolink predicate (``biolink:has_phenotype``,
  ``biolink:has_mode_of_inheritance``, ``biolink:treated_by``) with its frequency and onset
  qualifiers, negation, evidence, publications (PMID/ORPHA/OMIM/DECIPHER or the source's URL),
  ``primary_knowledge_source`` (infores) and ``aggregator_knowledge_source``; and every
  ``rdfs:subClassOf`` between named disease classes as ``biolink:subclass_of`` (from MONDO). Claims
  with project predicates (``iim:hasAutoantibody``, epidemiology, diagnosis) have no Biolink
  predicate and are left out.
* nodes: every subject and object of an edge, with a Biolink category, name, description, xrefs and
  synonyms.

Multi-valued fields are ``|``-separated, as KGX writes them. ``infores:iimgraph`` (the project's
own curation) is not (yet) in the Biolink information-resource catalogue.
"""

from __future__ import annotations

import csv
import io
import uuid

from rdflib import Graph, Literal, URIRef

from iimgraph.claim_kinds import KINDS
from iimgraph.namespaces import PREFIX_MAP
from iimgraph.namespaces import display_curie as curie
from iimgraph.release.hpoa import references
from iimgraph.terms import BIOLINK, DCTERMS, IAO_DEFINITION, IIM, OBOINOWL, RDF, RDFS, SKOS, TEXT_MINED

NODE_COLUMNS = ["id", "category", "name", "description", "xref", "synonym", "provided_by"]
EDGE_COLUMNS = ["id", "subject", "predicate", "object", "category", "primary_knowledge_source",
                "aggregator_knowledge_source", "knowledge_level", "agent_type", "publications", "has_evidence",
                "frequency_qualifier", "onset_qualifier", "sex_qualifier", "negated"]
OWN_INFORES = "infores:iimgraph"
#: reference snapshot -> the infores of the resource it is a release of
SNAPSHOT_INFORES = {"hpo-annotations": "infores:hpo-annotations", "mondo": "infores:mondo", "hpo": "infores:hp",
                    "orphanet": "infores:orphanet", "ordo": "infores:orphanet", "do": "infores:disease-ontology"}
_CATEGORY = {URIRef(k.iri): k.kgx_category for k in KINDS if k.kgx_category}  # claim class -> edge category
_MONDO = PREFIX_MAP["MONDO"]
_HP = PREFIX_MAP["HP"]
_NAMESPACE = uuid.UUID("6f1d8a8e-4b1b-5b6e-9c55-6b1c1f0e1a16")  # fixed: edge ids are stable across runs


def _infores(graph: Graph, node: URIRef) -> str:
    for source in sorted(graph.objects(node, DCTERMS.source), key=str):
        if (source, RDF.type, IIM.ReferenceSnapshot) in graph:
            stem = str(source).rsplit("/", 1)[-1]
            for key in sorted(SNAPSHOT_INFORES, key=len, reverse=True):
                if stem.startswith(key + "-"):
                    return SNAPSHOT_INFORES[key]
    return OWN_INFORES


def _node_category(graph: Graph, term: URIRef, role: str) -> str:
    if (term, RDF.type, IIM.Therapy) in graph:
        return "biolink:Treatment"
    if str(term).startswith(_MONDO):
        return "biolink:Disease"
    if role == "biolink:has_mode_of_inheritance":
        return "biolink:GeneticInheritance"
    if str(term).startswith(_HP):
        return "biolink:PhenotypicFeature"
    return "biolink:NamedThing"


def kgx_tables(graph: Graph) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(nodes, edges) rows, sorted by id."""
    edges: list[dict[str, str]] = []
    roles: dict[URIRef, str] = {}
    for cls, category in _CATEGORY.items():
        for node in graph.subjects(RDF.type, cls):
            predicate = graph.value(node, BIOLINK.predicate)
            subject, obj = graph.value(node, BIOLINK.subject), graph.value(node, BIOLINK.object)
            if not (isinstance(predicate, URIRef) and str(predicate).startswith(str(BIOLINK))):
                continue
            if not isinstance(subject, URIRef) or not isinstance(obj, URIRef) or not isinstance(node, URIRef):
                continue
            evidence = graph.value(node, BIOLINK.has_evidence)
            if evidence == TEXT_MINED:
                continue
            primary = _infores(graph, node)
            frequency, onset = graph.value(node, BIOLINK.frequency_qualifier), graph.value(node, BIOLINK.onset_qualifier)
            edges.append({
                "id": curie(node), "subject": curie(subject), "predicate": curie(predicate), "object": curie(obj),
                "category": category, "primary_knowledge_source": primary,
                "aggregator_knowledge_source": OWN_INFORES if primary != OWN_INFORES else "",
                "knowledge_level": "knowledge_assertion", "agent_type": "manual_agent",
                "publications": "|".join(r for r in references(graph, node)),
                "has_evidence": curie(evidence) if isinstance(evidence, URIRef) else "",
                "frequency_qualifier": curie(frequency) if isinstance(frequency, URIRef) else str(
                    graph.value(node, IIM.frequencyText) or ""),
                "onset_qualifier": curie(onset) if isinstance(onset, URIRef) else "",
                "sex_qualifier": str(graph.value(node, BIOLINK.sex_qualifier) or ""),
                "negated": "True" if str(graph.value(node, BIOLINK.negated)).lower() == "true" else "False",
            })
            roles.setdefault(subject, "subject")
            roles[obj] = curie(predicate)
    for child, parent in graph.subject_objects(RDFS.subClassOf):
        if not (isinstance(child, URIRef) and isinstance(parent, URIRef)):
            continue
        if not (str(child).startswith(_MONDO) and str(parent).startswith(_MONDO)):
            continue
        s, o = curie(child), curie(parent)
        edges.append(dict.fromkeys(EDGE_COLUMNS, "") | {
            "id": "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, f"{s} biolink:subclass_of {o}")),
            "subject": s, "predicate": "biolink:subclass_of", "object": o, "category": "biolink:Association",
            "primary_knowledge_source": "infores:mondo", "aggregator_knowledge_source": OWN_INFORES,
            "knowledge_level": "knowledge_assertion", "agent_type": "manual_agent", "negated": "False"})
        roles.setdefault(child, "subject")
        roles.setdefault(parent, "subject")
    nodes = []
    for term, role in roles.items():
        xrefs = sorted({curie(x) for x in graph.objects(term, SKOS.exactMatch) if isinstance(x, URIRef)}
                       | {str(x) for x in graph.objects(term, OBOINOWL.hasDbXref) if isinstance(x, Literal)})
        synonyms = sorted(str(x) for p in (OBOINOWL.hasExactSynonym, OBOINOWL.hasRelatedSynonym)
                          for x in graph.objects(term, p))
        nodes.append({
            "id": curie(term), "category": _node_category(graph, term, role),
            "name": _one_line(graph.value(term, RDFS.label)),
            "description": _one_line(graph.value(term, IAO_DEFINITION) or graph.value(term, RDFS.comment)),
            "xref": "|".join(xrefs), "synonym": "|".join(_one_line(s) for s in synonyms),
            "provided_by": "infores:hp" if str(term).startswith(_HP) else (
                "infores:mondo" if str(term).startswith(_MONDO) else OWN_INFORES),
        })
    nodes.sort(key=lambda r: r["id"])
    edges.sort(key=lambda r: (r["subject"], r["predicate"], r["object"], r["id"]))
    return nodes, edges


def _one_line(value: object) -> str:
    """A TSV cell: no tabs, newlines or the list separator."""
    return " ".join(str(value or "").split()).replace("|", "/")


def render_kgx(graph: Graph) -> tuple[bytes, bytes]:
    """The bytes of the nodes and edges TSV files."""
    nodes, edges = kgx_tables(graph)
    out = []
    for columns, rows in ((NODE_COLUMNS, nodes), (EDGE_COLUMNS, edges)):
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE,
                                escapechar="\\")
        writer.writeheader()
        writer.writerows(rows)
        out.append(text.getvalue().encode("utf-8"))
    return out[0], out[1]


__all__ = ["EDGE_COLUMNS", "NODE_COLUMNS", "kgx_tables", "render_kgx"]
