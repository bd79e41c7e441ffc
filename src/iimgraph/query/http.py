"""HTTP requests to the one endpoint the user named: a timeout on each, retries for transient failures only.

Used by the remote query engine and by ``publish``. A request is retried, with exponential backoff,
when it cannot have been processed or the server says to come back: connection refused, connection
reset or closed before an answer, HTTP 502/503/504, and 429 (after its ``Retry-After``, capped).
Anything else (a 4xx such as 400, 401 or 404, a 500, a timeout) fails at once: repeating it would
give the same answer or, for a slow server, multiply the wait.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from iimgraph.errors import ConnectionFailed, HTTPStatusError

RETRIES = 3            # attempts after the first
BACKOFF = 0.5          # seconds before the first retry; doubled each time
MAX_RETRY_AFTER = 30.0  # seconds: the longest Retry-After honoured
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _transient_connection_error(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, (ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError,
                               BrokenPipeError, http.client.RemoteDisconnected, http.client.IncompleteRead))


def request(method: str, url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float, retries: int = RETRIES, backoff: float = BACKOFF, what: str = "",
            sleep: Callable[[float], None] = time.sleep) -> Response:
    """One HTTP exchange with ``url``; raises :class:`HTTPStatusError` or :class:`ConnectionFailed`.

    ``what`` names the request in messages (e.g. ``"PUT"``); the message also says how many
    attempts were made when there was more than one.
    """
    label = f"{url}: {what + ': ' if what else ''}"
    attempt = 0
    while True:
        attempt += 1
        tries = f" (after {attempt} attempts)" if attempt > 1 else ""
        wait = backoff * (2 ** (attempt - 1))
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as answer:
                return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
        except urllib.error.HTTPError as exc:
            detail = ""
            with contextlib.suppress(OSError):
                detail = " ".join(exc.read(300).decode("utf-8", "replace").split()) if exc.fp else ""
            if exc.code in TRANSIENT_STATUS and attempt <= retries:
                later = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                if exc.code == 429 and later is not None:
                    wait = min(later, MAX_RETRY_AFTER)
                sleep(wait)
                continue
            raise HTTPStatusError(f"{label}HTTP {exc.code} {exc.reason} {detail}".rstrip() + tries, exc.code) from None
        except TimeoutError:
            raise ConnectionFailed(f"{label}no answer within {timeout:g} s{tries}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            if _transient_connection_error(exc) and attempt <= retries:
                sleep(wait)
                continue
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise ConnectionFailed(f"{label}no answer within {timeout:g} s{tries}") from None
            raise ConnectionFailed(f"{label}cannot connect ({reason or type(exc).__name__}){tries}") from None
