"""How records are read: scrolls, 1.x page lists and 2.x searches split into day windows."""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import math
import threading
import time
import typing as t
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from urllib3.exceptions import NewConnectionError

from intercom_client.errors import IntercomError
from intercom_client.http import MAX_TRIES, wait_before_retry
from tap_intercom.concurrency import merged, ordered_chain, ordered_map
from tap_intercom.seen import SeenIds

SCROLL_LOCK = threading.Lock()  # one scroll at a time in this process: Intercom allows one per app
DAY = 86400
MAX_WINDOWS = 64
MIN_LATENCY_S = 0.04  # windows pay off only when requests spend their time waiting
MAX_STALLS = 3  # passes' worth of records received without a new one ends a scroll read


class Source(t.Protocol):
    """What a reader needs from a stream: a name for messages, a logger and one request."""

    @property
    def name(self) -> str: ...

    @property
    def logger(self) -> logging.Logger: ...

    def fetch(self, method: str, path: str, params: dict | None = None,
              body: dict | None = None, retry: bool = True) -> dict: ...


class ScrollBusyError(FatalAPIError):
    """Another client holds the app's only scroll for longer than we wait."""


class ScrollGoneError(Exception):
    """Intercom dropped the scroll (expired, or "please restart the scroll operation")."""


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
    """Intercom's error code behind a failure of the error family; None for anything else."""
    return exc.code if isinstance(exc, IntercomError) else None


def _status(exc: Exception) -> int | None:
    """The HTTP status behind a failure of the error family; None when no answer came."""
    return exc.status if isinstance(exc, IntercomError) else None


# -- scroll -----------------------------------------------------------------------------------------

UNMOVED, GONE, UNKNOWN = "unmoved", "gone", "unknown"


def scroll_failure(exc: Exception) -> str | None:
    """What a failed scroll request tells about the scroll; None when it is no scroll matter.

    UNMOVED: Intercom refused the request before serving it, so the same scroll_param fetches
    the same page again: a 429 (the rate limiter answers in front of the API), a 503 (the
    service did not take the request) and a connection that was never opened.
    GONE: Intercom ended the scroll: 404 "scroll parameter not found" after idle expiry, or a
    500 "please restart the scroll operation"; a new scroll is the only way on.
    UNKNOWN: the request may have been served and its answer lost (other 5xx, timeouts, dropped
    connections, truncated, empty or non-JSON 200s); the scroll_param may be the same on every
    page, so the page may have been skipped.
    """
    status = _status(exc)
    if status in (429, 503):
        return UNMOVED
    if isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(
            getattr(exc.args[0] if exc.args else None, "reason", None), NewConnectionError):
        return UNMOVED
    if status == 404 or (status == 500 and "restart the scroll" in str(exc).lower()):
        return GONE
    if isinstance(exc, RetriableAPIError | requests.exceptions.RequestException
                  | ConnectionResetError):
        return UNKNOWN
    return None


@dataclass
class ScrollPass:
    """One scroll from its first page to its empty last page, and what may be missing from it."""

    source: Source
    path: str
    key: str
    wait_s: float
    pause: Callable[[int], None]
    possible_gaps: int = 0

    def records(self) -> Iterator[dict]:
        body = self.start()
        while body.get(self.key):
            yield from body[self.key]
            body = self.next_page(body.get("scroll_param"))

    def next_page(self, param: str | None) -> dict:
        """The page after `param`, retried in place; an UNKNOWN failure may leave a gap."""
        last: Exception | None = None
        for attempt in range(MAX_TRIES):
            try:
                return self.source.fetch("GET", self.path, params={"scroll_param": param},
                                         retry=False)
            except Exception as exc:
                kind = scroll_failure(exc)
                if kind is None:
                    raise
                if kind == GONE:
                    raise ScrollGoneError(_first_line(exc)) from None
                if kind == UNKNOWN:
                    self.possible_gaps += 1
                last = exc
                self.source.logger.info("%s: scroll page failed (%s); asking again", self.path,
                                        _first_line(exc))
                self.pause(attempt)
        raise FatalAPIError(f"{self.path}: a scroll page failed {MAX_TRIES} times; "
                            f"last error: {_first_line(last)}")

    def start(self) -> dict:
        """The first page of a new scroll, waiting (bounded) while another scroll holds the slot.

        When a first answer is lost, Intercom may have opened the scroll for us; it then holds
        the slot until it expires, and is waited out like any other client's.
        """
        deadline: float | None = None
        delay, failures, lost_first = 2.0, 0, False
        while True:
            try:
                return self.source.fetch("GET", self.path, retry=False)
            except FatalAPIError as exc:
                if _code(exc) != "scroll_exists":
                    raise
            except Exception as exc:
                kind = scroll_failure(exc)
                if kind is None or failures + 1 >= MAX_TRIES:
                    raise
                lost_first = lost_first or kind != UNMOVED
                self.pause(failures)
                failures += 1
                continue
            deadline = deadline or time.monotonic() + self.wait_s
            if time.monotonic() + delay > deadline:
                cause = ("a scroll this run opened, whose first answer was lost, or another client"
                         if lost_first else "another client")
                raise ScrollBusyError(
                    f"{self.path}: {cause} holds this Intercom app's only scroll (scroll_exists) "
                    f"and it was not released within {self.wait_s:.0f} s; stop the other export "
                    "or retry in a minute") from None
            self.source.logger.info("%s: another scroll is open (scroll_exists); waiting %.0f s",
                                    self.path, delay)
            time.sleep(delay)
            delay = min(delay * 1.5, 15.0)


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).splitlines()[0] if exc is not None and str(exc) else ""
    return text[:200] or type(exc).__name__


def scroll(source: Source, path: str, key: str, wait_s: float,
           total: Callable[[], int | None] | None = None, seen: SeenIds | None = None,
           pause: Callable[[int], None] = wait_before_retry) -> Iterator[dict]:
    """Every record of a scroll once, however its pages fail.

    A failed page is asked for again with the same scroll_param (see `scroll_failure`); only
    when Intercom drops the scroll is a new one started. A pass that may have skipped a page is
    followed by another, unless `total()` (the records Intercom holds, asked before each pass)
    shows every record was seen. Records in `seen` (which is updated; on disk, so memory stays
    flat however many records the scroll holds) are not yielded. Passes go
    on while they bring new records: the read stops once it has received MAX_STALLS times the
    longest pass's records without a new one.
    """
    own = seen is None
    seen = SeenIds() if seen is None else seen
    idle = longest = 0  # records received since the last new one; the most one pass received
    with SCROLL_LOCK, contextlib.ExitStack() as cleanup:
        if own:
            cleanup.callback(seen.close)
        while True:
            expected = total() if total else None
            current = ScrollPass(source, path, key, wait_s, pause)
            received = 0
            try:
                for record in current.records():
                    received += 1
                    if not seen.add(record["id"]):
                        idle += 1
                        continue
                    idle = 0
                    yield record
                if not current.possible_gaps:
                    return
                why = f"{current.possible_gaps} page(s) may have been skipped"
            except ScrollGoneError as exc:
                why = f"Intercom ended the scroll ({exc})"
            if expected is not None and len(seen) >= expected:
                return  # every record Intercom holds was seen: nothing can be missing
            longest = max(longest, received)
            if idle >= MAX_STALLS * max(longest, 1):
                of = f" of {expected}" if expected is not None else ""
                raise FatalAPIError(
                    f"{path}: scroll passes brought no new record for {idle} records "
                    f"({len(seen)} read{of}); last: {why}")
            source.logger.warning("%s: %s; scrolling again (%d records read so far are not "
                                  "sent again)", path, why, len(seen))


# -- 1.x page lists ---------------------------------------------------------------------------------


class PageCapReached(Exception):
    """Intercom will not page deeper (10,000 records); the caller falls back to a scroll."""


def newest_first(source: Source, path: str, key: str, bounds: Bounds, per_page: int = 60,
                 params: dict | None = None, max_restarts: int = 3) -> Iterator[dict]:
    """Records updated within `bounds`, read newest first from a 1.x page list.

    Newest first is loss-free while records change: an update moves a record to the front, so
    the pages behind it shift back (repeats, never gaps). Records removed ahead of the reader
    shift pages forward; a falling `total_count` reveals that and the read starts over.
    """
    seen: set[str] = set()
    query = {"per_page": per_page, "sort": "updated_at", "order": "desc", **(params or {})}
    for _ in range(max_restarts + 1):
        url: str | None = path
        request_params: dict | None = dict(query)
        total = None
        restarted = False
        while url:
            try:
                body = source.fetch("GET", url, params=request_params)
            except FatalAPIError as exc:
                if _code(exc) == "bad_request" and "scroll" in str(exc):
                    raise PageCapReached(str(exc)) from None
                raise
            count = body.get("total_count")
            if total is not None and count is not None and count < total:
                source.logger.info("%s: records were removed while paging; reading again", path)
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
    raise FatalAPIError(f"{path}: records kept being removed while paging; read again later")


# -- 2.x search -----------------------------------------------------------------------------------------


IdRange = tuple[str | None, str | None]  # ids from the first (inclusive) to the second (not)


def _id_terms(ids: IdRange) -> list[dict]:
    low, high = ids
    return ([{"field": "id", "operator": ">=", "value": low}] if low is not None else []) + \
        ([{"field": "id", "operator": "<", "value": high}] if high is not None else [])


def id_cuts(first: str, last: str, pieces: int) -> list[str]:
    """Ids that cut `first`..`last` into about equal ranges, in the ids' own notation: decimal
    numbers, or hexadecimal of one length (Intercom's object ids); none for other ids."""
    if first.isdigit() and last.isdigit():
        base, width = 10, 0
    elif len(first) == len(last) and all(c in "0123456789abcdef" for c in first + last):
        base, width = 16, len(first)
    else:
        return []
    low, high = int(first, base), int(last, base)
    step = (high - low) // pieces
    if step < 1:
        return []
    cuts = range(low + step, high, step)
    return [str(c) if base == 10 else f"{c:0{width}x}" for c in cuts][:pieces - 1]


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

    source: Source
    path: str
    key: str
    base: list[dict]
    per_page: int
    busy: set[tuple[int | None, int | None]] = field(default_factory=set)

    def count(self, lower: int | None, upper: int | None) -> int:
        body = self.source.fetch("POST", self.path, body={
            "query": _window_query(self.base, lower, upper), "pagination": {"per_page": 1}})
        return int(body.get("total_count") or 0)

    def timed_count(self, lower: int | None) -> tuple[int, float]:
        """Records from `lower` on, and how long Intercom took to say."""
        asked = time.monotonic()
        total = self.count(lower, None)
        return total, time.monotonic() - asked

    def earliest(self) -> int | None:
        body = self.source.fetch("POST", self.path, body={
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
            if size > 2 * target:  # one span, too many for one cursor: a busy day
                self.busy.add(windows[-1])
        return windows

    def id_ranges(self, window: tuple[int | None, int | None], pieces: int) -> list[IdRange]:
        """The window cut into `pieces` ranges of ids, from its first and last id."""
        ends = []
        for order in ("ascending", "descending"):
            body = self.source.fetch("POST", self.path, body={
                "query": _window_query(self.base, *window), "pagination": {"per_page": 1},
                "sort": {"field": "id", "order": order}})
            rows = body.get(self.key) or []
            if not rows:
                return [(None, None)]
            ends.append(str(rows[0]["id"]))
        cuts = id_cuts(ends[0], ends[1], pieces)
        return list(zip([None, *cuts], [*cuts, None], strict=True))

    def pages(self, window: tuple[int | None, int | None],
              ids: IdRange = (None, None)) -> Iterator[list[dict]]:
        """The pages of one window (within `ids`), each ascending by updated_at."""
        lower, upper = window
        body_base = {"query": _window_query(self.base + _id_terms(ids), lower, upper),
                     "sort": {"field": "updated_at", "order": "ascending"}}
        cursor = None
        while True:
            pagination: dict = {"per_page": self.per_page}
            if cursor:
                pagination["starting_after"] = cursor
            body = self.source.fetch("POST", self.path, body={**body_base,
                                                               "pagination": pagination})
            yield body.get(self.key) or []
            cursor = ((body.get("pages") or {}).get("next") or {}).get("starting_after")
            if not cursor:
                return


def search(source: Source, path: str, key: str, base: list[dict], bounds: Bounds,
           per_page: int, workers: int, window_target: int = 3000) -> Iterator[dict]:
    """Records within `bounds` in ascending updated_at order, windows fetched concurrently."""
    plan = SearchPlan(source, path, key, base, per_page)
    windows = (plan.windows(bounds.lower, bounds.upper, window_target, workers)
               if workers > 1 else [(bounds.lower, None)])  # windows only help side by side
    if len(windows) > 1:
        source.logger.info("%s: reading %d day windows with %d workers", source.name,
                           len(windows), workers)
    for busy, run in itertools.groupby(windows, key=plan.busy.__contains__):
        if busy:
            records = itertools.chain.from_iterable(
                _busy_window(plan, window, workers) for window in run)
        else:
            producers = [functools.partial(plan.pages, window) for window in run]
            records = itertools.chain.from_iterable(ordered_chain(producers, workers))
        for record in records:
            if bounds.admits(record.get("updated_at")):
                yield record


def _busy_window(plan: SearchPlan, window: tuple[int | None, int | None],
                 workers: int) -> Iterator[dict]:
    """A window too busy for one cursor, read as `workers` cursors over ranges of ids, merged
    back into ascending updated_at order."""
    ranges = plan.id_ranges(window, workers)
    plan.source.logger.info("%s: a busy window (%s); reading it as %d ranges of ids",
                            plan.source.name, window, len(ranges))
    producers = [functools.partial(_ranked, plan, window, ids) for ids in ranges]
    return (record for _rank, record in merged(producers, key=lambda ranked: ranked[0]))


def _ranked(plan: SearchPlan, window: tuple[int | None, int | None],
            ids: IdRange) -> Iterator[tuple[tuple[int, int], dict]]:
    """A range's records ranked by updated_at, then by position: records changed in the same
    second (a bulk update) are taken from every range in turn, so all cursors keep moving."""
    position = 0
    for page in plan.pages(window, ids):
        for record in page:
            position += 1
            yield (record.get("updated_at") or 0, position), record


# -- 2.x lists paged by number ----------------------------------------------------------------------


def numbered_pages(source: Source, path: str, key: str, per_page: int) -> Iterator[dict]:
    """Every record of a list asked for page by page, up to its `total_pages`."""
    page, pages = 1, 1
    while page <= pages:
        body = source.fetch("GET", path, params={"page": page, "per_page": per_page})
        yield from body.get(key) or []
        pages = int((body.get("pages") or {}).get("total_pages") or 0)
        page += 1


# -- 2.x lists filtered by creation time ------------------------------------------------------------


def created_windows(source: Source, path: str, key: str, bounds: Bounds, span: int,
                    per_page: int) -> Iterator[dict]:
    """Records created within `bounds`, ascending, read in windows of `span` seconds.

    For lists that take `created_at_after` and `created_at_before` (both inclusive) and answer
    newest first: windows tile the range with no gap or overlap (the oldest takes whatever lies
    before the last MAX_WINDOWS spans), each is read to its end and sorted ascending before it
    is emitted, so a bookmark may move at any record.
    """
    upper = bounds.upper
    lower = bounds.lower if bounds.lower is not None else 0
    cuts: list[int] = []
    start = upper - span + 1
    while start > lower and len(cuts) < MAX_WINDOWS:  # older history: one first window
        cuts.append(start)
        start -= span
    starts = [lower, *reversed(cuts)]
    for first, after in zip(starts, [*starts[1:], upper + 1], strict=True):
        params: dict = {"created_at_after": first, "created_at_before": after - 1,
                        "per_page": per_page}
        window: dict[str, dict] = {}
        while True:
            body = source.fetch("GET", path, params=params)
            for record in body.get(key) or []:
                window[record["id"]] = record
            cursor = ((body.get("pages") or {}).get("next") or {}).get("starting_after")
            if not cursor:
                break
            params = {**params, "starting_after": cursor}
        yield from sorted(window.values(), key=lambda r: (r.get("created_at") or 0, r["id"]))
