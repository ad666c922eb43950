"""Data events: submission with Intercom's de-duplication, owners and listings."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from intercom_sandbox.model.attributes import SCALAR_TYPES
from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import invalid, not_found


class EventOperations:
    """Event rules of a workspace (a part of `Workspace`)."""

    contacts: Collection
    events: Collection
    mutation_rng: Any
    find_user: Callable[..., dict | None]

    def index_events(self) -> None:
        self.event_keys = {self.event_key(e["contact_id"], e["event_name"], e["created_at"])
                           for e in self.events.ordered()}

    @staticmethod
    def event_key(contact_id: str, name: str, created_at: int) -> tuple[str, str, int]:
        return (contact_id, name, created_at)

    @staticmethod
    def normalise_event_name(name: str) -> str:
        return name.strip().lower().replace(".", "-").replace("$", "-")

    def add_event(self, data: dict) -> tuple[dict | None, bool]:
        """Record an event; a duplicate (contact, name, created_at) is accepted and ignored."""
        if not isinstance(data, dict):
            raise invalid("event must be an object")
        name = data.get("event_name")
        if not isinstance(name, str) or not name.strip():
            raise invalid("event_name required", code="parameter_not_found", field="event_name")
        created_at = data.get("created_at")
        if created_at is None:
            raise invalid("created_at required", code="parameter_not_found", field="created_at")
        if isinstance(created_at, bool) or not isinstance(created_at, int):
            raise invalid("created_at must be a Unix timestamp in seconds", field="created_at")
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise invalid("metadata must be an object", field="metadata")
        for key, value in metadata.items():
            if isinstance(value, dict):
                if not (set(value) <= {"url", "value"} or set(value) <= {"amount", "currency"}):
                    raise invalid(f"metadata {key} cannot be nested JSON", field=f"metadata.{key}")
            elif not isinstance(value, SCALAR_TYPES):
                raise invalid(f"metadata {key} cannot be nested JSON", field=f"metadata.{key}")
        ident = {k: data[k] for k in ("id", "user_id", "email", "intercom_user_id")
                 if data.get(k)}
        if "intercom_user_id" in ident:
            ident["id"] = ident.pop("intercom_user_id")
        if not ident:
            raise invalid("user_id, id or email required", code="parameter_not_found")
        contact = self.event_contact(ident)
        name = self.normalise_event_name(name)
        key = self.event_key(contact["id"], name, created_at)
        if key in self.event_keys:
            return None, False
        self.event_keys.add(key)
        event = {"id": f"ev-{uuid.UUID(int=self.mutation_rng.getrandbits(128)).hex[:16]}",
                 "event_name": name, "created_at": created_at, "contact_id": contact["id"],
                 "metadata": dict(list(metadata.items())[:10])}
        self.events.add(event)
        return event, True

    def event_contact(self, ident: dict) -> dict:
        """The contact an event belongs to, by Intercom `id`, then `user_id`, then email."""
        record = None
        if ident.get("id"):
            record = self.contacts.get(str(ident["id"]))
            record = record if record and not record["archived"] else None
        else:
            record = self.find_user(ident, "user") or self.find_user(ident, "lead")
        if record is None:
            raise not_found("User Not Found")
        return record

    def events_for(self, contact: dict) -> list[dict]:
        rows = [e for e in self.events.ordered() if e["contact_id"] == contact["id"]]
        return sorted(rows, key=lambda e: (-e["created_at"], e["id"]))
