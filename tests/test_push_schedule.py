"""`meltano run push` on a schedule, end to end: real Meltano, real PostgreSQL, the sandbox as
Intercom. Only changed rows are written, failures are retried, and the sync log of every run is
loaded into the warehouse by the push job itself."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from scripts import pipeline
from scripts.warehouse import ConnectionSettings, Warehouse

SIZES = ("--users", "200", "--leads", "20", "--companies", "10", "--conversations", "30",
         "--tags", "4", "--segments", "2", "--admins", "3", "--teams", "1",
         "--job-task-delay-s", "0.2")
GOOD_ROWS = 25
pytestmark = pytest.mark.skipif(not pipeline.MELTANO.exists(),
                                reason="Meltano is not installed: run `make meltano`")


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[pipeline.Sandbox, ConnectionSettings, pipeline.Meltano, Path]]:
    """A warehouse loaded from a sandbox, ready for pushes."""
    workdir = Path(tempfile.mkdtemp(prefix="intercom-push-"))
    warehouse_dir = Path(tempfile.mkdtemp(prefix="warehouse-push-"))
    warehouse = Warehouse(warehouse_dir)
    settings = warehouse.start()
    try:
        with pipeline.sandbox(*SIZES) as sandbox:
            meltano = pipeline.Meltano(settings, sandbox, extra_env={
                "MELTANO_DATABASE_URI": f"sqlite:///{workdir}/meltano.db",
                "TARGET_INTERCOM_ERRORS_PATH": str(workdir / "errors.jsonl")},
                log=workdir / "meltano.log")
            meltano.run("run", "load")
            yield sandbox, settings, meltano, workdir
    finally:
        warehouse.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(warehouse_dir, ignore_errors=True)


def execute(settings: ConnectionSettings, sql: str, *args: object) -> list[tuple]:
    with psycopg.connect(settings.url, autocommit=True) as conn:
        cursor = conn.execute(sql.encode() if not args else sql, args or None)
        return cursor.fetchall() if cursor.description else []


def last_run(settings: ConnectionSettings) -> list[tuple]:
    """(key, outcome, code) of every row of the latest run in analytics.intercom_sync_log."""
    return execute(settings, "SELECT key, outcome, code FROM analytics.intercom_sync_log "
                             "WHERE run_id = (SELECT run_id FROM analytics.intercom_sync_log "
                             "ORDER BY logged_at DESC, log_id DESC LIMIT 1) ORDER BY row_number")


def write_calls(sandbox: pipeline.Sandbox) -> int:
    routes = sandbox.admin("GET", "stats")["routes"]
    return sum(sum(statuses.values()) for route, statuses in routes.items()
               if route.split(" ")[0] in ("POST", "PUT", "DELETE") and "search" not in route)


def push(sandbox: pipeline.Sandbox, meltano: pipeline.Meltano, env: dict) -> None:
    sandbox.admin("DELETE", "stats")
    meltano.run("run", "push", extra=env)


@pytest.mark.parametrize("version", ["1.4", "2.11"])
def test_scheduled_pushes_send_only_changes_and_log_every_outcome(loaded, version) -> None:
    sandbox, settings, meltano, workdir = loaded
    store = str(workdir / f"sync-{version}.sqlite")
    env = {"TARGET_INTERCOM_API_VERSION": version, "TARGET_INTERCOM_CREATE_ATTRIBUTES": "true",
           "TARGET_INTERCOM_SYNC_STORE_PATH": store,
           "TAP_INTERCOM_SYNC_LOG_SYNC_STORE_PATH": store}
    rows = pipeline.make_user_traits(settings, good_rows=GOOD_ROWS)
    good = {f"user_id={r['user_id']}" if version.startswith("1.") else
            f"external_id={r['user_id']}": r for r in rows
            if r["user_id"] and not r["user_id"].startswith("bad-")}

    before = {u["external_id"] for u in sandbox.snapshot("users")}
    push(sandbox, meltano, env)
    first = last_run(settings)
    assert len(first) == GOOD_ROWS + 3
    accepted = {key for key, outcome, _ in first if outcome == "accepted"}
    assert good.keys() <= accepted
    # The sync log matches the sandbox: every key accepted is a user holding the pushed values.
    users = {u["external_id"]: u for u in sandbox.snapshot("users")}
    for key in accepted:
        user_id = key.split("=", 1)[1]
        if key in good:
            assert users[user_id]["custom_attributes"]["conversation_count"] == \
                good[key]["conversation_count"]
        else:
            assert user_id in users
    not_written = [(key, outcome) for key, outcome, _ in first if outcome in ("failed", "invalid")]
    created = set(users) - before
    assert not_written and all(key is None or key.split("=", 1)[1] not in created
                               for key, _ in not_written)

    push(sandbox, meltano, env)  # nothing changed: the failures are retried, nothing else
    second = Counter(outcome for _, outcome, _ in last_run(settings))
    assert second["unchanged"] == len(accepted) and second["accepted"] == 0

    execute(settings, "UPDATE analytics.user_traits SET email = 'fixed@example.com' "
                      "WHERE user_id = 'bad-email-1'")
    execute(settings, "DELETE FROM analytics.user_traits WHERE user_id IS NULL "
                      "OR user_id = 'bad-seats-1'")
    push(sandbox, meltano, env)  # fixed upstream: written now
    third = {key: outcome for key, outcome, _ in last_run(settings)}
    assert third.get("user_id=bad-email-1", third.get("external_id=bad-email-1")) == "accepted"
    assert {u["external_id"]: u for u in sandbox.snapshot("users")}["bad-email-1"]["email"] == \
        "fixed@example.com"

    push(sandbox, meltano, env)  # nothing changed, nothing failing: no writes at all
    assert write_calls(sandbox) == 0
    assert {outcome for _, outcome, _ in last_run(settings)} == {"unchanged"}

    changed = sorted(good)[3].split("=", 1)[1]
    execute(settings, "UPDATE analytics.user_traits SET conversation_count = conversation_count "
                      "+ 100 WHERE user_id = %s", changed)
    push(sandbox, meltano, env)  # one changed row: one write
    fifth = Counter(outcome for _, outcome, _ in last_run(settings))
    assert fifth == Counter({"unchanged": len(third) - 1, "accepted": 1})
    assert {u["external_id"]: u for u in sandbox.snapshot("users")}[changed][
        "custom_attributes"]["conversation_count"] == good[f"{sorted(good)[3].split('=')[0]}="
                                                          f"{changed}"]["conversation_count"] + 100


def test_mirror_through_meltano_archives_exactly_the_rows_that_left(loaded) -> None:
    sandbox, settings, meltano, workdir = loaded
    store = str(workdir / "sync-mirror.sqlite")
    env = {"TARGET_INTERCOM_API_VERSION": "2.11", "TARGET_INTERCOM_CREATE_ATTRIBUTES": "true",
           "TARGET_INTERCOM_SYNC_STORE_PATH": store, "TAP_INTERCOM_SYNC_LOG_SYNC_STORE_PATH": store,
           "TARGET_INTERCOM_STREAMS": '{"analytics-user_traits": {"sync_mode": "mirror"}}'}
    pipeline.make_user_traits(settings, good_rows=GOOD_ROWS)
    execute(settings, "DELETE FROM analytics.user_traits WHERE user_id IS NULL "
                      "OR user_id LIKE 'bad-%'")
    push(sandbox, meltano, env)
    leaving = [r[0] for r in execute(settings, "SELECT user_id FROM analytics.user_traits "
                                               "ORDER BY user_id LIMIT 3")]
    execute(settings, "DELETE FROM analytics.user_traits WHERE user_id = ANY(%s)", leaving)
    live_before = {u["external_id"] for u in sandbox.snapshot("users")}
    push(sandbox, meltano, env)
    live_after = {u["external_id"] for u in sandbox.snapshot("users")}
    assert live_before - live_after == set(leaving)  # archived: exactly the rows that left
    assert live_after <= live_before
    assert sorted((key, outcome) for key, outcome, _ in last_run(settings)
                  if outcome != "unchanged") == [(f"external_id={u}", "accepted") for u in leaving]
    shown = pipeline.read_table(settings, pipeline.LAST_PUSH_SQL)  # what the demo prints
    assert dict(zip(shown.outcome, shown.records, strict=True)) == {"accepted": 3,
                                                                    "unchanged": GOOD_ROWS - 3}


def test_a_push_that_crashes_then_runs_again_loses_and_doubles_nothing(loaded) -> None:
    sandbox, settings, meltano, workdir = loaded
    store = str(workdir / "sync-crash.sqlite")
    env = {"TARGET_INTERCOM_API_VERSION": "1.4", "TARGET_INTERCOM_BATCH_SIZE": "10",
           "TARGET_INTERCOM_BATCH_SIZE_ROWS": "20", "TARGET_INTERCOM_SYNC_STORE_PATH": store,
           "TAP_INTERCOM_SYNC_LOG_SYNC_STORE_PATH": store}
    rows = pipeline.make_user_traits(settings, good_rows=60)
    execute(settings, "DELETE FROM analytics.user_traits WHERE user_id IS NULL "
                      "OR user_id LIKE 'bad-%'")
    execute(settings, "UPDATE analytics.user_traits SET conversation_count = conversation_count "
                      "+ 1000")
    sandbox.admin("PUT", "faults", json={"faults": [
        {"kind": "403", "route": "/bulk/users", "method": "POST", "after": 4}]})
    with pytest.raises(RuntimeError, match="failed"):
        push(sandbox, meltano, env)
    sandbox.admin("PUT", "faults", json={"faults": []})
    push(sandbox, meltano, env)
    snapshot = sandbox.snapshot("users")
    users = {u["external_id"]: u for u in snapshot}
    per_id = Counter(u["external_id"] for u in snapshot)
    pushed = [r for r in rows if r["user_id"] and not r["user_id"].startswith("bad-")]
    for row in pushed:
        assert users[row["user_id"]]["custom_attributes"]["conversation_count"] == \
            row["conversation_count"] + 1000  # nothing lost
        assert per_id[row["user_id"]] == 1  # nothing doubled
    outcomes = Counter(outcome for _, outcome, _ in last_run(settings))
    assert outcomes["accepted"] + outcomes["unchanged"] == 60 and outcomes["unchanged"] > 0
