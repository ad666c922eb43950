"""A write counts as accepted only when Intercom's answer proves it was applied.

The sandbox's `empty` and `nonjson` faults answer 200 without applying the request, as a proxy or
a failing Intercom front end may: such an answer proves nothing and the write is sent again."""

from __future__ import annotations

from tests.conftest import SandboxClient
from tests.target_support import (
    calls,
    events_messages,
    events_of,
    people,
    read_errors,
    record,
    run_target,
    schema,
    state,
    target_config,
    user,
    users_messages,
)

UNPROVEN = ["empty", "nonjson"]


def unproven_answers(route: str, method: str, rate: float) -> list[dict]:
    return [{"kind": kind, "route": route, "method": method, "rate": rate} for kind in UNPROVEN]


def fired(client: SandboxClient) -> int:
    return sum(rule["fired"] for rule in client.get("/_sandbox/faults").json()["faults"])


def test_events_answered_without_proof_are_sent_again(sandbox, fresh_v2, tmp_path):
    config = target_config(sandbox, "2.11", tmp_path, max_workers=4)
    run_target(config, users_messages(300, "ev"))
    fresh_v2.faults(unproven_answers("/events", "POST", 0.1))
    target, states = run_target(config, [*events_messages(300, "ev"), state({"events": 300})])
    unproven = fired(fresh_v2)
    assert unproven >= 20
    fresh_v2.faults([])
    assert calls(fresh_v2, "POST /events") == 300 + unproven  # each unproven answer: sent again
    assert len(events_of(fresh_v2)) == 300  # every event accepted is held by Intercom
    assert target.outcomes.streams["events"].accepted == 300
    assert read_errors(tmp_path / "errors.jsonl") == []
    assert states == [({"events": 300}, 300)]


def test_every_2x_write_under_unproven_answers(sandbox, fresh_v2, tmp_path):
    """Contacts created, updated and archived, companies upserted: all held, none unconfirmed."""
    config = target_config(sandbox, "2.11", tmp_path, max_workers=4)
    run_target(config, users_messages(60, "wp"))  # 60 exist: 60 updates, 60 creates below
    rules = [*unproven_answers("/contacts*", "POST", 0.1), *unproven_answers("/contacts/*", "PUT", 0.1),
             *unproven_answers("/companies", "POST", 0.1)]
    fresh_v2.faults(rules)
    config["full_resync"] = True  # the 60 unchanged rows are updated all the same
    archived = [record("users", user(i, "wp", _sdc_deleted_at="2026-01-01T00:00:00Z"))
                for i in range(10)]
    companies = [schema("companies"),
                 *(record("companies", {"company_id": f"wp{i}", "name": f"W{i}"}) for i in range(40))]
    target, _ = run_target(config, [*users_messages(120, "wp"), *archived, *companies])
    assert fired(fresh_v2) >= 10
    fresh_v2.faults([])
    assert len(people(fresh_v2, "wp")) == 110
    every = people(fresh_v2, "wp", archived=True)
    assert sorted(k for k, row in every.items() if row["archived"]) == [f"wp{i}" for i in range(10)]
    assert len([c for c in fresh_v2.snapshot("companies") if c["company_id"].startswith("wp")]) == 40
    assert target.outcomes.streams["users"].accepted == 130
    assert target.outcomes.streams["companies"].accepted == 40


def test_1x_companies_and_bulk_jobs_under_unproven_answers(sandbox, fresh_v1, tmp_path):
    config = target_config(sandbox, "1.4", tmp_path, batch_size=20)
    fresh_v1.faults([*unproven_answers("/companies", "POST", 0.15),
                     *unproven_answers("/bulk/*", "POST", 0.15)])
    companies = [schema("companies"),
                 *(record("companies", {"company_id": f"wq{i}", "name": f"Q{i}"}) for i in range(40))]
    target, _ = run_target(config, [*companies, *users_messages(200, "wq")])
    assert fired(fresh_v1) >= 5
    fresh_v1.faults([])
    assert len([c for c in fresh_v1.snapshot("companies") if c["company_id"].startswith("wq")]) == 40
    assert len(people(fresh_v1, "wq")) == 200
    assert target.outcomes.streams["companies"].accepted == 40
    assert target.outcomes.streams["users"].accepted == 200
