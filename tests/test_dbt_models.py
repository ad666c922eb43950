"""The dbt models on a loaded warehouse, run by Meltano, against figures computed here from the
sandbox's own snapshot (every part, also those past the 500-part cap)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
import requests

from scripts import pipeline
from scripts.warehouse import ConnectionSettings
from tests.meltano_support import meltano_story

SIZES = ("--users", "300", "--leads", "60", "--companies", "25", "--conversations", "90",
         "--tags", "8", "--segments", "4", "--admins", "5", "--teams", "2",
         "--long-conversations", "2", "--events", "10")
MODELS = "intercom_analytics"
CONTACT_TYPES = {"user", "lead", "contact"}
pytestmark = pytest.mark.skipif(not pipeline.MELTANO.exists(),
                                reason="Meltano is not installed: run `make meltano`")


@dataclass
class Truth:
    """A conversation's figures, from the sandbox's snapshot, in Unix seconds and minutes."""

    capped: bool
    first_response_minutes: float | None
    first_close_minutes: float | None
    last_close_minutes: float | None
    reopens: int
    rating: int | None
    total_parts: int
    last_close_by_admin: str | None
    admin_assignee: str | None
    state: str


def minutes(start: int | None, end: int | None) -> float | None:
    return None if start is None or end is None else round((end - start) / 60, 2)


def truth_from_snapshot(sandbox: pipeline.Sandbox) -> dict[str, Truth]:
    """Each conversation's first response, close times, reopens and rating, from all its parts."""
    parts: dict[str, list[dict]] = defaultdict(list)
    for part in sandbox.snapshot("conversation_parts"):
        parts[part["conversation_id"]].append(part)
    admins = {a["id"] for a in sandbox.snapshot("admins")}
    out = {}
    for conversation in sandbox.snapshot("conversations"):
        own = sorted(parts[conversation["id"]], key=lambda p: (p["created_at"], p["id"]))
        created = conversation["created_at"]
        admin_replies = [p["created_at"] for p in own
                         if p["part_type"] == "comment" and p["author"]["type"] == "admin"]
        if conversation["source"]["author"]["type"] in CONTACT_TYPES:
            contact_first = created
        else:
            contact_first = next((p["created_at"] for p in own if p["part_type"] == "comment"
                                  and p["author"]["type"] in CONTACT_TYPES), None)
        closes = [p for p in own if p["part_type"] == "close"]
        admin_closes = [p for p in closes if p["author"]["type"] == "admin"]
        rating = conversation.get("rating") or {}
        assignee = conversation["admin_assignee_id"]
        out[conversation["id"]] = Truth(
            capped=len(own) > 500,
            first_response_minutes=minutes(created, admin_replies[0] if admin_replies else None),
            first_close_minutes=minutes(contact_first, closes[0]["created_at"] if closes else None),
            last_close_minutes=minutes(contact_first, closes[-1]["created_at"] if closes else None),
            reopens=sum(1 for p in own if p["part_type"] == "open"),
            rating=rating.get("rating"),
            total_parts=len(own),
            last_close_by_admin=admin_closes[-1]["author"]["id"] if admin_closes else None,
            admin_assignee=str(assignee) if assignee is not None and str(assignee) in admins
            else None,
            state=conversation["state"])
    return out


def rows(settings: ConnectionSettings, query: str) -> list[dict]:
    with psycopg.connect(settings.url) as conn:
        cursor = conn.execute(query)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


def as_float(value: object) -> float | None:
    return None if value is None else float(value)


@pytest.fixture(scope="module")
def modelled() -> Iterator[tuple[pipeline.Sandbox, ConnectionSettings, pipeline.Meltano, str]]:
    """A sandbox loaded into a private warehouse and modelled by one Meltano job."""
    with meltano_story("dbt", SIZES, lambda workdir: {
            "DBT_POSTGRES_TARGET_PATH": str(workdir / "dbt-target"),
            "DBT_POSTGRES_LOG_PATH": str(workdir / "dbt-logs")}) as story:
        result = story.meltano.run("run", "load-and-transform")
        yield story.sandbox, story.settings, story.meltano, result.stdout + result.stderr


def test_job_builds_every_model_and_passes_its_tests(modelled) -> None:
    _sandbox, settings, _meltano, log = modelled
    tables = {r["table_name"] for r in rows(settings, f"""
        SELECT table_name FROM information_schema.tables WHERE table_schema = '{MODELS}'""")}
    assert {"intercom__conversation_enhanced", "intercom__conversation_metrics",
            "intercom__admin_metrics", "intercom__company_enhanced", "intercom__company_metrics",
            "intercom__contact_enhanced"} <= tables
    assert "Completed successfully" in log
    assert "ERROR=0" in log and "PASS=" in log


def test_conversation_figures_match_the_snapshot(modelled) -> None:
    sandbox, settings, _meltano, _log = modelled
    truth = truth_from_snapshot(sandbox)
    loaded = {r["conversation_id"]: r for r in rows(settings, f"""
        SELECT conversation_id, is_parts_capped, metrics_source, count_total_parts, count_reopens,
               time_to_first_response_minutes, time_to_first_close_minutes,
               time_to_last_close_minutes, conversation_rating
          FROM {MODELS}.intercom__conversation_metrics""")}
    assert set(loaded) == set(truth)
    capped = [cid for cid, t in truth.items() if t.capped]
    assert len(capped) == 2
    # Every figure below has conversations where it is known, so none is checked only as NULL.
    assert sum(t.rating is not None for t in truth.values()) >= 3
    assert sum(t.first_close_minutes is not None for t in truth.values()) >= 10
    for cid, expected in truth.items():
        row = loaded[cid]
        assert row["is_parts_capped"] == expected.capped, cid
        assert row["metrics_source"] == ("statistics" if expected.capped else "conversation_parts")
        assert row["count_total_parts"] == expected.total_parts, cid
        assert row["count_reopens"] == expected.reopens, cid
        assert row["conversation_rating"] == expected.rating, cid
        for column, value in (("time_to_first_response_minutes", expected.first_response_minutes),
                              ("time_to_first_close_minutes", expected.first_close_minutes),
                              ("time_to_last_close_minutes", expected.last_close_minutes)):
            got = as_float(row[column])
            assert (got is None) == (value is None), (cid, column, got, value)
            if value is not None:
                assert abs(got - value) <= 0.005, (cid, column, got, value)


def test_capped_conversations_differ_from_their_partial_parts(modelled) -> None:
    """What dbt_intercom would report from the 500 loaded parts is wrong; ours is not."""
    sandbox, settings, _meltano, _log = modelled
    truth = truth_from_snapshot(sandbox)
    partial = {r["conversation_id"]: r for r in rows(settings, """
        SELECT conversation_id, count(*) AS parts, count(*) FILTER (WHERE part_type = 'open') AS opens
          FROM intercom.conversation_parts GROUP BY conversation_id""")}
    for cid in (c for c, t in truth.items() if t.capped):
        assert partial[cid]["parts"] == 500 < truth[cid].total_parts
        assert partial[cid]["opens"] < truth[cid].reopens


def test_admin_metrics_match_the_snapshot(modelled) -> None:
    sandbox, settings, _meltano, _log = modelled
    truth = truth_from_snapshot(sandbox)
    by_admin: dict[str, list[Truth]] = defaultdict(list)
    for t in truth.values():
        if t.admin_assignee is not None and t.last_close_by_admin is not None:
            by_admin[t.last_close_by_admin].append(t)
    loaded = rows(settings, f"""
        SELECT admin_id, team_id, total_conversations_closed, average_conversation_rating,
               median_time_to_first_response_time_minutes, median_conversations_reopened
          FROM {MODELS}.intercom__admin_metrics""")
    memberships = {(str(a), t["id"]) for t in sandbox.snapshot("teams") for a in t["admin_ids"]}
    assert {(r["admin_id"], r["team_id"]) for r in loaded if r["team_id"]} == memberships
    assert any(by_admin.values())
    for row in loaded:
        own = by_admin.get(row["admin_id"], [])
        assert row["total_conversations_closed"] == sum(t.state == "closed" for t in own)
        ratings = [t.rating for t in own if t.rating is not None]
        if ratings:
            assert abs(float(row["average_conversation_rating"]) - statistics.mean(ratings)) < 1e-9
        else:
            assert row["average_conversation_rating"] is None
        responses = [t.first_response_minutes for t in own if t.first_response_minutes is not None]
        if responses:
            assert abs(float(row["median_time_to_first_response_time_minutes"])
                       - statistics.median(responses)) <= 0.01
        if own:
            assert float(row["median_conversations_reopened"]) == \
                statistics.median(t.reopens for t in own)


def test_office_hours_figures_are_read_when_the_load_has_them(modelled) -> None:
    """2.16's statistics: a `statistics__<field>` column is used when present, else the JSON key."""
    _sandbox, settings, meltano, _log = modelled
    with psycopg.connect(settings.url, autocommit=True) as conn:
        conn.execute("ALTER TABLE intercom.conversations "
                     "ADD COLUMN IF NOT EXISTS statistics__handling_time bigint")
        conn.execute("""UPDATE intercom.conversations SET
            statistics__handling_time = 5400,
            statistics = statistics || jsonb_build_object(
                'adjusted_handling_time', 1800,
                'assigned_team_first_response_time_in_office_hours', jsonb_build_array(
                    jsonb_build_object('team_id', 1, 'team_name', 'Other', 'response_time', 60),
                    jsonb_build_object('team_id', team_assignee_id, 'team_name', 'Own',
                                       'response_time', 120)))
            WHERE team_assignee_id IS NOT NULL""")
    meltano.run("run", "transform")
    loaded = rows(settings, f"""
        SELECT m.handling_time_minutes, m.adjusted_handling_time_minutes,
               m.team_first_response_time_in_office_hours_minutes, m.team_assignee_id
          FROM {MODELS}.intercom__conversation_metrics m""")
    assigned = [r for r in loaded if r["team_assignee_id"] is not None]
    assert assigned and len(assigned) < len(loaded)
    for row in assigned:
        assert (row["handling_time_minutes"], row["adjusted_handling_time_minutes"],
                row["team_first_response_time_in_office_hours_minutes"]) == (90, 30, 2)
    for row in (r for r in loaded if r["team_assignee_id"] is None):
        assert row["handling_time_minutes"] is None and row["adjusted_handling_time_minutes"] is None


def test_deleted_conversations_and_contacts_leave_the_models(modelled) -> None:
    """On 2.16 with reconcile_deleted_contacts, a conversation and a user deleted in Intercom
    are no longer counted: the load marks them, the models leave them out."""
    sandbox, settings, meltano, _log = modelled
    conversation = next(c for c in sandbox.snapshot("conversations") if c["admin_assignee_id"])
    user = sandbox.snapshot("users")[0]["id"]
    for path in (f"/conversations/{conversation['id']}", f"/contacts/{user}"):
        response = requests.delete(sandbox.url + path, timeout=60, headers={
            "Authorization": f"Bearer {sandbox.token}", "Intercom-Version": "2.16"})
        assert response.status_code == 200, response.text
    meltano.run("run", "load-and-transform", extra={
        "TAP_INTERCOM_API_VERSION": "2.16", "TAP_INTERCOM_RECONCILE_DELETED_CONTACTS": "true"})
    metrics = {r["conversation_id"] for r in rows(
        settings, f"SELECT conversation_id FROM {MODELS}.intercom__conversation_metrics")}
    assert metrics == {c["id"] for c in sandbox.snapshot("conversations")}
    assert conversation["id"] not in metrics
    assert rows(settings, f"SELECT count(*) AS n FROM intercom.conversations "
                          f"WHERE id = '{conversation['id']}'")[0]["n"] == 1  # loaded, marked
    contacts = {r["contact_id"] for r in rows(
        settings, f"SELECT contact_id FROM {MODELS}.intercom__contact_enhanced")}
    assert user not in contacts and contacts
    truth = truth_from_snapshot(sandbox)
    closed = {r["admin_id"]: r["total_conversations_closed"] for r in rows(settings, f"""
        SELECT admin_id, max(total_conversations_closed) AS total_conversations_closed
          FROM {MODELS}.intercom__admin_metrics GROUP BY admin_id""")}
    for admin_id, total in closed.items():
        assert total == sum(t.state == "closed" and t.last_close_by_admin == admin_id
                            and t.admin_assignee is not None for t in truth.values())
