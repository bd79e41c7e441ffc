"""Namespaces and the project's single prefix map: the one home of IRIs and links in ``src/``.

Every ``http(s)://`` string the code uses is written here (or in the generated :mod:`iimgraph.field_prefixes`
and :mod:`iimgraph.iim_vocab`), and named: ``tests/test_vocabulary.py`` fails on one written elsewhere.

Every CURIE the project reads or writes goes through :data:`CONVERTER`, so that one table decides
what ``Orphanet:732`` or ``MESH:D017285`` means. The converter is a plain table lookup (the same
answers as ``curies.Converter.from_extended_prefix_map`` over these records, which a test pins):
the query path imports this module, and ``curies`` would bring pydantic with it.

Where Bioregistry's OBO context (the prefix map the OBO tools share: MONDO, sssom-py, OAK given
``--prefix``) knows a prefix, we spell it and expand it as that context does (``MESH:``,
``Orphanet:``, ``UMLS:``...), so a tool using that map contracts our ``skos:exactMatch`` IRIs to our
CURIEs; where it spells a prefix otherwise than MONDO (``omim``, ``medgen``, ``icd10cm``...), MONDO's
spelling and IRI are kept (:data:`MONDO_SPELLINGS`) and Bioregistry's spelling is accepted on input.
The Bioregistry side is the generated table :mod:`iimgraph.field_prefixes` (no ``bioregistry``
import at run time).
"""

from __future__ import annotations

import re

from iimgraph.field_prefixes import FIELD_PREFIXES

# Plain strings on purpose: the query path imports this module and must not pay for rdflib.
# rdflib ``Namespace`` objects built from these live in :mod:`iimgraph.terms`.
BASE = "https://w3id.org/iimgraph/"
ONTOLOGY_IRI = BASE + "iimgraph.owl"

IIM = BASE + "vocab/"  # project vocabulary: classes and properties
SRC = BASE + "source/"  # bibliographic resources
CLAIM = BASE + "claim/"  # association and observation nodes
TERM = BASE + "term/"  # project concepts with no verified external ID
OBO = "http://purl.obolibrary.org/obo/"
OBOINOWL = "http://www.geneontology.org/formats/oboInOwl#"
BIOLINK = "https://w3id.org/biolink/vocab/"
SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SHACL = "http://www.w3.org/ns/shacl#"
EVIDENCE = IIM + "evidence/"  # evidence codes (TAS, PCS, IEA, ITM, CUR)
TEXT_MINED_EVIDENCE = EVIDENCE + "ITM"  # HPO's 2015 text-mined annotations: off by default
QC = BASE + "qc/"  # QC rules, as the SHACL report names them
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
ENTAILMENT_SIMPLE = "http://www.w3.org/ns/entailment/Simple"
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"  # the XML results namespace
SVG = "http://www.w3.org/2000/svg"
HGNC = "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/"
ORCID = "https://orcid.org/"

# single terms the code names without rdflib (the query path, pyoxigraph code)
RDF_TYPE = RDF + "type"
RDF_REST = RDF + "rest"
RDF_LANGSTRING = RDF + "langString"
RDFS_LABEL = RDFS + "label"
RDFS_DATATYPE = RDFS + "Datatype"
XSD_STRING = XSD + "string"
XSD_DECIMAL = XSD + "decimal"
OWL_ONTOLOGY = OWL + "Ontology"
OWL_VERSION_IRI = OWL + "versionIRI"
OWL_VERSION_INFO = OWL + "versionInfo"
OWL_NOTHING = OWL + "Nothing"
IIM_CLAIM = IIM + "Claim"
BIOLINK_SUBJECT = BIOLINK + "subject"
SSSOM_MAPPING_JUSTIFICATION = SSSOM + "mapping_justification"

# licences and specifications the release cites (links, never fetched)
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
BSD_3_CLAUSE = "https://opensource.org/licenses/BSD-3-Clause"
OBO_FORMAT_SPEC = "http://owlcollab.github.io/oboformat/doc/obo-syntax.html"
OBOGRAPHS_SPEC = "https://github.com/geneontology/obographs"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

#: prefix -> IRI prefix. Order matters only for readability of serialisations.
PREFIX_MAP: dict[str, str] = {
    # project
    "iim": IIM,
    "iimsrc": SRC,
    "iimc": CLAIM,
    "iimt": TERM,
    # OBO and ontologies
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "DOID": "http://purl.obolibrary.org/obo/DOID_",
    "NCIT": "http://purl.obolibrary.org/obo/NCIT_",
    "IAO": "http://purl.obolibrary.org/obo/IAO_",
    "EFO": "http://www.ebi.ac.uk/efo/EFO_",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "MAXO": "http://purl.obolibrary.org/obo/MAXO_",
    "hgnc": HGNC,
    "obo": OBO,
    # disease vocabularies and registries: MONDO's spellings; where Bioregistry's OBO context spells a
    # prefix as we do, its URI prefix (the generated table ``field_prefixes.py``; a test pins both)
    "OMIM": "https://omim.org/entry/",
    "Orphanet": "http://www.orpha.net/ORDO/Orphanet_",
    "ICD10CM": "http://purl.bioontology.org/ontology/ICD10CM/",
    "ICD10": "https://icd.who.int/browse10/2019/en#/",
    "ICD9": "http://purl.bioontology.org/ontology/ICD9CM/",
    "icd11.foundation": "http://id.who.int/icd/entity/",
    "icd11.mms": "https://icd.who.int/browse/2025-01/mms/en#",
    "UMLS": "https://uts.nlm.nih.gov/uts/umls/concept/",
    "MEDGEN": "https://www.ncbi.nlm.nih.gov/medgen/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "GARD": "https://rarediseases.info.nih.gov/diseases/",
    "MedDRA": "http://identifiers.org/meddra/",
    "SCTID": "http://snomed.info/id/",
    "NANDO": "http://nanbyodata.jp/ontology/NANDO_",
    "NORD": "https://rarediseases.org/rare-diseases/",
    "Wikipedia": "https://en.wikipedia.org/wiki/",
    "PMID": "https://pubmed.ncbi.nlm.nih.gov/",
    # vocabularies
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "oboInOwl": OBOINOWL,
    "biolink": BIOLINK,
    "sssom": SSSOM,
    "semapv": SEMAPV,
    "void": VOID,
    "dcat": DCAT,
    "spdx": SPDX,
    "foaf": FOAF,
    "sh": SHACL,
}

#: CURIE prefix -> (database, URL template with ``{id}``). The resolvers people use to read an
#: entry (bioregistry's providers, or the IRI itself where it is a page); nothing here is fetched.
RESOLVERS: dict[str, tuple[str, str]] = {
    "MONDO": ("MONDO", "http://purl.obolibrary.org/obo/MONDO_{id}"),
    "HP": ("Human Phenotype Ontology", "http://purl.obolibrary.org/obo/HP_{id}"),
    "DOID": ("Disease Ontology", "http://purl.obolibrary.org/obo/DOID_{id}"),
    "NCIT": ("NCI Thesaurus", "http://purl.obolibrary.org/obo/NCIT_{id}"),
    "EFO": ("Experimental Factor Ontology", "http://www.ebi.ac.uk/efo/EFO_{id}"),
    "Orphanet": ("Orphanet", "https://www.orpha.net/en/disease/detail/{id}"),
    "OMIM": ("OMIM", "https://omim.org/entry/{id}"),
    "UMLS": ("UMLS", "https://uts.nlm.nih.gov/uts/umls/concept/{id}"),
    "MEDGEN": ("MedGen", "https://www.ncbi.nlm.nih.gov/medgen/{id}"),
    "MESH": ("MeSH", "https://meshb.nlm.nih.gov/record/ui?ui={id}"),
    "GARD": ("GARD", "https://rarediseases.info.nih.gov/diseases/{id}/index"),
    "ICD10": ("ICD-10 (WHO)", "https://icd.who.int/browse10/2019/en#/{id}"),
    "ICD10CM": ("ICD-10-CM", "http://purl.bioontology.org/ontology/ICD10CM/{id}"),
    "ICD9": ("ICD-9-CM", "http://purl.bioontology.org/ontology/ICD9CM/{id}"),
    "icd11.foundation": ("ICD-11 foundation", "http://id.who.int/icd/entity/{id}"),
    "icd11.mms": ("ICD-11 MMS", "https://icd.who.int/browse/2025-01/mms/en#{id}"),
    "MedDRA": ("MedDRA", "https://identifiers.org/meddra:{id}"),
    "SCTID": ("SNOMED CT", "http://snomed.info/id/{id}"),
    "NANDO": ("NANDO", "http://nanbyodata.jp/ontology/NANDO_{id}"),
    "NORD": ("NORD", "https://rarediseases.org/rare-diseases/{id}/"),
    "Wikipedia": ("Wikipedia", "https://en.wikipedia.org/wiki/{id}"),
    "PMID": ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/{id}/"),
    "github": ("GitHub", "https://github.com/{id}"),  # snapshots: owner/name/tree/commit
}

#: the prefixes every query engine predeclares (the same set on oxigraph, rdflib and the endpoint):
#: :data:`PREFIX_MAP`, whose names are all valid SPARQL prefix names
SPARQL_PREFIXES: dict[str, str] = {p: ns for p, ns in PREFIX_MAP.items()
                                   if re.fullmatch(r"[A-Za-z](?:[\w.\-]*[\w\-])?", p)}

#: other spellings met in the wild, folded onto the prefixes above (ORPHA vs Orphanet, MIM vs OMIM).
PREFIX_SYNONYMS: dict[str, list[str]] = {
    "Orphanet": ["ORPHA", "ORDO", "orphanet"],
    "OMIM": ["MIM", "omim"],
    "MESH": ["mesh", "MeSH"],
    "MedDRA": ["MEDDRA", "meddra"],
    "UMLS": ["UMLS_CUI", "umls"],
    "PMID": ["pubmed", "pmid"],
    "hgnc": ["HGNC"],
    "SCTID": ["SNOMEDCT", "snomedct"],
    "icd11.mms": ["ICD11", "ICD-11"],
    "ICD10": ["ICD-10", "icd10who", "ICD10WHO"],
}

# Bioregistry's OBO-context spelling of each prefix is accepted too (``medgen:8331`` -> ``MEDGEN:8331``)
for _ours, _field in FIELD_PREFIXES.items():
    if _field is not None and _field[0] != _ours and _field[0] not in PREFIX_SYNONYMS.get(_ours, []):
        PREFIX_SYNONYMS.setdefault(_ours, []).append(_field[0])

#: the prefixes where we keep MONDO's spelling and IRI against Bioregistry's OBO context (``omim``,
#: ``medgen``, ``icd10cm``, ``ICD10WHO``, ``gard``, ``meddra``, ``nando``, ``nord``, ``wikipedia.en``, whose
#: URI prefixes are partly landing or search pages: ``icd10data.com/search?s=``, ``?gard_id=``, the French
#: MedDRA on BioPortal); every other external prefix is spelled and expanded as that context does
MONDO_SPELLINGS = frozenset({"OMIM", "ICD10CM", "ICD10", "MEDGEN", "GARD", "MedDRA", "NANDO", "NORD", "Wikipedia"})

#: prefixes whose identifiers the identifier check verifies against the packaged reference.
CHECKED_PREFIXES = frozenset(
    {"MONDO", "HP", "Orphanet", "OMIM", "DOID", "NCIT", "UMLS", "MESH", "GARD", "MedDRA", "ICD10CM",
     "ICD10", "icd11.foundation", "icd11.mms", "SCTID", "PMID", "MEDGEN", "EFO"}
)

class CurieError(ValueError):
    """A string without the ``:`` of a CURIE, where a CURIE was required."""


class Converter:
    """CURIE <-> IRI over one prefix map with prefix synonyms (the subset of ``curies.Converter`` we use).

    Case-sensitive, like ``curies``: the synonyms list the spellings accepted.
    """

    def __init__(self, prefix_map: dict[str, str], synonyms: dict[str, list[str]]) -> None:
        self.prefix_map = dict(prefix_map)
        self._canonical: dict[str, str] = {p: p for p in prefix_map}
        for prefix, others in synonyms.items():
            for other in others:
                self._canonical.setdefault(other, prefix)
        # longest IRI prefix first, so MONDO_ wins over obo/
        self._by_length = sorted(((u, p) for p, u in prefix_map.items()), key=lambda item: -len(item[0]))

    def get_prefixes(self) -> set[str]:
        return set(self.prefix_map)

    def standardize_prefix(self, prefix: str) -> str | None:
        return self._canonical.get(prefix)

    def _split(self, curie: str) -> tuple[str, str]:
        prefix, sep, local = curie.partition(":")
        if not sep:
            raise CurieError(f"{curie} does not appear to be a CURIE - missing a delimiter")
        return prefix, local

    def expand(self, curie: str) -> str | None:
        """The IRI of ``PREFIX:LOCAL`` (any synonym of a prefix), or None when the prefix is unknown."""
        prefix, local = self._split(curie)
        canonical = self._canonical.get(prefix)
        return None if canonical is None else self.prefix_map[canonical] + local

    def standardize_curie(self, curie: str) -> str | None:
        """The project's spelling of ``curie`` (``ORPHA:732`` -> ``Orphanet:732``), or None."""
        prefix, local = self._split(curie)
        canonical = self._canonical.get(prefix)
        return None if canonical is None else f"{canonical}:{local}"

    def compress(self, iri: str) -> str | None:
        """The CURIE of ``iri`` under the longest matching IRI prefix, or None."""
        for uri_prefix, prefix in self._by_length:
            if iri.startswith(uri_prefix):
                return f"{prefix}:{iri[len(uri_prefix):]}"
        return None


CONVERTER = Converter(PREFIX_MAP, PREFIX_SYNONYMS)

_CURIE_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_.\-]*):([^\s]+)$")


def split_curie(curie: str) -> tuple[str, str]:
    """Split ``PREFIX:LOCAL``; raises ``ValueError`` on anything that is not CURIE-shaped."""
    m = _CURIE_RE.match(curie.strip())
    if not m:
        raise ValueError(f"not a CURIE: {curie!r}")
    return m.group(1), m.group(2)


def display_curie(iri: object) -> str:
    """The CURIE of an IRI for people to read, or the IRI itself when no prefix covers it."""
    return CONVERTER.compress(str(iri)) or str(iri)


def standardize_curie(curie: str) -> str | None:
    """The project's spelling of a CURIE (``ORPHA:732`` -> ``Orphanet:732``), or None if the prefix is unknown."""
    return CONVERTER.standardize_curie(curie.strip())


def bind_prefixes(graph) -> None:
    """Bind the project prefixes on an rdflib graph so serialisations read well."""
    for prefix, uri in PREFIX_MAP.items():
        if prefix.replace(".", "").isalnum():  # Turtle prefix names cannot hold every CURIE prefix
            graph.bind(prefix, uri, override=True, replace=True)
