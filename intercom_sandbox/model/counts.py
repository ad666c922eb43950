"""GET /counts: totals of the workspace's objects, by kind and by tag, segment or state."""

from __future__ import annotations

from typing import Any

from intercom_sandbox.model.errors import invalid


def counts(ws: Any, kind: str | None, count: str | None) -> dict:
    """Every variant of GET /counts."""
    people = ws.live_contacts()
    if not kind:
        return {"type": "count.hash",
                "company": {"count": len(ws.companies.by_id)},
                "segment": {"count": len(ws.segments.by_id)},
                "tag": {"count": len(ws.tags.by_id)},
                "user": {"count": sum(1 for c in people if c["role"] == "user")},
                "lead": {"count": sum(1 for c in people if c["role"] == "lead")}}
    convs = ws.conversations.ordered()
    if kind == "conversation" and not count:
        return {"type": "count", "conversation": {
            "assigned": sum(1 for c in convs if c["open"] and c["admin_assignee_id"] is not None),
            "closed": sum(1 for c in convs if c["state"] == "closed"),
            "open": sum(1 for c in convs if c["open"]),
            "unassigned": sum(1 for c in convs if c["open"] and c["admin_assignee_id"] is None)}}
    if kind == "conversation" and count == "admin":
        return {"type": "count", "conversation": {"admin": [
            {"id": a["id"], "name": a["name"],
             "open": sum(1 for c in convs if c["open"] and str(c["admin_assignee_id"]) == a["id"]),
             "closed": sum(1 for c in convs
                           if c["state"] == "closed" and str(c["admin_assignee_id"]) == a["id"])}
            for a in ws.admins.ordered()]}}
    if kind == "user" and count in ("tag", "segment"):
        users = [c for c in people if c["role"] == "user"]
        items = ws.tags.ordered() if count == "tag" else \
            [s for s in ws.segments.ordered() if s["kind"] == "user"]
        key = "tag_ids" if count == "tag" else "segment_ids"
        return {"type": "count", "user": {count: [
            {item["name"]: sum(1 for u in users if item["id"] in u[key])} for item in items]}}
    if kind == "company" and count in ("tag", "segment", "user"):
        companies = ws.companies.ordered()
        if count == "user":
            rows = [{c["name"] or c["company_id"]: c["user_count"],
                     "remote_company_id": c["company_id"]} for c in companies]
        else:
            items = ws.tags.ordered() if count == "tag" else \
                [s for s in ws.segments.ordered() if s["kind"] == "company"]
            key = "tag_ids" if count == "tag" else "segment_ids"
            rows = [{item["name"]: sum(1 for c in companies if item["id"] in c[key])}
                    for item in items]
        return {"type": "count", "company": {count: rows}}
    raise invalid(f"unsupported count type={kind} count={count}", field="type")
