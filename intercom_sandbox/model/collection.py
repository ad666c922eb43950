"""A collection of objects of one kind, with a version that counts its changes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

# Versions are unique across every collection ever made, so caches keyed by one never go stale.
VERSIONS = itertools.count(1)


class Collection:
    """Objects of one kind by id, kept in creation order, with a version that counts changes."""

    def __init__(self, name: str, records: Iterable[dict],
                 on_change: Callable[[str, str], None]) -> None:
        self.name = name
        self.by_id: dict[str, dict] = {}
        self.version = next(VERSIONS)
        self.next_seq = 0
        self._ordered: tuple[int, list[dict]] | None = None
        self._on_change = on_change
        for record in records:
            self.by_id[record["id"]] = record
            self.next_seq = max(self.next_seq, record.get("seq", 0) + 1)

    def get(self, object_id: str) -> dict | None:
        return self.by_id.get(object_id)

    def add(self, record: dict) -> dict:
        record.setdefault("seq", self.next_seq)
        self.next_seq = max(self.next_seq, record["seq"] + 1)
        self.by_id[record["id"]] = record
        self.touch(record["id"])
        return record

    def remove(self, object_id: str) -> dict | None:
        record = self.by_id.pop(object_id, None)
        self.touch(object_id)
        return record

    def touch(self, object_id: str) -> None:
        """Note that an object changed: bumps the version and drops cached renderings."""
        self.version = next(VERSIONS)
        self._ordered = None
        self._on_change(self.name, object_id)

    def ordered(self) -> list[dict]:
        """Every object in creation order (cached until the next change)."""
        if self._ordered is None or self._ordered[0] != self.version:
            # Objects are inserted in sequence order, so the dict's own order is creation order.
            self._ordered = (self.version, list(self.by_id.values()))
        return self._ordered[1]
