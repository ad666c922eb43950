"""The 1.x dialect: page lists, lookups, upserts, archives, leads, companies, conversations."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import SandboxClient, error_code


@pytest.fixture(autouse=True)
def fresh(v1: SandboxClient) -> None:
    v1.reset()


def follow(client: SandboxClient, path: str, key: str) -> list[dict]:
    """Every record of a page list, following `pages.next` URLs verbatim."""
    body = client.get(path).json()
    records = list(body[key])
    while body["pages"].get("next"):
        body = client.get(body["pages"]["next"]).json()
        records += body[key]
    return records


def test_users_page_list_sorted_and_complete(v1: SandboxClient) -> None:
    users = follow(v1, "/users?per_page=60&sort=updated_at&order=asc", "users")
    stamps = [u["updated_at"] for u in users]
    assert stamps == sorted(stamps)
    assert len({u["id"] for u in users}) == len(users) == len(v1.snapshot("users"))
    first = v1.get("/users?per_page=60&sort=updated_at&order=asc").json()
    assert first["type"] == "user.list" and first["total_count"] == len(users)
    assert first["pages"]["per_page"] == 60 and first["pages"]["total_pages"] == -(-len(users) // 60)
    nxt = urlparse(first["pages"]["next"])
    assert nxt.scheme == "http" and parse_qs(nxt.query)["sort"] == ["updated_at"]
    default = v1.get("/users?per_page=60").json()["users"]  # created_at, newest first
    assert [u["created_at"] for u in default] == sorted((u["created_at"] for u in users),
                                                          reverse=True)[:60]


def test_per_page_is_capped_at_60_and_deep_pages_refused(v1: SandboxClient) -> None:
    body = v1.get("/users?per_page=500").json()
    assert len(body["users"]) == 60 and body["pages"]["per_page"] == 60
    deep = v1.get("/users?per_page=60&page=168")
    assert deep.status_code == 400
    assert error_code(deep) == "bad_request"
    assert deep.json()["errors"][0]["message"] == "page limit reached, please use scroll API"
    assert v1.get("/users?per_page=50&page=200").status_code == 200  # records 9,951-10,000
    assert v1.get("/users?per_page=50&page=201").status_code == 400


def test_lookups_by_id_user_id_and_email(v1: SandboxClient) -> None:
    user = next(u for u in v1.snapshot("users", "1") if u["user_id"] and u["email"])
    assert v1.get(f"/users/{user['id']}").json()["id"] == user["id"]
    assert v1.get(f"/users?user_id={user['user_id']}").json()["id"] == user["id"]
    by_email = v1.get("/users", params={"email": user["email"]}).json()
    assert by_email["type"] == "user.list" and by_email["users"][0]["id"] == user["id"]
    v10 = SandboxClient(v1.sandbox, "1.0")
    assert v10.get("/users", params={"email": user["email"]}).json()["type"] == "user"


def test_user_upsert_follows_intercoms_matching_rules(v1: SandboxClient) -> None:
    created = v1.post("/users", json={"user_id": "x-1", "email": "x1@example.com",
                                      "name": "Zoë", "custom_attributes": {"seats": 4}})
    assert created.status_code == 200
    body = created.json()
    assert body["type"] == "user" and body["custom_attributes"]["seats"] == 4
    same = v1.post("/users", json={"user_id": "x-1", "name": "Zoë B"}).json()
    assert same["id"] == body["id"] and same["name"] == "Zoë B"
    assert same["updated_at"] >= body["updated_at"]
    by_email = v1.post("/users", json={"email": "x1@example.com", "phone": "+1 555"}).json()
    assert by_email["id"] == body["id"] and by_email["phone"] == "+1 555"
    # An email match on a user that has a different user_id creates a new user.
    other = v1.post("/users", json={"user_id": "x-2", "email": "x1@example.com"}).json()
    assert other["id"] != body["id"]
    missing = v1.post("/users", json={"name": "nobody"})
    assert missing.status_code == 400 and error_code(missing) == "parameter_not_found"
    bad = v1.post("/users", json={"user_id": "x-3", "email": "not-an-email"})
    assert bad.status_code == 400 and error_code(bad) == "parameter_invalid"
    wrong_type = v1.post("/users", json={"user_id": "x-1", "custom_attributes": {"seats": "4"}})
    assert wrong_type.status_code == 400
    assert wrong_type.json()["errors"][0]["field"] == "custom_attributes.seats"


def test_archive_removes_user_from_reads(v1: SandboxClient) -> None:
    user = v1.snapshot("users", "1")[0]
    assert v1.delete(f"/users/{user['id']}").json()["id"] == user["id"]
    assert v1.get(f"/users/{user['id']}").status_code == 404
    assert user["id"] not in {u["id"] for u in follow(v1, "/users?per_page=60", "users")}
    second = v1.snapshot("users", "1")[0]
    assert v1.delete("/users", params={"user_id": second["user_id"]}).status_code == 200
    assert v1.get(f"/users/{second['id']}").status_code == 404
    archived = v1.get("/_sandbox/snapshot/users?archived=true").json()["data"]
    assert {user["id"], second["id"]} <= {u["id"] for u in archived if u["archived"]}


def test_leads_create_update_convert(v1: SandboxClient) -> None:
    lead = v1.post("/contacts", json={"email": "lead@example.com", "name": "Lead"}).json()
    assert lead["type"] == "contact" and lead["anonymous"] and lead["user_id"]
    again = v1.post("/contacts", json={"email": "lead@example.com"}).json()
    assert again["id"] != lead["id"]  # POST /contacts always creates
    updated = v1.put("/contacts", json={"id": lead["id"], "name": "Lead Two"}).json()
    assert updated["name"] == "Lead Two"
    assert v1.get(f"/contacts?user_id={lead['user_id']}").json()["id"] == lead["id"]
    converted = v1.post("/contacts/convert", json={"contact": {"user_id": lead["user_id"]},
                                                   "user": {"user_id": "converted-1"}}).json()
    assert converted["type"] == "user" and converted["user_id"] == "converted-1"
    assert v1.get(f"/contacts/{lead['id']}").status_code == 404
    assert v1.get("/users?user_id=converted-1").json()["id"] == lead["id"]


def test_companies_list_lookup_upsert_members(v1: SandboxClient) -> None:
    companies = follow(v1, "/companies?per_page=60", "companies")
    assert all(c["user_count"] > 0 for c in companies)  # companies without users are not listed
    requests_at = [c["last_request_at"] for c in companies]
    assert requests_at == sorted(requests_at, reverse=True)
    company = companies[0]
    assert v1.get(f"/companies?company_id={company['company_id']}").json()["id"] == company["id"]
    members = v1.get(f"/companies/{company['id']}/users").json()["users"]
    assert len(members) == company["user_count"]
    assert all(company["id"] in {c["id"] for c in m["companies"]["companies"]} for m in members)
    upserted = v1.post("/companies", json={"company_id": company["company_id"],
                                           "plan": "Gold", "custom_attributes": {"tier": "gold"}})
    assert upserted.json()["id"] == company["id"]
    assert upserted.json()["plan"]["name"] == "Gold"
    joined = v1.post("/users", json={"user_id": "member-1", "companies": [
        {"company_id": "new-co", "name": "New Co"}]}).json()
    new_co = v1.get("/companies?company_id=new-co").json()
    assert new_co["user_count"] == 1
    assert joined["companies"]["companies"] == [{"type": "company", "id": new_co["id"]}]


def test_conversations_list_and_parts(v1: SandboxClient) -> None:
    listed = follow(v1, "/conversations?per_page=60&sort=updated_at&order=asc", "conversations")
    assert [c["updated_at"] for c in listed] == sorted(c["updated_at"] for c in listed)
    assert len(listed) == len(v1.snapshot("conversations"))
    assert all("conversation_parts" not in c for c in listed)
    longest = max(v1.snapshot("conversations"), key=lambda c: len(c["parts"]))
    assert len(longest["parts"]) > 500
    full = v1.get(f"/conversations/{longest['id']}").json()
    parts = full["conversation_parts"]
    assert parts["total_count"] == len(parts["conversation_parts"]) == len(longest["parts"])
    assert full["conversation_message"]["type"] == "conversation_message"


def test_workspace_lists_and_counts(v1: SandboxClient) -> None:
    admins = v1.get("/admins").json()["admins"]
    assert {"admin", "team"} == {a["type"] for a in admins}  # 1.x lists teams among admins
    assert v1.get("/tags").json()["type"] == "tag.list"
    company_segments = v1.get("/segments?type=company").json()["segments"]
    people = v1.get("/segments?include_count=true").json()["segments"]
    assert company_segments and all("count" in s for s in people)
    assert not {s["id"] for s in company_segments} & {s["id"] for s in people}
    counts = v1.get("/counts").json()
    assert counts["type"] == "count.hash"
    assert counts["user"]["count"] == len(v1.snapshot("users"))
    assert counts["lead"]["count"] == len(v1.snapshot("leads"))
    by_state = v1.get("/counts?type=conversation").json()["conversation"]
    assert set(by_state) == {"assigned", "closed", "open", "unassigned"}
    for kind, count in (("conversation", "admin"), ("user", "tag"), ("user", "segment"),
                        ("company", "tag"), ("company", "segment"), ("company", "user")):
        assert v1.get(f"/counts?type={kind}&count={count}").status_code == 200
    assert v1.get("/counts?type=nope").status_code == 400
    attributes = v1.get("/data_attributes/customer").json()["data_attributes"]
    types = {a["data_type"] for a in attributes if a["custom"]}
    assert types == {"string", "integer", "float", "boolean", "date"}
    assert any(not a["custom"] for a in attributes)
    names = [a["full_name"] for a in attributes]
    assert len(names) == len(set(names))
    archived = v1.get("/data_attributes?model=customer&include_archived=true").json()
    assert len(archived["data_attributes"]) == len(attributes) + 1
