"""Preview bulk jobs over real HTTP: users, leads and companies through /contacts/bulk and
/companies/bulk; refused rows matched back, deletes, re-pushes and injected faults."""

from __future__ import annotations

import logging

from tests.conftest import SandboxClient
from tests.target_support import (
    AnswerDroppingProxy,
    people,
    read_errors,
    record,
    run_target,
    schema,
    state,
    stats,
    target_config,
)

PERSON = {"type": "object", "properties": {
    "user_id": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
    "name": {"type": ["string", "null"]}, "plan_name": {"type": ["string", "null"]},
    "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"}}}
COMPANY = {"type": "object", "properties": {
    "company_id": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]}}}
FAULTS = [{"kind": kind, "route": route, "rate": 0.012}
          for kind in ("500", "502", "503", "drop", "truncate", "nonjson", "empty")
          for route in ("/contacts/bulk*", "/companies/bulk*")] + [
    {"kind": "429", "route": "/contacts/bulk*", "rate": 0.01, "times": 1},
    {"kind": "slow", "route": "/contacts/bulk*", "rate": 0.02, "delay_s": 1.3}]


def person(i: int, prefix: str, **extra: object) -> dict:
    return {"user_id": f"{prefix}{i}", "email": f"{prefix}{i}@example.com", "name": f"P {i}",
            "plan_name": "pro", **extra}


def messages(prefix: str, users: int, leads: int, companies: int, **extra: object) -> list[dict]:
    return [schema("users", PERSON), *(record("users", person(i, prefix, **extra))
                                       for i in range(users)),
            schema("leads", PERSON), *(record("leads", person(i, f"{prefix}l", **extra))
                                       for i in range(leads)),
            schema("companies", COMPANY),
            *(record("companies", {"company_id": f"{prefix}c{i}", "name": f"C {i} {extra}"})
              for i in range(companies))]


def bulk_calls(client: SandboxClient) -> dict[str, int]:
    return {route: sum(codes.values()) for route, codes in stats(client).items()
            if "/bulk" in route}


def companies_of(client: SandboxClient, prefix: str) -> list[dict]:
    return [c for c in client.snapshot("companies") if c["company_id"].startswith(prefix)]


def test_preview_push_matches_refusals_deletes_and_repushes(sandbox, fresh_v2, tmp_path):
    taken = next(c for c in fresh_v2.snapshot("users") if c.get("email") and c.get("external_id"))
    config = target_config(sandbox, "Preview", tmp_path, create_attributes=True,
                           delete_mode="delete", max_workers=1)  # one job lane: exact call counts
    refused = record("users", person(999, "pb", email=taken["email"]))  # another user's email
    target, _ = run_target(config, [*messages("pb", 250, 20, 30), refused])
    users, leads = target.outcomes.streams["users"], target.outcomes.streams["leads"]
    assert (users.accepted, users.failed) == (250, 1)
    assert leads.accepted == 20 and target.outcomes.streams["companies"].accepted == 30
    [error] = read_errors(tmp_path / "errors.jsonl")
    assert error["record"]["user_id"] == "pb999" and error["code"] == "bulk_item_rejected"
    assert error["job_id"] and error["job_id"] in users.jobs
    assert len(people(fresh_v2, "pb")) == 250 and len(people(fresh_v2, "pbl", "leads")) == 20
    assert len(companies_of(fresh_v2, "pbc")) == 30
    calls = bulk_calls(fresh_v2)
    assert calls["POST /contacts/bulk"] == 4 and calls["POST /companies/bulk"] == 2  # 1 + 100s
    assert people(fresh_v2, "pb")["pb7"]["custom_attributes"]["plan_name"] == "pro"

    # Changed rows go through PUT /contacts/bulk; a deleted row through /contacts/bulk/delete.
    changed = [schema("users", PERSON),
               *(record("users", person(i, "pb", name=f"Renamed {i}")) for i in range(0, 250, 5)),
               record("users", person(3, "pb", _sdc_deleted_at="2026-01-01T00:00:00Z")),
               schema("leads", PERSON), record("leads", person(0, "pbl", name="Lead renamed"))]
    target, _ = run_target({**config, "errors_path": str(tmp_path / "second.jsonl")}, changed)
    assert target.outcomes.streams["users"].accepted == 51
    assert target.outcomes.streams["leads"].accepted == 1
    assert read_errors(tmp_path / "second.jsonl") == []
    now = people(fresh_v2, "pb")
    assert "pb3" not in now and now["pb5"]["name"] == "Renamed 5" and now["pb6"]["name"] == "P 6"
    assert people(fresh_v2, "pbl", "leads")["pbl0"]["name"] == "Lead renamed"
    calls = bulk_calls(fresh_v2)
    assert calls["PUT /contacts/bulk"] >= 2 and calls["POST /contacts/bulk/delete"] == 1

    # A full re-send doubles nothing: every person exists, so every write is an update.
    target, _ = run_target({**config, "full_resync": True,
                            "errors_path": str(tmp_path / "third.jsonl")}, messages("pb", 250, 20, 30))
    assert target.outcomes.streams["users"].accepted == 250
    assert len(people(fresh_v2, "pb")) == 250 and len(people(fresh_v2, "pbl", "leads")) == 20
    assert len(companies_of(fresh_v2, "pbc")) == 30
    assert read_errors(tmp_path / "third.jsonl") == []


def test_preview_bulk_path_under_ten_percent_faults(sandbox, fresh_v2, tmp_path):
    fresh_v2.faults(FAULTS)
    config = target_config(sandbox, "Preview", tmp_path, create_attributes=True, batch_size=10,
                           request_timeout=1, lost_submit_wait_s=0.3)
    _, states = run_target(config, [*messages("pf", 400, 40, 80), state({"done": True})])
    fired = sum(rule["fired"] for rule in fresh_v2.get("/_sandbox/faults").json()["faults"])
    fresh_v2.faults([])
    assert fired >= 8
    assert len(people(fresh_v2, "pf")) == 400  # nothing lost, no external_id twice
    emails = [c["email"] for c in fresh_v2.snapshot("users") if (c["email"] or "").startswith("pf")]
    assert len(emails) == len(set(emails)) == 400
    assert len(people(fresh_v2, "pfl", "leads")) == 40 and len(companies_of(fresh_v2, "pfc")) == 80
    assert read_errors(tmp_path / "errors.jsonl") == []
    assert states == [({"done": True}, 520)]
    # Again, changed, under faults: updates only, nothing doubled or lost.
    fresh_v2.faults([rule for rule in FAULTS if rule["kind"] != "429"])
    target, _ = run_target(config, messages("pf", 400, 40, 80, plan_name="team"))
    fresh_v2.faults([])
    assert sum(s.accepted for s in target.outcomes.streams.values()) == 520
    assert len(people(fresh_v2, "pf")) == 400
    assert all(p["custom_attributes"]["plan_name"] == "team" for p in people(fresh_v2, "pf").values())


def test_a_lost_job_opening_create_is_refused_when_resent_and_proven(sandbox, fresh_v2, tmp_path,
                                                                     caplog):
    """The opener of a job is a strict create: sent again in a new job after its answer was lost,
    it is refused (the contact exists), and the read-back proves the first one."""
    caplog.set_level(logging.INFO)
    proxy = AnswerDroppingProxy(sandbox.url, "POST", "/contacts/bulk", {1})
    try:
        config = {**target_config(sandbox, "Preview", tmp_path, max_workers=1, batch_size=10),
                  "api_url": proxy.url}
        target, _ = run_target(config, messages("lo", 25, 0, 0))
    finally:
        proxy.stop()
    assert proxy.dropped == 1
    [lost] = [r.getMessage() for r in caplog.records if "opening a job was lost" in r.getMessage()]
    assert "strict create sent twice is refused" in lost and "idempotent write" not in lost
    assert len(people(fresh_v2, "lo")) == 25  # the create sent twice made one contact
    assert target.outcomes.streams["users"].accepted == 25
    assert read_errors(tmp_path / "errors.jsonl") == []
