"""The 2.x path against a live sandbox: contacts found and updated or created, companies, events."""

from __future__ import annotations

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

V2 = "2.11"


def test_users_created_then_updated_without_duplicates(sandbox, fresh_v2, tmp_path):
    config = target_config(sandbox, V2, tmp_path)
    target, states = run_target(config, [*users_messages(120, "n"), state({"n": 1})])
    first = people(fresh_v2, "n")
    assert len(first) == 120
    assert first["n5"]["role"] == "user" and first["n5"]["signed_up_at"] == 1748779200
    assert first["n5"]["custom_attributes"]["plan_name"] == "pro"
    # One search per 100 records finds what exists; then one write per record.
    assert calls(fresh_v2, "POST /contacts/search") == 4
    assert calls(fresh_v2, "POST /contacts", "200") == 120
    assert states == [({"n": 1}, 120)]
    assert target.outcomes.streams["users"].api_calls == 125  # and one read of /data_attributes

    renamed = [schema("users"), *(record("users", user(i, "n", name=f"Renamed {i}")) for i in range(120))]
    fresh_v2.delete("/_sandbox/stats")
    run_target(config, renamed)
    second = people(fresh_v2, "n")
    assert {k: v["id"] for k, v in second.items()} == {k: v["id"] for k, v in first.items()}
    assert second["n9"]["name"] == "Renamed 9"
    assert calls(fresh_v2, "PUT /contacts/{id}") == 120 and calls(fresh_v2, "POST /contacts") == 0


def test_found_by_email_then_identified(sandbox, fresh_v2, tmp_path):
    fresh_v2.post("/contacts", json={"role": "user", "email": "known@example.com"}).raise_for_status()
    fresh_v2.post("/contacts", json={"role": "user", "email": "taken@example.com",
                               "external_id": "someone-else"}).raise_for_status()
    rows = [{"user_id": "k1", "email": "known@example.com", "name": "Known"},
            {"user_id": "k2", "email": "taken@example.com"},
            {"user_id": "k3", "email": "k3@example.com"}, {"user_id": "k3", "name": "Twice"}]
    target, _ = run_target(target_config(sandbox, V2, tmp_path),
                           [schema("users"), *(record("users", r) for r in rows)])
    found = people(fresh_v2, "k")
    assert found["k1"]["email"] == "known@example.com" and found["k1"]["name"] == "Known"
    assert "k2" not in found  # its email belongs to a user with another external_id
    assert found["k3"]["name"] == "Twice" and found["k3"]["email"] == "k3@example.com"
    assert calls(fresh_v2, "POST /contacts", "409") == 2  # k2's email, and k3 created by its twin first
    errors = read_errors(tmp_path / "errors.jsonl")
    assert [(e["row"], e["code"]) for e in errors] == [(1, "conflict")]
    assert "someone-else" in errors[0]["message"]
    assert target.outcomes.streams["users"].accepted == 3


def test_leads_companies_and_events(sandbox, fresh_v2, tmp_path):
    leads = [schema("leads", {"type": "object", "properties": {}}),
             *(record("leads", {"external_id": f"L{i}", "email": f"l{i}@example.com"}) for i in range(5)),
             record("leads", {"email": "lead-by-email@example.com"})]
    companies = [schema("companies"),
                 *(record("companies", {"company_id": f"c{i}", "name": f"C{i}", "tier": "gold",
                                        "monthly_spend": 12}) for i in range(6))]
    messages = [*users_messages(10, "x"), *leads, *companies, *events_messages(10, "x")]
    config = target_config(sandbox, V2, tmp_path)
    target, _ = run_target(config, messages)
    assert len(people(fresh_v2, "L", role="leads")) == 5
    assert all(c["role"] == "lead" for c in people(fresh_v2, "L", role="leads").values())
    companies_by_id = {c["company_id"]: c for c in fresh_v2.snapshot("companies")}
    assert companies_by_id["c3"]["custom_attributes"]["tier"] == "gold"
    assert len(events_of(fresh_v2)) == 10
    assert read_errors(tmp_path / "errors.jsonl") == []
    # A re-run: same contacts, same companies, events de-duplicated by Intercom.
    before = (people(fresh_v2, "L", role="leads"), len(fresh_v2.snapshot("leads")),
              len(fresh_v2.snapshot("companies")))
    run_target(config, messages)
    after = (people(fresh_v2, "L", role="leads"), len(fresh_v2.snapshot("leads")),
             len(fresh_v2.snapshot("companies")))
    assert {k: v["id"] for k, v in after[0].items()} == {k: v["id"] for k, v in before[0].items()}
    assert after[1:] == before[1:]
    assert len(events_of(fresh_v2)) == 10
    assert {s: o.accepted for s, o in target.outcomes.streams.items()} == {
        "users": 10, "leads": 6, "companies": 6, "events": 10}


def test_deletes_archive_or_delete(sandbox, fresh_v2, tmp_path):
    config = target_config(sandbox, V2, tmp_path)
    companies = [schema("companies"), *(record("companies", {"company_id": f"dc{i}"}) for i in range(3))]
    run_target(config, [*users_messages(6, "del"), *companies])
    gone = "2026-01-01T00:00:00Z"
    messages = [schema("users"), record("users", {"user_id": "del1", "_sdc_deleted_at": gone}),
                record("users", {"email": "del2@example.com", "_sdc_deleted_at": gone}),
                record("users", {"user_id": "del-missing", "_sdc_deleted_at": gone}),
                schema("companies"), record("companies", {"company_id": "dc1", "_sdc_deleted_at": gone}),
                record("companies", {"company_id": "dc-missing", "_sdc_deleted_at": gone})]
    run_target(config, messages)
    assert set(people(fresh_v2, "del")) == {"del0", "del3", "del4", "del5"}
    assert people(fresh_v2, "del", archived=True)["del1"]["archived"] is True
    assert "dc1" not in {c["company_id"] for c in fresh_v2.snapshot("companies")}
    errors = read_errors(tmp_path / "errors.jsonl")
    assert sorted((e["stream"], e["row"], e["code"]) for e in errors) == [
        ("companies", 1, "company_not_found"), ("users", 2, "not_found")]

    run_target({**config, "delete_mode": "delete"},
               [schema("users"), record("users", {"user_id": "del3", "_sdc_deleted_at": gone})])
    assert "del3" not in people(fresh_v2, "del", archived=True)


def test_events_need_known_users_and_valid_metadata(sandbox, fresh_v2, tmp_path):
    rows = [event(i, "ev", amount={"amount": 1299, "currency": "eur"},
                  link={"url": "https://example.com/o/1", "value": "Order"},
                  shipped_date="2026-01-03T00:00:00Z") for i in range(4)]
    rows[1]["user_id"] = "ev-nobody"
    rows[2]["nested"] = {"a": {"b": 1}}
    messages = [*users_messages(4, "ev"), schema("events", {"type": "object", "properties": {}}),
                *(record("events", r) for r in rows)]
    run_target(target_config(sandbox, V2, tmp_path), messages)
    stored = sorted(events_of(fresh_v2), key=lambda e: e["created_at"])
    assert [e["created_at"] - BASE_TIME for e in stored] == [0, 3]
    assert stored[0]["metadata"]["amount"] == {"amount": 1299, "currency": "eur"}
    assert stored[0]["metadata"]["shipped_date"] == 1767398400  # a *_date key: Unix seconds
    errors = read_errors(tmp_path / "errors.jsonl")
    assert sorted((e["row"], e["outcome"], e["code"]) for e in errors) == [
        (1, "failed", "not_found"), (2, "invalid", "parameter_invalid")]


def test_the_worker_pool_is_bounded_by_max_workers(sandbox, fresh_v2, tmp_path):
    fresh_v2.settings(latency_ms=20)
    fresh_v2.delete("/_sandbox/stats")
    run_target(target_config(sandbox, V2, tmp_path, max_workers=3),
               [*users_messages(40, "w"), *events_messages(40, "w")])
    peak = fresh_v2.get("/_sandbox/stats").json()["max_in_flight"]
    assert peak == 3
    assert len(events_of(fresh_v2)) == 40
