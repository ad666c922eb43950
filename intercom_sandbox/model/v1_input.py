"""Translation of 1.x request fields into the workspace's field names."""

from __future__ import annotations

from typing import Any

from intercom_sandbox.model.errors import invalid

RENAMED = {"user_id": "external_id", "last_request_at": "last_seen_at",
           "last_seen_user_agent": "user_agent", "remote_created_at": "signed_up_at"}
IGNORED = {"type", "id", "new_session", "update_last_request_at", "created_at", "app_id",
           "anonymous", "pseudonym", "updated_at"}


def contact_fields(data: Any, now: int) -> dict:
    """Writable contact fields from a 1.x user or lead body."""
    if not isinstance(data, dict):
        raise invalid("body must be a JSON object")
    fields = {RENAMED.get(k, k): v for k, v in data.items() if k not in IGNORED}
    if "external_id" in fields and fields["external_id"] is not None:
        fields["external_id"] = str(fields["external_id"])
    if data.get("update_last_request_at"):
        fields["last_seen_at"] = now
    if data.get("id"):
        fields["id"] = str(data["id"])
    return fields


def session_bump(data: dict) -> bool:
    return bool(isinstance(data, dict) and data.get("new_session"))
