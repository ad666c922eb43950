"""The main job end to end: real Meltano, real PostgreSQL, the sandbox as Intercom."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from scripts import pipeline
from scripts.warehouse import ConnectionSettings
from tap_intercom.frames import read_frames
from tests.meltano_support import meltano_story

SIZES = ("--users", "400", "--leads", "80", "--companies", "30", "--conversations", "60",
         "--tags", "8", "--segments", "6", "--admins", "5", "--teams", "2",
         "--long-conversations", "1", "--tickets", "40", "--long-tickets", "1",
         "--job-task-delay-s", "0.2")
pytestmark = pytest.mark.skipif(not pipeline.MELTANO.exists(),
                                reason="Meltano is not installed: run `make meltano`")


@pytest.fixture(scope="module")
def story() -> Iterator[tuple[pipeline.Sandbox, ConnectionSettings, pipeline.Meltano]]:
    with meltano_story("e2e", SIZES, lambda workdir: {
            "TARGET_INTERCOM_ERRORS_PATH": str(workdir / "errors.jsonl"),
            "TARGET_INTERCOM_SYNC_STORE_PATH": str(workdir / "sync.sqlite"),
            "TAP_INTERCOM_SYNC_LOG_SYNC_STORE_PATH": str(workdir / "sync.sqlite")}) as story:
        yield story.sandbox, story.settings, story.meltano


def table(settings: ConnectionSettings, query: str) -> list[tuple]:
    with psycopg.connect(settings.url) as conn:
        return conn.execute(query).fetchall()


def stamps(settings: ConnectionSettings, name: str) -> dict[str, int]:
    rows = table(settings, f"SELECT id, extract(epoch FROM updated_at)::bigint FROM intercom.{name}")
    return {row[0]: row[1] for row in rows}


def assert_tables_equal_sandbox(sandbox: pipeline.Sandbox, settings: ConnectionSettings) -> None:
    """Every loaded table holds exactly the sandbox's objects, none of them stale."""
    for name, collection in (("users", "users"), ("contacts", "leads"),
                             ("companies", "companies"), ("conversations", "conversations")):
        expected = {r["id"]: r["updated_at"] for r in sandbox.snapshot(collection)}
        assert stamps(settings, name) == expected, name
    parts = {(row[0], row[1]) for row in table(
        settings, "SELECT conversation_id, id FROM intercom.conversation_parts")}
    expected_parts = {(c["id"], p["id"]) for c in sandbox.snapshot("conversations")
                      for p in c["parts"][-500:]}
    assert parts == expected_parts
    assert stamps(settings, "tickets") == {r["id"]: r["updated_at"]
                                           for r in sandbox.snapshot("tickets")}
    ticket_parts = {(row[0], row[1]) for row in table(
        settings, "SELECT ticket_id, id FROM intercom.ticket_parts")}
    assert ticket_parts == {(t["id"], p["id"]) for t in sandbox.snapshot("tickets")
                            for p in t["parts"][-500:]}
    for name in ("tags", "admins", "teams"):
        loaded = {row[0] for row in table(settings, f"SELECT id FROM intercom.{name}")}
        assert loaded == {r["id"] for r in sandbox.snapshot(name)}, name


def test_load_mutate_incremental_load(story) -> None:
    sandbox, settings, meltano = story
    meltano.fresh_start()
    meltano.run("run", "load")
    counts = pipeline.row_counts(settings)
    assert set(counts) >= {"users", "contacts", "companies", "conversations", "conversation_parts",
                           "tags", "segments", "admins", "teams", "data_attributes", "counts",
                           "tickets", "ticket_parts", "ticket_types", "activity_logs",
                           "subscription_types", "help_centers", "collections", "articles"}
    assert "ticket_states" not in counts  # 2.16 only; the job reads 2.11
    assert "notes" not in counts and "contact_segments" not in counts  # a call per contact: opt in
    attributes = {row[0] for row in table(settings, """
        SELECT column_name FROM information_schema.columns
         WHERE table_schema = 'intercom' AND table_name = 'tickets'""")}
    assert "ticket_attributes" in attributes and "ticket_state" in attributes
    assert_tables_equal_sandbox(sandbox, settings)
    keys = table(settings, """
        SELECT kcu.table_name, kcu.column_name FROM information_schema.table_constraints tc
          JOIN information_schema.key_column_usage kcu USING (constraint_name, table_schema)
         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'intercom'""")
    assert ("users", "id") in keys and ("conversation_parts", "conversation_id") in keys

    changed = {collection: sandbox.admin("POST", "mutate", json={"collection": collection,
                                                                  "count": count})["ids"]
               for collection, count in (("users", 9), ("conversations", 4), ("companies", 3),
                                         ("tickets", 3))}
    result = meltano.run("run", "load")
    emitted = pipeline.records_per_stream(result.stderr)
    assert len(changed["users"]) <= emitted["users"] < 40  # the changes, not the whole table
    assert emitted["conversations"] < 20
    assert len(changed["tickets"]) <= emitted["tickets"] < 20
    assert_tables_equal_sandbox(sandbox, settings)


def test_reverse_etl_pushes_exactly_the_good_rows(story) -> None:
    sandbox, settings, meltano = story
    if "users" not in pipeline.row_counts(settings):
        meltano.run("run", "load")
    rows = pipeline.make_user_traits(settings, good_rows=25)
    good = [r for r in rows if r["user_id"] and not r["user_id"].startswith("bad-")]
    assert len(good) == 25
    errors = Path(meltano.extra_env["TARGET_INTERCOM_ERRORS_PATH"])
    errors.unlink(missing_ok=True)
    meltano.run("run", "push", extra={"TARGET_INTERCOM_API_VERSION": "1.4"})
    users = {u["user_id"]: u for u in sandbox.snapshot("users", "1")}
    for row in good:
        assert users[row["user_id"]]["custom_attributes"]["conversation_count"] == \
            row["conversation_count"]
    assert "bad-email-1" not in users and "bad-seats-1" not in users
    failures = [json.loads(line) for line in errors.read_text().splitlines()]
    codes = sorted(f["code"] for f in failures)
    assert codes == ["parameter_invalid", "parameter_invalid", "parameter_not_found"]
    logged = table(settings, "SELECT outcome, count(*) FROM analytics.intercom_sync_log "
                             "GROUP BY outcome")
    assert dict(logged) == {"accepted": 25, "failed": 2, "invalid": 1}


def test_dataframes_match_the_warehouse(story) -> None:
    sandbox, settings, _meltano = story
    frames = read_frames({"access_token": sandbox.token, "api_url": sandbox.url},
                         ["conversations"])
    loaded = table(settings, "SELECT count(*) FROM intercom.conversations")[0][0]
    assert len(frames["conversations"]) == loaded
    per_day, replies = pipeline.conversation_analysis(settings)
    assert per_day.to_numpy().sum() == loaded
    assert set(replies.index) <= {"open", "closed", "snoozed"}


# Relationship table -> (parent table, parent key, related key, the parent's version column).
RELATION_TABLES = {
    "contact_tags": ("users", "contact_id", "tag_id", "contact_updated_at"),
    "contact_companies": ("users", "contact_id", "company_id", "contact_updated_at"),
    "company_tags": ("companies", "company_id", "tag_id", "company_updated_at"),
    "company_segments": ("companies", "company_id", "segment_id", "company_updated_at"),
    "conversation_tags": ("conversations", "conversation_id", "tag_id", "conversation_updated_at"),
    "conversation_contacts": ("conversations", "conversation_id", "contact_id",
                              "conversation_updated_at"),
    "conversation_teammates": ("conversations", "conversation_id", "admin_id",
                               "conversation_updated_at"),
}


def current_links(settings: ConnectionSettings, name: str) -> set[tuple[str, str]]:
    """The table's current rows: those stamped with their parent's updated_at (see README)."""
    parent, parent_key, related_key, version = RELATION_TABLES[name]
    query = (f"SELECT r.{parent_key}, r.{related_key} FROM intercom.{name} r "
             f"JOIN intercom.{parent} p ON p.id = r.{parent_key} AND p.updated_at = r.{version}")
    if parent == "users":  # contact relationships hold users and leads
        query += (f" UNION SELECT r.{parent_key}, r.{related_key} FROM intercom.{name} r JOIN "
                  f"intercom.contacts p ON p.id = r.{parent_key} AND p.updated_at = r.{version}")
    return {(row[0], row[1]) for row in table(settings, query)}


def sandbox_links(sandbox: pipeline.Sandbox, name: str) -> set[tuple[str, str]]:
    if name.startswith("contact_"):
        field = "tag_ids" if name == "contact_tags" else "company_ids"
        return {(c["id"], i) for kind in ("users", "leads") for c in sandbox.snapshot(kind)
                for i in c[field]}
    if name.startswith("company_"):
        field = "tag_ids" if name == "company_tags" else "segment_ids"
        return {(c["id"], i) for c in sandbox.snapshot("companies") for i in c[field]}
    nested = {"conversation_tags": ("tags", "tags"), "conversation_contacts": ("contacts", "contacts"),
              "conversation_teammates": ("teammates", "teammates")}[name]
    return {(c["id"], str(item["id"])) for c in sandbox.snapshot("conversations", "2")
            for item in c[nested[0]][nested[1]]}


def loaded_links(settings: ConnectionSettings, name: str) -> set[tuple[str, str]]:
    _parent, parent_key, related_key, _version = RELATION_TABLES[name]
    return {(row[0], row[1]) for row in table(
        settings, f"SELECT {parent_key}, {related_key} FROM intercom.{name}")}


def test_removed_relationships_leave_the_loaded_tables(story) -> None:
    """Through Meltano and target-postgres and the load job's retire step: a tag taken off a
    user and a company leaves contact_tags and company_tags; every relationship table equals
    Intercom, row for row."""
    sandbox, settings, meltano = story
    if "contact_tags" not in pipeline.row_counts(settings):
        meltano.run("run", "load")
    user = next(u for u in sandbox.snapshot("users") if len(u["tag_ids"]) >= 2)
    company = next(c for c in sandbox.snapshot("companies") if c["tag_ids"])
    sandbox.admin("POST", "mutate", json={"collection": "users", "ids": [user["id"]],
                                          "fields": {"tag_ids": user["tag_ids"][1:]}})
    sandbox.admin("POST", "mutate", json={"collection": "companies", "ids": [company["id"]],
                                          "fields": {"tag_ids": []}})
    meltano.run("run", "load")
    for name in RELATION_TABLES:
        assert current_links(settings, name) == sandbox_links(sandbox, name), name
        assert loaded_links(settings, name) == sandbox_links(sandbox, name), name
    assert (user["id"], user["tag_ids"][0]) not in loaded_links(settings, "contact_tags")
    assert (user["id"], user["tag_ids"][1]) in loaded_links(settings, "contact_tags")
    assert not any(c == company["id"] for c, _ in loaded_links(settings, "company_tags"))
    # With intercom_hard_delete false the step marks instead: a lost link gets _sdc_deleted_at.
    lost = user["tag_ids"][0]
    with psycopg.connect(settings.url, autocommit=True) as conn:
        conn.execute("INSERT INTO intercom.contact_tags (contact_id, tag_id, contact_updated_at) "
                     "SELECT contact_id, %s, contact_updated_at - interval '1 day' "
                     "FROM intercom.contact_tags WHERE contact_id = %s LIMIT 1", (lost, user["id"]))
    meltano.run("invoke", "dbt-postgres", "run-operation", "retire_removed_rows",
                "--vars", "{intercom_hard_delete: false}")
    marked = table(settings, "SELECT contact_id, tag_id FROM intercom.contact_tags "
                             "WHERE _sdc_deleted_at IS NOT NULL")
    assert marked == [(user["id"], lost)]
    teams = {(row[0], row[1]) for row in table(settings,
                                               "SELECT team_id, admin_id FROM intercom.team_admins")}
    assert teams == {(t["id"], str(a)) for t in sandbox.snapshot("teams") for a in t["admin_ids"]}
