"""How records are read: scrolls, 1.x page lists and 2.x searches split into day windows."""

from __future__ import annotations

import functools
import math
import threading
import time
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from intercom_client.errors import error_detail
from tap_intercom.concurrency import ordered_chain, ordered_map

if t.TYPE_CHECKING:
    from tap_intercom.client import IntercomStream

SCROLL_LOCK = threading.Lock()  # one scroll at a time in this process: Intercom allows one per app
DAY = 86400
MAX_WINDOWS = 64
MIN_LATENCY_S = 0.04  # windows pay off only when requests spend their time waiting


class ScrollBusyError(FatalAPIError):
    """Another client holds the app's only scroll for longer than we wait."""


class ScrollBrokenError(Exception):
    """A scroll page failed; the scroll must start again (its position is unknown)."""


@dataclass(frozen=True)
class Bounds:
    """Which records a run emits: updated_at from `lower` (inclusive) to `upper` (frozen)."""

    lower: int | None
    upper: int

    def admits(self, updated_at: int | None) -> bool:
        if updated_at is None:
            return True
        return (self.lower is None or updated_at >= self.lower) and updated_at <= self.upper


def _code(exc: Exception) -> str | None:
    """Intercom's error code behind an API error, if it has one."""
    code = getattr(exc, "code", None)
    response = getattr(exc, "response", None)
    return code or (error_detail(response)[0] if response is not None else None)


# -- scroll -----------------------------------------------------------------------------------------


def scroll(stream: IntercomStream, path: str, key: str, max_restarts: int = 5) -> Iterator[dict]:
    """Every record of a scroll once; a failed page restarts the scroll and skips what was sent.

    A continuation page is never retried with the same scroll_param: Intercom may have moved the
    scroll on before failing, so retrying could silently skip a page.
    """
    seen: set[str] = set()
    wait_s = float(stream.config.get("scroll_wait_seconds") or 90)
    with SCROLL_LOCK:
        for attempt in range(max_restarts + 1):
            try:
                for record in _scroll_once(stream, path, key, wait_s):
                    if record["id"] not in seen:
                        seen.add(record["id"])
                        yield record
                return
            except ScrollBrokenError as exc:
                if attempt == max_restarts:
                    raise FatalAPIError(f"{path}: the scroll failed {attempt + 1} times; "
                                        f"last error: {exc}") from None
                stream.logger.warning("%s: restarting the scroll after %s (%d records sent so "
                                      "far are not sent again)", path, exc, len(seen))


def _scroll_once(stream: IntercomStream, path: str, key: str, wait_s: float) -> Iterator[dict]:
    body = _start_scroll(stream, path, wait_s)
    while body.get(key):
        yield from body[key]
        param = body.get("scroll_param")
        try:
            body = stream.fetch("GET", path, params={"scroll_param": param}, retry=False)
        except (RetriableAPIError, FatalAPIError, OSError) as exc:
            raise ScrollBrokenError(str(exc).splitlines()[0]) from None
        except Exception as exc:  # connection errors, broken bodies
            raise ScrollBrokenError(type(exc).__name__ + ": " + str(exc)[:200]) from None


def _start_scroll(stream: IntercomStream, path: str, wait_s: float) -> dict:
    """The first page of a new scroll, waiting (bounded) while another scroll holds the slot."""
    deadline = time.monotonic() + wait_s
    delay = 2.0
    while True:
        try:
            return stream.fetch("GET", path)
        except FatalAPIError as exc:
            if _code(exc) != "scroll_exists":
                raise
            if time.monotonic() + delay > deadline:
                raise ScrollBusyError(
                    f"{path}: another client holds this Intercom app's only scroll "
                    f"(scroll_exists) and it was not released within {wait_s:.0f} s; "
                    "stop the other export or retry in a minute") from None
            stream.logger.info("%s: another scroll is open (scroll_exists); waiting %.0f s",
                               path, delay)
            time.sleep(delay)
            delay = min(delay * 1.5, 15.0)


# -- 1.x page lists ---------------------------------------------------------------------------------


class PageCapReached(Exception):
    """Intercom will not page deeper (10,000 records); the caller falls back to a scroll."""


def newest_first(stream: IntercomStream, path: str, key: str, bounds: Bounds,
                 params: dict | None = None, max_restarts: int = 3) -> Iterator[dict]:
    """Records updated within `bounds`, read newest first from a 1.x page list.

    Newest first is loss-free while records change: an update moves a record to the front, so
    the pages behind it shift back (repeats, never gaps). Records removed ahead of the reader
    shift pages forward; a falling `total_count` reveals that and the read starts over.
    """
    seen: set[str] = set()
    query = {"per_page": 60, "sort": "updated_at", "order": "desc", **(params or {})}
    for _ in range(max_restarts + 1):
        url, request_params, total = path, dict(query), None
        restarted = False
        while url:
            try:
                body = stream.fetch("GET", url, params=request_params)
            except FatalAPIError as exc:
                if _code(exc) == "bad_request" and "scroll" in str(exc):
                    raise PageCapReached(str(exc)) from None
                raise
            count = body.get("total_count")
            if total is not None and count is not None and count < total:
                stream.logger.info("%s: records were removed while paging; reading again", path)
                restarted = True
                break
            total = count if count is not None else total
            for record in body.get(key) or []:
                updated = record.get("updated_at")
                if bounds.lower is not None and updated is not None and updated < bounds.lower:
                    return
                if bounds.admits(updated) and record["id"] not in seen:
                    seen.add(record["id"])
                    yield record
            url, request_params = (body.get("pages") or {}).get("next"), None
        if not restarted:
            return


# -- 2.x search -----------------------------------------------------------------------------------------


def _window_query(base: list[dict], lower: int | None, upper: int | None) -> dict:
    """Records of the calendar days from `lower`'s day up to, not including, `upper`'s day."""
    terms = list(base)
    if lower is not None:
        terms.append({"operator": "OR", "value": [
            {"field": "updated_at", "operator": ">", "value": lower},
            {"field": "updated_at", "operator": "=", "value": lower}]})
    if upper is not None:
        terms.append({"field": "updated_at", "operator": "<", "value": upper})
    if not terms:
        terms.append({"field": "updated_at", "operator": ">", "value": 0})
    return terms[0] if len(terms) == 1 else {"operator": "AND", "value": terms}


@dataclass
class SearchPlan:
    """A search split into day-aligned windows that tile the range exactly."""

    stream: IntercomStream
    path: str
    key: str
    base: list[dict]
    per_page: int

    def count(self, lower: int | None, upper: int | None) -> int:
        body = self.stream.fetch("POST", self.path, body={
            "query": _window_query(self.base, lower, upper), "pagination": {"per_page": 1}})
        return int(body.get("total_count") or 0)

    def timed_count(self, lower: int | None) -> tuple[int, float]:
        """Records from `lower` on, and how long Intercom took to say."""
        asked = time.monotonic()
        total = self.count(lower, None)
        return total, time.monotonic() - asked

    def earliest(self) -> int | None:
        body = self.stream.fetch("POST", self.path, body={
            "query": _window_query(self.base, None, None), "pagination": {"per_page": 1},
            "sort": {"field": "updated_at", "order": "ascending"}})
        rows = body.get(self.key) or []
        return rows[0]["updated_at"] if rows else None

    def windows(self, lower: int | None, upper: int, target: int, workers: int
                ) -> list[tuple[int | None, int | None]]:
        """Windows of about `target` records, planned in one concurrent round of counts.

        The range is cut into equal spans (twice as many as the records need, since changes
        cluster in time), each span is counted, and neighbours are merged up to `target`.
        """
        start = lower if lower is not None else self.earliest()
        if start is None:
            return [(lower, None)]
        total, waited = self.timed_count(lower)
        if waited >= MIN_LATENCY_S:  # the first answer may have been slow for other reasons
            total, again = self.timed_count(lower)
            waited = min(waited, again)
        if waited < MIN_LATENCY_S:
            return [(lower, None)]  # answers come fast: one cursor beats threads sharing a core
        # Enough windows to keep every worker busy about three times over, none tiny.
        target = max(self.per_page * 4, min(target, math.ceil(total / (3 * workers))))
        if total <= 2 * target:
            return [(lower, None)]
        pieces = min(2 * math.ceil(total / target), MAX_WINDOWS)
        step = max(DAY, (upper - start) // pieces)
        cuts = list(range(start + step, upper, step))
        spans = list(zip([lower, *cuts], [*cuts, None], strict=True))
        counts = []
        for _span, n in ordered_map(lambda w: self.count(*w), spans, workers):
            if isinstance(n, BaseException):
                raise n
            counts.append(n)
        windows: list[tuple[int | None, int | None]] = []
        size = 0
        for (lo, hi), n in zip(spans, counts, strict=True):
            if windows and size + n <= target:
                windows[-1] = (windows[-1][0], hi)
                size += n
            else:
                windows.append((lo, hi))
                size = n
        return windows

    def pages(self, window: tuple[int | None, int | None]) -> Iterator[list[dict]]:
        """The pages of one window, each ascending by updated_at."""
        lower, upper = window
        body_base = {"query": _window_query(self.base, lower, upper),
                     "sort": {"field": "updated_at", "order": "ascending"}}
        cursor = None
        while True:
            pagination: dict = {"per_page": self.per_page}
            if cursor:
                pagination["starting_after"] = cursor
            body = self.stream.fetch("POST", self.path, body={**body_base,
                                                               "pagination": pagination})
            yield body.get(self.key) or []
            cursor = ((body.get("pages") or {}).get("next") or {}).get("starting_after")
            if not cursor:
                return


def search(stream: IntercomStream, path: str, key: str, base: list[dict], bounds: Bounds,
           per_page: int, workers: int, window_target: int = 3000) -> Iterator[dict]:
    """Records within `bounds` in ascending updated_at order, windows fetched concurrently."""
    plan = SearchPlan(stream, path, key, base, per_page)
    windows = (plan.windows(bounds.lower, bounds.upper, window_target, workers)
               if workers > 1 else [(bounds.lower, None)])  # windows only help side by side
    if len(windows) > 1:
        stream.logger.info("%s: reading %d day windows with %d workers", stream.name,
                           len(windows), workers)
    producers = [functools.partial(plan.pages, window) for window in windows]
    for page in ordered_chain(producers, workers):
        for record in page:
            if bounds.admits(record.get("updated_at")):
                yield record
