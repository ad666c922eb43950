"""SeenIds: a set of ids on disk, exact across its in-memory batch and its SQLite table."""

from __future__ import annotations

import resource

from tap_intercom import seen
from tap_intercom.seen import SeenIds


def ids(n: int, offset: int = 0) -> list[str]:
    return [f"{(i + offset) * 7919:024x}" for i in range(n)]


def test_each_id_is_new_once_across_batches_written_to_disk() -> None:
    store = SeenIds()
    first = ids(seen.FLUSH_EVERY * 2 + 17)
    assert all(store.add(i) for i in first)
    assert not any(store.add(i) for i in first)  # in the table and in the pending batch alike
    assert len(store) == len(first)
    assert all(i in store for i in first)
    assert not any(i in store for i in ids(1000, offset=10**9))
    assert store.add("5f0c-last") and "5f0c-last" in store
    store.close()


def test_a_full_filter_still_answers_exactly(monkeypatch) -> None:
    monkeypatch.setattr(seen, "MASK", 63)  # 64 bits: nearly every lookup is a "maybe"
    monkeypatch.setattr(seen, "FLUSH_EVERY", 10)
    store = SeenIds()
    first, others = ids(500), ids(500, offset=10**6)
    assert all(store.add(i) for i in first)
    assert not any(i in store for i in others)
    assert all(store.add(i) for i in others)
    assert len(store) == 1000
    store.close()


def test_memory_stays_flat() -> None:
    """200,000 ids cost little more than the fixed filter, where a Python set takes ~25 MiB."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store = SeenIds()
    for n in range(200_000):
        store.add(f"{n * 7919:024x}")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(store) == 200_000
    assert grown_mib < seen.FILTER_BITS / 8 / 2**20 + 8, grown_mib
    store.close()
