"""The sandbox accepts what Intercom accepts, and every id it answers with resolves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from intercom_sandbox import Sandbox, SandboxConfig
from tests.conftest import SMALL, SandboxClient

DATE_QUERY = {"field": "created_at", "operator": ">", "value": 946684800}


def search_ids(client: SandboxClient, path: str, body: dict) -> list[str]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data" if "contacts" in path else "conversations"]]


# -- leniency -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/contacts/search", "/conversations/search"])
@pytest.mark.parametrize("value", ["946684800", 946684800.0, 946684800.7, "946684800.0"])
def test_search_dates_as_strings_or_floats(v2: SandboxClient, path: str, value: object) -> None:
    body = {"query": {**DATE_QUERY}, "pagination": {"per_page": 150}}
    expected = search_ids(v2, path, body)
    body["query"]["value"] = value
    assert expected and search_ids(v2, path, body) == expected


def test_search_numbers_as_strings(v2: SandboxClient) -> None:
    owner = next(c["owner_id"] for c in v2.snapshot("contacts") if c["owner_id"])
    as_int = {"query": {"field": "owner_id", "operator": "=", "value": owner}}
    as_text = {"query": {"field": "owner_id", "operator": "=", "value": str(owner)}}
    assert search_ids(v2, "/contacts/search", as_int) == search_ids(v2, "/contacts/search",
                                                                    as_text)
    not_a_number = {"query": {"field": "owner_id", "operator": "=", "value": "seven"}}
    assert v2.post("/contacts/search", json=not_a_number).status_code == 400


def test_conversations_paged_by_id(v2: SandboxClient) -> None:
    """Clients page with `id > last` sorted by id, starting from an empty id."""
    expected = sorted((c["id"] for c in v2.snapshot("conversations")), key=int)
    seen: list[str] = []
    last = ""
    while True:
        body = {"query": {"field": "id", "operator": ">", "value": last},
                "sort": {"field": "id", "order": "ascending"}, "pagination": {"per_page": 7}}
        page = search_ids(v2, "/conversations/search", body)
        if not page:
            break
        seen += page
        last = page[-1]
    assert seen == expected


def test_numeric_ids_compare_numerically(v2: SandboxClient) -> None:
    ids = {c["id"] for c in v2.snapshot("conversations")}
    pivot = sorted(ids, key=int)[len(ids) // 2]
    body = {"query": {"field": "id", "operator": "<=", "value": int(pivot)},
            "pagination": {"per_page": 150}}
    assert set(search_ids(v2, "/conversations/search", body)) == {
        i for i in ids if int(i) <= int(pivot)}


def test_ordering_still_refused_on_text_fields(v2: SandboxClient) -> None:
    body = {"query": {"field": "name", "operator": ">", "value": "a"}}
    assert v2.post("/contacts/search", json=body).status_code == 400


@pytest.mark.parametrize(("version", "path", "body"), [
    ("1.4", "/users/", {"user_id": "slash-user", "email": "slash@example.com"}),
    ("1.4", "/companies/", {"company_id": "slash-co", "name": "Slash"}),
    ("2.11", "/companies/", {"company_id": "slash-co-2", "name": "Slash"}),
    ("2.11", "/contacts/", {"email": "slash-contact@example.com"}),
])
def test_trailing_slash(sandbox: Sandbox, version: str, path: str, body: dict) -> None:
    client = SandboxClient(sandbox, version)
    assert client.post(path, json=body).status_code == 200
    assert client.get(path).status_code == 200


def test_trailing_slash_on_events(sandbox: Sandbox) -> None:
    client = SandboxClient(sandbox, "1.4")
    user = client.get("/users?per_page=1").json()["users"][0]
    event = {"event_name": "slash-event", "created_at": 1700000000, "id": user["id"]}
    assert client.post("/events/", json=event).status_code == 202


def test_conversations_by_admin_in_the_sdk_form(v1: SandboxClient) -> None:
    """Intercom's 1.x SDKs send `type=admin&id=N`; `admin_id=N` is the documented form."""
    admin = next(c["admin_assignee_id"] for c in v1.snapshot("conversations")
                 if c["admin_assignee_id"])
    sdk = v1.get(f"/conversations?type=admin&id={admin}&per_page=60").json()
    documented = v1.get(f"/conversations?type=admin&admin_id={admin}&per_page=60").json()
    ids = [c["id"] for c in sdk["conversations"]]
    assert ids and ids == [c["id"] for c in documented["conversations"]]
    assert all(str(c["assignee"]["id"]) == str(admin) for c in sdk["conversations"])


def test_unknown_query_parameters_are_ignored(v1: SandboxClient, v2: SandboxClient) -> None:
    assert v2.get("/contacts?per_page=2&utm_campaign=x").status_code == 200
    assert v2.get("/admins?display_avatar=true").status_code == 200
    assert v1.get("/users?per_page=2&foo=bar").status_code == 200
    assert v2.get("/segments?type=company&include_count=true").status_code == 200


# -- versions -----------------------------------------------------------------------------------


@pytest.fixture
def default_1_0() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(size=SMALL, default_version="1.0")) as sb:
        yield sb


def test_default_version_is_honoured(default_1_0: Sandbox) -> None:
    """Without a header, `GET /users?email=` answers as 1.0 does: one user, not a list."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {default_1_0.token}"
    contacts = default_1_0.state.workspace.live_contacts("user")
    email = next(c["email"] for c in contacts if c["email"])
    body = session.get(f"{default_1_0.url}/users", params={"email": email}, timeout=30).json()
    assert body["type"] == "user" and body["email"] == email
    listed = session.get(f"{default_1_0.url}/users", params={"email": email},
                         headers={"Intercom-Version": "1.4"}, timeout=30).json()
    assert listed["type"] == "user.list"


# -- endpoints of the 2.11 description ------------------------------------------------------------


def test_single_tags_and_segments(v2: SandboxClient) -> None:
    for tag in v2.snapshot("tags"):
        assert v2.get(f"/tags/{tag['id']}").json()["name"] == tag["name"]
    for segment in v2.snapshot("segments"):
        body = v2.get(f"/segments/{segment['id']}").json()
        assert (body["type"], body["name"]) == ("segment", segment["name"])
    assert v2.get("/tags/1").status_code == 404
    assert v2.get("/segments/1").status_code == 404


def test_segments_list_people_segments_only(v2: SandboxClient) -> None:
    raw = v2.snapshot("segments")
    listed = {s["id"] for s in v2.get("/segments").json()["segments"]}
    assert listed == {s["id"] for s in raw if s["kind"] == "user"}
    assert any(s["kind"] == "company" for s in raw)


def test_activity_logs_window_and_pages(v2: SandboxClient, sandbox: Sandbox) -> None:
    logs = sandbox.state.workspace.activity_logs.ordered()
    times = sorted(a["created_at"] for a in logs)
    after, before = times[len(times) // 4], times[3 * len(times) // 4]
    expected = {a["id"] for a in logs if after <= a["created_at"] <= before}
    seen: list[dict] = []
    params: dict = {"created_at_after": str(after), "created_at_before": str(before),
                    "per_page": 4}
    while True:
        page = v2.get("/admins/activity_logs", params=params).json()
        assert page["type"] == "activity_log.list"
        seen += page["activity_logs"]
        if not page["pages"].get("next"):
            break
        params["starting_after"] = page["pages"]["next"]["starting_after"]
    assert [a["id"] for a in seen if a["id"] in expected] == [a["id"] for a in seen]
    assert {a["id"] for a in seen} == expected and len(seen) == len(expected)
    assert [a["created_at"] for a in seen] == sorted((a["created_at"] for a in seen),
                                                     reverse=True)
    assert v2.get("/admins/activity_logs").status_code == 400


# -- referential integrity ----------------------------------------------------------------------


class Kinds:
    """The ids of each kind of object the workspace holds, as its API shows them."""

    def __init__(self, client: SandboxClient) -> None:
        raw = {name: client.snapshot(name) for name in
               ("contacts", "companies", "tags", "segments", "admins", "teams")}
        self.ids = {name: {str(r["id"]) for r in rows} for name, rows in raw.items()}
        self.kind_of_segment = {s["id"]: s["kind"] for s in raw["segments"]}

    def check(self, kind: str, value: object, where: str, problems: list[str]) -> None:
        if value is None:
            return
        if str(value) not in self.ids[kind]:
            problems.append(f"{where}: {value!r} is no {kind[:-1]}")


def author_kind(author: dict) -> str:
    return "admins" if author["type"] in ("admin", "bot") else \
        "teams" if author["type"] == "team" else "contacts"


def check_conversation(kinds: Kinds, c: dict, dialect: int, problems: list[str]) -> None:
    where = f"conversation {c['id']}"
    if dialect == 2:
        kinds.check("admins", c["admin_assignee_id"], where + " admin_assignee_id", problems)
        kinds.check("teams", c["team_assignee_id"], where + " team_assignee_id", problems)
        for contact in c["contacts"]["contacts"]:
            kinds.check("contacts", contact["id"], where + " contacts", problems)
        for mate in c["teammates"]["teammates"]:
            kinds.check("admins", mate["id"], where + " teammates", problems)
        stats = c["statistics"]
        kinds.check("admins", stats.get("last_closed_by_id"), where + " last_closed_by_id",
                    problems)
        rating = c.get("conversation_rating")
        if rating:
            kinds.check("contacts", rating["contact"]["id"], where + " rating contact", problems)
            kinds.check("admins", rating["teammate"]["id"], where + " rating teammate", problems)
    else:
        assignee = c.get("assignee") or {}
        if assignee.get("id") is not None:
            kind = "teams" if assignee.get("type") == "team" else "admins"
            kinds.check(kind, assignee["id"], where + " assignee", problems)
        user = c.get("user") or {}
        kinds.check("contacts", user.get("id"), where + " user", problems)
    for tag in c.get("tags", {}).get("tags", []):
        kinds.check("tags", tag["id"], where + " tags", problems)
        applied = tag.get("applied_by") or {}
        kinds.check("admins", applied.get("id"), where + " tag applied_by", problems)
    src = c.get("source") or c.get("conversation_message") or {}
    if src.get("author"):
        kinds.check(author_kind(src["author"]), src["author"]["id"], where + " source author",
                    problems)
    for part in (c.get("conversation_parts") or {}).get("conversation_parts", []):
        kinds.check(author_kind(part["author"]), part["author"]["id"], where + " part author",
                    problems)
        if part["part_type"] in ("close", "assignment", "open", "snoozed", "note") \
                and part["author"]["type"] not in ("admin", "bot"):
            problems.append(f"{where}: {part['part_type']} by a {part['author']['type']}")
        if part.get("assigned_to"):
            kind = "teams" if part["assigned_to"]["type"] == "team" else "admins"
            kinds.check(kind, part["assigned_to"]["id"], where + " assigned_to", problems)


@pytest.mark.parametrize("version", ["1.4", "2.11"])
def test_every_id_resolves(sandbox: Sandbox, version: str) -> None:
    client = SandboxClient(sandbox, version)
    dialect = int(version[0])
    kinds = Kinds(client)
    problems: list[str] = []
    for contact in client.snapshot("contacts", str(dialect)):
        where = f"contact {contact['id']}"
        kinds.check("admins", contact.get("owner_id"), where + " owner_id", problems)
        companies = contact.get("companies") or {}
        for company in companies.get("companies", companies.get("data", [])):
            kinds.check("companies", company["id"], where + " companies", problems)
        for tag in (contact.get("tags") or {}).get("tags", (contact.get("tags") or {})
                                                   .get("data", [])):
            kinds.check("tags", tag["id"], where + " tags", problems)
        segments = contact.get("segments") or {}
        for segment in segments.get("segments", segments.get("data", [])):
            kinds.check("segments", segment["id"], where + " segments", problems)
            if kinds.kind_of_segment.get(segment["id"]) != "user":
                problems.append(f"{where}: segment {segment['id']} is not a people segment")
    for company in client.snapshot("companies", str(dialect)):
        for tag in company["tags"]["tags"]:
            kinds.check("tags", tag["id"], f"company {company['id']} tags", problems)
        for segment in company["segments"]["segments"]:
            kinds.check("segments", segment["id"], f"company {company['id']} segments",
                        problems)
    for admin in client.snapshot("admins", str(dialect)):
        for team_id in admin.get("team_ids", []):
            kinds.check("teams", team_id, f"admin {admin['id']} team_ids", problems)
    for team in client.snapshot("teams", str(dialect)):
        for admin_id in team["admin_ids"]:
            kinds.check("admins", admin_id, f"team {team['id']} admin_ids", problems)
    for attribute in client.snapshot("data_attributes", str(dialect)):
        kinds.check("admins", attribute.get("admin_id"), f"attribute {attribute['name']}",
                    problems)
    for listed in client.get("/conversations?per_page=60").json()["conversations"]:
        detail = client.get(f"/conversations/{listed['id']}").json()
        check_conversation(kinds, detail, dialect, problems)
    if dialect == 2:
        logs = client.get("/admins/activity_logs?created_at_after=0&per_page=150").json()
        for log in logs["activity_logs"]:
            kinds.check("admins", log["performed_by"]["id"], f"activity {log['id']}", problems)
    assert not problems, "\n".join(problems[:40])


def test_history_is_plausible(sandbox: Sandbox) -> None:
    """Conversations untouched for a month are mostly closed; a close is a teammate's."""
    ws = sandbox.state.workspace
    old = [c for c in ws.conversations.ordered() if c["updated_at"] < ws.config.anchor - 86400 * 30]
    assert old and sum(c["state"] == "closed" for c in old) >= 0.8 * len(old)
    for c in ws.conversations.ordered():
        closes = [p for p in c["parts"] if p["part_type"] == "close"]
        assert all(p["author"]["type"] == "admin" for p in closes), c["id"]
        changes = [p for p in c["parts"] if p["part_type"] in ("close", "open", "snoozed")]
        if c["state"] == "closed" and c["parts"]:
            assert changes and changes[-1]["part_type"] == "close", c["id"]


# -- conversations as Intercom tells them ---------------------------------------------------------


def conversations_with_parts(client: SandboxClient) -> list[dict]:
    listed = client.get("/conversations?per_page=60").json()["conversations"]
    return [client.get(f"/conversations/{c['id']}").json() for c in listed]


def test_admin_initiated_conversations_open_with_an_admins_message(v1: SandboxClient,
                                                                  v2: SandboxClient) -> None:
    conversations = v2.snapshot("conversations", "2")
    kinds = {c["source"]["delivered_as"] for c in conversations}
    assert {"admin_initiated", "customer_initiated"} <= kinds
    for c in conversations:
        author = c["source"]["author"]["type"]
        if c["source"]["delivered_as"] == "admin_initiated":
            assert author == "admin", c["id"]
        elif c["source"]["delivered_as"] == "customer_initiated":
            assert author in ("user", "lead"), c["id"]
    for c in v1.snapshot("conversations", "1"):
        message = c["conversation_message"]
        if message["delivered_as"] == "admin_initiated":
            assert message["author"]["type"] == "admin", c["id"]


def test_first_contact_reply_whichever_side_started(v1: SandboxClient, v2: SandboxClient) -> None:
    """The opening message when a contact wrote it, else the contact's first comment."""
    seen = set()
    for c in conversations_with_parts(v2):
        parts = c["conversation_parts"]["conversation_parts"]
        if c["conversation_parts"]["total_count"] > len(parts):
            continue  # past the 500-part cap the first parts are not returned
        if c["source"]["author"]["type"] in ("user", "lead"):
            expected = c["created_at"]
        else:
            expected = next((p["created_at"] for p in parts if p["part_type"] == "comment"
                             and p["author"]["type"] in ("user", "lead")), None)
        assert c["statistics"].get("first_contact_reply_at") == expected, c["id"]
        assert (c.get("first_contact_reply") or {}).get("created_at") == expected, c["id"]
        seen.add((c["source"]["delivered_as"], expected is not None))
    assert ("admin_initiated", True) in seen and ("customer_initiated", True) in seen
    for c in v1.snapshot("conversations", "1"):
        first = c["customer_first_reply"]
        if c["conversation_message"]["author"]["type"] != "admin":
            assert first["created_at"] == c["created_at"], c["id"]


def test_only_assignments_name_an_assignee_sometimes_a_team(v2: SandboxClient) -> None:
    teams = {t["id"] for t in v2.snapshot("teams", "2")}
    assigned: list[tuple[str, str]] = []
    for c in conversations_with_parts(v2):
        for part in c["conversation_parts"]["conversation_parts"]:
            if part["part_type"] != "assignment":
                assert part.get("assigned_to") is None, (c["id"], part["id"])
                continue
            target = part["assigned_to"]
            assigned.append((target["type"], target["id"]))
            if target["type"] == "team":
                assert target["id"] in teams
                assert str(c["team_assignee_id"]) == target["id"], c["id"]
    kinds = {kind for kind, _ in assigned}
    assert kinds == {"admin", "team"}, kinds


def test_mutated_conversations_keep_statistics_true_to_their_parts(fresh_v2: SandboxClient
                                                                   ) -> None:
    """A follow-up dated now is the contact writing again: no months-late first response."""
    unanswered = [c for c in conversations_with_parts(fresh_v2) if c["contacts"]["contacts"]
                  and "first_admin_reply_at" not in c["statistics"]]
    assert unanswered
    conv = unanswered[0]
    fresh_v2.post("/_sandbox/mutate", json={"collection": "conversations", "ids": [conv["id"]],
                                            "parts": 2}).raise_for_status()
    changed = fresh_v2.get(f"/conversations/{conv['id']}").json()
    parts = changed["conversation_parts"]["conversation_parts"]
    new = parts[-2:]
    assert {p["author"]["id"] for p in new} == {changed["contacts"]["contacts"][0]["id"]}
    stats = changed["statistics"]
    assert "first_admin_reply_at" not in stats and "time_to_admin_reply" not in stats
    assert stats["last_contact_reply_at"] == new[-1]["created_at"]
    assert stats["count_conversation_parts"] == len(parts) + 1
    assert changed["state"] == "open"
    first = stats["first_contact_reply_at"]
    assert first == conv["statistics"].get("first_contact_reply_at", new[0]["created_at"])
