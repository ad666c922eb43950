"""Memberships, tags, lead merges and custom attribute checks, on both API generations."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import SandboxClient
from tests.target_support import read_errors, record, run_target, schema, state, target_config

PEOPLE_SCHEMA = {"type": "object", "properties": {
    "user_id": {"type": "string"}, "email": {"type": "string"}, "name": {"type": ["string", "null"]},
    "companies": {"type": ["array", "null"]}, "tags": {"type": ["array", "null"]},
    "plan_name": {"type": "string"}, "admin_url": {"type": ["string", "null"]}}}


def person(client: SandboxClient, email: str) -> dict:
    [found] = [c for c in client.snapshot("contacts") if c["email"] == email
               and c["role"] == "user"]
    return found


def memberships(client: SandboxClient, contact: dict) -> set[str]:
    by_id = {c["id"]: c["company_id"] for c in client.snapshot("companies")}
    return {by_id[i] for i in contact["company_ids"]}


def tag_names(client: SandboxClient, record_: dict) -> set[str]:
    by_id = {t["id"]: t["name"] for t in client.snapshot("tags")}
    return {by_id[i] for i in record_["tag_ids"]}


def seed(client: SandboxClient, version: str) -> None:
    """A user in a team they left, with a tag they should lose, and a lead sharing an email."""
    for key in ("team-a", "team-old"):
        client.post("/companies", json={"company_id": key, "name": key}).raise_for_status()
    if version.startswith("1."):
        client.post("/users", json={"user_id": "lk1", "email": "lk1@example.com",
                                    "companies": [{"company_id": "team-old"}]}).raise_for_status()
        client.post("/tags", json={"name": "legacy", "users": [{"user_id": "lk1"}]}
                    ).raise_for_status()
        client.post("/contacts", json={"email": "lk2@example.com", "name": "Lead Two"}
                    ).raise_for_status()
        return
    contact = client.post("/contacts", json={"external_id": "lk1", "email": "lk1@example.com"})
    old = client.get("/companies", params={"company_id": "team-old"}).json()
    old = old["data"][0] if "data" in old else old
    client.post(f"/contacts/{contact.json()['id']}/companies", json={"id": old["id"]}
                ).raise_for_status()
    client.post("/tags", json={"name": "legacy", "users": [{"id": contact.json()["id"]}]}
                ).raise_for_status()
    client.post("/contacts", json={"role": "lead", "email": "lk2@example.com", "name": "Lead Two"}
                ).raise_for_status()


ROWS = [
    {"user_id": "lk1", "email": "lk1@example.com", "name": "One", "companies": ["team-a"],
     "tags": ["customer"], "plan_name": "pro"},
    {"user_id": "lk2", "email": "lk2@example.com", "name": None,
     "companies": [{"company_id": "team-b", "name": "Team B"}], "tags": ["customer", "beta"],
     "plan_name": "pro"},
    {"user_id": "lk3", "email": "lk3@example.com", "name": "Three", "companies": [],
     "tags": [], "plan_name": "pro", "admin_url": "https://app.example.com/admin/3"},
]


@pytest.mark.parametrize("version", ["1.4", "2.11"])
def test_memberships_tags_merges_and_attributes(sandbox, tmp_path, version):
    client = SandboxClient(sandbox, version)
    client.fresh_workspace()
    seed(client, version)
    config = target_config(sandbox, version, tmp_path, companies_mode="replace",
                           tags_mode="replace", merge_leads=True)
    messages = [schema("users", PEOPLE_SCHEMA), *(record("users", r) for r in ROWS),
                state({"n": 3})]
    target, states = run_target(config, messages)
    outcome = target.outcomes.streams["users"]
    one, two = person(client, "lk1@example.com"), person(client, "lk2@example.com")
    assert memberships(client, one) == {"team-a"} and tag_names(client, one) == {"customer"}
    assert memberships(client, two) == {"team-b"}
    assert tag_names(client, two) == {"customer", "beta"}
    assert two["name"] == "Lead Two"  # the lead's name, merged into the user
    assert not [c for c in client.snapshot("contacts") if c["role"] == "lead"
                and c["email"] == "lk2@example.com"]
    assert states == [({"n": 3}, 3)]
    if version.startswith("1."):  # 1.x defines a custom attribute when first written
        assert (outcome.accepted, outcome.invalid) == (3, 0)
        return
    assert (outcome.accepted, outcome.invalid) == (2, 1)
    [error] = read_errors(tmp_path / "errors.jsonl")
    assert error["row"] == 2 and error["code"] == "attribute_not_found"
    assert "'admin_url' not defined in Intercom" in error["message"]

    target, _ = run_target({**config, "create_attributes": True}, messages)
    again = target.outcomes.streams["users"]
    assert (again.accepted, again.unchanged) == (1, 2)  # the two written rows are not sent again
    assert person(client, "lk3@example.com")["custom_attributes"]["admin_url"].endswith("/3")
    [created] = [a for a in client.snapshot("data_attributes") if a["name"] == "admin_url"]
    assert created["data_type"] == "string" and created["model"] == "contact"


def test_dry_run_lists_attributes_it_would_create(sandbox, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    client = SandboxClient(sandbox, "2.11")
    client.fresh_workspace()
    config = target_config(sandbox, "2.11", tmp_path, dry_run=True, create_attributes=True,
                           merge_leads=True)
    target, _ = run_target(config, [schema("users", PEOPLE_SCHEMA),
                                    *(record("users", r) for r in ROWS)])
    assert target.outcomes.streams["users"].dry_run == 3
    assert "would create custom attribute 'admin_url' (contact data, string)" in caplog.text
    assert "3 users would have the leads with their email merged" in caplog.text
    assert not [a for a in client.snapshot("data_attributes") if a["name"] == "admin_url"]
