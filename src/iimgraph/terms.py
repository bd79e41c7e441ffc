"""rdflib ``Namespace`` objects for the code that builds and reads graphs (not for the query path)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, ClosedNamespace

from iimgraph import namespaces as ns
from iimgraph.iim_vocab import TERMS

#: the project vocabulary, closed over the terms the ontology declares (tools/iim_vocab.py): a typo fails
IIM = ClosedNamespace(ns.IIM, list(TERMS))
SRC = Namespace(ns.SRC)
CLAIM = Namespace(ns.CLAIM)
TERM = Namespace(ns.TERM)
OBO = Namespace(ns.OBO)
OBOINOWL = Namespace(ns.OBOINOWL)
BIOLINK = Namespace(ns.BIOLINK)
SSSOM = Namespace(ns.SSSOM)
SEMAPV = Namespace(ns.SEMAPV)
IAO_DEFINITION = OBO["IAO_0000115"]
SH = Namespace(ns.SHACL)
TEXT_MINED = IIM["evidence/ITM"]

__all__ = [
           "BIOLINK",
           "CLAIM",
           "DCTERMS",
           "IAO_DEFINITION",
           "IIM",
           "OBO",
           "OBOINOWL",
           "OWL",
           "PROV",
           "RDF",
           "RDFS",
           "SEMAPV",
           "SH",
           "SKOS",
           "SRC",
           "SSSOM",
           "TERM",
           "TEXT_MINED",
           "XSD",
]
