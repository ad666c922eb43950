"""A 1.x full read under faults of every kind the sandbox has gives what a clean run gives."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from intercom_sandbox import WorkspaceSize
from tests.conftest import SandboxClient, start_sandbox
from tests.tap_support import TapRun, run_tap, tap_config

KINDS = ("500", "502", "503", "429", "slow", "drop", "truncate", "nonjson", "empty",
         "scroll_restart")
PEOPLE = ("users", "contacts", "companies")


def faults(restart_rate: float) -> list[dict]:
    """About one request in ten fails; scroll_restart can only meet scroll continuations, so
    one is also certain: on the companies scroll's second page."""
    certain_restart = {"kind": "scroll_restart", "route": "/companies/scroll", "after": 1,
                       "times": 1}
    return [certain_restart] + [{"kind": kind, "rate": 0.011 if kind != "scroll_restart"
                                 else restart_rate, "route": "/*", "delay_s": 2.0}
                                for kind in KINDS]


def read_people(size: WorkspaceSize, faults: list[dict], page_size: int,
                scroll_page_size: int) -> tuple[TapRun, dict, float]:
    """One 1.4 run over the people streams; the sandbox's fault counts and the run's seconds."""
    box = start_sandbox(size=size, seed=9, scroll_timeout_s=2, scroll_page_size=scroll_page_size,
                        faults=faults)
    try:
        started = time.monotonic()
        run = run_tap(tap_config(box, "1.4", request_timeout=1, scroll_wait_seconds=10,
                                 page_size=page_size), streams=set(PEOPLE))
        seconds = time.monotonic() - started
        admin = SandboxClient(box)
        fired = Counter()
        for rule in admin.get("/_sandbox/faults").json()["faults"]:
            fired[rule["kind"]] += rule["fired"]
        stats = admin.get("/_sandbox/stats").json()
        return run, {"fired": fired, "requests": stats["total"], "routes": stats["routes"]}, seconds
    finally:
        box.stop()


def assert_same_records(clean: TapRun, faulty: TapRun) -> None:
    assert clean.returncode == 0, clean.stderr[-2000:]
    assert faulty.returncode == 0, faulty.stderr[-3000:]
    for stream in PEOPLE:
        assert faulty.ids(stream) == clean.ids(stream), stream
        assert len(faulty.records[stream]) == len(faulty.ids(stream)), f"{stream} doubled"
        by_id = {r["id"]: r for r in clean.records[stream]}
        assert all(r == by_id[r["id"]] for r in faulty.records[stream]), f"{stream} differ"


@pytest.mark.parametrize(("users", "page_size", "scroll_page_size", "restart_rate"),
                         [(1500, 10, 10, 0.02), (10_150, 60, 100, 0.011)],
                         ids=["page-lists", "past-the-cap"])
def test_full_read_under_every_fault_matches_a_clean_run(users: int, page_size: int,
                                                         scroll_page_size: int,
                                                         restart_rate: float) -> None:
    size = WorkspaceSize(users=users, leads=400, companies=600, conversations=5, tags=3,
                         segments=2, admins=2, teams=1, events=5, long_conversations=0)
    clean, _, clean_s = read_people(size, [], page_size, scroll_page_size)
    faulty, seen, faulty_s = read_people(size, faults(restart_rate), page_size, scroll_page_size)
    assert_same_records(clean, faulty)
    assert {k for k, n in seen["fired"].items() if n} == set(KINDS), seen["fired"]
    failed = sum(seen["fired"].values())
    assert failed >= seen["requests"] * 0.06, seen
    print(f"\n{users} users: {seen['requests']} requests, {failed} faults {dict(seen['fired'])}; "
          f"records {sum(len(clean.records[s]) for s in PEOPLE)}; "
          f"clean {clean_s:.1f} s, faulty {faulty_s:.1f} s")
