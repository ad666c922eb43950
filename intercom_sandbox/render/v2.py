"""2.x representations of workspace records, shaped as the 2.11 OpenAPI description says."""

from __future__ import annotations

import zlib

import orjson

from intercom_sandbox.model.derived import (
    conversation_statistics,
    first_contact_reply_at,
    teammate_ids,
)
from intercom_sandbox.model.workspace import Workspace

EMBEDDED_LIMIT = 10
# An author's `email` is required and must be an address; this stands in when none is known.
UNKNOWN_EMAIL = "unknown@example.invalid"
DEVICE_FIELDS = (
    "android_app_name", "android_app_version", "android_device", "android_os_version",
    "android_sdk_version", "android_last_seen_at", "ios_app_name", "ios_app_version",
    "ios_device", "ios_os_version", "ios_sdk_version", "ios_last_seen_at",
)


def applied_by(admin_id: str | None) -> dict:
    """A tag's `applied_by` reference; the 2.11 description has no null for it, only a null id."""
    return {"type": "admin", "id": str(admin_id) if admin_id is not None else None}


def string_values(attributes: dict) -> dict:
    """Company custom attributes as the description types them: strings, unset ones left out."""
    return {k: v if isinstance(v, str) else orjson.dumps(v).decode()
            for k, v in attributes.items() if v is not None}


def plan_id(name: str) -> str:
    """A stable id for a plan name."""
    return str(zlib.crc32(name.encode()) % 1_000_000)


def addressable(kind: str, ids: list[str], url: str) -> dict:
    """Intercom's addressable list: at most ten references and a URL for the rest."""
    return {
        "type": "list",
        "data": [{"type": kind, "id": i, "url": f"/{kind}s/{i}".replace("companys", "companies")}
                 for i in ids[:EMBEDDED_LIMIT]],
        "url": url, "total_count": len(ids), "has_more": len(ids) > EMBEDDED_LIMIT,
    }


def contact(ws: Workspace, r: dict) -> dict:
    email = r["email"] or ""
    location = r["location"] or {}
    phone = r["phone"]
    out = {
        "type": "contact", "id": r["id"], "workspace_id": ws.config.app_id,
        "external_id": r["external_id"], "role": r["role"], "email": email,
        "email_domain": email.rsplit("@", 1)[-1] if email else "",
        "phone": phone,
        "formatted_phone": "+" + "".join(ch for ch in phone if ch.isdigit()) if phone else None,
        "name": r["name"], "owner_id": r["owner_id"],
        "has_hard_bounced": r["has_hard_bounced"],
        "marked_email_as_spam": r["marked_email_as_spam"],
        "unsubscribed_from_emails": r["unsubscribed_from_emails"],
        "created_at": r["created_at"], "updated_at": r["updated_at"],
        "signed_up_at": r["signed_up_at"], "last_seen_at": r["last_seen_at"],
        "last_replied_at": r["last_replied_at"], "last_contacted_at": r["last_contacted_at"],
        "last_email_opened_at": r["last_email_opened_at"],
        "last_email_clicked_at": r["last_email_clicked_at"],
        "language_override": r["language_override"], "browser": r["browser"],
        "browser_version": r["browser_version"], "browser_language": r["browser_language"],
        "os": r["os"],
        **{key: r.get(key) for key in DEVICE_FIELDS},
        "custom_attributes": r["custom_attributes"],
        "avatar": {"type": "avatar", "image_url": r["avatar"]},
        "tags": addressable("tag", r["tag_ids"], f"/contacts/{r['id']}/tags"),
        "notes": addressable("note", [n["id"] for n in ws.notes_of(r["id"])],
                             f"/contacts/{r['id']}/notes"),
        "companies": addressable("company", r["company_ids"], f"/contacts/{r['id']}/companies"),
        "location": {"type": "location", "country": location.get("country"),
                     "region": location.get("region"), "city": location.get("city"),
                     "country_code": location.get("country_code"),
                     "continent_code": location.get("continent_code")},
        "social_profiles": {"type": "list", "data": [
            {"type": "social_profile", "name": p["name"], "url": p["url"]}
            for p in r["social_profiles"]]},
        "referrer": r.get("referrer"),
        "utm_campaign": None, "utm_content": None, "utm_medium": None,
        "utm_source": r.get("utm_source"), "utm_term": None,
    }
    return out


def segment(ws: Workspace, r: dict, count: int | None = None) -> dict:
    out = {"type": "segment", "id": r["id"], "name": r["name"], "created_at": r["created_at"],
           "updated_at": r["updated_at"], "person_type": r["person_type"]}
    if count is not None:
        out["count"] = count
    return out


def company(ws: Workspace, r: dict) -> dict:
    tags = [ws.tags.get(t) for t in r["tag_ids"]]
    segments = [ws.segments.get(s) for s in r["segment_ids"]]
    return {
        "type": "company", "id": r["id"], "name": r["name"] or "", "app_id": ws.config.app_id,
        "plan": {"type": "plan", "id": plan_id(r["plan"]), "name": r["plan"]}
        if r["plan"] else {},
        "company_id": r["company_id"], "remote_created_at": r["remote_created_at"],
        "created_at": r["created_at"], "updated_at": r["updated_at"],
        "last_request_at": r["last_request_at"], "size": r["size"],
        "website": r["website"] or "", "industry": r["industry"] or "",
        "monthly_spend": int(r["monthly_spend"] or 0), "session_count": r["session_count"],
        "user_count": r["user_count"], "custom_attributes": string_values(r["custom_attributes"]),
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": t["id"], "name": t["name"]}
                                              for t in tags if t]},
        "segments": {"type": "segment.list", "segments": [segment(ws, s) for s in segments if s]},
    }


def author(a: dict) -> dict:
    return {"type": a["type"], "id": str(a["id"]), "name": a.get("name"),
            "email": a.get("email") or UNKNOWN_EMAIL}


def conversation(ws: Workspace, r: dict, with_parts: bool = False) -> dict:
    contacts = [ws.contacts.get(i) for i in r["contact_ids"]]
    src = r["source"]
    out = {
        "type": "conversation", "id": r["id"], "title": r["title"],
        "created_at": r["created_at"], "updated_at": r["updated_at"],
        "waiting_since": r["waiting_since"], "snoozed_until": r["snoozed_until"],
        "open": r["open"], "state": r["state"], "read": r["read"], "priority": r["priority"],
        "admin_assignee_id": r["admin_assignee_id"], "team_assignee_id": r["team_assignee_id"],
        "tags": {"type": "tag.list", "tags": [
            {"type": "tag", "id": t["id"], "name": (ws.tags.get(t["id"]) or {}).get("name", ""),
             "applied_at": t["applied_at"],
             "applied_by": applied_by(t["applied_by"])}
            for t in r["tags"]]},
        "source": {"type": src["type"], "id": src["id"], "delivered_as": src["delivered_as"],
                   "subject": src["subject"] or "", "body": src["body"] or "",
                   "author": author(src["author"]), "attachments": [], "url": src["url"],
                   "redacted": False},
        "contacts": {"type": "contact.list", "contacts": [
            {"type": "contact", "id": c["id"], "external_id": c["external_id"]}
            for c in contacts if c]},
        "teammates": {"type": "admin.list",
                      "teammates": [{"type": "admin", "id": i} for i in teammate_ids(r)]},
        "custom_attributes": r["custom_attributes"],
        "topics": {"type": "topic.list", "topics": [], "total_count": 0},
        "statistics": conversation_statistics(r),
        "linked_objects": {"type": "list", "total_count": 0, "has_more": False, "data": []},
        "ai_agent_participated": False,
    }
    first_contact = first_contact_reply_at(r)
    if first_contact is not None:
        out["first_contact_reply"] = {"type": src["type"], "created_at": first_contact,
                                      "url": None}
    rating = r["rating"]
    if rating:
        rated_by = ws.contacts.get(rating["contact_id"]) or {}
        out["conversation_rating"] = {
            "rating": rating["rating"], "remark": rating["remark"],
            "created_at": rating["created_at"],
            "contact": {"type": "contact", "id": rating["contact_id"],
                        "external_id": rated_by.get("external_id")},
            "teammate": {"type": "admin", "id": rating["teammate_id"]},
        }
    if with_parts:
        parts = r["parts"]
        out["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": [part(p) for p in parts[-500:]],
            "total_count": len(parts),
        }
    return out


def part(p: dict) -> dict:
    out = {"type": "conversation_part", "id": p["id"], "part_type": p["part_type"],
           "body": p["body"], "created_at": p["created_at"], "updated_at": p["updated_at"],
           "notified_at": p["notified_at"], "author": author(p["author"]),
           "attachments": p["attachments"], "external_id": p["external_id"],
           "redacted": p["redacted"]}
    if p["assigned_to"]:
        out["assigned_to"] = p["assigned_to"]
    return out


def tag(ws: Workspace, r: dict) -> dict:
    return {"type": "tag", "id": r["id"], "name": r["name"], "applied_at": None,
            "applied_by": applied_by(None)}


def admin(ws: Workspace, r: dict) -> dict:
    out = {"type": "admin", "id": r["id"], "name": r["name"], "email": r["email"],
           "job_title": r["job_title"], "away_mode_enabled": r["away_mode_enabled"],
           "away_mode_reassign": r["away_mode_reassign"], "has_inbox_seat": r["has_inbox_seat"],
           "team_ids": r["team_ids"]}
    if r["avatar"]:
        out["avatar"] = {"image_url": r["avatar"]}
    return out


def activity_log(ws: Workspace, r: dict) -> dict:
    admin = ws.admins.get(r["admin_id"]) or {}
    return {"id": r["id"], "performed_by": {"type": "admin", "id": r["admin_id"],
                                            "email": admin.get("email"), "ip": r["ip"]},
            "metadata": r["metadata"], "created_at": r["created_at"],
            "activity_type": r["activity_type"],
            "activity_description": r["activity_description"]}


def team(ws: Workspace, r: dict) -> dict:
    return {"type": "team", "id": r["id"], "name": r["name"], "admin_ids": r["admin_ids"]}


def data_attribute(ws: Workspace, r: dict) -> dict:
    out = {"type": "data_attribute", "name": r["name"], "full_name": r["full_name"],
           "label": r["label"], "description": r["description"], "data_type": r["data_type"],
           "api_writable": r["api_writable"], "messenger_writable": r["messenger_writable"],
           "ui_writable": r["ui_writable"], "custom": r["custom"], "archived": r["archived"]}
    if r["model"] in ("contact", "company"):
        out["model"] = r["model"]
    if r["options"]:
        out["options"] = r["options"]
    if r["attribute_id"] is not None:
        out["id"] = r["attribute_id"]
    for key in ("created_at", "updated_at", "admin_id"):
        if r[key] is not None:
            out[key] = r[key]
    return out
