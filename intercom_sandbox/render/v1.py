"""1.x representations of workspace records (users and leads, page lists, bulk jobs)."""

from __future__ import annotations

from intercom_sandbox.model.derived import first_contact_reply_at
from intercom_sandbox.model.jobs import Job, JobStore
from intercom_sandbox.model.workspace import Workspace
from intercom_sandbox.render.v2 import plan_id
from intercom_sandbox.render.v2 import segment as segment  # the same shape in 1.x
from intercom_sandbox.render.v2 import team as team  # the same shape in 1.x

DATA_ATTRIBUTE_MODELS = {"contact": "customer", "company": "company",
                         "conversation": "conversation"}


def person(ws: Workspace, r: dict) -> dict:
    """A user (role user) or a lead (type contact) in the 1.x shape."""
    location = r["location"]
    tags = [ws.tags.get(t) for t in r["tag_ids"]]
    is_lead = r["role"] == "lead"
    return {
        "type": "contact" if is_lead else "user", "id": r["id"], "user_id": r["external_id"],
        "email": r["email"], "phone": r["phone"], "name": r["name"], "app_id": ws.config.app_id,
        "created_at": r["created_at"], "updated_at": r["updated_at"],
        "signed_up_at": r["signed_up_at"], "remote_created_at": r["signed_up_at"],
        "last_request_at": r["last_seen_at"], "session_count": r["session_count"],
        "last_seen_ip": r["last_seen_ip"], "user_agent_data": r["user_agent"],
        "unsubscribed_from_emails": r["unsubscribed_from_emails"],
        "marked_email_as_spam": r["marked_email_as_spam"],
        "has_hard_bounced": r["has_hard_bounced"], "do_not_track": None,
        "pseudonym": r["pseudonym"], "anonymous": is_lead, "referrer": r.get("referrer"),
        "owner_id": r["owner_id"], "utm_campaign": None, "utm_content": None,
        "utm_medium": None, "utm_source": r.get("utm_source"), "utm_term": None,
        "custom_attributes": r["custom_attributes"],
        "avatar": {"type": "avatar", "image_url": r["avatar"]},
        "location_data": {
            "type": "location_data", "city_name": location["city"],
            "continent_code": location["continent_code"], "country_code": location["country_code"],
            "country_name": location["country"], "latitude": None, "longitude": None,
            "postal_code": location["postal_code"], "region_name": location["region"],
            "timezone": location["timezone"],
        } if location else {},
        "social_profiles": {"type": "social_profile.list", "social_profiles": [
            {"type": "social_profile", "name": p["name"], "id": None, "username": p["username"],
             "url": p["url"]} for p in r["social_profiles"]]},
        "companies": {"type": "company.list",
                      "companies": [{"type": "company", "id": c} for c in r["company_ids"]]},
        "segments": {"type": "segment.list",
                     "segments": [{"type": "segment", "id": s} for s in r["segment_ids"]]},
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": t["id"], "name": t["name"]}
                                              for t in tags if t]},
    }


def company(ws: Workspace, r: dict) -> dict:
    tags = [ws.tags.get(t) for t in r["tag_ids"]]
    return {
        "type": "company", "id": r["id"], "app_id": ws.config.app_id,
        "company_id": r["company_id"], "name": r["name"], "created_at": r["created_at"],
        "remote_created_at": r["remote_created_at"], "updated_at": r["updated_at"],
        "last_request_at": r["last_request_at"], "monthly_spend": r["monthly_spend"],
        "session_count": r["session_count"], "user_count": r["user_count"], "size": r["size"],
        "website": r["website"], "industry": r["industry"],
        "custom_attributes": r["custom_attributes"],
        "plan": {"type": "plan", "id": plan_id(r["plan"]), "name": r["plan"]} if r["plan"] else {},
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": t["id"], "name": t["name"]}
                                              for t in tags if t]},
        "segments": {"type": "segment.list",
                     "segments": [{"type": "segment", "id": s} for s in r["segment_ids"]]},
    }


def _ref(ws: Workspace, contact_id: str) -> dict:
    record = ws.contacts.get(contact_id)
    kind = "lead" if record and record["role"] == "lead" else "user"
    return {"type": kind, "id": contact_id}


def conversation(ws: Workspace, r: dict, with_parts: bool = False) -> dict:
    src = r["source"]
    customers = [_ref(ws, c) for c in r["contact_ids"]]
    if r["admin_assignee_id"] is not None:
        assignee = {"type": "admin", "id": str(r["admin_assignee_id"])}
    elif r["team_assignee_id"] is not None:
        assignee = {"type": "team", "id": str(r["team_assignee_id"])}
    else:
        assignee = {"type": "nobody_admin", "id": None}
    rating = r["rating"]
    out = {
        "type": "conversation", "id": r["id"], "created_at": r["created_at"],
        "updated_at": r["updated_at"], "waiting_since": r["waiting_since"],
        "snoozed_until": r["snoozed_until"], "sent_at": r["created_at"],
        "open": r["open"], "state": r["state"], "read": r["read"],
        "user": customers[0] if customers else None, "customers": customers,
        "assignee": assignee,
        "conversation_message": {
            "type": "conversation_message", "id": src["id"], "subject": src["subject"],
            "body": src["body"], "author": {"type": src["author"]["type"],
                                            "id": src["author"]["id"]},
            "attachments": [], "url": src["url"], "delivered_as": src["delivered_as"],
        },
        "tags": {"type": "tag.list", "tags": [
            {"type": "tag", "id": t["id"], "name": (ws.tags.get(t["id"]) or {}).get("name"),
             "applied_at": t["applied_at"],
             "applied_by": {"type": "admin", "id": t["applied_by"]}} for t in r["tags"]]},
        "customer_first_reply": {"created_at": first_contact_reply_at(r),
                                 "type": src["type"], "url": None}
        if first_contact_reply_at(r) is not None else None,
        "conversation_rating": {
            "rating": rating["rating"], "remark": rating["remark"],
            "created_at": rating["created_at"],
            "customer": {"type": "user", "id": rating["contact_id"]},
            "teammate": {"type": "admin", "id": rating["teammate_id"]},
        } if rating else None,
    }
    if with_parts:
        out["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": [part(p) for p in r["parts"]],
            "total_count": len(r["parts"]),
        }
    return out


def part(p: dict) -> dict:
    return {"type": "conversation_part", "id": p["id"], "part_type": p["part_type"],
            "body": p["body"], "created_at": p["created_at"], "updated_at": p["updated_at"],
            "notified_at": p["notified_at"], "assigned_to": p["assigned_to"],
            "author": {"type": p["author"]["type"], "id": str(p["author"]["id"]),
                       "name": p["author"].get("name"), "email": p["author"].get("email")},
            "attachments": p["attachments"], "external_id": p["external_id"]}


def tag(ws: Workspace, r: dict) -> dict:
    return {"type": "tag", "id": r["id"], "name": r["name"]}


def admin(ws: Workspace, r: dict) -> dict:
    return {"type": "admin", "id": r["id"], "name": r["name"], "email": r["email"],
            "job_title": r["job_title"], "away_mode_enabled": r["away_mode_enabled"],
            "away_mode_reassign": r["away_mode_reassign"], "team_ids": r["team_ids"],
            "avatar": {"image_url": r["avatar"]}}


def team_as_admin(ws: Workspace, r: dict) -> dict:
    """A team as 1.x listed it among the admins."""
    return {"type": "team", "id": r["id"], "name": r["name"], "email": None,
            "away_mode_enabled": False, "away_mode_reassign": False,
            "admin_ids": r["admin_ids"]}


def data_attribute(ws: Workspace, r: dict) -> dict:
    return {"type": "data_attribute", "id": r["attribute_id"],
            "model": DATA_ATTRIBUTE_MODELS[r["model"]],
            "name": r["name"], "full_name": r["full_name"], "label": r["label"],
            "description": r["description"], "data_type": r["data_type"],
            "options": r["options"] or None, "api_writable": r["api_writable"],
            "ui_writable": r["ui_writable"], "messenger_writable": r["messenger_writable"],
            "custom": r["custom"], "archived": r["archived"], "admin_id": r["admin_id"],
            "created_at": r["created_at"], "updated_at": r["updated_at"]}


def event(ws: Workspace, r: dict) -> dict:
    contact = ws.contacts.get(r["contact_id"]) or {}
    return {"type": "event", "id": r["id"], "event_name": r["event_name"],
            "created_at": r["created_at"], "user_id": contact.get("external_id"),
            "email": contact.get("email"), "intercom_user_id": r["contact_id"],
            "metadata": r["metadata"]}


def job(jobs: JobStore, j: Job, base: str) -> dict:
    state, completed_at = jobs.state(j)
    now = jobs.clock()
    return {
        "type": "job", "app_id": jobs.workspace.config.app_id, "id": j.id,
        "created_at": int(j.created_at), "updated_at": int(j.updated_at),
        "completed_at": int(completed_at) if completed_at else None,
        "closing_at": int(j.closing_at), "name": "api_bulk_job", "state": state,
        "links": {"error": f"{base}/jobs/{j.id}/error", "self": f"{base}/jobs/{j.id}"},
        "tasks": [{"type": "job_task", "id": t.id, "item_count": len(t.items),
                   "created_at": int(t.created_at),
                   "started_at": int(t.created_at + jobs.delay / 2)
                   if t.state(now, jobs.delay) != "pending" else None,
                   "completed_at": int(t.created_at + jobs.delay)
                   if t.state(now, jobs.delay) == "completed" else None,
                   "state": t.state(now, jobs.delay)} for t in j.tasks],
    }
