"""HTTP requests to the one endpoint the user named: a deadline on each, a size cap on its answer,
no redirects, retries for transient failures only.

Used by the remote query engine and by ``publish``. A request is retried, with exponential backoff,
when it cannot have been processed or the server says to come back: connection refused, connection
reset or closed before an answer, HTTP 502/503/504, and 429 (after its ``Retry-After``, capped).
Anything else (a 4xx such as 400, 401 or 404, a 500, a timeout) fails at once: repeating it would
give the same answer or, for a slow server, multiply the wait.

Nothing but the named URL is contacted: the opener knows HTTP and HTTPS only (no ``ftp:``,
``file:`` or ``data:`` handlers), and a redirect (3xx) is an error naming its ``Location``, unless
the caller allows redirects that stay on the same scheme, host and port (``same_origin_redirects``).
``timeout`` is a total deadline per attempt, from connecting to the last byte of the answer (a
watchdog shuts the socket down when it passes, so an answer that trickles one byte at a time ends
too), and an answer longer than ``max_bytes`` (default :data:`DEFAULT_MAX_ANSWER_MB` MB, or
``IIMGRAPH_MAX_ANSWER_MB``) is cut off with an error instead of filling memory.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iimgraph.errors import AnswerTooLarge, ConnectionFailed, HTTPStatusError, RedirectRefused
from iimgraph.settings import DEFAULT_MAX_ANSWER_MB, MEGABYTES, env_number

if TYPE_CHECKING:  # the stdlib HTTP stack is imported when a request is made, not with the CLI
    import http.client
    import urllib.request

RETRIES = 3            # attempts after the first
BACKOFF = 0.5          # seconds before the first retry; doubled each time
MAX_RETRY_AFTER = 30.0  # seconds: the longest Retry-After honoured
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
MAX_ANSWER_MB = DEFAULT_MAX_ANSWER_MB
DEFAULT_MAX_BYTES = DEFAULT_MAX_ANSWER_MB * 1024 * 1024
MAX_REDIRECTS = 5      # same-origin hops followed at most, when allowed
_CHUNK = 1 << 16


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def max_answer_bytes() -> int:
    """The answer-size cap: ``IIMGRAPH_MAX_ANSWER_MB`` (a positive number) or :data:`DEFAULT_MAX_ANSWER_MB`."""
    megabytes = env_number("IIMGRAPH_MAX_ANSWER_MB", MEGABYTES, DEFAULT_MAX_ANSWER_MB)
    assert megabytes is not None
    return int(megabytes * 1024 * 1024)


def _retry_after(value: str | None) -> float | None:
    import email.utils

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
    import http.client

    reason = getattr(exc, "reason", exc)
    return isinstance(reason, (ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError,
                               BrokenPipeError, http.client.RemoteDisconnected, http.client.IncompleteRead))


class _Watch:
    """The deadline of one exchange: when it passes, every socket the exchange opened is shut down,
    which ends any read in progress (however slowly the server sends)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def add(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                self._shut(sock)
        return sock

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _opener(watch: _Watch) -> urllib.request.OpenerDirector:
    """HTTP and HTTPS only, no redirect handler (a 3xx arrives as an ``HTTPError``), proxies from the
    environment for those two schemes only; every socket opened is registered with ``watch``."""
    import http.client
    import ssl
    import urllib.request

    def watched(cls: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Watched(cls):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._create_connection = lambda *a, **k: watch.add(socket.create_connection(*a, **k))
        return Watched

    plain, secure = watched(http.client.HTTPConnection), watched(http.client.HTTPSConnection)

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(plain, req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(secure, req, context=ssl.create_default_context())

    proxies = {k: v for k, v in urllib.request.getproxies().items() if k in ("http", "https")}
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(proxies), HTTP(), HTTPS(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _read(answer: Any, max_bytes: int, truncate: bool, label: str) -> bytes:
    """The body, in chunks, up to ``max_bytes``: longer is an error, or with ``truncate`` cut short."""
    body = bytearray()
    while True:
        chunk = answer.read(min(_CHUNK, max_bytes + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            if truncate:
                return bytes(body[:max_bytes])
            raise AnswerTooLarge(f"{label}the answer is larger than {_size(max_bytes)} "
                                 f"(raise --max-answer-mb or IIMGRAPH_MAX_ANSWER_MB to accept more)")


def _size(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{n} bytes"


def _origin(url: str) -> tuple[str, str, int | None]:
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def request(method: str, url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float, retries: int = RETRIES, backoff: float = BACKOFF, what: str = "",
            max_bytes: int | None = None, truncate: bool = False, same_origin_redirects: bool = False,
            sleep: Callable[[float], None] = time.sleep) -> Response:
    """One HTTP exchange with ``url``; raises an :class:`~iimgraph.errors.EndpointError` subclass.

    ``timeout`` bounds each attempt as a whole; an answer over ``max_bytes`` (default
    :func:`max_answer_bytes`) raises :class:`AnswerTooLarge` (with ``truncate``: is cut short, for
    answers nobody reads).
    ``what`` names the request in messages (e.g. ``"PUT"``); the message also says how many
    attempts were made when there was more than one.
    """
    import http.client
    import urllib.error
    import urllib.parse
    import urllib.request

    named = url
    limit = max_bytes if max_bytes is not None else max_answer_bytes()
    label = f"{url}: {what + ': ' if what else ''}"
    attempt = 0
    hops = 0
    while True:
        attempt += 1
        tries = f" (after {attempt} attempts)" if attempt > 1 else ""
        wait = backoff * (2 ** (attempt - 1))
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        watch = _Watch(timeout)
        late = f"{label}timed out after {timeout:g} s (no complete answer){tries}"
        try:
            with _opener(watch).open(req, timeout=timeout) as answer:
                body = _read(answer, limit, truncate, label)
                if watch.expired:  # cut off by the watchdog: what arrived is not the whole answer
                    raise ConnectionFailed(late)
                return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, body)
        except urllib.error.HTTPError as exc:
            if watch.expired:
                raise ConnectionFailed(late) from None
            if 300 <= exc.code < 400:
                location = (exc.headers.get("Location") if exc.headers else None) or ""
                target = urllib.parse.urljoin(url, location.strip())
                if (same_origin_redirects and location and _origin(target) == _origin(named)
                        and hops < MAX_REDIRECTS):
                    hops += 1
                    url = target
                    attempt -= 1
                    continue
                why = ("it is not on the same scheme, host and port" if same_origin_redirects and location
                       and _origin(target) != _origin(named) else
                       f"more than {MAX_REDIRECTS} redirects" if same_origin_redirects and location else
                       "pass --same-origin-redirects to follow redirects on the same scheme, host and port")
                where = f"redirect to {target}" if location else "redirect without a Location"
                raise RedirectRefused(f"{label}{where} refused (HTTP {exc.code}): iimgraph contacts "
                                      f"only the URL you name ({why})") from None
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
            raise ConnectionFailed(late) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            if watch.expired:
                raise ConnectionFailed(late) from None
            if _transient_connection_error(exc) and attempt <= retries:
                sleep(wait)
                continue
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise ConnectionFailed(late) from None
            raise ConnectionFailed(f"{label}cannot connect ({reason or type(exc).__name__}){tries}") from None
        finally:
            watch.cancel()
