"""The notes and subscription_types streams against a live sandbox."""

from __future__ import annotations

import time

import pytest

from intercom_sandbox import Sandbox
from tap_intercom.convert import rfc3339
from tests.conftest import SandboxClient
from tests.tap_support import run_tap, tap_config


@pytest.fixture
def admin(sandbox: Sandbox) -> SandboxClient:
    client = SandboxClient(sandbox)
    client.fresh_workspace()
    return client


def notes_requests(admin: SandboxClient) -> int:
    routes = admin.get("/_sandbox/stats").json()["routes"]
    return sum(sum(statuses.values()) for route, statuses in routes.items()
               if route.endswith("/notes"))


@pytest.mark.parametrize("version", ["2.11", "2.16"])
def test_notes_and_subscription_types_match_the_snapshot(admin: SandboxClient,
                                                         sandbox: Sandbox, version: str) -> None:
    run = run_tap(tap_config(sandbox, version), streams={"notes", "subscription_types"})
    assert run.returncode == 0, run.stderr[-2000:]
    notes = {n["id"]: n for n in admin.snapshot("notes")}
    contacts = {c["id"]: c for c in admin.snapshot("contacts")}
    assert len(run.records["notes"]) == len(notes) and run.ids("notes") == notes.keys()
    for record in run.records["notes"]:
        source = notes[record["id"]]
        assert record["contact_id"] == record["contact"]["id"] == source["contact_id"]
        assert record["contact_updated_at"] == rfc3339(contacts[source["contact_id"]]
                                                       ["updated_at"])
        assert record["created_at"] == rfc3339(source["created_at"])
        assert record["author"]["id"] == source["admin_id"]
    assert run.ids("subscription_types") == {s["id"] for s in admin.snapshot("subscription_types")}


def test_only_contacts_changed_since_the_bookmark_are_asked_for_notes(
        admin: SandboxClient, sandbox: Sandbox) -> None:
    config = tap_config(sandbox)
    first = run_tap(config, streams={"notes"})
    assert first.returncode == 0, first.stderr[-2000:]
    contacts = admin.snapshot("contacts")
    assert notes_requests(admin) == len(contacts)  # a first run asks every contact
    time.sleep(1.1)  # changes land after the first run's frozen upper bound
    changed = admin.post("/_sandbox/mutate", json={"collection": "notes", "count": 3,
                                                   "parts": 2}).json()["ids"]
    admin.delete("/_sandbox/stats")
    second = run_tap(config, state=first.state, streams={"notes"})
    assert second.returncode == 0, second.stderr[-2000:]
    added = {n["id"] for n in admin.snapshot("notes") if n["contact_id"] in changed} - \
        first.ids("notes")
    assert len(added) == 6 and added <= second.ids("notes")
    assert notes_requests(admin) < len(contacts) / 4  # the bookmark's day and the changes only
    bookmark = first.state["bookmarks"]["notes"]["replication_key_value"]
    assert second.state["bookmarks"]["notes"]["replication_key_value"] > bookmark
