"""Deletes reach the output: versioned full tables, deleted conversations and contacts, and
streams left out on versions that lack their endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intercom_sandbox import Sandbox
from tests.conftest import SandboxClient, start_sandbox
from tests.tap_support import run_tap, tap_config

LIST_STREAMS = {"tags", "segments", "admins", "teams", "data_attributes"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = start_sandbox()
    yield sb
    sb.stop()


@pytest.fixture
def admin(sandbox: Sandbox) -> SandboxClient:
    client = SandboxClient(sandbox, "Preview")
    client.fresh_workspace()
    return client


def test_full_table_streams_are_versioned_and_the_others_are_not(sandbox: Sandbox,
                                                                   admin: SandboxClient) -> None:
    run = run_tap(tap_config(sandbox), streams=LIST_STREAMS | {"counts", "conversations",
                                                               "conversation_parts"})
    assert run.returncode == 0, run.stderr
    # The SDK sends one as each full-table stream starts; counts and parts are not full reads.
    assert sorted(run.activated) == sorted(LIST_STREAMS)


def test_a_deleted_tag_leaves_the_next_version_of_the_table(sandbox: Sandbox,
                                                            admin: SandboxClient) -> None:
    tag = admin.snapshot("tags")[0]["id"]
    assert admin.delete(f"/tags/{tag}").status_code == 200
    run = run_tap(tap_config(sandbox), streams={"tags"})
    assert run.returncode == 0, run.stderr
    assert tag not in run.ids("tags") and run.ids("tags")


def test_deleted_conversations_are_read_incrementally_on_2_16(sandbox: Sandbox,
                                                              admin: SandboxClient) -> None:
    first, second = (c["id"] for c in admin.snapshot("conversations")[:2])
    assert admin.delete(f"/conversations/{first}").status_code == 200
    config = tap_config(sandbox, "2.16")
    run = run_tap(config, streams={"deleted_conversations"})
    assert run.returncode == 0, run.stderr
    [record] = run.records["deleted_conversations"]
    assert record["id"] == first and record["_sdc_deleted_at"] == record["deleted_at"]
    assert admin.delete(f"/conversations/{second}", params={"retain_metrics": "false"}) \
        .status_code == 200
    again = run_tap(config, run.state, streams={"deleted_conversations"})
    assert again.returncode == 0, again.stderr
    # The bookmark's second is read again (deletions within it may have come after the run).
    assert second in again.ids("deleted_conversations")
    assert {r["id"]: r["metrics_retained"] for r in again.records["deleted_conversations"]}[
        second] is False


def test_deleted_and_merged_contacts_come_from_the_activity_log_on_preview(
        sandbox: Sandbox, admin: SandboxClient) -> None:
    people = admin.snapshot("contacts")
    lead = next(p for p in people if p["role"] == "lead")
    user, gone = [p for p in people if p["role"] == "user"][:2]
    assert admin.post("/contacts/merge", json={"from": lead["id"], "into": user["id"]}) \
        .status_code == 200
    assert admin.delete(f"/contacts/{gone['id']}").status_code == 200
    config = tap_config(sandbox, "Preview")
    run = run_tap(config, streams={"deleted_contacts"})
    assert run.returncode == 0, run.stderr
    by_id = {r["id"]: r for r in run.records["deleted_contacts"]}
    assert set(by_id) == {lead["id"], gone["id"]}
    assert by_id[lead["id"]]["event_type"] == "contact.merged"
    assert by_id[lead["id"]]["merged_into_id"] == user["id"]
    assert by_id[gone["id"]]["event_type"] == "contact.deleted"
    assert all(r["_sdc_deleted_at"] for r in by_id.values())
    # The next run starts after the last activity read: nothing again.
    again = run_tap(config, run.state, streams={"deleted_contacts"})
    assert again.returncode == 0 and not again.records["deleted_contacts"], again.stderr


@pytest.mark.parametrize(("version", "left_out"), [
    ("2.11", {"deleted_conversations": "2.16", "deleted_contacts": "Preview"}),
    ("2.16", {"deleted_contacts": "Preview"}),
    ("Preview", {}),
    ("1.4", {"deleted_conversations": "2.16", "deleted_contacts": "Preview"}),
])
def test_streams_newer_than_the_version_are_left_out_with_one_line(
        sandbox: Sandbox, version: str, left_out: dict[str, str]) -> None:
    run = run_tap(tap_config(sandbox, version), streams={"teams"})
    assert run.returncode == 0, run.stderr
    for name, needed in left_out.items():
        lines = [line for line in run.stderr.splitlines() if f"{name}: left out" in line]
        assert len(lines) == 1 and f"needs api_version {needed} or newer" in lines[0]
    assert "left out" not in run.stderr or left_out


def test_a_failed_read_retires_nothing(sandbox: Sandbox, admin: SandboxClient) -> None:
    admin.faults([{"kind": "403", "route": "/segments"}])
    run = run_tap(tap_config(sandbox), streams={"segments"})
    assert run.returncode != 0
    assert "segments" not in run.activated  # the loader keeps the rows it has


def test_companies_as_a_full_table_drop_deleted_companies(sandbox: Sandbox,
                                                          admin: SandboxClient) -> None:
    company = admin.snapshot("companies")[0]["id"]
    assert admin.delete(f"/companies/{company}").status_code == 200
    run = run_tap(tap_config(sandbox, companies_replication="full_table"), streams={"companies"})
    assert run.returncode == 0, run.stderr
    assert run.activated == ["companies"]
    assert company not in run.ids("companies")
    assert run.ids("companies") == {c["id"] for c in admin.snapshot("companies")}


def test_contact_ids_list_every_contact_only_when_reconciliation_is_on(
        sandbox: Sandbox, admin: SandboxClient) -> None:
    people = admin.snapshot("contacts")
    gone = people[0]["id"]
    assert admin.delete(f"/contacts/{gone}").status_code == 200
    config = tap_config(sandbox, "2.11", reconcile_deleted_contacts=True, page_size=50)
    run = run_tap(config, streams={"contact_ids"})
    assert run.returncode == 0, run.stderr
    assert run.ids("contact_ids") == {p["id"] for p in people} - {gone}
    assert run.activated == ["contact_ids"]  # a new version: the loader retires vanished ids
    assert all(r["listed_at"] for r in run.records["contact_ids"])
    off = run_tap(tap_config(sandbox, "2.11"), streams={"contact_ids"})
    assert "contact_ids" not in off.records or not off.records["contact_ids"]
    old = run_tap(tap_config(sandbox, "1.4", reconcile_deleted_contacts=True), streams={"teams"})
    assert old.returncode == 0, old.stderr
    assert "contact_ids: left out; it needs api_version 2.0 or newer" in old.stderr
