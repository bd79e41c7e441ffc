"""One exception tree. The CLI turns any ``IIMGraphError`` into a one-line message and exit code 2."""

from __future__ import annotations


class IIMGraphError(Exception):
    """Base of every error iimgraph raises on purpose. ``str(err)`` is the one-line user message."""


class SourceError(IIMGraphError):
    """A source file is missing, unreadable or malformed; the message names the file (and line)."""


class QueryError(IIMGraphError):
    """A query or one of its parameters is unknown, malformed or refused."""


class EndpointError(IIMGraphError):
    """A remote SPARQL endpoint failed or could not be reached."""


class OutputError(IIMGraphError):
    """An output could not be written; any previous file is left as it was."""


class TermError(IIMGraphError):
    """A finding given to ``rank`` is unknown, obsolete with no replacement, of the wrong kind, or ambiguous."""

    def __init__(self, message: str, candidates: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates  # (CURIE, label) pairs when the text matched several terms
