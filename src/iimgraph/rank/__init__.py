"""Which IIM subtype fits a patient's findings: likelihood-ratio ranking explained term by term.

Research use; not for diagnosis. The model is written down in ``docs/rank.md``.
"""

from __future__ import annotations

from iimgraph.rank.model import NOTICE, Finding, RankedSubtype, RankResult, TermLR, rank, resolve
from iimgraph.rank.profiles import Annotation, Knowledge, NotScorable, Profile, knowledge

__all__ = ["NOTICE", "Annotation", "Finding", "Knowledge", "NotScorable", "Profile", "RankResult",
           "RankedSubtype", "TermLR", "knowledge", "rank", "resolve"]
