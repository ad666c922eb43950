"""Notes and subscription types as 2.x answers them (the 2.11 and 2.16 shapes agree)."""

from __future__ import annotations

from intercom_sandbox.model.workspace import Workspace
from intercom_sandbox.render import v2


def note(ws: Workspace, r: dict) -> dict:
    author = ws.admins.get(r["admin_id"])
    out = {"type": "note", "id": r["id"], "created_at": r["created_at"],
           "contact": {"type": "contact", "id": r["contact_id"]}, "body": r["body"]}
    if author:
        out["author"] = v2.admin(ws, author)
    return out


def subscription_type(ws: Workspace, r: dict) -> dict:
    return {"type": "subscription", "id": r["id"], "state": r["state"],
            "default_translation": r["translations"][0], "translations": r["translations"],
            "consent_type": r["consent_type"], "content_types": r["content_types"]}
