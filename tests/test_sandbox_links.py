"""The sandbox's link endpoints over HTTP: tagging, memberships, merges and attribute creation."""

from __future__ import annotations

from tests.conftest import SandboxClient, error_code


def made(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def test_v2_tags_are_created_applied_and_removed(fresh_v2: SandboxClient) -> None:
    contact = made(fresh_v2.post("/contacts", json={"email": "tag@example.com"}))
    tag = made(fresh_v2.post("/tags", json={"name": "VIP", "users": [{"id": contact["id"]}]}))
    assert made(fresh_v2.post("/tags", json={"name": "vip"}))["id"] == tag["id"]  # names ignore case
    listed = made(fresh_v2.get(f"/contacts/{contact['id']}/tags"))
    assert [t["id"] for t in listed["data"]] == [tag["id"]]
    made(fresh_v2.delete(f"/contacts/{contact['id']}/tags/{tag['id']}"))
    again = fresh_v2.delete(f"/contacts/{contact['id']}/tags/{tag['id']}")
    assert again.status_code == 404
    made(fresh_v2.post(f"/contacts/{contact['id']}/tags", json={"id": tag["id"]}))
    missing = fresh_v2.post("/tags", json={"name": "VIP", "users": [{"id": contact["id"]},
                                                                     {"id": "nobody"}]})
    assert missing.status_code == 404  # one unknown person refuses the whole request
    assert fresh_v2.post("/tags", json={"test": "invalid"}).status_code == 400


def test_v1_tags_find_users_by_any_identifier_and_leads_by_id(fresh_v1: SandboxClient) -> None:
    user = made(fresh_v1.post("/users", json={"user_id": "u1", "email": "u1@example.com"}))
    lead = made(fresh_v1.post("/contacts", json={"email": "lead@example.com"}))
    for ref in ({"user_id": "u1"}, {"email": "u1@example.com"}, {"id": user["id"]},
                {"id": lead["id"]}):
        made(fresh_v1.post("/tags", json={"name": "beta", "users": [ref]}))
    by_user_id = fresh_v1.post("/tags", json={"name": "beta",
                                              "users": [{"user_id": lead["user_id"]}]})
    assert by_user_id.status_code == 404  # leads are found by id only
    made(fresh_v1.post("/tags", json={"name": "beta", "users": [{"id": lead["id"],
                                                                 "untag": True}]}))
    raw = {c["id"]: c for c in fresh_v1.snapshot("contacts")}
    assert len(raw[user["id"]]["tag_ids"]) == 1 and raw[lead["id"]]["tag_ids"] == []


def test_v2_memberships_attach_and_detach(fresh_v2: SandboxClient) -> None:
    contact = made(fresh_v2.post("/contacts", json={"email": "member@example.com"}))
    company = made(fresh_v2.post("/companies", json={"company_id": "acme", "name": "Acme"}))
    path = f"/contacts/{contact['id']}/companies"
    assert made(fresh_v2.post(path, json={"id": company["id"]}))["id"] == company["id"]
    made(fresh_v2.post(path, json={"id": company["id"]}))  # attaching twice: still one
    assert [c["id"] for c in made(fresh_v2.get(path))["companies"]] == [company["id"]]
    unknown = fresh_v2.post(path, json={"id": "123"})
    assert (unknown.status_code, error_code(unknown)) == (404, "company_not_found")
    made(fresh_v2.delete(f"{path}/{company['id']}"))
    assert made(fresh_v2.get(path))["companies"] == []
    assert fresh_v2.delete(f"{path}/{company['id']}").status_code == 404


def test_v2_merge_fills_the_users_gaps_and_removes_the_lead(fresh_v2: SandboxClient) -> None:
    lead = made(fresh_v2.post("/contacts", json={"role": "lead", "email": "m@example.com",
                                                 "name": "From Lead", "phone": "+4411"}))
    user = made(fresh_v2.post("/contacts", json={"role": "user", "external_id": "m1",
                                                 "email": "m@example.com", "name": "Own"}))
    merged = made(fresh_v2.post("/contacts/merge", json={"from": lead["id"], "into": user["id"]}))
    assert (merged["id"], merged["name"], merged["phone"]) == (user["id"], "Own", "+4411")
    assert fresh_v2.get(f"/contacts/{lead['id']}").status_code == 404
    backwards = fresh_v2.post("/contacts/merge", json={"from": user["id"], "into": user["id"]})
    assert backwards.status_code == 400


def test_v2_data_attributes_are_created_once(fresh_v2: SandboxClient) -> None:
    body = {"name": "seats_used", "model": "contact", "data_type": "integer"}
    created = made(fresh_v2.post("/data_attributes", json=body))
    assert (created["name"], created["data_type"], created["custom"]) == ("seats_used",
                                                                          "integer", True)
    assert fresh_v2.post("/data_attributes", json=body).status_code == 400
    assert fresh_v2.post("/data_attributes", json={**body, "name": "!bad"}).status_code == 400
    assert fresh_v2.post("/data_attributes", json={**body, "name": "x", "data_type": "mithril"}
                         ).status_code == 400
    written = fresh_v2.post("/contacts", json={"email": "s@example.com",
                                               "custom_attributes": {"seats_used": 3}})
    assert made(written)["custom_attributes"]["seats_used"] == 3
    refused = fresh_v2.post("/contacts", json={"email": "t@example.com",
                                               "custom_attributes": {"never_defined": 1}})
    assert refused.status_code == 400
