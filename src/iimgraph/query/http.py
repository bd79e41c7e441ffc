"""HTTP requests to the one endpoint the user named: a timeout on each, retries for transient failures only.

Used by the remote query engine and by ``publish``. A request is retried, with exponential backoff,
when it cannot have been processed or the server says to come back: connection refused, connection
reset or closed before an answer, HTTP 502/503/504, and 429 (after its ``Retry-After``, capped).
Anything else (a 4xx such as 400, 401 or 404, a 500, a timeout) fails at once: repeating it would
give the same answer or, for a slow server, multiply the wait.

Only the named endpoint is contacted: the opener has HTTP and HTTPS handlers only (no FTP, file or
data URLs) and refuses every redirect with an error naming its ``Location``. ``timeout`` is a total
deadline for each attempt (connecting, headers and body), not a per-``recv`` limit, and the answer is
read in chunks up to ``max_bytes`` (default :data:`MAX_ANSWER_MB` MB, or ``IIMGRAPH_MAX_ANSWER_MB``).
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import IO

from iimgraph.errors import ConnectionFailed, EndpointError, HTTPStatusError

RETRIES = 3            # attempts after the first
BACKOFF = 0.5          # seconds before the first retry; doubled each time
MAX_RETRY_AFTER = 30.0  # seconds: the longest Retry-After honoured
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
MAX_ANSWER_MB = 256     # default cap on an answer's body; IIMGRAPH_MAX_ANSWER_MB overrides it
CHUNK = 1 << 16


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def max_answer_bytes() -> int:
    """The answer-size cap: ``IIMGRAPH_MAX_ANSWER_MB`` (a positive number) or :data:`MAX_ANSWER_MB`."""
    raw = os.environ.get("IIMGRAPH_MAX_ANSWER_MB", "").strip()
    try:
        megabytes = float(raw) if raw else MAX_ANSWER_MB
    except ValueError:
        raise EndpointError(f"IIMGRAPH_MAX_ANSWER_MB={raw!r} is not a number") from None
    if megabytes <= 0:
        raise EndpointError(f"IIMGRAPH_MAX_ANSWER_MB={raw!r} must be positive")
    return int(megabytes * 1024 * 1024)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Every 3xx with a Location is refused: following it would contact a host the user did not name."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: Message, newurl: str) -> urllib.request.Request | None:
        with contextlib.suppress(OSError):
            fp.close()
        location = " ".join(str(headers.get("Location") or headers.get("URI") or newurl).split())[:300]
        raise EndpointError(f"{req.full_url}: refused a redirect (HTTP {code}) to {location}")


class _Watch:
    """The sockets of one attempt; :meth:`expire` shuts them down so a blocked read returns at once."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.lock = threading.Lock()

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _opener(watch: _Watch) -> urllib.request.OpenerDirector:
    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watch.add(self.sock)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watch.add(self.sock)

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Connection, req)

    class Secure(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureConnection, req, context=getattr(self, "_context", None))

    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), Plain(), Secure(), urllib.request.HTTPDefaultErrorHandler(),
                    _RefuseRedirects(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _read_capped(answer: IO[bytes], limit: int, label: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = answer.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise EndpointError(f"{label}the answer is larger than {limit / 1048576:g} MB "
                                "(raise IIMGRAPH_MAX_ANSWER_MB to allow more)")
        chunks.append(chunk)


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
            sleep: Callable[[float], None] = time.sleep, max_bytes: int | None = None) -> Response:
    """One HTTP exchange with ``url``; raises :class:`HTTPStatusError`, :class:`ConnectionFailed` or
    :class:`EndpointError` (a refused redirect, an answer over the size cap).

    ``what`` names the request in messages (e.g. ``"PUT"``); the message also says how many
    attempts were made when there was more than one. ``timeout`` bounds each attempt as a whole;
    ``max_bytes`` caps the body (default :func:`max_answer_bytes`).
    """
    label = f"{url}: {what + ': ' if what else ''}"
    limit = max_bytes if max_bytes is not None else max_answer_bytes()
    attempt = 0
    while True:
        attempt += 1
        tries = f" (after {attempt} attempts)" if attempt > 1 else ""
        wait = backoff * (2 ** (attempt - 1))
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        watch = _Watch()
        timer = threading.Timer(timeout, watch.expire)
        timer.daemon = True
        timer.start()
        try:
            with _opener(watch).open(req, timeout=timeout) as answer:
                body = _read_capped(answer, limit, label)
                if watch.expired:
                    raise TimeoutError
                return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, body)
        except urllib.error.HTTPError as exc:
            detail = ""
            with contextlib.suppress(OSError, ValueError, http.client.HTTPException):
                detail = " ".join(exc.read(300).decode("utf-8", "replace").split()) if exc.fp else ""
            if exc.code in TRANSIENT_STATUS and attempt <= retries and not watch.expired:
                later = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                if exc.code == 429 and later is not None:
                    wait = min(later, MAX_RETRY_AFTER)
                sleep(wait)
                continue
            raise HTTPStatusError(f"{label}HTTP {exc.code} {exc.reason} {detail}".rstrip() + tries, exc.code) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            if watch.expired or isinstance(reason, (socket.timeout, TimeoutError)):
                raise ConnectionFailed(f"{label}timed out after {timeout:g} s{tries}") from None
            if _transient_connection_error(exc) and attempt <= retries:
                sleep(wait)
                continue
            raise ConnectionFailed(f"{label}cannot connect ({reason or type(exc).__name__}){tries}") from None
        finally:
            timer.cancel()
