"""Ticket records in one shape whichever 2.x version answered, and their attributes typed.

The 2.11 description gives a ticket's state as its category string and assignee ids as
strings; 2.16 gives the state as an object and the ids as integers (0 for none). Records are
shaped by what they hold, so every 2.x version yields the same columns.
"""

from __future__ import annotations

import copy
import typing as t

# Ticket type attribute data types as JSON Schema.
ATTRIBUTE_TYPES: dict[str, dict[str, t.Any]] = {
    "string": {"type": ["string", "null"]}, "list": {"type": ["string", "null"]},
    "integer": {"type": ["integer", "null"]}, "decimal": {"type": ["number", "null"]},
    "boolean": {"type": ["boolean", "null"]},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
    "files": {"type": ["array", "null"], "items": {"type": "object",
                                                   "additionalProperties": True}},
}


def _id(value: t.Any) -> int | None:
    """An assignee id as an integer, as conversations have it; None for none (2.16 answers 0)."""
    return None if value in (None, 0, "0", "") else int(value)


def ticket(record: dict) -> dict:
    """A ticket with its state flattened and its type referred to by id."""
    state = record.get("ticket_state")
    if isinstance(state, dict):
        record["ticket_state"] = state.get("category")
        record["ticket_state_id"] = state.get("id")
        record["ticket_state_internal_label"] = state.get("internal_label")
        record["ticket_state_external_label"] = state.get("external_label")
    kind = record.pop("ticket_type", None)
    record["ticket_type_id"] = kind.get("id") if isinstance(kind, dict) else None
    for key in ("admin_assignee_id", "team_assignee_id"):
        record[key] = _id(record.get(key))
    return record


def _listed(block: t.Any, key: str) -> list[dict]:
    """Items of a nested list, under `key` (2.11's schema) or `data` (2.16 and examples)."""
    if not isinstance(block, dict):
        return []
    return block.get(key) or block.get("data") or []


def ticket_type(record: dict) -> dict:
    """A ticket type with its attributes as a plain array and its states by id."""
    record["ticket_type_attributes"] = [
        {**a, "ticket_type_id": None if a.get("ticket_type_id") is None
         else str(a["ticket_type_id"])}
        for a in _listed(record.get("ticket_type_attributes"), "ticket_type_attributes")]
    states = record.pop("ticket_states", None)
    record["ticket_state_ids"] = ([s.get("id") for s in _listed(states, "ticket_states")]
                                  if states is not None else None)
    return record


def ticket_state(record: dict) -> dict:
    """A ticket state with the ticket types using it by id."""
    record["ticket_type_ids"] = [k.get("id") for k in _listed(record.pop("ticket_types", None),
                                                               "ticket_types")]
    return record


def with_ticket_attributes(schema: dict, ticket_types: list[dict]) -> dict:
    """The tickets schema with `ticket_attributes` typed by every ticket type's attributes.

    A name that two types give different data types stays untyped.
    """
    found: dict[str, dict] = {}
    clashes: set[str] = set()
    for kind in ticket_types:
        for attribute in _listed(kind.get("ticket_type_attributes"), "ticket_type_attributes"):
            name = attribute.get("name")
            typed = ATTRIBUTE_TYPES.get(str(attribute.get("data_type")), ATTRIBUTE_TYPES["string"])
            if not name:
                continue
            if name in found and found[name] != typed:
                clashes.add(name)
            found.setdefault(name, typed)
    typed_schema = copy.deepcopy(schema)
    target = typed_schema["properties"].setdefault(
        "ticket_attributes", {"type": ["object", "null"], "additionalProperties": True})
    properties = target.setdefault("properties", {})
    for name, typed in found.items():
        if name not in clashes:
            properties[name] = copy.deepcopy(typed)
    return typed_schema
