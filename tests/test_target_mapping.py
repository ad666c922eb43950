"""Record -> Intercom payload: field placement, conversions and validation (no HTTP involved)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from target_intercom.mapping import RecordMapper
from target_intercom.settings import StreamSettings
from target_intercom.target import TargetIntercom

T = 1748779200  # 2025-06-01T12:00:00Z


def mapper(obj: str, generation: int, **stream: object) -> RecordMapper:
    return RecordMapper(StreamSettings(name=obj, object=obj, **stream), generation)


def test_1x_user_fields_aliases_and_custom_attributes():
    item = mapper("users", 1).item(0, {
        "external_id": 42, "email": "a@b.co", "last_seen_at": "2025-06-01T12:00:00Z",
        "signed_up_at": dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC), "unsubscribed_from_emails": True,
        "plan": "pro", "seats": Decimal("3"), "mrr": Decimal("9.5"), "renewal_at": "2025-06-01T12:00:00Z",
        "updated_at": 1, "custom_attributes": {"team": "a"}, "_sdc_extracted_at": "x"})
    assert item.problem is None
    assert item.operation == "upsert"
    assert item.payload == {
        "user_id": "42", "email": "a@b.co", "last_request_at": T, "signed_up_at": T,
        "unsubscribed_from_emails": True,
        "custom_attributes": {"plan": "pro", "seats": 3, "mrr": 9.5, "renewal_at": T, "team": "a"}}
    assert "_sdc_extracted_at" not in item.record and item.record["external_id"] == 42


def test_2x_contact_fields_and_role():
    item = mapper("users", 2).item(0, {"user_id": "u1", "last_request_at": T, "role": "lead",
                                       "owner_id": 7.0, "companies": [{"company_id": 1}]})
    assert item.payload == {"external_id": "u1", "last_seen_at": T, "owner_id": 7, "role": "lead"}
    lead_on_1x = mapper("users", 1).item(0, {"user_id": "u1", "role": "lead"})
    assert lead_on_1x.problem[0] == "parameter_invalid"
    assert "map this stream to leads" in lead_on_1x.problem[1]


def test_column_renames_selection_and_nulls():
    stream = {"columns": {"customer_id": "user_id", "tier": "custom_attributes.plan_tier"},
              "custom_attributes": ("seats",)}
    item = mapper("users", 1, **stream).item(0, {"customer_id": "c1", "tier": "gold", "seats": 2,
                                                 "secret_notes": "x", "name": None})
    assert item.payload == {"user_id": "c1", "custom_attributes": {"plan_tier": "gold", "seats": 2}}
    keep_nulls = RecordMapper(StreamSettings(name="users", object="users"), 2, send_nulls=True)
    assert keep_nulls.item(0, {"user_id": "c1", "name": None, "email": None, "x": None}).payload == {
        "external_id": "c1", "name": None, "role": "user", "custom_attributes": {"x": None}}


@pytest.mark.parametrize(("obj", "generation", "row", "code", "fragment"), [
    ("users", 1, {"name": "x"}, "parameter_not_found", "user_id or email"),
    ("users", 2, {"name": "x"}, "parameter_not_found", "external_id or email"),
    ("leads", 1, {"email": "l@b.co"}, "parameter_not_found", "created again on every run"),
    ("users", 1, {"user_id": "u", "signed_up_at": "soon"}, "parameter_invalid", "timestamp"),
    ("users", 1, {"user_id": "u", "unsubscribed_from_emails": "yes"}, "parameter_invalid", "true or false"),
    ("users", 1, {"user_id": "u", "prefs": {"a": 1}}, "parameter_invalid", "custom attribute 'prefs'"),
    ("users", 1, {"user_id": "u", "email": 5}, "parameter_invalid", "email must be a string"),
    ("companies", 2, {"name": "x"}, "parameter_not_found", "company_id"),
    ("companies", 1, {"company_id": "c", "_sdc_deleted_at": "2026-01-01"}, "unsupported", "1.x"),
    ("companies", 2, {"company_id": "c", "size": 1.5}, "parameter_invalid", "size"),
    ("events", 2, {"event_name": "e", "user_id": "u"}, "parameter_not_found", "created_at"),
    ("events", 1, {"event_name": "e", "created_at": T}, "parameter_not_found", "user_id, email or id"),
    ("events", 1, {"event_name": "e", "created_at": T, "user_id": "u", **{f"m{i}": i for i in range(11)}},
     "parameter_invalid", "at most 10"),
    ("events", 1, {"event_name": "e", "created_at": T, "user_id": "u", "deep": {"a": {"b": 1}}},
     "parameter_invalid", "nested"),
    ("events", 1, {"event_name": "e", "created_at": T, "user_id": "u", "_sdc_deleted_at": "x"},
     "unsupported", "cannot be deleted"),
])
def test_invalid_records_are_reported_not_sent(obj, generation, row, code, fragment):
    item = mapper(obj, generation).item(3, row)
    assert item.problem is not None and item.payload == {}
    assert item.problem[0] == code and fragment in item.problem[1], item.problem
    assert item.row == 3 and item.record == row


def test_events_metadata():
    item = mapper("events", 1).item(0, {
        "event_name": "paid", "created_at": "2025-06-01T12:00:00+00:00", "email": "a@b.co",
        "price": {"amount": 1000, "currency": "usd"}, "link": {"url": "https://x.io", "value": "X"},
        "due_date": "2025-06-01T12:00:00Z", "metadata": {"order": "o-1"}})
    assert item.payload == {"event_name": "paid", "created_at": T, "email": "a@b.co", "metadata": {
        "order": "o-1", "price": {"amount": 1000, "currency": "usd"},
        "link": {"url": "https://x.io", "value": "X"}, "due_date": T}}


def test_deletes_carry_identifiers_only():
    users = mapper("users", 1, delete_column="is_deleted")
    flagged = users.item(0, {"user_id": "u", "email": "u@b.co", "name": "U", "is_deleted": "true"})
    assert (flagged.operation, flagged.payload) == ("delete", {"user_id": "u", "email": "u@b.co"})
    assert users.item(1, {"user_id": "u", "is_deleted": "false"}).operation == "upsert"
    assert users.item(2, {"user_id": "u", "is_deleted": 0}).operation == "upsert"
    by_sdc = mapper("users", 2).item(0, {"user_id": "u", "_sdc_deleted_at": dt.datetime(2026, 1, 1)})
    assert (by_sdc.operation, by_sdc.payload) == ("delete", {"external_id": "u", "role": "user"})
    assert by_sdc.record["_sdc_deleted_at"] == dt.datetime(2026, 1, 1)
    company = mapper("companies", 2).item(0, {"company_id": 9, "name": "x", "_sdc_deleted_at": "t"})
    assert (company.operation, company.payload) == ("delete", {"company_id": "9"})


def test_stream_names_map_to_objects(tmp_path):
    settings = TargetIntercom(config={
        "access_token": "t", "object_mapping": {"crm_people": "users"},
        "errors_path": str(tmp_path / "errors.jsonl"),
        "streams": {"warehouse_events": {"object": "events", "custom_attributes": ["a"]}}}).settings
    assert settings.stream("crm_people").object == "users"
    assert settings.stream("contacts").object == "leads"
    assert settings.stream("analytics-companies").object == "companies"
    assert settings.stream("warehouse_events").custom_attributes == ("a",)
    with pytest.raises(Exception, match="names no Intercom object"):
        settings.stream("tickets")
