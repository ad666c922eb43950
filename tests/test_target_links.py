"""Memberships, tags, lead merges and custom attribute checks, on both API generations."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import SandboxClient
from tests.target_support import (
    calls,
    read_errors,
    record,
    run_target,
    schema,
    state,
    target_config,
    user,
)

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
        lead = client.post("/contacts", json={"email": "lk2@example.com", "name": "Lead Two"})
        client.post("/tags", json={"name": "lead-tag", "users": [{"id": lead.json()["id"]}]}
                    ).raise_for_status()
        return
    contact = client.post("/contacts", json={"external_id": "lk1", "email": "lk1@example.com"})
    old = client.get("/companies", params={"company_id": "team-old"}).json()
    old = old["data"][0] if "data" in old else old
    client.post(f"/contacts/{contact.json()['id']}/companies", json={"id": old["id"]}
                ).raise_for_status()
    client.post("/tags", json={"name": "legacy", "users": [{"id": contact.json()["id"]}]}
                ).raise_for_status()
    lead = client.post("/contacts", json={"role": "lead", "email": "lk2@example.com",
                                          "name": "Lead Two"})
    client.post("/tags", json={"name": "lead-tag", "users": [{"id": lead.json()["id"]}]}
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
    assert tag_names(client, two) == {"customer", "beta"}  # not the merged lead's lead-tag
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


def test_merge_lookups_are_one_search_per_hundred_users(sandbox, tmp_path):
    client = SandboxClient(sandbox, "2.11")
    client.fresh_workspace()
    for i in (3, 117):
        client.post("/contacts", json={"role": "lead", "email": f"m{i}@example.com",
                                       "name": f"Lead {i}"}).raise_for_status()
    config = target_config(sandbox, "2.11", tmp_path, merge_leads=True)
    before = calls(client, "POST /contacts/search")
    target, _ = run_target(config, [schema("users", PEOPLE_SCHEMA),
                                    *(record("users", user(i, "m")) for i in range(120))])
    assert target.outcomes.streams["users"].accepted == 120
    # two for external_id, two for email (the contact lookup), two for the leads to merge
    assert calls(client, "POST /contacts/search") - before == 6
    merged = {c["external_id"]: c for c in client.snapshot("contacts") if c["role"] == "user"}
    assert merged["m3"]["name"] == "User 3" and merged["m117"]["name"] == "User 117"
    assert not [c for c in client.snapshot("contacts") if c["role"] == "lead"
                and c["email"] in ("m3@example.com", "m117@example.com")]


def test_a_company_with_fields_is_upserted_once_a_run(sandbox, tmp_path):
    client = SandboxClient(sandbox, "2.11")
    client.fresh_workspace()
    rows = [user(i, "co", companies=[{"company_id": "acme", "name": "Acme"}]) for i in range(6)]
    before = calls(client, "POST /companies")
    target, _ = run_target(target_config(sandbox, "2.11", tmp_path),
                           [schema("users", PEOPLE_SCHEMA), *(record("users", r) for r in rows)])
    assert target.outcomes.streams["users"].accepted == 6
    assert calls(client, "POST /companies") - before == 1
    [acme] = [c for c in client.snapshot("companies") if c["company_id"] == "acme"]
    assert acme["name"] == "Acme" and acme["user_count"] == 6


def test_1x_leads_are_tagged_by_their_id(sandbox, tmp_path):
    client = SandboxClient(sandbox, "1.4")
    client.fresh_workspace()
    rows = [{"user_id": f"lead-{i}", "email": f"lead{i}@example.com", "tags": ["webinar"]}
            for i in range(3)]
    target, _ = run_target(target_config(sandbox, "1.4", tmp_path),
                           [schema("leads", PEOPLE_SCHEMA), *(record("leads", r) for r in rows)])
    assert target.outcomes.streams["leads"].accepted == 3
    leads = [c for c in client.snapshot("contacts") if c["role"] == "lead"
             and c["external_id"] in {r["user_id"] for r in rows}]
    assert len(leads) == 3 and all(tag_names(client, c) == {"webinar"} for c in leads)


def test_a_refused_tag_batch_is_sent_again_record_by_record(sandbox, tmp_path):
    client = SandboxClient(sandbox, "2.11")
    client.fresh_workspace()
    # the batch of three is refused; the second rule sees only the single requests that follow
    client.faults([{"kind": "404", "route": "/tags", "method": "POST", "times": 1},
                   {"kind": "404", "route": "/tags", "method": "POST", "after": 1, "times": 1}])
    rows = [user(i, "tg", tags=["vip"]) for i in range(3)]
    target, _ = run_target(target_config(sandbox, "2.11", tmp_path),
                           [schema("users", PEOPLE_SCHEMA), *(record("users", r) for r in rows)])
    client.faults([])
    outcome = target.outcomes.streams["users"]
    assert (outcome.accepted, outcome.failed) == (2, 1)
    [error] = read_errors(tmp_path / "errors.jsonl")
    assert error["record"]["user_id"] == "tg1" and error["message"].startswith("tags: ")  # rows in order
    tagged = {c["external_id"]: tag_names(client, c) for c in client.snapshot("contacts")
              if (c["external_id"] or "").startswith("tg")}
    assert tagged == {"tg0": {"vip"}, "tg1": set(), "tg2": {"vip"}}
