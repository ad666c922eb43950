"""The 1.x bulk path against a live sandbox: batches, appends, closing jobs, polling, error feed."""

from __future__ import annotations

import logging

import pytest

from target_intercom.errors import OutcomeUnknown
from tests.target_support import (
    BASE_TIME,
    calls,
    event,
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

V1 = "1.4"


def test_batches_of_100_appended_to_one_job(sandbox, fresh_v1, tmp_path):
    target, states = run_target(target_config(sandbox, V1, tmp_path, max_workers=1),
                                [*users_messages(250, "b"), state({"done": 1})])
    jobs = fresh_v1.snapshot("jobs")
    assert len(jobs) == 1
    # The job is opened with one item; every other batch is appended to it with job.id.
    assert [t["item_count"] for t in jobs[0]["tasks"]] == [1, 99, 100, 50]
    assert all(t["state"] == "completed" for t in jobs[0]["tasks"])
    assert calls(fresh_v1, "POST /bulk/users") == 4
    written = people(fresh_v1, "b")
    assert len(written) == 250
    assert written["b7"]["email"] == "b7@example.com"
    assert written["b7"]["custom_attributes"]["plan_name"] == "pro"
    assert written["b7"]["signed_up_at"] == 1748779200  # RFC 3339 sent as Unix seconds
    tally = target.outcomes.streams["users"]
    assert (tally.sent, tally.accepted, tally.failed, tally.invalid) == (250, 250, 0, 0)
    assert tally.jobs == {jobs[0]["id"]}
    assert states == [({"done": 1}, 250)]


def test_batch_size_setting_and_one_job_shared_by_streams(sandbox, fresh_v1, tmp_path):
    messages = [*users_messages(90, "s"), *users_messages(30, "z", stream="more_users")]
    config = target_config(sandbox, V1, tmp_path, batch_size=40, max_workers=1,
                           streams={"more_users": {"object": "users"}})
    run_target(config, messages)
    jobs = fresh_v1.snapshot("jobs")
    assert len(jobs) == 1
    counts = [t["item_count"] for t in jobs[0]["tasks"]]
    assert max(counts) <= 40 and sum(counts) == 120
    assert len(people(fresh_v1, "s")) == 90 and len(people(fresh_v1, "z")) == 30


def test_workers_append_to_jobs_of_their_own_each_in_turn(sandbox, fresh_v1, tmp_path):
    target, states = run_target(target_config(sandbox, V1, tmp_path, max_workers=3),
                                [*users_messages(650, "w"), state({"done": 1})])
    jobs = fresh_v1.snapshot("jobs")
    assert len(jobs) == 3  # one per worker; batches 1-3 open them, 4-7 are appended
    assert sorted(sum(t["item_count"] for t in j["tasks"]) for j in jobs) == [200, 200, 250]
    assert sorted([t["item_count"] for t in j["tasks"]] for j in jobs) == \
        [[1, 99, 100], [1, 99, 100], [1, 99, 100, 50]]
    assert all(t["state"] == "completed" for j in jobs for t in j["tasks"])
    assert len(people(fresh_v1, "w")) == 650
    tally = target.outcomes.streams["users"]
    assert (tally.sent, tally.accepted, tally.failed) == (650, 650, 0)
    assert tally.jobs == {j["id"] for j in jobs}
    assert states == [({"done": 1}, 650)]


def test_a_job_that_closes_mid_run_is_replaced(sandbox, fresh_v1, tmp_path):
    fresh_v1.settings(job_close_after_s=0.3, latency_ms=40)
    target, _ = run_target(target_config(sandbox, V1, tmp_path, max_workers=1),
                           users_messages(1200, "c"))
    jobs = fresh_v1.snapshot("jobs")
    assert len(jobs) >= 2
    assert calls(fresh_v1, "POST /bulk/users", "400") >= 1  # job_closed, then a new job
    assert sum(t["item_count"] for j in jobs for t in j["tasks"]) == 1200
    assert len(people(fresh_v1, "c")) == 1200
    tally = target.outcomes.streams["users"]
    assert tally.accepted == 1200 and len(tally.jobs) == len(jobs)
    assert read_errors(tmp_path / "errors.jsonl") == []


def test_polls_until_every_task_completes_with_progress(sandbox, fresh_v1, tmp_path, caplog):
    fresh_v1.settings(job_task_delay_s=1.0)
    caplog.set_level(logging.INFO)
    _, states = run_target(target_config(sandbox, V1, tmp_path, job_poll_interval_s=0.2),
                           [*users_messages(150, "p"), state({"n": 150})])
    assert calls(fresh_v1, "GET /jobs/{id}") >= 3
    assert any("tasks completed" in r.getMessage() for r in caplog.records)
    assert states == [({"n": 150}, 150)]
    assert len(people(fresh_v1, "p")) == 150


def test_state_is_passed_on_only_once_records_before_it_are_settled(sandbox, fresh_v1, tmp_path):
    messages = [*users_messages(120, "m"), state({"users": 120}),
                *events_messages(80, "m"), state({"users": 120, "events": 80})]
    _, states = run_target(target_config(sandbox, V1, tmp_path, batch_size_rows=50), messages)
    # Sinks drain when full (50) without emitting STATE; STATE follows a full drain.
    assert states and all(settled >= 200 for _, settled in states)
    assert states[-1][0] == {"users": 120, "events": 80}
    assert len(events_of(fresh_v1)) == 80


def test_unfinished_job_confirms_nothing(sandbox, fresh_v1, tmp_path):
    fresh_v1.settings(job_task_delay_s=30)
    config = target_config(sandbox, V1, tmp_path, job_timeout_s=0.3)
    with pytest.raises(OutcomeUnknown, match="job_timeout_s"):
        run_target(config, [*users_messages(20, "u"), state({"n": 20})])


def test_invalid_and_rejected_rows_land_in_the_errors_file(sandbox, fresh_v1, tmp_path):
    rows = [user(i, "e") for i in range(60)]
    rows[3]["email"] = "not-an-email"  # Intercom: parameter_invalid
    rows[4] = {"name": "nobody"}  # no identifier: invalid, not sent
    rows[5]["seats"] = "many"  # seats is an integer attribute: Intercom refuses
    rows[6]["seats"] = {"nested": True}  # not a custom attribute value: invalid
    rows[7]["signed_up_at"] = "yesterday"  # not a timestamp: invalid
    events = [event(i, "e") for i in range(10, 40)]
    events[1]["user_id"] = "e-nobody"  # Intercom: User Not Found
    events[2] = {**events[2], **{f"k{k}": k for k in range(11)}}  # 11 metadata keys: invalid
    events[3].pop("created_at")
    deletes = [{"user_id": "e-ghost", "_sdc_deleted_at": "2026-01-01T00:00:00Z"}]
    messages = [schema("users", {"type": "object", "properties": {}}),
                *(record("users", r) for r in rows + deletes),
                schema("events", {"type": "object", "properties": {}}),
                *(record("events", e) for e in events)]
    target, _ = run_target(target_config(sandbox, V1, tmp_path), messages)

    errors = read_errors(tmp_path / "errors.jsonl")
    found = {(e["stream"], e["row"]): e for e in errors}
    expected = {
        ("users", 3): ("failed", "parameter_invalid"), ("users", 4): ("invalid", "parameter_not_found"),
        ("users", 5): ("failed", "parameter_invalid"), ("users", 6): ("invalid", "parameter_invalid"),
        ("users", 7): ("invalid", "parameter_invalid"), ("users", 60): ("failed", "not_found"),
        ("events", 1): ("failed", "not_found"), ("events", 2): ("invalid", "parameter_invalid"),
        ("events", 3): ("invalid", "parameter_not_found")}
    assert {k: (e["outcome"], e["code"]) for k, e in found.items()} == expected
    assert found[("users", 3)]["message"] == "email invalid"
    assert found[("users", 3)]["record"]["email"] == "not-an-email"
    assert found[("users", 3)]["job_id"].startswith("job_")
    assert found[("users", 4)]["job_id"] is None
    assert found[("users", 60)]["operation"] == "delete"
    assert "seats" in found[("users", 5)]["message"]
    assert all(e["time"].endswith("+00:00") for e in errors)

    written = people(fresh_v1, "e")
    assert set(written) == {f"e{i}" for i in range(60)} - {"e3", "e4", "e5", "e6", "e7"}
    assert {e["created_at"] - BASE_TIME for e in events_of(fresh_v1)} == set(range(10, 40)) - {11, 12, 13}
    users, evts = target.outcomes.streams["users"], target.outcomes.streams["events"]
    assert (users.received, users.sent, users.accepted, users.failed, users.invalid) == (61, 58, 55, 3, 3)
    assert (evts.received, evts.accepted, evts.failed, evts.invalid) == (30, 27, 1, 2)


def test_deletes_archive_users(sandbox, fresh_v1, tmp_path):
    run_target(target_config(sandbox, V1, tmp_path), users_messages(10, "d"))
    flagged = {"type": "object", "properties": {"user_id": {"type": "string"},
                                                "gone": {"type": "boolean"}}}
    messages = [schema("users", flagged),
                record("users", {"user_id": "d1", "gone": True}),
                record("users", {"user_id": "d2", "gone": False}),
                schema("old_users", {"type": "object", "properties": {}}),
                record("old_users", {"email": "d3@example.com", "_sdc_deleted_at": "2026-01-02T00:00:00Z"})]
    config = target_config(sandbox, V1, tmp_path, streams={
        "users": {"delete_column": "gone"}, "old_users": {"object": "users"}})
    target, _ = run_target(config, messages)
    live, archived = people(fresh_v1, "d"), people(fresh_v1, "d", archived=True)
    assert set(live) == {f"d{i}" for i in range(10)} - {"d1", "d3"}
    assert archived["d1"]["archived"] and archived["d3"]["archived"]
    assert target.outcomes.streams["old_users"].accepted == 1
    assert calls(fresh_v1, "POST /bulk/users") >= 2  # deletes go through bulk jobs too


def test_leads_and_a_rerun_create_no_duplicates(sandbox, fresh_v1, tmp_path):
    leads = [schema("contacts", {"type": "object", "properties": {}}),
             *(record("contacts", {"user_id": f"lead-{i}", "name": f"Lead {i}"}) for i in range(30)),
             record("contacts", {"email": "only-email@example.com"})]
    messages = [*users_messages(40, "r"), *events_messages(40, "r"), *leads]
    config = target_config(sandbox, V1, tmp_path)
    run_target(config, messages)
    first = (people(fresh_v1, "r"), people(fresh_v1, "lead-", role="leads"), len(events_of(fresh_v1)))
    run_target(config, messages)
    second = (people(fresh_v1, "r"), people(fresh_v1, "lead-", role="leads"), len(events_of(fresh_v1)))
    assert len(first[0]) == 40 and len(first[1]) == 30
    assert {k: v["id"] for k, v in second[0].items()} == {k: v["id"] for k, v in first[0].items()}
    assert {k: v["id"] for k, v in second[1].items()} == {k: v["id"] for k, v in first[1].items()}
    assert second[2] == first[2]
    lines = read_errors(tmp_path / "errors.jsonl")
    assert {(e["stream"], e["code"]) for e in lines} == {("contacts", "parameter_not_found")}


def test_companies_on_1x_are_upserted_one_by_one(sandbox, fresh_v1, tmp_path):
    rows = [{"company_id": f"co-{i}", "name": f"Co {i}", "monthly_spend": 10.5, "tier": "gold"}
            for i in range(12)]
    rows.append({"company_id": "co-0", "_sdc_deleted_at": "2026-01-01T00:00:00Z"})
    target, _ = run_target(target_config(sandbox, V1, tmp_path),
                           [schema("companies"), *(record("companies", r) for r in rows)])
    companies = {c["company_id"]: c for c in fresh_v1.snapshot("companies")}
    assert companies["co-3"]["monthly_spend"] == 10.5
    assert companies["co-3"]["custom_attributes"]["tier"] == "gold"
    assert calls(fresh_v1, "POST /companies") == 12
    errors = read_errors(tmp_path / "errors.jsonl")
    assert [(e["row"], e["outcome"], e["code"]) for e in errors] == [(12, "invalid", "unsupported")]
    assert target.outcomes.streams["companies"].accepted == 12


def test_every_page_of_the_error_feed_is_read(sandbox, fresh_v1, tmp_path):
    fresh_v1.settings(error_feed_page_size=7)
    gone = "2026-01-01T00:00:00Z"
    rows = [{"user_id": f"ghost-{i}", "_sdc_deleted_at": gone} for i in range(30)]
    rows += [user(i, "pg") for i in range(20)]
    try:
        target, _ = run_target(target_config(sandbox, V1, tmp_path),
                               [schema("users"), *(record("users", r) for r in rows)])
    finally:
        fresh_v1.settings(error_feed_page_size=50)
    errors = read_errors(tmp_path / "errors.jsonl")
    assert sorted(e["row"] for e in errors) == list(range(30))
    assert {(e["code"], e["message"]) for e in errors} == {("not_found", "User Not Found")}
    assert calls(fresh_v1, "GET /jobs/{id}/error") == 5  # 30 failures, 7 a page
    assert len(people(fresh_v1, "pg")) == 20
    assert target.outcomes.streams["users"].failed == 30
