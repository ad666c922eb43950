"""Intercom's per-app rate limit: a per-minute quota enforced in 10-second windows."""

from __future__ import annotations

import math
from collections.abc import Callable

WINDOW_S = 10


class RateLimiter:
    """Counts operations per 10-second window and reports Intercom's three headers."""

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.per_minute = per_minute
        self.window_start = 0
        self.used = 0

    @property
    def limit(self) -> int:
        """Operations allowed in one 10-second window (500/min gives 83)."""
        return max(1, self.per_minute // 6)

    def _roll(self) -> int:
        start = int(math.floor(self.clock() / WINDOW_S) * WINDOW_S)
        if start != self.window_start:
            self.window_start, self.used = start, 0
        return start

    def take(self) -> tuple[bool, dict[str, str]]:
        """Consume one operation; returns whether it was allowed and the headers to send."""
        start = self._roll()
        allowed = self.used < self.limit
        if allowed:
            self.used += 1
        return allowed, self.headers(start)

    def exhaust(self) -> dict[str, str]:
        """Headers for a forced 429: the window is reported as used up."""
        return {**self.headers(self._roll()), "X-RateLimit-Remaining": "0"}

    def headers(self, start: int) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.used)),
            "X-RateLimit-Reset": str(start + WINDOW_S),
        }
