"""The ticket streams against a live sandbox: what the snapshot holds, incremental runs after
changes, and a run killed in the middle of tickets with parts."""

from __future__ import annotations

import time

import pytest

from intercom_sandbox import Sandbox
from tap_intercom.convert import rfc3339
from tests.conftest import SandboxClient
from tests.tap_support import run_tap, tap_config

STREAMS = {"tickets", "ticket_parts", "ticket_types", "ticket_states"}
PART_LIMIT = 500


@pytest.fixture
def admin(sandbox: Sandbox) -> SandboxClient:
    client = SandboxClient(sandbox)
    client.fresh_workspace()
    return client


@pytest.mark.parametrize("version", ["2.11", "2.16"])
def test_every_ticket_stream_matches_the_snapshot(admin: SandboxClient, sandbox: Sandbox,
                                                  version: str) -> None:
    run = run_tap(tap_config(sandbox, version), streams=STREAMS)
    assert run.returncode == 0, run.stderr[-2000:]
    states = {s["id"]: s for s in admin.get("/_sandbox/snapshot/ticket_states?archived=true")
              .json()["data"]}
    raw = {t["id"]: t for t in admin.snapshot("tickets")}
    emitted = {t["id"]: t for t in run.records["tickets"]}
    assert len(run.records["tickets"]) == len(emitted) == len(raw)
    assert emitted.keys() == raw.keys()
    for ticket_id, ticket in emitted.items():
        source = raw[ticket_id]
        assert ticket["updated_at"] == rfc3339(source["updated_at"])
        assert ticket["ticket_state"] == states[source["state_id"]]["category"]
        assert ticket["ticket_type_id"] == source["ticket_type_id"]
        assert ticket["admin_assignee_id"] == (int(source["admin_assignee_id"])
                                               if source["admin_assignee_id"] else None)
        assert ticket["ticket_attributes"].keys() == source["attributes"].keys()
        assert ticket["ticket_attributes"]["_default_title_"] == \
            source["attributes"]["_default_title_"]
        assert ticket["parts_total_count"] == len(source["parts"])
        assert ticket["parts_returned_count"] == min(len(source["parts"]), PART_LIMIT)
    assert any(t["parts_total_count"] > t["parts_returned_count"] for t in emitted.values())
    assert "Intercom returned the 500 most recent" in run.stderr
    expected_parts = {(t["id"], p["id"]) for t in raw.values() for p in t["parts"][-PART_LIMIT:]}
    assert run.keys("ticket_parts", "ticket_id", "id") == expected_parts
    assert len(run.records["ticket_parts"]) == len(expected_parts)
    types = {t["id"]: t for t in admin.get("/_sandbox/snapshot/ticket_types?archived=true")
             .json()["data"]}
    assert run.ids("ticket_types") == types.keys()
    for record in run.records["ticket_types"]:
        assert [a["id"] for a in record["ticket_type_attributes"]] == \
            [a["id"] for a in types[record["id"]]["attributes"]]
    typed = run.schemas["tickets"]["properties"]["ticket_attributes"]["properties"]
    assert typed["affected_users"]["type"] == ["integer", "null"]
    assert typed["amount"]["type"] == ["number", "null"]
    if version == "2.16":
        assert {(s["id"], s["category"]) for s in run.records["ticket_states"]} == \
            {(s["id"], s["category"]) for s in states.values()}
        assert all(t["ticket_state_id"] == raw[t["id"]]["state_id"] for t in emitted.values())
    else:
        assert "ticket_states" not in run.records
        assert "ticket_states: left out; it needs api_version 2.16" in run.stderr


@pytest.mark.parametrize("version", ["2.11", "2.16"])
def test_changed_tickets_are_read_again_with_their_new_parts(
        admin: SandboxClient, sandbox: Sandbox, version: str) -> None:
    config = tap_config(sandbox, version)
    first = run_tap(config, streams={"tickets", "ticket_parts"})
    assert first.returncode == 0, first.stderr[-2000:]
    bookmark = first.state["bookmarks"]["tickets"]["replication_key_value"]
    time.sleep(1.1)  # changes land after the first run's frozen upper bound
    changed = admin.post("/_sandbox/mutate", json={"collection": "tickets", "count": 4,
                                                   "parts": 2}).json()["ids"]
    second = run_tap(config, state=first.state, streams={"tickets", "ticket_parts"})
    assert second.returncode == 0, second.stderr[-2000:]
    assert set(changed) <= second.ids("tickets")
    raw = {t["id"]: t for t in admin.snapshot("tickets")}
    day_start = rfc3339(int(time.mktime(time.strptime(bookmark[:10], "%Y-%m-%d")))
                         - 86400)  # the bookmark's calendar day, in any workspace zone
    assert all(t["updated_at"] >= day_start for t in second.records["tickets"])
    new_parts = {(i, p["id"]) for i in changed for p in raw[i]["parts"][-2:]}
    assert new_parts <= second.keys("ticket_parts", "ticket_id", "id")
    assert new_parts.isdisjoint(first.keys("ticket_parts", "ticket_id", "id"))
    assert second.state["bookmarks"]["tickets"]["replication_key_value"] > bookmark


@pytest.mark.parametrize("version", ["2.11", "2.16"])
def test_run_killed_in_the_middle_of_tickets_resumes_without_loss(
        admin: SandboxClient, sandbox: Sandbox, version: str) -> None:
    config = tap_config(sandbox, version)
    streams = {"tickets", "ticket_parts"}
    clean = run_tap(config, streams=streams)
    killed = run_tap(config, streams=streams, stop_after=("tickets", 110))
    assert killed.returncode != 0
    assert killed.state["bookmarks"]["tickets"].get("replication_key_value"), killed.state
    assert len(killed.ids("tickets")) < len(clean.ids("tickets"))
    resumed = run_tap(config, state=killed.state, streams=streams)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert killed.ids("tickets") | resumed.ids("tickets") == clean.ids("tickets")
    assert len(resumed.ids("tickets")) < len(clean.ids("tickets"))  # it did resume
    key = ("ticket_id", "id")
    assert killed.keys("ticket_parts", *key) | resumed.keys("ticket_parts", *key) == \
        clean.keys("ticket_parts", *key)
