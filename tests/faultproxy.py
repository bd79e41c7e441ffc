"""An HTTP proxy on 127.0.0.1 in front of a real SPARQL store, injecting one fault into chosen requests.

Each request is classified by what publish sends (``upload``: the Graph Store PUT; ``replace``: the
update that swaps staging in; ``drop``: a DROP; ``delete``: a Graph Store DELETE; ``query``: a
SPARQL query; ``update``: any other update), and the first rule that matches it acts:

- ``hold``: forward the request, then keep the answer ``seconds`` longer (the client's timeout fires
  while the store does the work: what a slow store looks like);
- ``fail``: answer ``status`` without forwarding (the store refused);
- ``fail-after``: forward, then answer ``status`` (the store did the work but said it failed);
- ``call``: run ``callback`` (e.g. send a signal to the publishing process), then forward as ``hold``;
- ``half``: forward only the first operation of the update (up to its first ``;``), then answer
  ``status``: a store without transactions that stopped between the DELETE and the INSERT;
- ``cut``: forward the request, and ``seconds`` later end the client's exchange without an answer
  (a malformed status line, which is not retried) while the store goes on working: what the client
  sees when its own timeout fires mid-request.

A rule applies ``times`` times (None: always) after letting ``skip`` matching requests through, and only once the ``after`` kind was seen (``"upload"``: after
staging). ``seen`` records (kind, status given) in order.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def classify(method: str, path: str, body: bytes) -> str:
    if method == "PUT":
        return "upload"
    if method == "DELETE":
        return "delete"
    text = body.decode("utf-8", "replace")
    if "=" in text and not text.lstrip().upper().startswith(("DROP", "DELETE", "INSERT", "CLEAR")):
        form = urllib.parse.parse_qs(text)
        text = (form.get("update") or form.get("query") or [text])[0]
    head = text.lstrip().upper()
    if head.startswith(("DELETE {", "DELETE{")):
        return "replace"
    if head.startswith("DROP"):
        return "drop"
    if head.startswith(("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "PREFIX")) or "query=" in path:
        return "query"
    return "update"


@dataclass
class Rule:
    kind: str
    action: str  # hold | fail | fail-after | call | half | cut
    seconds: float = 0.0
    status: int = 500
    times: int | None = 1
    after: str | None = None
    callback: Callable[[], None] | None = None
    skip: int = 0  # matching requests let through untouched first
    used: int = 0


@dataclass
class FaultProxy:
    upstream: str  # http://127.0.0.1:PORT
    rules: list[Rule] = field(default_factory=list)
    seen: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        owner = self
        parts = urllib.parse.urlsplit(self.upstream)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner._handle(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _rule(self, kind: str) -> Rule | None:
        with self._lock:
            kinds = [k for k, _ in self.seen]
            for rule in self.rules:
                if rule.kind not in (kind, "*") or (rule.times is not None and rule.used >= rule.times):
                    continue
                if rule.after is not None and rule.after not in kinds:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.used += 1
                return rule
        return None

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        kind = classify(handler.command, handler.path, body)
        rule = self._rule(kind)
        if rule is not None and rule.action == "fail":
            self._answer(handler, kind, rule.status, {}, b"injected failure")
            return
        if rule is not None and rule.action == "call" and rule.callback is not None:
            rule.callback()
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection", "content-length")}
        if rule is not None and rule.action == "half":
            first = body.decode("utf-8").split(";\n", 1)[0].encode("utf-8")
            with contextlib.suppress(OSError, http.client.HTTPException):
                self._forward(handler.command, handler.path, first, headers)
            self._answer(handler, kind, rule.status, {}, b"injected failure half-way through the update")
            return
        if rule is not None and rule.action == "cut":
            upstream = http.client.HTTPConnection(self._host, self._port, timeout=600)
            def work() -> None:
                with contextlib.suppress(OSError, http.client.HTTPException):
                    self._forward(handler.command, handler.path, body, headers, upstream)

            threading.Thread(target=work, daemon=True).start()
            time.sleep(rule.seconds)
            with self._lock:
                self.seen.append((kind, 0))
            with contextlib.suppress(OSError):  # a bad status line: the client gives up at once, no retry
                handler.wfile.write(b"CUT\r\n\r\n")
                handler.wfile.flush()
                handler.connection.shutdown(socket.SHUT_RDWR)
            if upstream.sock is not None:  # and the store sees its client go away, as with a real timeout
                with contextlib.suppress(OSError):
                    upstream.sock.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            return
        try:
            status, answer_headers, data = self._forward(handler.command, handler.path, body, headers)
        except (OSError, http.client.HTTPException):
            self._answer(handler, kind, 502, {}, b"upstream unreachable")
            return
        if rule is not None and rule.action in ("hold", "call"):
            time.sleep(rule.seconds)
        if rule is not None and rule.action == "fail-after":
            status, data = rule.status, b"injected failure after the work was done"
        self._answer(handler, kind, status, answer_headers, data)

    def _forward(self, method: str, path: str, body: bytes, headers: dict[str, str],
                 conn: http.client.HTTPConnection | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = conn or http.client.HTTPConnection(self._host, self._port, timeout=600)
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            conn.close()

    def _answer(self, handler: BaseHTTPRequestHandler, kind: str, status: int, headers: dict[str, str],
                data: bytes) -> None:
        with self._lock:
            self.seen.append((kind, status))
        try:
            handler.send_response(status)
            for k, v in headers.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    handler.send_header(k, v)
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up (its timeout) before the answer
            pass
        handler.close_connection = True

    def kinds(self) -> list[str]:
        with self._lock:
            return [k for k, _ in self.seen]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
