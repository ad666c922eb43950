"""Injected faults (5xx, 429, timeouts, dropped connections): nothing lost, nothing doubled."""

from __future__ import annotations

import logging

from tests.conftest import SandboxClient
from tests.target_support import (
    AnswerDroppingProxy,
    events_messages,
    events_of,
    people,
    read_errors,
    record,
    run_target,
    schema,
    state,
    target_config,
    users_messages,
)

# 10% of requests fail. A 429 empties the rate-limit window (up to 10 s of waiting for every
# worker), so it is rarer and capped to keep the test fast.
TEN_PERCENT = [{"kind": "500", "rate": 0.03}, {"kind": "503", "rate": 0.03},
               {"kind": "drop", "rate": 0.03}, {"kind": "429", "rate": 0.01, "times": 1}]


def fired(client: SandboxClient) -> int:
    return sum(rule["fired"] for rule in client.get("/_sandbox/faults").json()["faults"])


def items_sent(client: SandboxClient) -> int:
    """Items the sandbox received in bulk tasks: more than the records means a batch landed twice."""
    return sum(t["item_count"] for job in client.snapshot("jobs") for t in job["tasks"])


def test_bulk_path_under_ten_percent_faults(sandbox, fresh_v1, tmp_path):
    """With the default max_workers: several jobs at once, each appended to in turn."""
    slow = {"kind": "slow", "route": "/bulk/*", "rate": 0.02, "delay_s": 1.3}
    fresh_v1.faults([slow, *TEN_PERCENT])
    config = target_config(sandbox, "1.4", tmp_path, batch_size=40, request_timeout=1,
                           lost_submit_wait_s=0.3)
    messages = [*users_messages(500, "f"), *events_messages(500, "f"), state({"done": True})]
    target, states = run_target(config, messages)
    assert fired(fresh_v1) >= 5
    fresh_v1.faults([])
    assert len(people(fresh_v1, "f")) == 500  # nothing lost (and `people` checks no external_id twice)
    assert len(events_of(fresh_v1)) == 500
    assert items_sent(fresh_v1) == 1000  # nothing doubled: no batch was submitted twice
    assert read_errors(tmp_path / "errors.jsonl") == []
    assert states == [({"done": True}, 1000)]
    assert sum(s.accepted for s in target.outcomes.streams.values()) == 1000


def test_a_lost_submit_answer_is_reconciled_through_the_job(sandbox, fresh_v1, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    # The sandbox applies the 3rd and 5th bulk requests, but their answers never come back.
    proxy = AnswerDroppingProxy(sandbox.url, "POST", "/bulk/users", {3, 5})
    try:
        config = {**target_config(sandbox, "1.4", tmp_path, max_workers=1), "api_url": proxy.url}
        target, _ = run_target(config, users_messages(400, "lost"))
    finally:
        proxy.stop()
    assert proxy.dropped == 2
    messages = [r.getMessage() for r in caplog.records]
    assert sum("was lost" in m for m in messages) == 2
    assert sum("did reach job" in m for m in messages) == 2
    assert not any("shows no task" in m for m in messages)
    [job] = fresh_v1.snapshot("jobs")
    assert [t["item_count"] for t in job["tasks"]] == [1, 99, 100, 100, 100]  # none sent twice
    assert len(people(fresh_v1, "lost")) == 400
    assert target.outcomes.streams["users"].accepted == 400


def test_a_lost_job_opening_answer_sends_its_one_item_again(sandbox, fresh_v1, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    proxy = AnswerDroppingProxy(sandbox.url, "POST", "/bulk/users", {1})
    try:
        config = {**target_config(sandbox, "1.4", tmp_path, max_workers=1), "api_url": proxy.url}
        run_target(config, users_messages(150, "open"))
    finally:
        proxy.stop()
    assert any("answer to opening a job was lost" in r.getMessage() for r in caplog.records)
    jobs = fresh_v1.snapshot("jobs")
    assert sorted([t["item_count"] for t in j["tasks"]] for j in jobs) == [[1], [1, 99, 50]]
    assert len(people(fresh_v1, "open")) == 150  # the item applied twice is one user, upserted twice


def test_a_dropped_submit_is_resent_once_the_job_shows_it_missing(sandbox, fresh_v1, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    fresh_v1.faults([{"kind": "drop", "route": "/bulk/users", "after": 2, "times": 1}])
    config = target_config(sandbox, "1.4", tmp_path, lost_submit_wait_s=0.2, max_workers=1)
    run_target(config, users_messages(300, "drop"))
    assert any("shows no task" in r.getMessage() for r in caplog.records)
    assert items_sent(fresh_v1) == 300 and len(people(fresh_v1, "drop")) == 300


def test_upsert_path_under_ten_percent_faults(sandbox, fresh_v2, tmp_path):
    fresh_v2.faults([*TEN_PERCENT, {"kind": "slow", "rate": 0.01, "delay_s": 1.3}])
    companies = [schema("companies"),
                 *(record("companies", {"company_id": f"fc{i}", "name": f"F{i}"}) for i in range(30))]
    config = target_config(sandbox, "2.11", tmp_path, request_timeout=1)
    messages = [*users_messages(150, "g"), *companies, *events_messages(150, "g")]
    _, states = run_target(config, [*messages, state({"ok": 1})])
    assert fired(fresh_v2) >= 10
    fresh_v2.faults([])
    assert len(people(fresh_v2, "g")) == 150
    assert len(events_of(fresh_v2)) == 150
    assert len([c for c in fresh_v2.snapshot("companies") if c["company_id"].startswith("fc")]) == 30
    assert read_errors(tmp_path / "errors.jsonl") == []
    assert states == [({"ok": 1}, 330)]
    # A re-run under faults adds nothing (no 429 this time: the first run waited out one).
    fresh_v2.faults([rule for rule in TEN_PERCENT if rule["kind"] != "429"])
    run_target(config, messages)
    fresh_v2.faults([])
    assert len(people(fresh_v2, "g")) == 150 and len(events_of(fresh_v2)) == 150
