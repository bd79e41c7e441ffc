"""Which IIM subtype fits a patient's findings: likelihood-ratio ranking explained term by term.

Research use; not for diagnosis. The model is written down in ``docs/rank.md``.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from iimgraph.rank.model import NOTICE, Finding, RankedSubtype, RankResult, TermLR, rank, resolve
from iimgraph.rank.profiles import Annotation, Knowledge, NotScorable, Profile, knowledge

__all__ = ["NOTICE", "Annotation", "Finding", "Knowledge", "NotScorable", "Profile", "RankResult",
           "RankedSubtype", "TermLR", "knowledge", "rank", "resolve"]


class _CallableModule(types.ModuleType):
    """``iimgraph.rank(...)`` keeps working after this subpackage is imported: importing it binds the
    name ``rank`` on ``iimgraph`` to the module, which therefore answers calls as the function does."""

    def __call__(self, *args: Any, **kwargs: Any) -> RankResult:
        from iimgraph import rank_function

        return rank_function(*args, **kwargs)

    @property
    def __signature__(self) -> Any:
        """The function's parameters (``inspect.signature(iimgraph.rank)`` shows ``age``, ``suggestions``...)."""
        import inspect

        from iimgraph import rank_function

        return inspect.signature(rank_function)


sys.modules[__name__].__class__ = _CallableModule
