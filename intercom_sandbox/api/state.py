"""Everything a running sandbox holds: workspace, limiter, faults, stats and caches."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable

import orjson

from intercom_sandbox.config import SandboxConfig
from intercom_sandbox.model.faults import FaultPlan
from intercom_sandbox.model.query import SearchEngine
from intercom_sandbox.model.ratelimit import RateLimiter
from intercom_sandbox.model.workspace import Workspace

# Renderings that embed other objects' fields are dropped when those objects change.
DEPENDENTS = {"tags": ("contacts", "companies", "conversations", "conversation_details"),
              "segments": ("companies",),
              "contacts": ("conversations", "conversation_details")}
SAME_ID = {"conversations": ("conversation_details",)}


class RenderCache:
    """Encoded JSON of each object per dialect, dropped when the object changes.

    At most MAX_BYTES are kept: past that the cache starts over, so a workspace of millions is
    served within a fixed budget (a full read renders each object once anyway).
    """

    MAX_BYTES = 256 * 1024 * 1024  # 100,000 contacts rendered once fit

    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], dict[str, bytes]] = defaultdict(dict)
        self.size = 0

    def invalidate(self, collection: str, object_id: str) -> None:
        if collection == "*":
            self.entries.clear()
            self.size = 0
            return
        for dialect in (1, 2):
            for name in (collection, *SAME_ID.get(collection, ())):
                self.size -= len(self.entries[(name, dialect)].pop(object_id, b""))
            for dependent in DEPENDENTS.get(collection, ()):
                bucket = self.entries[(dependent, dialect)]
                self.size -= sum(map(len, bucket.values()))
                bucket.clear()

    def encode(self, collection: str, dialect: int, record: dict,
               render: Callable[[dict], dict]) -> bytes:
        bucket = self.entries[(collection, dialect)]
        encoded = bucket.get(record["id"])
        if encoded is None:
            # An exact-size copy: orjson's own buffer keeps several times the JSON's size.
            encoded = memoryview(orjson.dumps(render(record))).tobytes()
            if self.size + len(encoded) > self.MAX_BYTES:
                self.entries.clear()
                self.size = 0
                bucket = self.entries[(collection, dialect)]
            bucket[record["id"]] = encoded
            self.size += len(encoded)
        return encoded


class SandboxState:
    """The sandbox behind one server."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.cache = RenderCache()
        self.workspace = Workspace(config)
        self.workspace.listeners.append(self.cache.invalidate)
        self.search = SearchEngine()
        self.limiter = RateLimiter(config.rate_limit_per_minute, self.workspace.clock)
        self.faults = FaultPlan(config.seed, config.faults)
        self.latency_rng = random.Random(config.seed + 17)
        self.stats: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.in_flight = 0
        self.max_in_flight = 0

    def reset(self) -> None:
        """Back to the seeded workspace; stats, scrolls and jobs forgotten, settings kept."""
        self.workspace.reset()
        self.search = SearchEngine()
        self.stats.clear()
        self.max_in_flight = self.in_flight
        self.faults.replace(self.config.faults)

    def record(self, route: str, status: int) -> None:
        self.stats[route][status] += 1

    def latency_s(self) -> float:
        ms = self.config.latency_ms
        if self.config.jitter_ms:
            ms += self.latency_rng.uniform(0, self.config.jitter_ms)
        return ms / 1000.0
