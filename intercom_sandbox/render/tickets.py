"""Tickets, ticket types and ticket states as 2.x answers them.

Two shapes: `described_2_11` follows the 2.11 description (ticket state as its category string,
assignee ids as strings, ticket types listed under `ticket_types`); otherwise the 2.16
description (ticket state as an object, assignee ids as integers with 0 for none, lists under
`data`).
"""

from __future__ import annotations

from intercom_sandbox.model.workspace import Workspace
from intercom_sandbox.render.v2 import UNKNOWN_EMAIL

PARTS_LIMIT = 500


def ticket_type_attribute(ws: Workspace, type_id: str, r: dict) -> dict:
    return {"type": "ticket_type_attribute", "id": r["id"], "workspace_id": ws.config.app_id,
            "name": r["name"], "description": r["description"], "data_type": r["data_type"],
            "input_options": r["input_options"] or {}, "order": r["order"],
            "required_to_create": r["required_to_create"],
            "required_to_create_for_contacts": r["required_to_create_for_contacts"],
            "visible_on_create": r["visible_on_create"],
            "visible_to_contacts": r["visible_to_contacts"], "default": r["default"],
            "ticket_type_id": int(type_id), "archived": r["archived"],
            "created_at": r["created_at"], "updated_at": r["updated_at"]}


def ticket_state(r: dict) -> dict:
    return {"type": "ticket_state", "id": r["id"], "category": r["category"],
            "internal_label": r["internal_label"], "external_label": r["external_label"]}


def ticket_type(ws: Workspace, r: dict, described_2_11: bool = True) -> dict:
    out = {"type": "ticket_type", "id": r["id"], "category": r["category"], "name": r["name"],
           "description": r["description"], "icon": r["icon"],
           "workspace_id": ws.config.app_id,
           "ticket_type_attributes": {
               "type": "ticket_type_attributes.list",
               "ticket_type_attributes": [ticket_type_attribute(ws, r["id"], a)
                                          for a in r["attributes"]]},
           "archived": r["archived"], "created_at": r["created_at"],
           "updated_at": r["updated_at"]}
    if not described_2_11:
        states = [ws.ticket_states.get(i) for i in r["state_ids"]]
        out["ticket_states"] = {"type": "list", "data": [ticket_state(s) for s in states if s]}
    return out


def ticket_type_list(ws: Workspace, described_2_11: bool) -> dict:
    rows = [ticket_type(ws, r, described_2_11) for r in ws.ticket_types.ordered()]
    if described_2_11:
        return {"type": "ticket_type_attributes.list", "ticket_types": rows}
    return {"type": "list", "data": rows}


def ticket_state_list(ws: Workspace) -> dict:
    """Every ticket state with the ticket types that use it (2.16)."""
    rows = []
    for state in ws.ticket_states.ordered():
        types = [t for t in ws.ticket_types.ordered() if state["id"] in t["state_ids"]]
        rows.append({**ticket_state(state), "archived": state["archived"],
                     "ticket_types": {"type": "list", "data": [
                         ticket_type(ws, t, described_2_11=False) for t in types]}})
    return {"type": "list", "data": rows}


def part(p: dict) -> dict:
    author = p["author"]
    out = {"type": "ticket_part", "id": p["id"], "part_type": p["part_type"], "body": p["body"],
           "ticket_state": p["ticket_state"], "created_at": p["created_at"],
           "updated_at": p["updated_at"],
           "author": {"type": author["type"], "id": str(author["id"]),
                      "name": author.get("name"), "email": author.get("email") or UNKNOWN_EMAIL},
           "attachments": p["attachments"], "external_id": p["external_id"],
           "redacted": p["redacted"]}
    if p["assigned_to"]:  # `nullable` beside a $ref is ignored: left out rather than null
        out["assigned_to"] = p["assigned_to"]
    if p["previous_ticket_state"]:
        out["previous_ticket_state"] = p["previous_ticket_state"]
    return out


def ticket(ws: Workspace, r: dict, described_2_11: bool = True, with_parts: bool = False
           ) -> dict:
    kind = ws.ticket_types.get(r["ticket_type_id"])
    state = ws.ticket_states.get(r["state_id"]) or {}
    contacts = [ws.contacts.get(i) for i in r["contact_ids"]]
    admin, team = r["admin_assignee_id"], r["team_assignee_id"]
    out: dict = {
        "type": "ticket", "id": r["id"], "ticket_id": r["ticket_id"], "category": r["category"],
        "ticket_attributes": r["attributes"],
        "ticket_type": ticket_type(ws, kind, described_2_11) if kind else None,
        "contacts": {"type": "contact.list", "contacts": [
            {"type": "contact", "id": c["id"], "external_id": c["external_id"]}
            for c in contacts if c]},
        "created_at": r["created_at"], "updated_at": r["updated_at"], "open": r["open"],
        "linked_objects": {"type": "list", "total_count": 0, "has_more": False, "data": []},
        "is_shared": r["is_shared"],
    }
    if described_2_11:
        out.update(ticket_state=state.get("category"),
                   ticket_state_internal_label=state.get("internal_label"),
                   ticket_state_external_label=state.get("external_label"))
        if admin is not None:
            out["admin_assignee_id"] = str(admin)
        if team is not None:
            out["team_assignee_id"] = str(team)
    else:
        out.update(ticket_state=ticket_state(state) if state else None,
                   admin_assignee_id=int(admin or 0), team_assignee_id=int(team or 0))
    if r["snoozed_until"] is not None:
        out["snoozed_until"] = r["snoozed_until"]
    if with_parts:
        parts = r["parts"]
        out["ticket_parts"] = {"type": "ticket_part.list",
                               "ticket_parts": [part(p) for p in parts[-PARTS_LIMIT:]],
                               "total_count": len(parts)}
    return out
