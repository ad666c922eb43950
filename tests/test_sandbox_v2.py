"""The 2.x dialect: cursor lists, search with day-granular dates, contacts, conversations."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import SandboxClient, error_code, start_sandbox


@pytest.fixture(autouse=True)
def fresh(v2: SandboxClient) -> None:
    v2.reset()


def search_all(client: SandboxClient, path: str, body: dict, key: str = "data") -> list[dict]:
    """Every record of a search, following its cursors."""
    records: list[dict] = []
    cursor = None
    while True:
        page_body = {**body, "pagination": {**body.get("pagination", {}),
                                            **({"starting_after": cursor} if cursor else {})}}
        response = client.post(path, json=page_body)
        assert response.status_code == 200, response.text
        page = response.json()
        records += page[key]
        nxt = (page.get("pages") or {}).get("next")
        if not nxt:
            return records
        cursor = nxt["starting_after"]


def test_cursor_list_walks_every_contact_once(v2: SandboxClient) -> None:
    seen: list[str] = []
    path = "/contacts?per_page=150"
    while path:
        body = v2.get(path).json()
        seen += [c["id"] for c in body["data"]]
        nxt = body["pages"].get("next")
        path = f"/contacts?per_page=150&starting_after={nxt['starting_after']}" if nxt else ""
        assert body["total_count"] == len(v2.snapshot("contacts"))
    assert len(seen) == len(set(seen)) == len(v2.snapshot("contacts"))
    first = v2.get("/contacts").json()
    assert len(first["data"]) == 50 and first["pages"]["next"]["page"] == 2
    assert len(v2.get("/contacts?per_page=1000").json()["data"]) == 150


def test_search_operators_match_python(v2: SandboxClient) -> None:
    raw = v2.snapshot("contacts")
    tag = raw[0]["tag_ids"][0] if raw[0]["tag_ids"] else next(
        c["tag_ids"][0] for c in raw if c["tag_ids"])
    cases = [
        ({"field": "role", "operator": "=", "value": "lead"}, lambda c: c["role"] == "lead"),
        ({"field": "email", "operator": "~", "value": "example.org"},
         lambda c: c["email"] is not None and "example.org" in c["email"]),
        ({"field": "name", "operator": "^", "value": "Zo"},
         lambda c: (c["name"] or "").startswith("Zo")),
        ({"field": "email", "operator": "$", "value": ".io"},
         lambda c: (c["email"] or "").endswith(".io")),
        ({"field": "external_id", "operator": "IN", "value": [raw[1]["external_id"],
                                                             raw[2]["external_id"]]},
         lambda c: c["external_id"] in (raw[1]["external_id"], raw[2]["external_id"])),
        ({"field": "browser", "operator": "NIN", "value": ["chrome", "firefox"]},
         lambda c: c["browser"] not in ("chrome", "firefox")),
        ({"field": "owner_id", "operator": ">=", "value": 1003},
         lambda c: c["owner_id"] is not None and c["owner_id"] >= 1003),
        ({"field": "unsubscribed_from_emails", "operator": "=", "value": True},
         lambda c: c["unsubscribed_from_emails"]),
        ({"field": "tag_id", "operator": "=", "value": tag}, lambda c: tag in c["tag_ids"]),
        ({"field": "custom_attributes.plan_name", "operator": "=", "value": "Pro"},
         lambda c: c["custom_attributes"].get("plan_name") == "Pro"),
        ({"field": "custom_attributes.mrr", "operator": ">", "value": 5000.5},
         lambda c: (c["custom_attributes"].get("mrr") or 0) > 5000.5),
        ({"operator": "AND", "value": [
            {"field": "role", "operator": "=", "value": "user"},
            {"operator": "OR", "value": [
                {"field": "location.country", "operator": "=", "value": "Ireland"},
                {"field": "os", "operator": "!=", "value": None}]}]},
         lambda c: c["role"] == "user" and ((c["location"] or {}).get("country") == "Ireland"
                                            or c["os"] is not None)),
    ]
    for query, expected in cases:
        found = search_all(v2, "/contacts/search", {"query": query,
                                                     "pagination": {"per_page": 150}})
        want = {c["id"] for c in raw if expected(c)}
        assert {c["id"] for c in found} == want, query
        assert len(found) == len(want), query


def test_search_rejects_bad_queries(v2: SandboxClient) -> None:
    leaf = {"field": "role", "operator": "=", "value": "user"}
    deep = {"operator": "AND", "value": [{"operator": "OR", "value": [
        {"operator": "AND", "value": [leaf]}]}]}
    bad = [
        {},
        {"query": {"field": "nope", "operator": "=", "value": 1}},
        {"query": {"field": "updated_at", "operator": ">=", "value": 1700000000}},
        {"query": {"field": "updated_at", "operator": ">", "value": "yesterday"}},
        {"query": {"field": "name", "operator": ">", "value": 3}},
        {"query": {"field": "role", "operator": "LIKE", "value": "user"}},
        {"query": deep},
        {"query": {"operator": "OR", "value": [leaf] * 16}},
        {"query": leaf, "sort": {"field": "updated_at", "order": "up"}},
    ]
    for body in bad:
        response = v2.post("/contacts/search", json=body)
        assert response.status_code == 400, body
        assert error_code(response) in ("parameter_invalid", "parameter_not_found",
                                         "invalid_sort_order"), body
    assert v2.post("/contacts/search", data=b"{not json").status_code == 400
    assert v2.post("/contacts/search", json={"query": {"operator": "OR", "value": [leaf] * 15}}
                   ).status_code == 200


def test_search_sort_and_cursor_survive_changes_between_pages(v2: SandboxClient) -> None:
    body = {"query": {"field": "role", "operator": "=", "value": "user"},
            "sort": {"field": "updated_at", "order": "ascending"},
            "pagination": {"per_page": 40}}
    first = v2.post("/contacts/search", json=body).json()
    stamps = [c["updated_at"] for c in first["data"]]
    assert stamps == sorted(stamps)
    # Records change between pages: nothing unchanged may be skipped.
    mutated = v2.post("/_sandbox/mutate", json={"collection": "users", "count": 30}).json()["ids"]
    records = list(first["data"])
    cursor = first["pages"]["next"]["starting_after"]
    records += search_all(v2, "/contacts/search", {**body, "pagination": {
        "per_page": 40, "starting_after": cursor}})
    users = {c["id"] for c in v2.snapshot("users")}
    assert users <= {c["id"] for c in records}
    assert set(mutated) <= users
    descending = v2.post("/contacts/search", json={
        **body, "sort": {"field": "updated_at", "order": "descending"}}).json()["data"]
    assert [c["updated_at"] for c in descending] == sorted(
        (c["updated_at"] for c in descending), reverse=True)


def test_dates_match_by_calendar_day_in_the_workspace_zone() -> None:
    day = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    early = int((day + dt.timedelta(hours=3)).timestamp())   # 9 Jan, 22:00 in New York
    late = int((day + dt.timedelta(hours=12)).timestamp())   # 10 Jan, 07:00 in New York
    for zone, same_day in (("America/New_York", {"b"}), ("UTC", {"a", "b"})):
        sb = start_sandbox(timezone=zone)
        client = SandboxClient(sb)
        try:
            for external_id, stamp in (("a", early), ("b", late)):
                contact = client.post("/contacts", json={"external_id": external_id}).json()
                client.post("/_sandbox/mutate", json={
                    "collection": "contacts", "ids": [contact["id"]],
                    "fields": {"updated_at": stamp}}).raise_for_status()

            def ids(op: str, value: int, client: SandboxClient = client) -> set[str]:
                query = {"operator": "AND", "value": [
                    {"field": "external_id", "operator": "IN", "value": ["a", "b"]},
                    {"field": "updated_at", "operator": op, "value": value}]}
                found = search_all(client, "/contacts/search", {"query": query})
                return {c["external_id"] for c in found}

            assert ids("=", late) == same_day, zone
            assert ids(">", early) == ({"b"} if zone == "America/New_York" else set()), zone
            assert ids("<", late) == ({"a"} if zone == "America/New_York" else set()), zone
        finally:
            sb.stop()


def test_contact_create_conflict_update_archive_delete(v2: SandboxClient) -> None:
    created = v2.post("/contacts", json={"role": "user", "external_id": "e-1",
                                         "email": "e1@example.com",
                                         "custom_attributes": {"paid_subscriber": True}})
    assert created.status_code == 200
    contact = created.json()
    assert contact["role"] == "user" and contact["custom_attributes"]["paid_subscriber"]
    duplicate = v2.post("/contacts", json={"external_id": "e-1"})
    assert duplicate.status_code == 409 and error_code(duplicate) == "conflict"
    assert contact["id"] in duplicate.json()["errors"][0]["message"]
    same_email = v2.post("/contacts", json={"email": "e1@example.com"})
    assert same_email.status_code == 409
    lead = v2.post("/contacts", json={"role": "lead", "email": "e1@example.com"})
    assert lead.status_code == 200 and lead.json()["role"] == "lead"
    updated = v2.put(f"/contacts/{contact['id']}", json={"name": "Émilie"}).json()
    assert updated["name"] == "Émilie" and updated["updated_at"] >= contact["updated_at"]
    assert v2.put(f"/contacts/{contact['id']}", json={"bogus": 1}).status_code == 400
    archived = v2.post(f"/contacts/{contact['id']}/archive").json()
    assert archived == {"type": "contact", "id": contact["id"], "external_id": "e-1",
                        "archived": True}
    assert v2.get(f"/contacts/{contact['id']}").status_code == 404
    assert v2.post(f"/contacts/{contact['id']}/unarchive").json()["archived"] is False
    deleted = v2.delete(f"/contacts/{contact['id']}").json()
    assert deleted["deleted"] is True
    assert contact["id"] not in {c["id"] for c in v2.snapshot("contacts")}


def test_conversation_parts_capped_at_500_most_recent(v2: SandboxClient) -> None:
    longest = max(v2.snapshot("conversations"), key=lambda c: len(c["parts"]))
    body = v2.get(f"/conversations/{longest['id']}").json()
    parts = body["conversation_parts"]
    assert len(parts["conversation_parts"]) == 500
    assert parts["total_count"] == len(longest["parts"]) > 500
    assert [p["id"] for p in parts["conversation_parts"]] == \
        [p["id"] for p in longest["parts"][-500:]]
    listed = v2.get("/conversations?per_page=150").json()
    assert listed["type"] == "conversation.list"
    assert all("conversation_parts" not in c for c in listed["conversations"])
    assert [c["updated_at"] for c in listed["conversations"]] == sorted(
        (c["updated_at"] for c in listed["conversations"]), reverse=True)


def test_conversation_search(v2: SandboxClient) -> None:
    raw = v2.snapshot("conversations")
    query = {"operator": "AND", "value": [
        {"field": "state", "operator": "=", "value": "closed"},
        {"field": "statistics.count_conversation_parts", "operator": ">", "value": 3}]}
    found = search_all(v2, "/conversations/search", {"query": query,
                                                     "sort": {"field": "updated_at",
                                                              "order": "ascending"}},
                       key="conversations")
    want = {c["id"] for c in raw if c["state"] == "closed" and len(c["parts"]) + 1 > 3}
    assert {c["id"] for c in found} == want
    assert [c["updated_at"] for c in found] == sorted(c["updated_at"] for c in found)


def test_companies_list_and_lookup(v2: SandboxClient) -> None:
    one = v2.get("/companies?company_id=c-000001").json()
    assert one["type"] == "list" and one["data"][0]["company_id"] == "c-000001"
    assert error_code(v2.get("/companies?company_id=nope")) == "company_not_found"
    listed = v2.post("/companies/list?per_page=10&page=2").json()
    assert listed["pages"]["page"] == 2 and len(listed["data"]) == 10
    saved = v2.post("/companies", json={"company_id": "acme", "name": "Acme",
                                        "monthly_spend": 10}).json()
    again = v2.post("/companies", json={"company_id": "acme", "size": 5}).json()
    assert again["id"] == saved["id"] and again["size"] == 5 and again["name"] == "Acme"


def test_events_are_accepted_and_deduplicated(v2: SandboxClient) -> None:
    user = next(c for c in v2.snapshot("users") if c["external_id"])
    before = len(v2.snapshot("events"))
    event = {"event_name": "Placed.Order", "created_at": 1767000000,
             "user_id": user["external_id"], "metadata": {"value": 3}}
    first = v2.post("/events", json=event)
    assert first.status_code == 202 and first.content == b""
    assert v2.post("/events", json=event).status_code == 202
    events = v2.snapshot("events")
    assert len(events) == before + 1
    assert events[-1]["event_name"] == "placed-order"
    unknown = v2.post("/events", json={**event, "user_id": "nobody"})
    assert unknown.status_code == 404
    assert v2.post("/events", json={"created_at": 1}).status_code == 400


def test_indexed_date_ranges_match_a_full_scan(v2: SandboxClient) -> None:
    raw = v2.snapshot("contacts")
    stamps = sorted(c["updated_at"] for c in raw)
    low, high = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    tz = ZoneInfo("Europe/Dublin")

    def day(ts: int, offset: int = 0) -> int:
        date = dt.datetime.fromtimestamp(ts, tz).date() + dt.timedelta(days=offset)
        return int(dt.datetime.combine(date, dt.time(), tz).timestamp())

    since = {"operator": "OR", "value": [{"field": "updated_at", "operator": ">", "value": low},
                                         {"field": "updated_at", "operator": "=", "value": low}]}
    cases = [
        ({"operator": "AND", "value": [since, {"field": "updated_at", "operator": "<",
                                               "value": high}]},
         lambda c: day(low) <= c["updated_at"] < day(high)),
        ({"operator": "AND", "value": [{"field": "role", "operator": "=", "value": "lead"}, since]},
         lambda c: c["role"] == "lead" and c["updated_at"] >= day(low)),
        ({"operator": "OR", "value": [{"field": "role", "operator": "=", "value": "lead"},
                                      {"field": "updated_at", "operator": ">", "value": high}]},
         lambda c: c["role"] == "lead" or c["updated_at"] >= day(high, 1)),
        ({"operator": "AND", "value": [{"field": "updated_at", "operator": "=", "value": low},
                                       {"field": "created_at", "operator": "<", "value": high}]},
         lambda c: day(low) <= c["updated_at"] < day(low, 1) and c["created_at"] < day(high)),
    ]
    for query, expected in cases:
        found = search_all(v2, "/contacts/search", {"query": query, "pagination": {"per_page": 150}})
        assert {c["id"] for c in found} == {c["id"] for c in raw if expected(c)}, query
