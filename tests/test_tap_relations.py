"""Complete relationship lists and relationship streams, against live sandboxes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intercom_sandbox import Sandbox, WorkspaceSize
from tests.conftest import SandboxClient, start_sandbox
from tests.tap_support import TapRun, run_tap, tap_config

VERSIONS = ("2.11", "1.4")
SIZE = WorkspaceSize(users=600, leads=120, companies=40, conversations=60, tags=25, segments=8,
                     admins=6, teams=2, events=20, long_conversations=0)
CAP = 10
# Relationship stream -> (parent collection, parent key, related key).
CONTACT_RELATIONS = {"contact_tags": ("tag_ids", "tag_id"),
                     "contact_companies": ("company_ids", "company_id"),
                     "contact_segments": ("segment_ids", "segment_id")}
RELATIONS = {*CONTACT_RELATIONS, "company_tags", "company_segments", "conversation_tags",
             "conversation_contacts", "conversation_teammates", "team_admins"}
PARENTS = {"users", "contacts", "companies", "conversations"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = start_sandbox(size=SIZE, scroll_timeout_s=1)
    yield sb
    sb.stop()


@pytest.fixture
def admin(sandbox: Sandbox) -> SandboxClient:
    client = SandboxClient(sandbox)
    client.reset()
    return client


def people(admin: SandboxClient) -> list[dict]:
    return admin.snapshot("users") + admin.snapshot("leads")


def expected(admin: SandboxClient, stream: str, version: str) -> set[tuple[str, str]]:
    """The links of `stream` as the sandbox holds them (raw records, uncapped)."""
    if stream in CONTACT_RELATIONS:
        field = CONTACT_RELATIONS[stream][0]
        return {(c["id"], i) for c in people(admin) for i in c[field]}
    if stream in ("company_tags", "company_segments"):
        field = "tag_ids" if stream == "company_tags" else "segment_ids"
        return {(c["id"], i) for c in admin.snapshot("companies") for i in c[field]}
    if stream == "team_admins":
        return {(t["id"], str(a)) for t in admin.snapshot("teams") for a in t["admin_ids"]}
    conversations = admin.snapshot("conversations", "2")
    if stream == "conversation_tags":
        return {(c["id"], t["id"]) for c in conversations for t in c["tags"]["tags"]}
    if stream == "conversation_contacts":
        return {(c["id"], p["id"]) for c in conversations for p in c["contacts"]["contacts"]}
    if version.startswith("1"):
        return set()  # 1.x conversations list no teammates
    return {(c["id"], t["id"]) for c in conversations for t in c["teammates"]["teammates"]}


def links(run: TapRun, stream: str) -> set[tuple[str, str]]:
    rows = run.records[stream]
    if not rows:
        return set()
    parent, related = [k for k in rows[0] if k.endswith("_id")]
    return {(r[parent], r[related]) for r in rows}


def test_every_list_of_a_contact_is_complete(admin: SandboxClient, sandbox: Sandbox) -> None:
    """2.x embeds 10 references a list; what is past them is read from the sub-lists."""
    run = run_tap(tap_config(sandbox, "2.11"), streams={"users", "contacts"})
    assert run.returncode == 0, run.stderr[-2000:]
    truth = {c["id"]: c for c in people(admin)}
    notes: dict[str, list[str]] = {}
    for note in admin.snapshot("notes"):
        notes.setdefault(note["contact_id"], []).append(note["id"])
    emitted = run.records["users"] + run.records["contacts"]
    assert {r["id"] for r in emitted} == set(truth)
    past_cap = dict.fromkeys(("tags", "companies", "notes"), 0)
    for record in emitted:
        raw = truth[record["id"]]
        for field, ids in (("tags", raw["tag_ids"]), ("companies", raw["company_ids"]),
                           ("notes", notes.get(record["id"], []))):
            listed = record[field]
            assert sorted(i["id"] for i in listed["data"]) == sorted(ids), (record["id"], field)
            assert listed["total_count"] == len(ids) and listed["has_more"] is False
            past_cap[field] += len(ids) > CAP
    assert all(past_cap.values()), past_cap  # the workspace really has lists past the cap


@pytest.mark.parametrize("version", VERSIONS)
def test_relationship_streams_match_the_sandbox(admin: SandboxClient, sandbox: Sandbox,
                                                version: str) -> None:
    run = run_tap(tap_config(sandbox, version), streams=RELATIONS | PARENTS)
    assert run.returncode == 0, run.stderr[-2000:]
    for stream in sorted(RELATIONS):
        assert links(run, stream) == expected(admin, stream, version), stream
        assert len(run.records[stream]) == len(links(run, stream)), f"{stream}: doubled rows"
    assert len(run.records["contact_tags"]) > len(people(admin))  # many links, past caps too
    stamps = {r["id"]: r["updated_at"] for r in run.records["users"] + run.records["contacts"]}
    assert all(r["contact_updated_at"] == stamps[r["contact_id"]]
               for r in run.records["contact_tags"])


def current(runs: list[TapRun], stream: str, parents: dict[str, str]) -> set[tuple[str, str]]:
    """What a warehouse upserting every run holds as current: rows stamped with the parent's
    latest updated_at (`parents`), as the README tells readers to select them."""
    rows: dict[tuple[str, str], str] = {}
    for run in runs:
        for r in run.records[stream]:
            parent, related, stamp = r.values()
            rows[(parent, related)] = stamp
    return {key for key, stamp in rows.items() if parents.get(key[0]) == stamp}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_removed_relationship_leaves_the_current_set(admin: SandboxClient, sandbox: Sandbox,
                                                       version: str) -> None:
    config = tap_config(sandbox, version)
    streams = {"users", "contacts", "companies", "contact_tags", "contact_companies",
               "company_tags"}
    first = run_tap(config, streams=streams)
    assert first.returncode == 0, first.stderr[-2000:]
    user = next(u for u in admin.snapshot("users")
                if len(u["tag_ids"]) > CAP and len(u["company_ids"]) > 1)
    company = next(c for c in admin.snapshot("companies") if c["tag_ids"])
    kept_tags, kept_companies = user["tag_ids"][1:], user["company_ids"][:-1]
    admin.post("/_sandbox/mutate", json={"collection": "users", "ids": [user["id"]],
                                         "fields": {"tag_ids": kept_tags,
                                                    "company_ids": kept_companies}})
    admin.post("/_sandbox/mutate", json={"collection": "companies", "ids": [company["id"]],
                                         "fields": {"tag_ids": []}})
    second = run_tap(config, state=first.state, streams=streams)
    assert second.returncode == 0, second.stderr[-2000:]
    assert user["id"] in second.ids("users") and len(second.records["users"]) < 20
    contacts = {r["id"]: r["updated_at"] for run in (first, second)
                for r in run.records["users"] + run.records["contacts"]}
    companies = {r["id"]: r["updated_at"] for run in (first, second)
                 for r in run.records["companies"]}
    assert current([first, second], "contact_tags", contacts) == expected(admin, "contact_tags",
                                                                         version)
    assert current([first, second], "contact_companies", contacts) == expected(
        admin, "contact_companies", version)
    assert current([first, second], "company_tags", companies) == expected(admin, "company_tags",
                                                                         version)
    assert (user["id"], user["tag_ids"][0]) not in current([first, second], "contact_tags",
                                                           contacts)
    assert not any(c == company["id"] for c, _ in current([first, second], "company_tags",
                                                          companies))


@pytest.mark.parametrize("version", VERSIONS)
def test_interrupted_run_with_relationships_resumes_without_loss(
        admin: SandboxClient, sandbox: Sandbox, version: str) -> None:
    config = tap_config(sandbox, version)
    streams = {"users", "contact_tags", "contact_companies", "contact_segments"}
    clean = run_tap(config, streams=streams)
    killed = run_tap(config, streams=streams, stop_after=("contact_tags", 500))
    assert killed.returncode != 0
    resumed = run_tap(config, state=killed.state, streams=streams)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert killed.ids("users") | resumed.ids("users") == clean.ids("users")
    for stream in CONTACT_RELATIONS:
        assert links(killed, stream) | links(resumed, stream) == links(clean, stream), stream
    assert links(clean, "contact_tags") == expected(admin, "contact_tags", version)  # leads too


@pytest.mark.parametrize("version", VERSIONS)
def test_conversation_parts_and_links_come_from_the_same_read(admin: SandboxClient,
                                                              sandbox: Sandbox,
                                                              version: str) -> None:
    """Conversations (a ThreadStream, like tickets) feed their parts and their links at once."""
    links_of = {"conversation_tags", "conversation_contacts", "conversation_teammates"}
    run = run_tap(tap_config(sandbox, version),
                  streams={"conversations", "conversation_parts", *links_of})
    assert run.returncode == 0, run.stderr[-2000:]
    conversations = run.records["conversations"]
    assert len(run.records["conversation_parts"]) == sum(
        c["parts_returned_count"] for c in conversations) > 0
    for stream in sorted(links_of):
        assert links(run, stream) == expected(admin, stream, version), stream
