"""The activity_logs stream against a live sandbox: creation-time windows, no gaps, bookmarks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intercom_sandbox import Sandbox
from tap_intercom.convert import rfc3339
from tests.conftest import SMALL, SandboxClient, start_sandbox
from tests.tap_support import run_tap, tap_config


@pytest.fixture
def admin(sandbox: Sandbox) -> SandboxClient:
    client = SandboxClient(sandbox)
    client.fresh_workspace()
    return client


@pytest.mark.parametrize("version", ["2.11", "2.16"])
def test_activity_logs_match_the_snapshot_and_resume_from_the_bookmark(
        admin: SandboxClient, sandbox: Sandbox, version: str) -> None:
    config = tap_config(sandbox, version)
    expected = {r["id"]: r for r in admin.snapshot("activity_logs")}
    first = run_tap(config, streams={"activity_logs"})
    assert first.returncode == 0, first.stderr[-2000:]
    records = first.records["activity_logs"]
    assert len(records) == len(expected) and first.ids("activity_logs") == expected.keys()
    assert [r["created_at"] for r in records] == sorted(r["created_at"] for r in records)
    for record in records:
        assert record["created_at"] == rfc3339(expected[record["id"]]["created_at"])
        assert record["performed_by"]["id"] == expected[record["id"]]["admin_id"]
    bookmark = first.state["bookmarks"]["activity_logs"]["replication_key_value"]
    assert bookmark == max(r["created_at"] for r in records)
    second = run_tap(config, state=first.state, streams={"activity_logs"})
    assert second.returncode == 0, second.stderr[-2000:]
    assert {r["id"] for r in second.records["activity_logs"]} == \
        {r["id"] for r in records if r["created_at"] == bookmark}  # the bookmark's second again


def test_a_start_date_reads_exactly_the_logs_from_it(admin: SandboxClient,
                                                     sandbox: Sandbox) -> None:
    logs = sorted(admin.snapshot("activity_logs"), key=lambda r: r["created_at"])
    start = logs[len(logs) // 2]["created_at"]
    run = run_tap(tap_config(sandbox, start_date=rfc3339(start).replace("+00:00", "Z")),
                  streams={"activity_logs"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.ids("activity_logs") == {r["id"] for r in logs if r["created_at"] >= start}


def test_killed_run_resumes_without_loss() -> None:
    busy = start_sandbox(size=replace(SMALL, admins=250))  # about 1,250 log entries
    try:
        config = tap_config(busy, page_size=50)
        clean = run_tap(config, streams={"activity_logs"})
        assert len(clean.ids("activity_logs")) > 1000
        killed = run_tap(config, streams={"activity_logs"}, stop_after=("activity_logs", 700))
        assert killed.returncode != 0
        assert killed.state["bookmarks"]["activity_logs"].get("replication_key_value")
        resumed = run_tap(config, state=killed.state, streams={"activity_logs"})
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        assert len(resumed.ids("activity_logs")) < len(clean.ids("activity_logs"))
        assert killed.ids("activity_logs") | resumed.ids("activity_logs") == \
            clean.ids("activity_logs")
    finally:
        busy.stop()
