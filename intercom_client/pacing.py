"""One rate-limit pacer per process, driven by Intercom's X-RateLimit-* headers."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

WINDOW_S = 10.0


class RateLimitPacer:
    """Lets requests through while the window has budget left, and waits for the reset when not.

    Nothing is slept while budget remains; requests in flight are counted against the budget so
    that concurrent workers do not overshoot it. With `share` below 1, this process also stops
    at that share of the window's `X-RateLimit-Limit`, leaving the rest to other tools.
    """

    def __init__(self, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, share: float = 1.0) -> None:
        self.clock = clock
        self.sleep = sleep
        self.share = share
        self.lock = threading.Lock()
        self.remaining: int | None = None
        self.reset_at = 0.0
        self.limit: int | None = None  # the window's X-RateLimit-Limit, once a response told it
        self.used = 0  # requests this process sent in the current window
        self.window_ends = 0.0  # when the window of `used` ends (its reset, else a guess)
        self.waited_s = 0.0

    def own_cap(self) -> int | None:
        """The requests this process may send in one window, or None when it may use them all."""
        if self.share >= 1 or self.limit is None:
            return None
        return max(1, math.floor(self.limit * self.share))

    def before_request(self) -> None:
        """Block until the current window has room for one more request, then take it."""
        while True:
            with self.lock:
                now = self.clock()
                if now >= self.window_ends:  # a new window for this process's own count
                    self.used = 0
                    self.window_ends = self.reset_at if self.reset_at > now else now + WINDOW_S
                cap = self.own_cap()
                if cap is not None and self.used >= cap:
                    delay = self.window_ends - now + 0.05
                elif self.remaining is None or now >= self.reset_at:
                    self.remaining = None  # a new window: budget unknown until a response
                    self.used += 1
                    return
                elif self.remaining > 0:
                    self.remaining -= 1
                    self.used += 1
                    return
                else:
                    delay = self.reset_at - now + 0.05
            self.waited_s += delay
            self.sleep(delay)

    def after_response(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn the window's budget from a response; a 429 empties it until the reset."""
        try:
            remaining = int(headers["X-RateLimit-Remaining"])
            reset_at = float(headers["X-RateLimit-Reset"])
        except (KeyError, ValueError, TypeError):
            remaining, reset_at = None, 0.0
        try:
            limit: int | None = int(headers["X-RateLimit-Limit"])
        except (KeyError, ValueError, TypeError):
            limit = None
        with self.lock:
            now = self.clock()
            if limit is not None and limit > 0:
                self.limit = limit
            if reset_at > now and self.window_ends > now:
                self.window_ends = min(self.window_ends, reset_at)  # the window Intercom counts
            if status == 429:
                self.remaining = 0
                self.reset_at = max(self.reset_at, reset_at if reset_at > now else now + WINDOW_S)
                return
            if remaining is None:
                return
            if reset_at > self.reset_at:  # a newer window
                self.reset_at, self.remaining = reset_at, remaining
            elif reset_at == self.reset_at:
                self.remaining = remaining if self.remaining is None else min(self.remaining,
                                                                              remaining)


_PACER = RateLimitPacer()


def shared_pacer() -> RateLimitPacer:
    """The pacer every Intercom request of this process goes through."""
    return _PACER


def pacer_for(config: Mapping[str, Any]) -> RateLimitPacer:
    """The shared pacer, held to the `rate_limit_share` setting of `config` when it has one."""
    share = config.get("rate_limit_share")
    if share is not None:
        _PACER.share = float(share)
    return _PACER
