"""The static stream schemas in tap_intercom/schemas/: valid draft 7, and true to what the sandbox serves.

Every object the sandbox serves for a stream (snapshots, plus the API responses the tap reads),
turned into a tap record (epoch seconds to RFC 3339 where the schema says date-time, the tap's
own fields added), must validate, and every property it carries must be declared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft7Validator

from intercom_sandbox import Sandbox, SandboxConfig, WorkspaceSize
from tap_intercom import tickets

SCHEMAS = Path(__file__).resolve().parent.parent / "tap_intercom" / "schemas"
VERSIONS = {"v1": "1.4", "v2": "2.11"}
OBJECT_STREAMS = ("users", "contacts", "companies", "conversations", "conversation_parts", "tags",
                  "segments", "admins", "teams", "data_attributes", "counts")
RELATION_KEYS = {
    "contact_tags": ["contact_id", "tag_id"], "contact_companies": ["contact_id", "company_id"],
    "contact_segments": ["contact_id", "segment_id"], "company_tags": ["company_id", "tag_id"],
    "company_segments": ["company_id", "segment_id"],
    "conversation_tags": ["conversation_id", "tag_id"],
    "conversation_contacts": ["conversation_id", "contact_id"],
    "conversation_teammates": ["conversation_id", "admin_id"], "team_admins": ["team_id", "admin_id"],
}
STREAMS = OBJECT_STREAMS + tuple(RELATION_KEYS)
NOT_IN = {"v1": {"conversation_teammates"}}  # 1.x conversations list no teammates
TICKET_STREAMS = ("tickets", "ticket_parts", "ticket_types", "ticket_states")  # 2.x only
HELP_CENTER = {"help_centers": "/help_center/help_centers",
               "collections": "/help_center/collections?per_page=150",
               "articles": "/articles?per_page=150"}
V2_OBJECT_STREAMS = (*TICKET_STREAMS, "activity_logs", "notes", "subscription_types",
                     *HELP_CENTER, "office_hours_schedules")  # 2.x only
NEWER_STREAMS = ("deleted_conversations", "deleted_contacts")  # 2.16 and Preview: 2.x only
OPT_IN_STREAMS = ("contact_ids",)  # 2.x, with reconcile_deleted_contacts
STREAMS_OF = {"v1": tuple(s for s in STREAMS if s not in NOT_IN["v1"]),
              "v2": STREAMS + V2_OBJECT_STREAMS + NEWER_STREAMS + OPT_IN_STREAMS}
STRING_IDS = {"collections": ("help_center_id",),  # sent as integers, emitted as strings
              "articles": ("author_id", "parent_id", "parent_ids")}
PAIRS = [(g, s) for g in sorted(STREAMS_OF) for s in STREAMS_OF[g]]
# The streams whose records the sandbox serves as objects (relations and deletes aside).
SERVED_PAIRS = [(g, s) for g in sorted(VERSIONS) for s in OBJECT_STREAMS if s != "counts"] + [
    ("v2", s) for s in V2_OBJECT_STREAMS]
PRIMARY_KEYS = {
    **RELATION_KEYS, "deleted_conversations": ["id"], "deleted_contacts": ["id"],
    "contact_ids": ["id"],
    "users": ["id"], "contacts": ["id"], "companies": ["id"], "conversations": ["id"],
    "conversation_parts": ["conversation_id", "id"], "tags": ["id"], "segments": ["id"],
    "admins": ["id"], "teams": ["id"], "data_attributes": ["model", "full_name"],
    "counts": ["taken_at", "entity", "breakdown", "item"],
    "tickets": ["id"], "ticket_parts": ["ticket_id", "id"], "ticket_types": ["id"],
    "ticket_states": ["id"], "activity_logs": ["id"], "notes": ["id"],
    "subscription_types": ["id"], "help_centers": ["id"], "collections": ["id"],
    "articles": ["id"], "office_hours_schedules": ["id"],
}
NULLABLE_KEYS: set[tuple[str, str]] = set()  # every primary key column is non-null
SNAPSHOT_OF = {"users": "users", "contacts": "leads", "companies": "companies",
               "conversations": "conversations", "tags": "tags", "segments": "segments",
               "admins": "admins", "teams": "teams", "data_attributes": "data_attributes"}
# Fields Intercom types as integers although they are ids (everything else named id is a string).
INTEGER_IDS = {"owner_id", "admin_assignee_id", "team_assignee_id", "team_ids", "admin_ids", "team_id",
               "primary_team_ids", "secondary_team_ids", "primary_admin_ids", "secondary_admin_ids"}
DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
OPEN_OBJECT = {"type": ["object", "null"], "properties": {}, "additionalProperties": True}
PART_LIMIT_V2 = 500
SIZE = WorkspaceSize(users=300, leads=100, companies=40, conversations=60, long_conversations=1)

Record = dict[str, Any]


def load(generation: str, stream: str) -> dict:
    """One schema file."""
    return json.loads((SCHEMAS / generation / f"{stream}.json").read_text())


def is_timestamp_name(name: str) -> bool:
    """Intercom's names for Unix-seconds fields."""
    return name.endswith("_at") or name in ("waiting_since", "snoozed_until")


def iter_properties(schema: dict, path: str = "") -> Iterator[tuple[str, str, dict]]:
    """Every declared property at any depth, as (path, name, schema)."""
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}.{name}", name, sub
        yield from iter_properties(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from iter_properties(schema["items"], f"{path}[]")


def to_record(schema: dict, value: Any) -> Any:
    """A value as the tap emits it: epoch seconds become RFC 3339 wherever the schema says date-time."""
    if schema.get("format") == "date-time" and isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        return {k: to_record(props[k], v) if k in props else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [to_record(schema["items"], v) for v in value]
    return value


def is_open_map(schema: dict) -> bool:
    """An object whose keys are data, not fields (custom_attributes: typed by the tap at discovery)."""
    return schema.get("additionalProperties") is True and not schema.get("properties")


def undeclared(schema: dict, value: Any, path: str = "") -> Iterator[str]:
    """Paths of properties the value carries that the schema does not declare, at any depth."""
    if isinstance(value, dict) and not is_open_map(schema):
        props = schema.get("properties", {})
        for key, sub in value.items():
            if key not in props:
                yield f"{path}.{key}"
            else:
                yield from undeclared(props[key], sub, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from undeclared(schema.get("items", {}), item, f"{path}[]")


def raw_timestamps(schema: dict, value: Any, path: str = "") -> Iterator[str]:
    """Paths of declared timestamp-named fields that are still integers in a record."""
    if isinstance(value, dict) and not is_open_map(schema):
        props = schema.get("properties", {})
        for key, sub in value.items():
            if is_timestamp_name(key) and isinstance(sub, int) and not isinstance(sub, bool):
                yield f"{path}.{key}"
            yield from raw_timestamps(props.get(key, {}), sub, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from raw_timestamps(schema.get("items", {}), item, f"{path}[]")


# ------------------------------------------------------------------ the files themselves

def test_one_file_per_stream_and_generation() -> None:
    """Exactly the streams of each generation, and the README."""
    for generation in VERSIONS:
        assert sorted(p.stem for p in (SCHEMAS / generation).glob("*.json")) == sorted(
            STREAMS_OF[generation])
    assert (SCHEMAS / "README.md").is_file()


@pytest.mark.parametrize(("generation", "stream"), PAIRS)
def test_schema_is_valid_and_follows_conventions(generation: str, stream: str) -> None:
    """Valid draft 7, canonically formatted, keys/nullability/timestamps/ids as the README says."""
    path = SCHEMAS / generation / f"{stream}.json"
    text = path.read_text()
    schema = json.loads(text)
    Draft7Validator.check_schema(schema)
    assert text == json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n", \
        "not pretty-printed with 2-space indent and sorted keys"
    assert schema["type"] == "object"
    assert schema.get("additionalProperties", True) is not False
    top = schema["properties"]
    for key in PRIMARY_KEYS[stream]:
        assert key in top and key in schema["required"], key
    for name, sub in top.items():
        nullable = "null" in sub["type"]
        is_key = name in PRIMARY_KEYS[stream] and (stream, name) not in NULLABLE_KEYS
        assert nullable != is_key, f"{name}: only non-key properties are nullable"
    for where, name, sub in iter_properties(schema):
        if where.count(".") > 1 or where.count("[]"):
            assert "null" in sub["type"], f"{where} is not nullable"
        if is_timestamp_name(name):
            expected = {"type": "string", "format": "date-time"} if where == ".taken_at" else DATE_TIME
            assert {k: sub[k] for k in ("type", "format")} == expected, where
        if name == "custom_attributes" or name == "ticket_attributes":
            assert sub == OPEN_OBJECT, where
        # A ticket's are strings, and so are the ids of a link row's key (team_admins.team_id).
        if (name in INTEGER_IDS and not where.startswith(".ticket.")
                and where.lstrip(".") not in PRIMARY_KEYS[stream]):
            kind = sub["items"]["type"] if "items" in sub else sub["type"]
            assert "integer" in kind, where
        elif name == "id" or name.endswith("_id"):
            integer_id = stream == "data_attributes" and where == ".id"
            assert ("integer" if integer_id else "string") in sub["type"], where


# ------------------------------------------------------------------ against the sandbox


def string_ids(record: Record, keys: tuple[str, ...]) -> Record:
    """Integer ids as strings, as the tap emits them."""
    for key in keys:
        value = record.get(key)
        record[key] = ([str(v) for v in value] if isinstance(value, list)
                       else None if value is None else str(value))
    return record

class Served:
    """What the sandbox serves in one API generation, collected the way the tap reads it."""

    def __init__(self, sandbox: Sandbox, generation: str) -> None:
        self.url = sandbox.url
        self.generation = generation
        self.dialect = generation[1]
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {sandbox.token}",
                                     "Accept": "application/json",
                                     "Intercom-Version": VERSIONS[generation]})

    def get(self, path: str) -> Any:
        """A JSON body from the API, in this generation."""
        response = self.session.get(self.url + path, timeout=30)
        response.raise_for_status()
        return response.json()

    def snapshot(self, collection: str, dialect: str | None = None) -> list[Record]:
        """A sandbox snapshot, archived objects included."""
        query = f"dialect={dialect or self.dialect}&archived=true"
        return self.get(f"/_sandbox/snapshot/{collection}?{query}")["data"]

    def records(self) -> dict[str, list[Record]]:
        """Every object per stream, with the fields the tap adds."""
        out = {stream: self.snapshot(SNAPSHOT_OF[stream])
               for stream in ("users", "contacts", "companies", "tags", "teams")}
        out["admins"] = self.snapshot("admins") + self.get("/admins")["admins"]
        kinds = {s["id"]: s["kind"] for s in self.snapshot("segments", "raw")}
        segments = self.snapshot("segments") + self.get("/segments?include_count=true")["segments"]
        out["segments"] = [{**s, "segment_type": kinds[s["id"]]} for s in segments]
        raw_attributes = self.snapshot("data_attributes", "raw")
        attributes = self.snapshot("data_attributes")
        assert [a["full_name"] for a in attributes] == [a["full_name"] for a in raw_attributes]
        out["data_attributes"] = [{"model": raw["model"], **a}
                                  for a, raw in zip(attributes, raw_attributes, strict=True)]
        out["conversations"], out["conversation_parts"] = self.conversations()
        if self.generation == "v2":
            out.update(self.tickets())
            out["conversations"] += out.pop("conversations_2_16")
            out["activity_logs"] = self.get("/admins/activity_logs?created_at_after=0"
                                            "&per_page=150")["activity_logs"]
            out["activity_logs"] += self.snapshot("activity_logs")
            out["notes"] = [{**n, "contact_id": n["contact"]["id"], "contact_updated_at": 0}
                            for n in self.snapshot("notes")]
            out["subscription_types"] = self.get("/subscription_types")["data"]
            for name, path in HELP_CENTER.items():
                out[name] = [string_ids(r, STRING_IDS.get(name, ()))
                             for r in self.get(path)["data"]]
        return out

    def tickets(self) -> dict[str, list[Record]]:
        """Ticket records and parts as the tap shapes them, in the 2.11 and the 2.16 shapes."""
        out: dict[str, list[Record]] = {name: [] for name in TICKET_STREAMS}
        out["conversations_2_16"] = []
        for version in ("2.11", "2.16"):
            self.session.headers["Intercom-Version"] = version
            for listed in self.snapshot("tickets"):
                single = self.get(f"/tickets/{listed['id']}")
                block = single.pop("ticket_parts")
                counts = {"parts_total_count": block["total_count"],
                          "parts_returned_count": len(block["ticket_parts"])}
                out["tickets"] += [tickets.ticket({**listed, **counts}),
                                   tickets.ticket({**single, **counts})]
                out["ticket_parts"] += [{**p, "ticket_id": listed["id"],
                                         "ticket_updated_at": single["updated_at"]}
                                        for p in block["ticket_parts"]]
            body = self.get("/ticket_types")
            out["ticket_types"] += [tickets.ticket_type(r)
                                    for r in body.get("ticket_types") or body.get("data")]
        out["ticket_states"] = [tickets.ticket_state(r)
                                for r in self.get("/ticket_states")["data"]]
        out["office_hours_schedules"] = self.get("/office_hours_schedules")["data"]
        out["conversations_2_16"] = [  # with the statistics 2.16 adds
            {**c, "parts_total_count": 0, "parts_returned_count": 0} for c in self.session.post(
                self.url + "/conversations/search", timeout=30, json={
                    "query": {"field": "updated_at", "operator": ">", "value": 0},
                    "pagination": {"per_page": 150}}).json()["conversations"]]
        self.session.headers["Intercom-Version"] = VERSIONS[self.generation]
        return out

    def conversations(self) -> tuple[list[Record], list[Record]]:
        """Conversation records (list shape and single shape) and their parts, as the tap splits them."""
        raw_parts: dict[str, list[str]] = {}
        for part in self.snapshot("conversation_parts", "raw"):
            raw_parts.setdefault(part["conversation_id"], []).append(part["id"])
        conversations: list[Record] = []
        parts: list[Record] = []
        for listed in self.snapshot("conversations"):
            single = self.get(f"/conversations/{listed['id']}")
            part_list = single.pop("conversation_parts")
            returned = part_list["conversation_parts"]
            expected = raw_parts.get(listed["id"], [])
            if self.generation == "v2":
                expected = expected[-PART_LIMIT_V2:]
            assert [p["id"] for p in returned] == expected
            counts = {"parts_total_count": part_list["total_count"], "parts_returned_count": len(returned)}
            conversations += [{**listed, **counts}, {**single, **counts}]
            parts += [{**p, "conversation_id": listed["id"],
                       "conversation_updated_at": single["updated_at"]} for p in returned]
        return conversations, parts


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, dict[str, list[Record]]]]:
    """Objects per generation and stream from one small sandbox."""
    with Sandbox(SandboxConfig(size=SIZE)) as sandbox:
        yield {generation: Served(sandbox, generation).records() for generation in VERSIONS}


@pytest.mark.parametrize(("generation", "stream"), SERVED_PAIRS)
def test_sandbox_objects_validate_and_are_declared(
        served: dict[str, dict[str, list[Record]]], generation: str, stream: str) -> None:
    """Every served object, as a tap record, validates and has no undeclared property."""
    schema = load(generation, stream)
    validator = Draft7Validator(schema)
    objects = served[generation][stream]
    assert objects, f"the sandbox served no {stream}"
    problems: set[str] = set()
    for obj in objects:
        record = to_record(schema, obj)
        for error in validator.iter_errors(record):
            problems.add(f"invalid at {'/'.join(map(str, error.absolute_path))}: {error.message[:120]}")
        problems.update(f"undeclared {path}" for path in undeclared(schema, record))
        problems.update(f"timestamp not date-time: {path}" for path in raw_timestamps(schema, record))
    assert not problems, "\n".join(sorted(problems)[:20])


def test_sandbox_exercises_the_nested_shapes(served: dict[str, dict[str, list[Record]]]) -> None:
    """The workspace is rich enough that the checks above see the optional nested objects."""
    v1, v2 = served["v1"], served["v2"]
    assert any(c["conversation_rating"] for c in v1["conversations"])
    assert any("conversation_rating" in c for c in v2["conversations"])
    assert any(len(c["statistics"]) > 4 for c in v2["conversations"])
    assert any(c["parts_total_count"] > c["parts_returned_count"] for c in v2["conversations"])
    assert any(p.get("assigned_to") for p in v2["conversation_parts"])
    assert any(a["type"] == "team" for a in v1["admins"])
    assert any("count" in s for s in v1["segments"]) and any("count" in s for s in v2["segments"])
    assert {a["model"] for a in v2["data_attributes"]} == {"contact", "company", "conversation"}
    assert any(u["location_data"] for u in v1["users"]) and any(u["companies"]["companies"]
                                                                 for u in v1["users"])
    assert any(c["tags"]["data"] for c in v2["contacts"])
    assert any(t["parts_total_count"] > t["parts_returned_count"] for t in v2["tickets"])
    assert any(p.get("previous_ticket_state") for p in v2["ticket_parts"])
    assert any(t.get("ticket_state_id") for t in v2["tickets"])
    assert any(c["statistics"].get("assigned_team_first_response_time_in_office_hours")
               for c in v2["conversations"])
    assert any(t["ticket_state_ids"] for t in v2["ticket_types"])


# ------------------------------------------------------------------ counts (no snapshot)

COUNT_ROWS = [
    {"taken_at": "2026-01-01T00:00:00Z", "entity": "user", "breakdown": "total", "item": "all",
     "item_name": None, "count": 300},
    {"taken_at": "2026-01-01T00:00:00Z", "entity": "conversation", "breakdown": "state",
     "item": "open", "item_name": None, "count": 11},
    {"taken_at": "2026-01-01T00:00:00Z", "entity": "conversation", "breakdown": "admin_open",
     "item": "1000", "item_name": "Ingrid Ng", "count": 0},
    {"taken_at": "2026-01-01T00:00:00Z", "entity": "user", "breakdown": "tag", "item": "重要",
     "item_name": None, "count": 24},
    {"taken_at": "2026-01-01T00:00:00Z", "entity": "company", "breakdown": "user",
     "item": "da Silva Ltd", "item_name": "c-000000", "count": 11},
]


@pytest.mark.parametrize("generation", sorted(VERSIONS))
def test_counts_rows(generation: str) -> None:
    """Hand-written counts rows validate; malformed ones do not."""
    validator = Draft7Validator(load(generation, "counts"))
    for row in COUNT_ROWS:
        assert not list(validator.iter_errors(row)), row
        assert not list(undeclared(validator.schema, row))
    bad = [{k: v for k, v in COUNT_ROWS[0].items() if k != "taken_at"},
           {**COUNT_ROWS[0], "breakdown": "weekly"}, {**COUNT_ROWS[0], "entity": None},
           {**COUNT_ROWS[0], "count": "300"}]
    for row in bad:
        assert list(validator.iter_errors(row)), row
