"""One rate-limit pacer per process, driven by Intercom's X-RateLimit-* headers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

WINDOW_S = 10.0


class RateLimitPacer:
    """Lets requests through while the window has budget left, and waits for the reset when not.

    Nothing is slept while budget remains; requests in flight are counted against the budget so
    that concurrent workers do not overshoot it.
    """

    def __init__(self, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self.lock = threading.Lock()
        self.remaining: int | None = None
        self.reset_at = 0.0
        self.waited_s = 0.0

    def before_request(self) -> None:
        """Block until the current window has room for one more request, then take it."""
        while True:
            with self.lock:
                now = self.clock()
                if self.remaining is None or now >= self.reset_at:
                    self.remaining = None  # a new window: budget unknown until a response
                    return
                if self.remaining > 0:
                    self.remaining -= 1
                    return
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
        with self.lock:
            now = self.clock()
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
