"""The whole exception tree. The CLI turns any ``IIMGraphError`` into one line and exit code 2.

::

    IIMGraphError                 base; str(err) is the one-line user message
    ├── DataError                 the package's own data folders are missing (reinstall)
    ├── SettingError              a number from the command line or the environment is not finite or out of range
    ├── SourceError               a source or input file is missing, unreadable or malformed (file, line)
    ├── OutputError               an output could not be written; any previous file is kept
    ├── ProfileError              the QC severity profile and the rule files disagree
    ├── ValidationFailed          release refused: the sources have ERROR findings (exit 1; carries the report)
    ├── ValidationTimeout         validate ran past its --timeout and was stopped
    ├── StoreError                an on-disk store folder cannot be used
    ├── ServeError                serve cannot listen on the host and port given
    ├── TermError                 rank: a finding is unknown, obsolete without replacement, of the wrong kind, or ambiguous
    ├── QueryError                a query or parameter is unknown, malformed or refused
    │   ├── RemoteAccessRefused   SERVICE/FROM names an IRI not on the allow-list
    │   ├── Refused               serve: not allowed here (an update: 403; SERVICE/FROM: 400)
    │   ├── Busy                  serve: every worker stayed busy for the whole timeout (503)
    │   ├── QueryTimeout          a local query ran past its limit; its worker was killed
    │   └── QueryMemoryError      a local query needed more memory than its worker may use
    └── EndpointError             a remote SPARQL endpoint failed or could not be reached
        ├── HTTPStatusError       it answered an error status (after any retries)
        ├── ConnectionFailed      no answer: refused, reset or timed out (after any retries)
        ├── RedirectRefused       it redirected elsewhere: iimgraph contacts only the URL the user named
        ├── AnswerTooLarge        its answer is over the size cap
        └── PublishError          publish failed; the message says what the store holds now

Validation findings are results (a report), not exceptions; only ``release``, which refuses to publish
sources with ERROR findings, raises :class:`ValidationFailed` with the report attached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: errors.py imports nothing of the package at run time
    from iimgraph.validate.report import ValidationReport


class IIMGraphError(Exception):
    """Base of every error iimgraph raises on purpose. ``str(err)`` is the one-line user message."""


class DataError(IIMGraphError):
    """The package's data folders (ontology/, shapes/, queries/, reference/) are missing."""


class SettingError(IIMGraphError):
    """A number given on the command line or in the environment is not a finite number in its range
    (:mod:`iimgraph.settings`); the message names the option or variable."""


class SourceError(IIMGraphError):
    """A source file is missing, unreadable or malformed; the message names the file (and line)."""


class OutputError(IIMGraphError):
    """An output could not be written; any previous file is left as it was."""


class ProfileError(IIMGraphError):
    """The QC severity profile and the rule files disagree, or a level is not ERROR, WARN or INFO."""


class ValidationFailed(IIMGraphError):
    """``release`` refused: the sources have findings at ERROR level; nothing was written.

    ``report`` is the :class:`~iimgraph.validate.report.ValidationReport`; the CLI prints it and exits 1.
    """

    def __init__(self, message: str, report: ValidationReport) -> None:
        super().__init__(message)
        self.report = report


class ValidationTimeout(IIMGraphError):
    """Validation ran past its time limit; its worker process was stopped."""


class StoreError(IIMGraphError):
    """The store folder cannot be used (not a store, locked, unreadable)."""


class ServeError(IIMGraphError):
    """serve cannot listen: the port is taken or not allowed, or the host does not resolve."""


class TermError(IIMGraphError):
    """A finding given to ``rank`` is unknown, obsolete with no replacement, of the wrong kind, or ambiguous."""

    def __init__(self, message: str, candidates: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates  # (CURIE, label) pairs when the text matched several terms


class QueryError(IIMGraphError):
    """A query or one of its parameters is unknown, malformed or refused."""


class RemoteAccessRefused(QueryError):
    """SERVICE or FROM names an IRI that is not on the allow-list."""


class Refused(QueryError):
    """The request is not allowed here: an update (403) or SERVICE / FROM (400)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Busy(QueryError):
    """Every worker stayed busy for the whole timeout (503)."""


class QueryTimeout(QueryError):
    """A local query ran past its wall-clock limit and its worker was killed."""


class QueryMemoryError(QueryError):
    """A local query needed more memory than its worker may use."""


class EndpointError(IIMGraphError):
    """A remote SPARQL endpoint failed or could not be reached."""


class HTTPStatusError(EndpointError):
    """The server answered with an error status (after any retries)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ConnectionFailed(EndpointError):
    """No answer: refused, reset or timed out (after any retries)."""


class RedirectRefused(EndpointError):
    """The server redirected to another URL; only the URL the user named is contacted."""


class AnswerTooLarge(EndpointError):
    """The server's answer is larger than the cap (``--max-answer-mb``)."""


class PublishError(EndpointError):
    """publish failed; the message says what the store holds now.

    ``interrupted``: a signal (Ctrl-C, or SIGTERM turned into ``KeyboardInterrupt`` by the CLI) stopped it."""

    def __init__(self, message: str, *, interrupted: bool = False) -> None:
        super().__init__(message)
        self.interrupted = interrupted
