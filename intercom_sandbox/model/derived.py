"""Values Intercom computes from a conversation's parts rather than storing."""

from __future__ import annotations

from statistics import median

CONTACT_TYPES = ("user", "lead", "contact")


def conversation_statistics(conversation: dict) -> dict:
    """Reply, assignment and close timings of a conversation, only those that are known."""
    created = conversation["created_at"]
    parts = conversation["parts"]
    admin_replies = [p for p in parts if p["author"]["type"] == "admin" and p["part_type"] == "comment"]
    contact_replies = [p for p in parts if p["author"]["type"] in CONTACT_TYPES]
    assignments = [p for p in parts if p["part_type"] == "assignment"]
    closes = [p for p in parts if p["part_type"] == "close"]
    stats: dict = {
        "type": "conversation_statistics",
        "count_reopens": sum(1 for p in parts if p["part_type"] == "open"),
        "count_assignments": len(assignments),
        "count_conversation_parts": len(parts) + 1,
    }
    first_contact = first_contact_reply_at(conversation)
    if first_contact is not None:
        stats["first_contact_reply_at"] = first_contact
    if admin_replies:
        first = admin_replies[0]["created_at"]
        stats.update(first_admin_reply_at=first, time_to_admin_reply=first - created,
                     last_admin_reply_at=admin_replies[-1]["created_at"],
                     median_time_to_reply=int(median(p["created_at"] - created
                                                     for p in admin_replies)))
    if contact_replies:
        stats["last_contact_reply_at"] = contact_replies[-1]["created_at"]
    if assignments:
        stats.update(first_assignment_at=assignments[0]["created_at"],
                     time_to_assignment=assignments[0]["created_at"] - created,
                     last_assignment_at=assignments[-1]["created_at"])
        later = [p for p in admin_replies if p["created_at"] >= assignments[-1]["created_at"]]
        if later:
            stats["last_assignment_admin_reply_at"] = later[0]["created_at"]
    if closes:
        stats.update(first_close_at=closes[0]["created_at"],
                     time_to_first_close=closes[0]["created_at"] - created,
                     last_close_at=closes[-1]["created_at"],
                     time_to_last_close=closes[-1]["created_at"] - created,
                     last_closed_by_id=str(closes[-1]["author"]["id"]))
    return stats


def first_contact_reply_at(conversation: dict) -> int | None:
    """The contact's first message: the opening one when a contact wrote it, else their first
    reply, whichever side started."""
    if conversation["source"]["author"]["type"] in CONTACT_TYPES:
        return int(conversation["created_at"])
    return next((p["created_at"] for p in conversation["parts"]
                 if p["author"]["type"] in CONTACT_TYPES and p["part_type"] == "comment"), None)


def teammate_ids(conversation: dict) -> list[str]:
    """Admins who took part in a conversation, in order of first appearance."""
    seen: dict[str, None] = {}
    for part in conversation["parts"]:
        if part["author"]["type"] == "admin":
            seen.setdefault(str(part["author"]["id"]), None)
    if conversation.get("admin_assignee_id") is not None:
        seen.setdefault(str(conversation["admin_assignee_id"]), None)
    return list(seen)
