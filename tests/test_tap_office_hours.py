"""The office_hours_schedules stream (API 2.16) against a live sandbox."""

from __future__ import annotations

from intercom_sandbox import Sandbox
from tap_intercom.convert import rfc3339
from tests.conftest import SandboxClient
from tests.tap_support import run_tap, tap_config


def test_office_hours_schedules_on_2_16_and_left_out_before(sandbox: Sandbox) -> None:
    expected = [{**r, "created_at": rfc3339(r["created_at"]),
                 "updated_at": rfc3339(r["updated_at"])}
                for r in SandboxClient(sandbox).snapshot("office_hours_schedules", "2")]
    run = run_tap(tap_config(sandbox, "2.16"), streams={"office_hours_schedules"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.records["office_hours_schedules"] == expected
    assert any(not r["twenty_four_seven"] and len(r["time_intervals"]) == 5
               for r in run.records["office_hours_schedules"])
    older = run_tap(tap_config(sandbox, "2.11"))
    assert older.returncode == 0, older.stderr[-2000:]
    assert "office_hours_schedules" not in older.records
    assert "stream office_hours_schedules left out: it needs api_version 2.16" in older.stderr
