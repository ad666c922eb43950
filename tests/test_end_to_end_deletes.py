"""Deletes reach the warehouse: real Meltano, real PostgreSQL, the sandbox as Intercom."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
import requests

from scripts import pipeline
from scripts.warehouse import ConnectionSettings
from tests.meltano_support import meltano_story

SIZES = ("--users", "200", "--leads", "40", "--companies", "20", "--conversations", "30",
         "--tags", "8", "--segments", "4", "--admins", "4", "--teams", "2")
pytestmark = pytest.mark.skipif(not pipeline.MELTANO.exists(),
                                reason="Meltano is not installed: run `make meltano`")
RUN = ("run", "load")  # the tap, target-postgres, then dbt's retire step


@pytest.fixture(scope="module")
def story() -> Iterator[tuple[pipeline.Sandbox, ConnectionSettings, pipeline.Meltano]]:
    with meltano_story("deletes", SIZES, lambda _workdir: {
            "TAP_INTERCOM_API_VERSION": "Preview",
            "TAP_INTERCOM_COMPANIES_REPLICATION": "full_table"}) as story:
        yield story.sandbox, story.settings, story.meltano


def rows(settings: ConnectionSettings, query: str) -> list[tuple]:
    with psycopg.connect(settings.url) as conn:
        return conn.execute(query).fetchall()


def ids(settings: ConnectionSettings, table: str) -> set[str]:
    return {row[0] for row in rows(settings, f"SELECT id FROM intercom.{table}")}


def links(settings: ConnectionSettings, table: str, key: str, value: str) -> int:
    return rows(settings, f"SELECT count(*) FROM intercom.{table} WHERE {key} = '{value}'")[0][0]


def intercom(sandbox: pipeline.Sandbox, method: str, path: str, **kwargs: object) -> dict:
    """One request to the sandbox's Intercom API, as a client on the Preview version would."""
    response = requests.request(method, sandbox.url + path, timeout=60, headers={
        "Authorization": f"Bearer {sandbox.token}", "Intercom-Version": "Preview",
        "Accept": "application/json"}, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else {}


def test_deleted_objects_are_gone_or_marked_after_the_next_load(story) -> None:
    sandbox, settings, meltano = story
    meltano.fresh_start()
    meltano.run(*RUN)
    users = sorted((c for c in sandbox.snapshot("contacts") if c["role"] == "user"),
                   key=lambda c: -len(c["tag_ids"]))
    lead = next(c for c in sandbox.snapshot("contacts") if c["role"] == "lead")
    user, merged_into = users[0]["id"], users[1]["id"]
    conversation = sandbox.snapshot("conversations")[0]["id"]
    company = next(c["id"] for c in sandbox.snapshot("companies") if c["tag_ids"])
    assert links(settings, "contact_tags", "contact_id", user)
    assert links(settings, "conversation_contacts", "conversation_id", conversation)
    assert links(settings, "company_tags", "company_id", company)
    tag = next(t["id"] for t in sandbox.snapshot("tags"))
    assert {user, merged_into} <= ids(settings, "users") and lead["id"] in ids(settings, "contacts")
    assert conversation in ids(settings, "conversations")
    assert company in ids(settings, "companies") and tag in ids(settings, "tags")

    intercom(sandbox, "DELETE", f"/contacts/{user}")
    intercom(sandbox, "POST", "/contacts/merge", json={"from": lead["id"], "into": merged_into})
    intercom(sandbox, "DELETE", f"/conversations/{conversation}")
    intercom(sandbox, "DELETE", f"/companies/{company}")
    intercom(sandbox, "DELETE", f"/tags/{tag}")
    meltano.run(*RUN)

    # Full tables: the rows are gone (hard_delete in meltano.yml).
    assert tag not in ids(settings, "tags") and ids(settings, "tags")
    assert company not in ids(settings, "companies")
    assert ids(settings, "companies") == {c["id"] for c in sandbox.snapshot("companies")}
    # Incremental streams: the rows are marked by their deletion record.
    marked = rows(settings, """
        SELECT c.id, d._sdc_deleted_at FROM intercom.conversations c
          JOIN intercom.deleted_conversations d USING (id)""")
    assert [r[0] for r in marked] == [conversation] and marked[0][1] is not None
    gone = {r[0]: r[1:] for r in rows(settings, """
        SELECT id, event_type, merged_into_id, _sdc_deleted_at FROM intercom.deleted_contacts""")}
    assert gone[user][0] == "contact.deleted" and gone[user][2] is not None
    assert gone[lead["id"]][:2] == ("contact.merged", merged_into)
    live = ids(settings, "users") | ids(settings, "contacts")
    assert {user, lead["id"]} <= live  # still there, marked by deleted_contacts
    # Their relationship rows are gone (the retire step).
    assert not links(settings, "contact_tags", "contact_id", user)
    assert not links(settings, "conversation_contacts", "conversation_id", conversation)
    assert not links(settings, "company_tags", "company_id", company)
    # A third run without changes deletes and marks nothing more.
    meltano.run(*RUN)
    assert rows(settings, "SELECT count(*) FROM intercom.deleted_contacts")[0][0] == 2
    assert ids(settings, "tags") == {t["id"] for t in sandbox.snapshot("tags")}


def test_contacts_deleted_before_preview_are_reconciled_by_their_ids(story) -> None:
    """On 2.11 with reconcile_deleted_contacts: contact_ids is versioned, so target-postgres
    drops the ids that vanished, and the retire step adds those contacts to deleted_contacts."""
    sandbox, settings, meltano = story
    older = {"TAP_INTERCOM_API_VERSION": "2.11", "TAP_INTERCOM_RECONCILE_DELETED_CONTACTS": "true"}
    meltano.fresh_start()
    meltano.run(*RUN, extra=older)
    assert ids(settings, "contact_ids") == ids(settings, "users") | ids(settings, "contacts")
    assert not rows(settings, "SELECT * FROM intercom.deleted_contacts")
    user = max((c for c in sandbox.snapshot("contacts") if c["role"] == "user"),
               key=lambda c: len(c["tag_ids"]))["id"]
    lead = next(c for c in sandbox.snapshot("contacts") if c["role"] == "lead")["id"]
    assert links(settings, "contact_tags", "contact_id", user)
    intercom(sandbox, "DELETE", f"/contacts/{user}")
    intercom(sandbox, "DELETE", f"/contacts/{lead}")
    meltano.run(*RUN, extra=older)
    assert ids(settings, "contact_ids") == {c["id"] for c in sandbox.snapshot("contacts")}
    gone = {r[0]: r[1:] for r in rows(settings, """
        SELECT id, event_type, _sdc_deleted_at FROM intercom.deleted_contacts""")}
    assert set(gone) == {user, lead}
    assert all(event == "contact.missing" and at is not None for event, at in gone.values())
    assert not links(settings, "contact_tags", "contact_id", user)
    meltano.run(*RUN, extra=older)  # nothing more goes
    assert rows(settings, "SELECT count(*) FROM intercom.deleted_contacts")[0][0] == 2
