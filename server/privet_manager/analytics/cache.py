"""The answers already computed, exact rather than timed: an answer is a pure function of
(endpoint, period, manager, today in Moscow, the data), and the data's state is named by the
analytics revision, which PostgreSQL moves in the same transaction as every change that can
move a figure (migration 0017). An answer computed after reading revision r holds at least
state r (each statement of a READ COMMITTED request sees what was committed when it
started), so it is stored under r and served to a request that reads r again.

In-process and bounded by entries and by bytes, least recently used out first: each process
keeps its own, the revision makes every one of them exact. The standard library's
OrderedDict is enough (`functools.lru_cache` cannot bound bytes or compare revisions)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

MAX_ENTRIES = 512
MAX_BYTES = 16 * 2**20


class ResultCache:
    """Encoded answers by key, each with the revision it was computed at."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Hashable, tuple[int, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, revision: int) -> bytes | None:
        """The answer computed at `revision`; an older one is dropped."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] != revision:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, revision: int, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        kept = self._entries.get(key)
        if kept is not None:
            if kept[0] > revision:  # a request that read a later revision stored it first
                return
            self._drop(key)
        self._entries[key] = (revision, body)
        self.bytes += len(body)
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def _drop(self, key: Hashable) -> None:
        _, body = self._entries.pop(key)
        self.bytes -= len(body)
