"""``serve``'s answer cache and its HTTP validators (``ETag``, ``If-None-Match``).

A graph that does not change answers the same query the same way: the release graph never changes
under a running server, and a working copy is keyed by its state (:meth:`GraphSource.state`, which
changes with any saved file). So an answer, once written within the guards (timeout, row cap, byte
cap), is kept by its key (the source's state, the query text, the formats negotiated, the row cap)
in a least-recently-used table bounded in bytes, and served again without a worker. A key holds the
state, so an edited working copy can never be given an answer of its earlier state; the endpoint
also empties the table when the state changes.

Every answer carries a strong ``ETag`` (a digest of its bytes), so a client that already holds it
gets ``304 Not Modified`` for ``If-None-Match``; that holds with the cache off too.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable

from iimgraph.query.results import Serialized


def etag(body: bytes) -> str:
    """A strong entity tag for ``body``: the same bytes, the same tag, whichever process wrote them."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (weak comparison, as RFC 9110 says for this header)."""
    if not if_none_match:
        return False
    wanted = tag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


class Tagged:
    """An answer and its entity tag."""

    __slots__ = ("answer", "etag")

    def __init__(self, answer: Serialized) -> None:
        self.answer, self.etag = answer, etag(answer.body)


#: bytes counted for an entry beside its body and the text in its key (the objects that hold them)
ENTRY_OVERHEAD = 512


def entry_size(key: Hashable, tagged: Tagged) -> int:
    """What an entry holds: its body, the text of its key (a query can be 1 MB with a 20-byte answer) and
    :data:`ENTRY_OVERHEAD`."""
    parts = key if isinstance(key, tuple) else (key,)
    text = sum(len(p) for p in parts if isinstance(p, (str, bytes)))
    return len(tagged.answer.body) + text + ENTRY_OVERHEAD


class AnswerCache:
    """Answers by key, least recently used first out, entries of at most ``max_bytes`` in all
    (:func:`entry_size`; 0: keeps nothing)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._table: OrderedDict[Hashable, tuple[Tagged, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def on(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Hashable) -> Tagged | None:
        if not self.on:
            return None
        with self._lock:
            found = self._table.get(key)
            if found is None:
                self.misses += 1
                return None
            self._table.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, tagged: Tagged) -> None:
        """Keep ``tagged`` unless it alone is over a quarter of the table (one answer must not empty it)."""
        size = entry_size(key, tagged)
        if not self.on or size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._table.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._table[key] = (tagged, size)
            self._size += size
            while self._size > self.max_bytes:
                _, (_, dropped) = self._table.popitem(last=False)
                self._size -= dropped

    def clear(self) -> None:
        with self._lock:
            self._table.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._table)

    @property
    def size(self) -> int:
        """Bytes counted for the entries kept (:func:`entry_size`)."""
        return self._size
