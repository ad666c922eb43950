"""One rate-limit pacer per process, driven by Intercom's X-RateLimit-* headers."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

WINDOW_S = 10.0
LEAD_S = 0.5  # a window's budget is let out this far ahead of an even spread
PROBE_WAIT_S = 0.02  # how often the other requests look whether the first one was answered


class RateLimitPacer:
    """Spreads this process's requests evenly over each 10-second window, within its budget.

    A window's budget is what its answers left (`X-RateLimit-Remaining`, less the requests sent
    since), or before its first answer the window's `X-RateLimit-Limit`; with `share` below 1,
    at most that share of the limit, the rest being left to other tools. By any point of the
    window, at most the same part of the budget has been sent (plus LEAD_S's worth), so the
    budget is neither spent in a burst at the window's start nor left unused at its end, and
    the pacer, not the number of workers, sets the rate. Until an answer has told the limit,
    one request goes at a time.
    """

    def __init__(self, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, share: float = 1.0) -> None:
        self.clock = clock
        self.sleep = sleep
        self.share = share
        self.lock = threading.Lock()
        self.remaining: int | None = None  # in the window ending at reset_at, less sends since
        self.reset_at = 0.0
        self.limit: int | None = None  # the window's X-RateLimit-Limit, once a response told it
        self.used = 0  # requests this process sent in the current window
        self.window_ends = 0.0  # when the window of `used` ends (its reset, else a guess)
        self.out = 0  # requests sent and not answered yet
        self.answered = False  # a response (or a failure) came back since the first request
        self.probing = False  # the first request is out and nothing came back yet
        self.waited_s = 0.0

    def own_cap(self) -> int | None:
        """The requests this process may send in one window, or None when it may use them all."""
        if self.share >= 1 or self.limit is None:
            return None
        return max(1, math.floor(self.limit * self.share))

    def budget(self) -> int | None:
        """The requests this process may send in the current window, those sent included, or
        None while no answer has told any limit."""
        known = [self.used + self.remaining if self.remaining is not None else self.limit,
                 self.own_cap()]
        caps = [n for n in known if n is not None]
        return min(caps) if caps else None

    def before_request(self) -> None:
        """Block until the current window has room for one more request, then take it."""
        while True:
            with self.lock:
                delay = self._take(self.clock())
            if delay is None:
                return
            self.waited_s += delay
            self.sleep(delay)

    def _take(self, now: float) -> float | None:
        """Take the next request's place in the window, or say how long to wait for it."""
        if now >= self.window_ends:  # a new window for this process's own count
            self.used = 0
            self.window_ends = (self.reset_at if now < self.reset_at <= now + WINDOW_S
                                else now + WINDOW_S)
        if now >= self.reset_at:
            self.remaining = None  # a new window: its budget is the limit until an answer
        budget = self.budget()
        if budget is None:
            if self.probing:
                return PROBE_WAIT_S
            self.probing = not self.answered
            self.used += 1
            self.out += 1
            return None
        if self.used >= budget:
            return self.window_ends - now + 0.05
        due = self.window_ends - WINDOW_S + self.used * WINDOW_S / budget - LEAD_S
        if now < due:
            return due - now
        self.used += 1
        self.out += 1
        if self.remaining is not None:
            self.remaining -= 1
        return None

    def no_answer(self) -> None:
        """A request failed without an answer: it tells nothing, but it is no longer out."""
        with self.lock:
            self.answered, self.probing = True, False
            self.out = max(0, self.out - 1)

    def after_response(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn the window's budget from a response; a 429 empties it until the reset.

        The answer's `X-RateLimit-Remaining` counts the requests that reached Intercom before
        it; those still out may be counted after it, so they are taken off."""
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
            self.answered, self.probing = True, False
            self.out = max(0, self.out - 1)
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
            remaining = max(0, remaining - self.out)
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
