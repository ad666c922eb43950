"""The ids a read has already sent, kept on disk so memory does not grow with the workspace."""

from __future__ import annotations

import sqlite3
import threading

FILTER_BITS = 1 << 26  # an 8 MiB Bloom filter: about 1 false "maybe" in 25 at 10 million ids
FILTER_PROBES = 4
FLUSH_EVERY = 10_000  # ids gathered in memory before they are written in one statement
MASK = FILTER_BITS - 1


class SeenIds:
    """A set of ids in a private temporary SQLite database (deleted when closed).

    A scroll remembers every id it sent so that a restarted scroll can skip them; for a workspace
    of millions that set outgrows the records in flight, so it lives in a B-tree on disk. A
    fixed-size Bloom filter answers "never seen" without touching the disk, and new ids are
    written in batches, so memory stays flat and the common case (a new id) stays cheap.
    """

    def __init__(self) -> None:
        self.db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        for pragma in ("cache_size = -2048", "journal_mode = OFF", "synchronous = OFF"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY) WITHOUT ROWID")
        self.filter = bytearray(FILTER_BITS // 8)
        self.pending: set[str] = set()
        self.lock = threading.Lock()
        self.count = 0

    @staticmethod
    def _probes(record_id: str) -> list[int]:
        digest = hash(record_id) & 0xFFFF_FFFF_FFFF_FFFF
        first, step = digest & MASK, (digest >> 26) & MASK | 1
        return [(first + i * step) & MASK for i in range(FILTER_PROBES)]

    def _maybe_seen(self, probes: list[int]) -> bool:
        return all(self.filter[p >> 3] & (1 << (p & 7)) for p in probes)

    def _stored(self, record_id: str) -> bool:
        return record_id in self.pending or self.db.execute(
            "SELECT 1 FROM seen WHERE id = ?", (record_id,)).fetchone() is not None

    def add(self, record_id: str) -> bool:
        """Remember `record_id`; True when it was not seen before."""
        probes = self._probes(record_id)
        with self.lock:
            if self._maybe_seen(probes) and self._stored(record_id):
                return False
            for p in probes:
                self.filter[p >> 3] |= 1 << (p & 7)
            self.pending.add(record_id)
            self.count += 1
            if len(self.pending) >= FLUSH_EVERY:
                self.db.executemany("INSERT INTO seen VALUES (?)", ((i,) for i in self.pending))
                self.pending.clear()
            return True

    def __contains__(self, record_id: object) -> bool:
        if not isinstance(record_id, str):
            return False
        with self.lock:
            return self._maybe_seen(self._probes(record_id)) and self._stored(record_id)

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self.db.close()
