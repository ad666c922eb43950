"""Runs on a schedule: change detection, retries of failed rows, sync modes, the sync log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from target_intercom.errors import TargetError
from target_intercom.mapping import Item
from target_intercom.settings import STORE_NAME
from target_intercom.store import SyncStore
from tests.conftest import SandboxClient, fresh_client
from tests.target_support import (
    calls,
    people,
    read_errors,
    record,
    run_target,
    schema,
    stats,
    target_config,
    user,
    users_messages,
)

VERSIONS = ["1.4", "2.11"]
COMPANIES_SCHEMA = {"type": "object", "properties": {
    "company_id": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]}}}


@pytest.fixture
def fresh(sandbox, version) -> Iterator[SandboxClient]:
    """A fresh workspace spoken to in the test's API version."""
    yield from fresh_client(sandbox, version)


def writes(client) -> int:
    """Requests that change something: every POST, PUT and DELETE but searches."""
    return sum(sum(statuses.values()) for route, statuses in stats(client).items()
               if route.split(" ")[0] in ("POST", "PUT", "DELETE") and "search" not in route)


def totals(target) -> dict:
    stream = next(iter(target.outcomes.streams.values()))
    return {k: getattr(stream, k) for k in ("sent", "accepted", "failed", "invalid", "unchanged",
                                            "skipped")}


def sync_log(tmp_path, run_id: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        return db.execute("SELECT row_number, key, operation, outcome, code FROM sync_log "
                          "WHERE run_id = ? ORDER BY row_number", (run_id,)).fetchall()


@pytest.mark.parametrize("version", VERSIONS)
def test_unchanged_rows_are_not_sent_again(sandbox, version, fresh, tmp_path):
    client = fresh
    config = target_config(sandbox, version, tmp_path)
    first, _ = run_target(config, users_messages(30, "chg"))
    assert totals(first)["accepted"] == 30
    assert len(people(client, "chg")) == 30

    client.delete("/_sandbox/stats")
    second, _ = run_target(config, users_messages(30, "chg"))
    assert totals(second) == {"sent": 0, "accepted": 0, "failed": 0, "invalid": 0,
                              "unchanged": 30, "skipped": 0}
    assert writes(client) == 0
    assert {row[3] for row in sync_log(tmp_path, second.run_id)} == {"unchanged"}

    client.delete("/_sandbox/stats")
    changed = [schema("users"), *(record("users", user(i, "chg", name="Renamed" if i == 7 else
                                                       f"User {i}")) for i in range(30))]
    third, _ = run_target(config, changed)
    assert totals(third)["sent"] == 1 and totals(third)["unchanged"] == 29
    assert writes(client) == 1
    assert people(client, "chg")["chg7"]["name"] == "Renamed"

    client.delete("/_sandbox/stats")
    full, _ = run_target({**config, "full_resync": True}, changed)
    assert totals(full)["accepted"] == 30 and writes(client) >= 1


def test_a_failed_row_is_retried_and_succeeds_once_fixed(sandbox, fresh_v2, tmp_path):
    fresh_v2.post("/contacts", json={"role": "user", "email": "taken@example.com",
                                     "external_id": "someone-else"}).raise_for_status()
    config = target_config(sandbox, "2.11", tmp_path)
    rows = [user(1, "rt"), user(2, "rt", email="taken@example.com")]
    first, _ = run_target(config, [schema("users"), *(record("users", r) for r in rows)])
    assert totals(first)["accepted"] == 1 and totals(first)["failed"] == 1

    second, _ = run_target(config, [schema("users"), *(record("users", r) for r in rows)])
    assert totals(second)["unchanged"] == 1 and totals(second)["failed"] == 1  # retried
    assert [e["code"] for e in read_errors(tmp_path / "errors.jsonl")] == ["conflict", "conflict"]

    rows[1] = user(2, "rt")  # fixed upstream
    third, _ = run_target(config, [schema("users"), *(record("users", r) for r in rows)])
    assert totals(third)["accepted"] == 1 and totals(third)["unchanged"] == 1
    assert set(people(fresh_v2, "rt")) == {"rt1", "rt2"}
    log = sync_log(tmp_path, third.run_id)
    assert [(row, key, outcome) for row, key, _, outcome, _ in log] == [
        (0, "external_id=rt1", "unchanged"), (1, "external_id=rt2", "accepted")]


CRASHES = {"1.4": {"kind": "403", "route": "/bulk/users", "method": "POST", "after": 5},
           "2.11": {"kind": "403", "route": "/contacts", "method": "POST", "after": 60}}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_crash_mid_push_then_a_rerun_loses_and_doubles_nothing(sandbox, version, fresh,
                                                                   tmp_path):
    config = target_config(sandbox, version, tmp_path, batch_size_rows=25, batch_size=10,
                           max_workers=1)  # one job lane: the crash lands after settled drains
    fresh.faults([CRASHES[version]])
    with pytest.raises(TargetError):
        run_target(config, users_messages(100, "crash"))
    fresh.faults([])
    written_before = len(people(fresh, "crash"))
    assert 0 < written_before < 100
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        marked = db.execute("SELECT count(*) FROM rows WHERE state = 'written'").fetchone()[0]
    assert 0 < marked <= written_before  # never a row marked written that was not

    rerun, _ = run_target(config, users_messages(100, "crash"))
    assert totals(rerun)["unchanged"] == marked
    assert totals(rerun)["accepted"] == 100 - marked
    assert len(people(fresh, "crash")) == 100  # and `people` checks no external_id twice


@pytest.mark.parametrize("version", VERSIONS)
def test_update_only_and_create_only(sandbox, version, fresh, tmp_path):
    client = fresh
    run_target(target_config(sandbox, version, tmp_path / "seed"), users_messages(5, "mode"))
    rows = [user(i, "mode", name=f"New {i}") for i in range(3, 8)]  # m3, m4 exist; m5-m7 do not
    messages = [schema("users"), *(record("users", r) for r in rows)]

    update = target_config(sandbox, version, tmp_path / "update",
                           streams={"users": {"sync_mode": "update_only"}})
    target, _ = run_target({**update, "dry_run": True}, messages)
    assert (totals(target)["skipped"], target.outcomes.streams["users"].dry_run) == (3, 2)
    target, _ = run_target(update, messages)
    assert totals(target)["accepted"] == 2 and totals(target)["skipped"] == 3
    found = people(client, "mode")
    assert set(found) == {f"mode{i}" for i in range(5)} and found["mode3"]["name"] == "New 3"

    create = target_config(sandbox, version, tmp_path / "create",
                           streams={"users": {"sync_mode": "create_only"}})
    rows = [user(i, "mode", name=f"Newer {i}") for i in range(3, 8)]
    target, _ = run_target(create, [schema("users"), *(record("users", r) for r in rows)])
    assert totals(target)["accepted"] == 3 and totals(target)["skipped"] == 2
    found = people(client, "mode")
    assert found["mode3"]["name"] == "New 3" and found["mode6"]["name"] == "Newer 6"
    assert {e[3] for e in sync_log(tmp_path / "create", target.run_id)} == {"accepted",
                                                                               "skipped"}


@pytest.mark.parametrize("version", VERSIONS)
def test_mirror_removes_exactly_what_left_the_input(sandbox, version, fresh, tmp_path):
    client = fresh
    config = target_config(sandbox, version, tmp_path, streams={"users": {"sync_mode": "mirror"}})
    run_target(config, users_messages(10, "mir"))
    assert len(people(client, "mir")) == 10
    kept = [schema("users"), *(record("users", user(i, "mir")) for i in range(10) if i not in (2, 5))]
    target, _ = run_target(config, kept)
    assert totals(target)["unchanged"] == 8 and totals(target)["accepted"] == 2
    assert set(people(client, "mir")) == {f"mir{i}" for i in range(10)} - {"mir2", "mir5"}
    every = people(client, "mir", archived=True)
    assert {k for k, v in every.items() if v.get("archived")} == {"mir2", "mir5"}
    again, _ = run_target(config, kept)  # nothing more left: nothing more removed
    assert totals(again)["unchanged"] == 8 and totals(again)["sent"] == 0

    calls_before = calls(client, "POST /contacts/{id}/archive")
    run_target(config, [schema("users")])  # an empty input removes nothing
    assert calls(client, "POST /contacts/{id}/archive") == calls_before
    assert len(people(client, "mir")) == 8




@pytest.mark.parametrize("version", VERSIONS)
def test_companies_update_only_and_mirror(sandbox, version, fresh, tmp_path):
    def companies(*ids: int) -> list[dict]:
        return [schema("companies", COMPANIES_SCHEMA),
                *(record("companies", {"company_id": f"co{i}", "name": f"Co {i}"}) for i in ids)]

    def held() -> set[str]:
        return {c["company_id"] for c in fresh.snapshot("companies")
                if c["company_id"].startswith("co")}

    run_target(target_config(sandbox, version, tmp_path / "seed"), companies(0, 1))
    update = target_config(sandbox, version, tmp_path / "update",
                           streams={"companies": {"sync_mode": "update_only"}})
    target, _ = run_target(update, companies(1, 2))
    assert totals(target)["accepted"] == 1 and totals(target)["skipped"] == 1
    assert held() == {"co0", "co1"}
    if version.startswith("1."):
        return  # 1.x cannot delete companies: mirror has nothing to remove them with
    mirror = target_config(sandbox, version, tmp_path / "mirror",
                           streams={"companies": {"sync_mode": "mirror"}})
    run_target(mirror, companies(0, 1, 3))
    target, _ = run_target(mirror, companies(0, 3))
    assert held() == {"co0", "co3"}
    assert totals(target)["accepted"] == 1 and totals(target)["unchanged"] == 2


def test_the_store_remembers_what_a_run_wrote_until_it_is_deleted(tmp_path):
    def settle(run: str, operation: str, status: str, digest: str) -> list[str]:
        store = SyncStore(tmp_path / STORE_NAME, run)
        item = Item(0, {}, operation, {"external_id": "s1", "role": "user"}, status=status,
                    key="external_id=s1", digest=digest)
        store.settled("users", "users", "here", item)
        store.close()
        return list(SyncStore(tmp_path / STORE_NAME, "reader").present("users", "here"))

    assert settle("r1", "upsert", "failed", "a") == []  # never written
    assert settle("r2", "upsert", "accepted", "b") == ["external_id=s1"]
    assert settle("r3", "upsert", "failed", "c") == ["external_id=s1"]  # a failed update
    assert settle("r4", "delete", "failed", "d") == ["external_id=s1"]  # tried again
    assert settle("r5", "delete", "accepted", "d") == []
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        assert db.execute("SELECT run_id, outcome FROM sync_log ORDER BY log_id").fetchall() == [
            ("r1", "failed"), ("r2", "accepted"), ("r3", "failed"), ("r4", "failed"),
            ("r5", "accepted")]
