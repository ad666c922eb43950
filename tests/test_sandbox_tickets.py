"""The sandbox's tickets: seeded apart from everything else, searched, read and mutated."""

from __future__ import annotations

from dataclasses import replace

import orjson

from intercom_sandbox import SandboxConfig
from intercom_sandbox.model.generate import generate
from tests.conftest import SMALL, SandboxClient, error_code

TICKET_COLLECTIONS = {"tickets", "ticket_types", "ticket_states"}


def test_tickets_leave_every_other_collection_as_the_seed_gave_it() -> None:
    with_tickets = generate(SandboxConfig(seed=3, size=SMALL))
    without = generate(SandboxConfig(seed=3, size=replace(SMALL, tickets=0, long_tickets=0)))
    assert with_tickets["tickets"] and not without["tickets"]
    for name in set(with_tickets) - TICKET_COLLECTIONS:
        assert orjson.dumps(with_tickets[name]) == orjson.dumps(without[name]), name
    again = generate(SandboxConfig(seed=3, size=SMALL))
    assert orjson.dumps(again["tickets"]) == orjson.dumps(with_tickets["tickets"])


def test_mutated_tickets_gain_parts_and_are_found_by_day(fresh_v2: SandboxClient) -> None:
    before = {t["id"]: t for t in fresh_v2.snapshot("tickets")}
    ids = fresh_v2.post("/_sandbox/mutate", json={"collection": "tickets", "count": 2,
                                                  "parts": 3}).json()["ids"]
    after = {t["id"]: t for t in fresh_v2.snapshot("tickets")}
    for ticket_id in ids:
        assert len(after[ticket_id]["parts"]) == len(before[ticket_id]["parts"]) + 3
        assert after[ticket_id]["updated_at"] > before[ticket_id]["updated_at"]
        detail = fresh_v2.get(f"/tickets/{ticket_id}").json()
        assert detail["ticket_parts"]["total_count"] == len(after[ticket_id]["parts"])
    newest = max(t["updated_at"] for t in after.values())
    found = fresh_v2.post("/tickets/search", json={
        "query": {"field": "updated_at", "operator": "=", "value": newest},
        "pagination": {"per_page": 150}}).json()["tickets"]
    assert set(ids) <= {t["id"] for t in found}


def test_ticket_errors(v2: SandboxClient) -> None:
    missing = v2.get("/tickets/1")
    assert missing.status_code == 404 and error_code(missing) == "ticket_not_found"
    bad = v2.post("/tickets/search", json={"query": {"field": "nope", "operator": "=",
                                                     "value": 1}})
    assert bad.status_code == 400
    assert SandboxClient(v2.sandbox, "1.4").get("/ticket_types").status_code == 404
