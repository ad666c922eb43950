"""Tickets, their types (with attributes), states and parts: generation and rules."""

from __future__ import annotations

import random
from typing import Any

from intercom_sandbox.config import SandboxConfig
from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import not_found

STATE_CATEGORIES = ("submitted", "in_progress", "waiting_on_customer", "resolved")
# (internal label, external label, category, archived)
STATES = (
    ("Submitted", "Submitted", "submitted", False),
    ("In progress", "In progress", "in_progress", False),
    ("With the dev team", "In progress", "in_progress", False),
    ("Waiting on customer", "Waiting on you", "waiting_on_customer", False),
    ("Resolved", "Resolved", "resolved", False),
    ("Escalated (old)", "In progress", "in_progress", True),
)
# name, category, icon, archived, custom attributes (name, data type, options)
TYPES: tuple[tuple[str, str, str, bool, tuple[tuple[str, str, tuple], ...]], ...] = (
    ("Bug report", "Customer", "🐞", False, (
        ("severity", "list", ("low", "medium", "high", "critical")),
        ("affected_users", "integer", ()), ("reproducible", "boolean", ()),
        ("fix_due_at", "datetime", ()), ("screenshots", "files", ()))),
    ("Billing question", "Customer", "💶", False, (
        ("invoice_number", "string", ()), ("amount", "decimal", ()))),
    ("Refund approval", "Back-office", "🧾", False, (
        ("refund_amount", "decimal", ()), ("approved", "boolean", ()),
        ("approval_notes", "string", ()))),
    ("Outage", "Tracker", "🔥", False, (
        ("started_at", "datetime", ()), ("customers_hit", "integer", ()))),
    ("Feature request (retired)", "Customer", "💡", True, (
        ("votes", "integer", ()),)),
)
TICKET_PART_TYPES = ("comment", "comment", "note", "assignment", "ticket_state_updated")
TITLES = ("Export fails", "Double charge on invoice", "Refund for order", "API returns 500",
          "Login loop on Safari", "Rechnung fehlt", "ログインできません", "")


def _value(rng: random.Random, data_type: str, options: tuple, now: int) -> Any:
    """A ticket attribute value of a type, null about one time in eight."""
    if rng.random() < 0.125:
        return None
    if data_type == "list":
        return rng.choice(options)
    if data_type == "string":
        return rng.choice(["INV-" + str(rng.randint(1000, 9999)), "grün", "", "see thread ✨"])
    if data_type == "integer":
        return rng.randint(0, 5000)
    if data_type == "decimal":
        return round(rng.uniform(0, 2000), 2)
    if data_type == "boolean":
        return rng.random() < 0.5
    if data_type == "datetime":
        return now - rng.randint(-86400 * 30, 86400 * 200)
    return [{"type": "upload", "name": f"shot-{rng.randint(1, 99)}.png",
             "url": "https://static.example.com/uploads/shot.png",
             "content_type": "image/png", "filesize": rng.randint(1000, 900_000),
             "width": 1280, "height": 800}] if rng.random() < 0.5 else []


class TicketGenerator:
    """Ticket states, types and tickets from their own random stream, so that every other
    collection stays as the seed always gave it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed * 15_485_863 + 17)
        self.now = config.anchor

    def ticket_states(self) -> list[dict]:
        return [{"id": str(8200 + i), "seq": i, "internal_label": internal,
                 "external_label": external, "category": category, "archived": archived}
                for i, (internal, external, category, archived) in enumerate(STATES)]

    def ticket_types(self, states: list[dict]) -> list[dict]:
        out = []
        attribute_id = 300
        for i, (name, category, icon, archived, custom) in enumerate(TYPES):
            type_id = str(50 + i)
            created = self.now - 86400 * (500 - 40 * i)
            attributes = []
            defaults = (("_default_title_", "string", ()), ("_default_description_", "string", ()))
            for order, (attr, kind, options) in enumerate((*defaults, *custom)):
                attribute_id += 1
                attributes.append({
                    "id": str(attribute_id), "name": attr, "data_type": kind,
                    "description": "" if attr.startswith("_default") else f"{attr} of {name}",
                    "input_options": {"multiline": attr == "_default_description_"}
                    if kind == "string" else {"list_options": [
                        {"id": str(k), "label": o} for k, o in enumerate(options)]}
                    if kind == "list" else None,
                    "options": list(options), "order": order, "default": attr.startswith("_default"),
                    "required_to_create": attr == "_default_title_",
                    "required_to_create_for_contacts": False, "visible_on_create": True,
                    "visible_to_contacts": category == "Customer", "archived": False,
                    "created_at": created, "updated_at": created + 86400 * order})
            out.append({"id": type_id, "seq": i, "name": name, "category": category,
                        "icon": icon, "description": f"{name} tickets", "archived": archived,
                        "created_at": created, "updated_at": created + 86400 * 7,
                        "attributes": attributes,
                        "state_ids": [s["id"] for s in states if not s["archived"]]})
        return out

    def tickets(self, types: list[dict], states: list[dict], contacts: list[dict],
                admins: list[dict], teams: list[dict]) -> list[dict]:
        rng = self.rng
        size = self.config.size
        n = size.tickets
        long_every = n // size.long_tickets if size.long_tickets else 0
        live_types = [t for t in types if not t["archived"]]
        by_category: dict[str, list[dict]] = {}
        for state in states:
            if not state["archived"]:
                by_category.setdefault(state["category"], []).append(state)
        out = []
        part_seq = 0
        for seq in range(n if live_types and contacts else 0):
            ticket_type = rng.choice(live_types)
            contact = rng.choice(contacts)
            admin = rng.choice(admins) if admins and rng.random() < 0.8 else None
            created = self.now - rng.randint(3600, 86400 * 400)
            updated = rng.randint(created, self.now)
            n_parts = rng.randint(505, 700) if long_every and seq % long_every == long_every // 2 \
                else min(int(rng.expovariate(1 / 5)), 60)
            state = rng.choice(by_category[rng.choice(STATE_CATEGORIES)])
            parts = []
            at, previous = created, "submitted"
            for p in range(n_parts):
                part_seq += 1
                at = min(updated, at + 60 + int(rng.expovariate(1 / 7200)))
                kind = rng.choice(TICKET_PART_TYPES) if admin else "comment"
                by_admin = admin is not None and (kind != "comment" or p % 2 == 1)
                current = (state["category"] if p == n_parts - 1 else rng.choice(STATE_CATEGORIES)) \
                    if kind == "ticket_state_updated" else previous
                parts.append({
                    "id": str(7_000_000 + part_seq), "part_type": kind,
                    "body": None if kind in ("assignment", "ticket_state_updated")
                    else f"<p>Ticket reply {p} ✉️</p>",
                    "previous_ticket_state": previous if kind == "ticket_state_updated" else None,
                    "ticket_state": current, "created_at": at, "updated_at": at,
                    "assigned_to": {"type": "admin", "id": admin["id"]}
                    if admin and kind == "assignment" else None,
                    "author": {"type": "admin", "id": admin["id"], "name": admin["name"],
                               "email": admin["email"]} if by_admin and admin else
                    {"type": "user", "id": contact["id"], "name": contact["name"],
                     "email": contact["email"]},
                    "attachments": [], "external_id": None, "redacted": False})
                previous = current
            out.append({
                "id": str(900_000 + seq), "seq": seq, "ticket_id": str(1 + seq),
                "ticket_type_id": ticket_type["id"], "category": ticket_type["category"],
                "attributes": {
                    "_default_title_": rng.choice(TITLES),
                    "_default_description_": None if rng.random() < 0.2
                    else f"<p>Details of ticket {seq}</p>",
                    **{a["name"]: _value(rng, a["data_type"], tuple(a["options"]), self.now)
                       for a in ticket_type["attributes"] if not a["default"]}},
                "state_id": state["id"], "contact_ids": [contact["id"]],
                "admin_assignee_id": admin["id"] if admin else None,
                "team_assignee_id": rng.choice(teams)["id"] if teams and rng.random() < 0.5
                else None,
                "created_at": created, "updated_at": updated,
                "open": state["category"] != "resolved",
                "snoozed_until": None, "is_shared": ticket_type["category"] == "Customer",
                "parts": parts,
            })
        return out


class TicketOperations:
    """Ticket rules of a workspace (a part of `Workspace`)."""

    tickets: Collection
    ticket_types: Collection
    ticket_states: Collection
    admins: Collection

    def index_ticket_parts(self) -> None:
        self.next_ticket_part_id = max((int(p["id"]) for t in self.tickets.ordered()
                                        for p in t["parts"]), default=7_000_000)

    def ticket(self, ticket_id: str) -> dict:
        record = self.tickets.get(ticket_id)
        if record is None:
            raise not_found("Ticket not found", code="ticket_not_found")
        return record

    def add_ticket_parts(self, record: dict, count: int, now: int) -> None:
        """Teammate replies to a ticket, which leave its state as it is."""
        admin = self.admins.ordered()[0]
        state = self.ticket_states.get(record["state_id"]) or {}
        for _ in range(count):
            self.next_ticket_part_id += 1
            record["parts"].append({
                "id": str(self.next_ticket_part_id), "part_type": "comment",
                "body": f"<p>Ticket follow-up {self.next_ticket_part_id}</p>",
                "previous_ticket_state": None, "ticket_state": state.get("category", "submitted"),
                "created_at": now, "updated_at": now, "assigned_to": None,
                "author": {"type": "admin", "id": admin["id"], "name": admin["name"],
                           "email": admin["email"]},
                "attachments": [], "external_id": None, "redacted": False})
