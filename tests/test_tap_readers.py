"""The tap's readers on their own, against small in-memory fakes of Intercom's answers."""

from __future__ import annotations

import logging

import pytest
import requests
from singer_sdk.exceptions import FatalAPIError
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from intercom_client.errors import FatalError, NotFoundError, RetriableError
from tap_intercom import readers
from tap_intercom.readers import Bounds, PageCapReached
from tap_intercom.seen import SeenIds

LOG = logging.getLogger("tests.readers")


def answer(status: int, message: str = "") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = (f'{{"type":"error.list","errors":[{{"code":"x","message":"{message}"}}]}}'
                         .encode())
    return response


def failure(kind: str) -> Exception:
    """The exception `IntercomStream.fetch(retry=False)` raises for one kind of failure."""
    where = "GET /users/scroll"
    if kind in ("429", "503", "500", "502"):
        return RetriableError(f"{where} answered {kind}", answer(int(kind)))
    if kind == "restart":
        message = "Request failed due to an internal network error. Please restart the scroll operation."
        return RetriableError(f"{where} answered 500 server_error {message}", answer(500, message))
    if kind == "expired":
        return NotFoundError(f"{where} not found (404 not_found: scroll parameter not found)",
                                answer(404), "not_found")
    if kind == "empty":
        return RetriableError("Intercom sent an empty 200 body for /users/scroll", answer(200))
    if kind == "timeout":
        return requests.exceptions.ReadTimeout("read timed out")
    if kind == "drop":
        return requests.exceptions.ConnectionError(ProtocolError("Connection aborted."))
    if kind == "refused":
        reason = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
        return requests.exceptions.ConnectionError(MaxRetryError(None, "/users/scroll", reason))  # type: ignore[arg-type]
    if kind == "403":
        return FatalError(f"Intercom refused {where} (403 api_plan_restricted)", answer(403),
                                "api_plan_restricted")
    raise ValueError(kind)


class FakeScrollApi:
    """Intercom's scroll over `ids`, failing the calls numbered in `faults`.

    A fault is (kind, served): `served` means the page was taken off the scroll before the
    answer was lost, as when a response times out or its connection drops.
    """

    name = "users"
    logger = LOG

    def __init__(self, ids: list[str], page: int = 10,
                 faults: dict[int, tuple[str, bool]] | None = None) -> None:
        self.ids, self.page, self.faults = ids, page, faults or {}
        self.calls = 0
        self.position: int | None = None
        self.starts = 0

    def fetch(self, method: str, path: str, params: dict | None = None,
              body: dict | None = None, retry: bool = True) -> dict:
        assert not retry, "scroll pages are retried by the reader, which knows what failed"
        self.calls += 1
        kind, served = self.faults.get(self.calls, (None, False))
        param = (params or {}).get("scroll_param")
        if kind in ("restart", "expired"):
            self.position = None
            raise failure(kind)
        if kind and not served:
            raise failure(kind)
        if not param:
            if self.position is not None:
                raise FatalError("scroll already exists", answer(400), "scroll_exists")
            self.position, self.starts = 0, self.starts + 1
        elif self.position is None:
            raise failure("expired")
        start = self.position
        rows = self.ids[start:start + self.page]
        self.position = start + len(rows) if rows else None  # the empty page ends the scroll
        if kind:
            raise failure(kind)
        return {"users": [{"id": i} for i in rows], "scroll_param": "same-every-page"}


def read(api: FakeScrollApi, total: int | None = None) -> list[str]:
    counted = (lambda: total) if total is not None else None
    return [r["id"] for r in readers.scroll(api, "/users/scroll", "users", 5.0, total=counted,
                                            pause=lambda attempt: None)]


IDS = [f"u{i:03d}" for i in range(95)]


@pytest.mark.parametrize("kind", ["429", "503", "refused"])
def test_a_refused_page_is_asked_again_in_place(kind: str) -> None:
    api = FakeScrollApi(IDS, faults={3: (kind, False), 4: (kind, False), 7: (kind, False)})
    assert read(api) == IDS
    assert api.starts == 1


@pytest.mark.parametrize("kind", ["500", "502", "timeout", "drop", "empty"])
def test_a_lost_page_is_found_by_a_second_pass(kind: str) -> None:
    api = FakeScrollApi(IDS, faults={4: (kind, True)})  # page 4 was served, its answer lost
    got = read(api, total=len(IDS))
    assert sorted(got) == IDS and len(got) == len(IDS)
    assert api.starts == 2


def test_a_failure_that_lost_nothing_is_proven_by_the_count() -> None:
    api = FakeScrollApi(IDS, faults={4: ("timeout", False), 6: ("drop", False)})
    assert read(api, total=len(IDS)) == IDS
    assert api.starts == 1  # the count shows nothing is missing: no second pass


def test_without_a_count_a_doubtful_pass_is_read_again() -> None:
    api = FakeScrollApi(IDS, faults={4: ("500", False)})
    assert read(api) == IDS
    assert api.starts == 2  # the second pass had no failure: it proves the read complete


@pytest.mark.parametrize("kind", ["restart", "expired"])
def test_a_scroll_intercom_ended_starts_again_at_once(kind: str) -> None:
    api = FakeScrollApi(IDS, faults={5: (kind, False), 16: (kind, False)})
    got = read(api)
    assert sorted(got) == IDS and len(got) == len(IDS)
    assert api.starts == 3


def test_restarts_go_on_while_they_bring_records() -> None:
    # Pass k reads k + 1 pages, one more than the pass before, then Intercom drops the scroll.
    faults, call = {}, 1
    for k in range(1, 10):
        call += k + 1
        faults[call] = ("restart", False)
        call += 1
    api = FakeScrollApi(IDS, faults=faults)
    got = read(api)
    assert sorted(got) == IDS and len(got) == len(IDS)
    assert api.starts == 10  # more restarts than any fixed limit the read might have had


def test_passes_that_bring_nothing_stop_with_a_clear_error() -> None:
    # Intercom counts one record the scroll never serves, and every pass has a doubtful page.
    faults = {n: ("drop", False) for n in range(2, 200, 11)}
    api = FakeScrollApi(IDS, faults=faults)
    with pytest.raises(FatalAPIError, match="scroll passes brought no new record"):
        read(api, total=len(IDS) + 1)
    assert api.starts == readers.MAX_STALLS + 1  # the first brought every record it could


def test_a_refused_permission_is_not_retried() -> None:
    api = FakeScrollApi(IDS, faults={3: ("403", False)})
    with pytest.raises(FatalError, match="403"):
        read(api)
    assert api.calls == 3


def test_records_already_sent_are_skipped() -> None:
    api = FakeScrollApi(IDS)
    sent = SeenIds()
    for record_id in IDS[:50]:
        sent.add(record_id)
    got = list(readers.scroll(api, "/users/scroll", "users", 5.0, seen=sent))
    assert [r["id"] for r in got] == IDS[50:]
    assert len(sent) == len(IDS) and all(record_id in sent for record_id in IDS)


def test_a_page_that_keeps_failing_ends_the_read() -> None:
    api = FakeScrollApi(IDS, faults={n: ("503", False) for n in range(3, 40)})
    with pytest.raises(FatalAPIError, match="failed 8 times"):
        read(api)


@pytest.mark.parametrize(("kind", "expected"), [
    ("429", readers.UNMOVED), ("503", readers.UNMOVED), ("refused", readers.UNMOVED),
    ("restart", readers.GONE), ("expired", readers.GONE), ("500", readers.UNKNOWN),
    ("502", readers.UNKNOWN), ("timeout", readers.UNKNOWN), ("drop", readers.UNKNOWN),
    ("empty", readers.UNKNOWN), ("403", None)])
def test_failures_are_classified_by_what_they_say_about_the_scroll(kind: str,
                                                                   expected: str | None) -> None:
    assert readers.scroll_failure(failure(kind)) == expected


# -- page lists -------------------------------------------------------------------------------


class FakePageList:
    """A 1.x page list, newest first, capped at `cap` records; `removals` shrink it mid-read."""

    name = "users"
    logger = LOG

    def __init__(self, updated: list[int], cap: int = 10_000,
                 removals: dict[int, int] | None = None) -> None:
        self.rows = [{"id": f"u{n}", "updated_at": u} for n, u in enumerate(updated)]
        self.rows.sort(key=lambda r: -r["updated_at"])
        self.cap, self.removals, self.calls = cap, removals or {}, 0

    def fetch(self, method: str, path: str, params: dict | None = None,
              body: dict | None = None, retry: bool = True) -> dict:
        self.calls += 1
        del self.rows[:self.removals.get(self.calls, 0)]
        page = int(path.rpartition("page=")[2]) if "page=" in path else 1
        per_page = 60
        if (page - 1) * per_page >= self.cap:
            raise FatalError("GET /users answered 400 bad_request: page limit reached, "
                                   "please use scroll API", answer(400), "bad_request")
        rows = self.rows[(page - 1) * per_page:page * per_page]
        more = page * per_page < len(self.rows)
        return {"users": rows, "total_count": len(self.rows),
                "pages": {"next": f"http://x/users?page={page + 1}" if more else None}}


def test_newest_first_reads_down_to_the_lower_bound() -> None:
    api = FakePageList(list(range(1000, 1300)))
    got = list(readers.newest_first(api, "/users", "users", Bounds(1100, 1250)))
    assert [r["updated_at"] for r in got] == list(range(1250, 1099, -1))


def test_newest_first_reads_again_when_records_vanish_ahead() -> None:
    api = FakePageList(list(range(300)), removals={2: 5})
    got = list(readers.newest_first(api, "/users", "users", Bounds(None, 10_000)))
    assert len(got) == len({r["id"] for r in got})
    assert {r["id"] for r in api.rows} <= {r["id"] for r in got}
    assert api.calls > 5  # the read started over


def test_newest_first_stops_at_the_cap() -> None:
    api = FakePageList(list(range(200)), cap=120)
    with pytest.raises(PageCapReached):
        list(readers.newest_first(api, "/users", "users", Bounds(None, 10_000)))


def test_newest_first_that_never_settles_is_an_error_not_a_short_read() -> None:
    api = FakePageList(list(range(600)), removals={n: 1 for n in range(2, 60, 2)})
    with pytest.raises(FatalAPIError, match="kept being removed"):
        list(readers.newest_first(api, "/users", "users", Bounds(None, 10_000)))


# -- search -----------------------------------------------------------------------------------


class FakeSearch:
    """POST /contacts/search over records ascending by updated_at, keyset cursors by offset."""

    name = "users"
    logger = LOG

    def __init__(self, updated: list[int]) -> None:
        self.rows = sorted(({"id": f"c{n}", "updated_at": u} for n, u in enumerate(updated)),
                           key=lambda r: r["updated_at"])

    def fetch(self, method: str, path: str, params: dict | None = None,
              body: dict | None = None, retry: bool = True) -> dict:
        assert method == "POST" and body is not None
        start = int(body["pagination"].get("starting_after") or 0)
        per_page = body["pagination"]["per_page"]
        rows = self.rows[start:start + per_page]
        more = start + per_page < len(self.rows)
        return {"data": rows, "total_count": len(self.rows),
                "pages": {"next": {"starting_after": str(start + per_page)} if more else None}}


def test_search_yields_records_within_bounds_in_order() -> None:
    api = FakeSearch([5, 1, 9, 3, 7, 11, 2] * 10)
    got = list(readers.search(api, "/contacts/search", "data", [], Bounds(3, 9),
                              per_page=4, workers=1))
    assert [r["updated_at"] for r in got] == sorted(u for u in [5, 9, 3, 7] * 10)
