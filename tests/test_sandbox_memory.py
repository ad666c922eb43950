"""The sandbox's memory at scale: renderings are kept within a fixed budget."""

from __future__ import annotations

import orjson

from intercom_sandbox.api.state import RenderCache


def test_renderings_stay_within_the_budget_and_stay_right(monkeypatch) -> None:
    monkeypatch.setattr(RenderCache, "MAX_BYTES", 10_000)
    cache = RenderCache()
    renders = []

    def render(record: dict) -> dict:
        renders.append(record["id"])
        return {"id": record["id"], "pad": "x" * 200}

    for n in range(500):
        record = {"id": str(n)}
        assert orjson.loads(cache.encode("contacts", 2, record, render))["id"] == str(n)
        assert cache.size <= RenderCache.MAX_BYTES
        assert cache.size == sum(len(v) for b in cache.entries.values() for v in b.values())
    assert len(renders) == 500
    cache.encode("contacts", 2, {"id": "499"}, render)  # the latest is still cached
    assert len(renders) == 500
    cache.invalidate("contacts", "499")
    assert cache.size == sum(len(v) for b in cache.entries.values() for v in b.values())
