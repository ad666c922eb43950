"""Upscope's sync job as a push, end to end: a warehouse table of app users read by tap-postgres,
written by target-intercom through `meltano run push`, on both API generations."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from scripts import pipeline
from scripts.warehouse import ConnectionSettings, Warehouse
from tests.conftest import SandboxClient

pytestmark = pytest.mark.skipif(not pipeline.MELTANO.exists(),
                                reason="Meltano is not installed: run `make meltano`")

APP_USERS_SQL = """
CREATE SCHEMA IF NOT EXISTS analytics;
DROP TABLE IF EXISTS analytics.app_users;
CREATE TABLE analytics.app_users (
    user_id text, email text, name text, phone text,
    signed_up_at timestamptz, last_request_at timestamptz,
    plan_name text, seats integer, admin_url text,
    teams text[] NOT NULL DEFAULT '{}', tags text[] NOT NULL DEFAULT '{}');
"""
SIGNED_UP = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
LAST_SEEN = dt.datetime(2025, 6, 12, 17, 5, tzinfo=dt.UTC)
# (user_id, email, name, phone, plan_name, seats, teams, tags)
GOOD = [
    ("app-1", "ada@example.com", "Ada", "+441234500001", "pro", 5, ["team-red", "team-blue"],
     ["customer", "beta"]),
    ("app-2", "bob@example.com", "Bob", None, "free", 1, ["team-red"], ["customer"]),
    ("app-3", "cy@example.com", "Cy", "+441234500003", "pro", 12, [], []),  # left everything
    ("app-4", "lead@example.com", None, None, "trial", 2, ["team-green"], ["trial"]),  # a lead
    ("app-5", "dee@example.com", "Dee", None, "pro", 3, ["team-blue"], ["customer"]),
]
BAD = [
    ("bad-email", "not-an-email", "Nope", None, "pro", 1, ["team-red"], ["customer"]),
    (None, None, "Nobody", None, "free", 1, [], []),
]
STALE = {"app-1": "team-old", "app-3": "team-old"}  # memberships the users no longer have
LEAD = {"email": "lead@example.com", "name": "Lead Four", "phone": "+441234500004"}


@pytest.fixture(scope="module")
def warehouse() -> Iterator[ConnectionSettings]:
    directory = Path(tempfile.mkdtemp(prefix="warehouse-sync-"))  # its own: postgres owns it
    instance = Warehouse(directory)
    try:
        yield instance.start()
    finally:
        instance.stop()
        shutil.rmtree(directory, ignore_errors=True)


def fill_app_users(settings: ConnectionSettings) -> None:
    with psycopg.connect(settings.url, autocommit=True) as conn:
        conn.execute(APP_USERS_SQL.encode())
        for user_id, email, name, phone, plan, seats, teams, tags in GOOD + BAD:
            conn.execute(
                "INSERT INTO analytics.app_users VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s)",
                (user_id, email, name, phone, SIGNED_UP, LAST_SEEN, plan, seats,
                 f"https://app.example.com/admin/{user_id}" if user_id else None, teams, tags))


def seed(client: SandboxClient, generation: int) -> None:
    """Users in a team they left and with a tag they lost, and a lead sharing a user's email."""
    for key in ("team-red", "team-old"):
        client.post("/companies", json={"company_id": key, "name": key}).raise_for_status()
    if generation == 1:
        for user_id, team in STALE.items():
            client.post("/users", json={"user_id": user_id, "companies": [{"company_id": team}],
                                        "email": f"{user_id}@old.example.com"}
                        ).raise_for_status()
        client.post("/tags", json={"name": "churned", "users": [{"user_id": u} for u in STALE]}
                    ).raise_for_status()
        client.post("/contacts", json=LEAD).raise_for_status()
        return
    old = client.get("/companies", params={"company_id": "team-old"}).json()
    old = old["data"][0] if "data" in old else old
    ids = []
    for user_id in STALE:
        contact = client.post("/contacts", json={"role": "user", "external_id": user_id,
                                                 "email": f"{user_id}@old.example.com"})
        contact.raise_for_status()
        ids.append(contact.json()["id"])
        client.post(f"/contacts/{ids[-1]}/companies", json={"id": old["id"]}).raise_for_status()
    client.post("/tags", json={"name": "churned", "users": [{"id": i} for i in ids]}
                ).raise_for_status()
    client.post("/contacts", json={"role": "lead", **LEAD}).raise_for_status()


@pytest.mark.parametrize("version", ["1.4", "2.11"])
def test_push_plays_the_sync_job(sandbox, warehouse, version) -> None:
    client = SandboxClient(sandbox, version)
    client.fresh_workspace()
    generation = int(version.split(".")[0])
    seed(client, generation)
    fill_app_users(warehouse)
    workdir = Path(tempfile.mkdtemp(prefix="intercom-sync-"))
    errors = workdir / "errors.jsonl"
    meltano = pipeline.Meltano(warehouse, sandbox, log=workdir / "meltano.log", extra_env={
        "MELTANO_DATABASE_URI": f"sqlite:///{workdir}/meltano.db",
        "TARGET_INTERCOM_ERRORS_PATH": str(errors), "TARGET_INTERCOM_API_VERSION": version})
    try:
        meltano.run("run", "push")
        failures = [json.loads(line) for line in errors.read_text().splitlines()]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    companies = {c["id"]: c["company_id"] for c in client.snapshot("companies")}
    tags = {t["id"]: t["name"] for t in client.snapshot("tags")}
    contacts = [c for c in client.snapshot("contacts") if not c["archived"]]
    users = {c["external_id"]: c for c in contacts if c["role"] == "user"}
    for user_id, email, name, phone, plan, seats, teams, wanted_tags in GOOD:
        user = users[user_id]
        assert user["email"] == email
        assert {companies[i] for i in user["company_ids"]} == set(teams), user_id
        assert {tags[i] for i in user["tag_ids"]} == set(wanted_tags), user_id
        assert user["custom_attributes"]["plan_name"] == plan
        assert user["custom_attributes"]["seats"] == seats
        assert user["custom_attributes"]["admin_url"] == f"https://app.example.com/admin/{user_id}"
        assert user["signed_up_at"] == int(SIGNED_UP.timestamp())
        assert user["last_seen_at"] == int(LAST_SEEN.timestamp())
        assert user["name"] == (name or LEAD["name"]), user_id  # app-4 has the lead's name
        assert user["phone"] == (phone or (LEAD["phone"] if user_id == "app-4" else None))
    assert not [c for c in contacts if c["email"] == LEAD["email"] and c["role"] == "lead"]
    assert "bad-email" not in users

    if generation == 2:
        created = [a for a in client.snapshot("data_attributes")
                   if a["name"] == "admin_url" and a["model"] == "contact"]
        assert [a["data_type"] for a in created] == ["string"]
    assert sorted((f["record"].get("user_id") or "", f["outcome"], f["code"]) for f in failures) \
        == [("", "invalid", "parameter_not_found"), ("bad-email", "failed", "parameter_invalid")]
