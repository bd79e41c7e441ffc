"""The one table of claim kinds: every subclass of ``iim:Claim`` and where each one shows up.

A claim kind is named once here, with the page section it is listed in (``web/pages.py``), the KGX edge
category it is exported as (``release/kgx.py``, ``None``: not exported), the column of
``info --coverage`` that counts it per subtype (``build/coverage.py``, ``None``: counted in no column),
its column in the table per source (every kind has one) and whether rank reads it as a profile entry
(``rank/profiles.py``). A test checks that every subclass of ``iim:Claim`` in ``ontology/`` has a row.
Plain strings, so the query path can import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from iimgraph.namespaces import BIOLINK as _BIOLINK
from iimgraph.namespaces import IIM as _IIM


@dataclass(frozen=True)
class ClaimKind:
    iri: str
    section: str | None  #: id of the term page's section (None: shown elsewhere, e.g. the classification)
    heading: str
    kgx_category: str | None  #: KGX edge category (None: not exported)
    coverage_column: str | None  #: column of ``info --coverage``'s table per subtype (None: counted in none)
    short: str  #: column of ``info --coverage``'s table per source (every kind has one)
    ranked: bool = False  #: read by rank as a profile entry


#: in the order of sections on a term page
KINDS: tuple[ClaimKind, ...] = (
    ClaimKind(_BIOLINK + "DiseaseToPhenotypicFeatureAssociation", "features", "Clinical features",
              "biolink:DiseaseToPhenotypicFeatureAssociation", "phenotypes", "phen", ranked=True),
    ClaimKind(_IIM + "AutoantibodyAssociation", "autoantibodies", "Autoantibodies", None, "autoantibodies",
              "abs", ranked=True),
    ClaimKind(_IIM + "AutoantibodyStatistic", "antibody-statistics",
              "Autoantibody prevalence, sensitivity and specificity", None, "antibody_statistics", "abstat"),
    ClaimKind(_IIM + "DiagnosticAssociation", "diagnosis", "Diagnosis", None, None, "diag"),
    ClaimKind(_IIM + "TreatmentAssociation", "treatments", "Treatments and supportive care", "biolink:Association",
              "treatments", "treat"),
    ClaimKind(_IIM + "DifferentialDiagnosis", "differentials", "Differential diagnoses", None, None, "ddx"),
    ClaimKind(_IIM + "GeneAssociation", "genes", "Genes", None, None, "gene"),
    ClaimKind(_IIM + "FindingObservation", "findings", "Findings no HPO term names", None, None, "find"),
    ClaimKind(_IIM + "CourseObservation", "course", "Course and outcome", None, None, "course"),
    ClaimKind(_IIM + "CauseObservation", "cause", "Cause", None, None, "cause"),
    ClaimKind(_IIM + "CooccurrenceObservation", "overlap", "Occurs together with", None, None, "overlap"),
    ClaimKind(_IIM + "EpidemiologyObservation", "epidemiology", "Epidemiology", None, "epidemiology", "epi"),
    ClaimKind(_IIM + "InheritanceObservation", "inheritance", "Inheritance", "biolink:Association", None, "inherit"),
    ClaimKind(_IIM + "PlacementClaim", None, "Placement in a classification", None, None, "place"),
)

BY_IRI: dict[str, ClaimKind] = {k.iri: k for k in KINDS}


def kind(iri: str) -> ClaimKind:
    """The row of one claim kind (KeyError: not a claim kind)."""
    return BY_IRI[iri]
