"""What API 2.16 adds, against a live sandbox: office hours schedules, conversation statistics."""

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
    assert "office_hours_schedules: left out; it needs api_version 2.16" in older.stderr


def test_conversations_carry_the_2_16_statistics_typed(sandbox: Sandbox) -> None:
    api = SandboxClient(sandbox, "2.16")
    served = {c["id"]: c["statistics"] for c in api.post("/conversations/search", json={
        "query": {"field": "updated_at", "operator": ">", "value": 0},
        "pagination": {"per_page": 150}}).json()["conversations"]}
    run = run_tap(tap_config(sandbox, "2.16"), streams={"conversations"})
    assert run.returncode == 0, run.stderr[-2000:]
    keys = ("handling_time", "adjusted_handling_time", "assigned_team_first_response_time",
            "assigned_team_first_response_time_in_office_hours")
    for record in run.records["conversations"]:
        for key in keys:
            assert record["statistics"].get(key) == served[record["id"]].get(key), key
    assert any(r["statistics"].get("handling_time") for r in run.records["conversations"])
    typed = run.schemas["conversations"]["properties"]["statistics"]["properties"]
    assert typed["handling_time"]["type"] == ["integer", "null"]
    team = typed["assigned_team_first_response_time_in_office_hours"]["items"]["properties"]
    assert team["response_time"]["type"] == ["integer", "null"]
