"""The shared pacer against the sandbox's rate limiter: no 429s, and with `rate_limit_share` this
process keeps to its share of each window, leaving the rest to other tools on the same app."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from intercom_client.http import IntercomHttp
from intercom_client.pacing import PROBE_WAIT_S, RateLimitPacer, pacer_for, shared_pacer
from tests.conftest import SandboxClient, start_sandbox

PER_WINDOW = 10  # 60 a minute: 10 in each 10-second window


@pytest.fixture(scope="module")
def limited():
    sb = start_sandbox(rate_limit_per_minute=PER_WINDOW * 6)
    try:
        yield sb
    finally:
        sb.stop()


def config(sb, **settings: object) -> dict:
    return {"access_token": sb.token, "api_url": sb.url, "api_version": "2.11",
            "request_timeout": 30, **settings}


def windows_of(responses: list[requests.Response]) -> Counter:
    """Requests answered in each rate-limit window, by the window's reset time."""
    return Counter(int(r.headers["X-RateLimit-Reset"]) for r in responses)


def test_a_share_caps_this_process_in_every_window(limited) -> None:
    pacer = RateLimitPacer(share=0.5)
    http = IntercomHttp(config(limited), "test", pacer=pacer)
    other_tool = SandboxClient(limited)
    time.sleep(10 - time.time() % 10 + 0.05)  # start at a window's beginning
    try:
        with ThreadPoolExecutor(4) as pool:  # concurrent workers still keep to the share
            ours = list(pool.map(lambda _: http.request("GET", "/tags"), range(12)))
        assert {r.status_code for r in ours} == {200}
        per_window = windows_of(ours)
        assert max(per_window.values()) <= PER_WINDOW // 2, per_window
        assert len(per_window) >= 3  # 12 requests at 5 a window take three windows
        assert pacer.waited_s > 0
        # What the share left is there for another tool, in the window we are in now.
        theirs = [other_tool.get("/tags") for _ in range(PER_WINDOW // 2 - 1)]
        assert {r.status_code for r in theirs} == {200}
    finally:
        http.close()


def test_without_a_share_the_whole_window_is_used_and_nothing_is_refused(limited) -> None:
    pacer = RateLimitPacer()
    http = IntercomHttp(config(limited), "test", pacer=pacer)
    time.sleep(10 - time.time() % 10 + 0.05)
    try:
        ours = [http.request("GET", "/tags") for _ in range(PER_WINDOW + 2)]
        assert {r.status_code for r in ours} == {200}
        assert max(windows_of(ours).values()) == PER_WINDOW
    finally:
        http.close()


def test_the_setting_reaches_the_shared_pacer(limited) -> None:
    before = shared_pacer().share
    try:
        assert pacer_for(config(limited, rate_limit_share=0.25)) is shared_pacer()
        assert shared_pacer().share == 0.25
        IntercomHttp(config(limited, rate_limit_share=0.75), "test").close()
        assert shared_pacer().share == 0.75
    finally:
        shared_pacer().share = before


def test_more_workers_than_a_window_holds_use_every_window_without_a_429(limited) -> None:
    """Sixteen workers against ten requests a window: the pacer, not the workers, sets the
    rate; no request is refused (none is retried) and no window goes unused."""
    http = IntercomHttp(config(limited), "test", pacer=RateLimitPacer())
    time.sleep(10 - time.time() % 10 + 0.05)
    try:
        with ThreadPoolExecutor(16) as pool:
            ours = list(pool.map(lambda _: http.request("GET", "/tags", retry=False),
                                 range(2 * PER_WINDOW + 3)))
        assert {r.status_code for r in ours} == {200}
        per_window = windows_of(ours)
        assert max(per_window.values()) <= PER_WINDOW, per_window
        assert len(per_window) == 3, per_window  # 23 requests at 10 a window: three windows
    finally:
        http.close()


class FakeTime:
    """A clock that moves only when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def limit_headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset)}


def test_a_window_is_spread_evenly_and_used_to_its_end() -> None:
    fake = FakeTime()
    pacer = RateLimitPacer(clock=fake.clock, sleep=fake.sleep)
    pacer.before_request()
    pacer.after_response(200, limit_headers(100, 99, 10))
    taken = [0.0]
    for _ in range(149):
        pacer.before_request()
        taken.append(fake.now)
    by_second = Counter(int(t) for t in taken)
    assert sum(n for second, n in by_second.items() if second < 10) == 100  # the whole window
    assert max(n for second, n in by_second.items() if second < 10) <= 15  # none bunched
    assert all(by_second[second] >= 5 for second in range(10))  # none idle
    assert taken[100] >= 10  # the next window's first request waits for it


def test_until_an_answer_tells_the_limit_one_request_is_out_at_a_time() -> None:
    fake = FakeTime()
    pacer = RateLimitPacer(clock=fake.clock, sleep=fake.sleep)
    pacer.before_request()
    assert pacer.probing
    waits: list[float] = []

    def answer_while_waiting(seconds: float) -> None:
        waits.append(seconds)
        fake.sleep(seconds)
        pacer.after_response(200, limit_headers(10, 9, 10))

    pacer.sleep = answer_while_waiting
    pacer.before_request()  # waits for the first request's answer, then for its place
    assert waits[0] == PROBE_WAIT_S and pacer.budget() == 10 and not pacer.probing
