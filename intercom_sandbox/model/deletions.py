"""Deletions and merges: the conversations deleted, the contact activity log, tag deletes."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import ApiError


class DeletionOperations:
    """What Intercom remembers of objects that are gone (a part of `Workspace`)."""

    contacts: Collection
    companies: Collection
    conversations: Collection
    tags: Collection
    segments: Collection

    # Provided by the composed workspace and ContactOperations.
    now: Callable[[], int]
    delete_contact: Callable[..., dict]

    def reset_deletions(self) -> None:
        """Forget every deletion and activity (the generated workspace has none)."""
        self.deleted_conversations: list[dict] = []
        self.contact_activities: list[dict] = []
        self._activity_seq = itertools.count(1)

    def record_activity(self, event_type: str, contact: dict, **extra: str | None) -> dict:
        """Append one contact activity; ids sort oldest first (milliseconds, then a counter)."""
        created_at = self.now()
        activity = {"type": "contact_activity",
                    "id": f"{created_at * 1000:013d}.{next(self._activity_seq):06x}",
                    "event_type": event_type, "contact_id": contact["id"],
                    "external_id": contact.get("external_id"), "role": contact.get("role"),
                    "created_at": created_at, **extra}
        self.contact_activities.append(activity)
        return activity

    def delete_conversation(self, record: dict, retain_metrics: bool = True) -> dict:
        """Remove a conversation for good; `GET /conversations/deleted` lists it afterwards."""
        self.conversations.remove(record["id"])
        self.deleted_conversations.append({"type": "conversation", "id": record["id"],
                                           "metrics_retained": retain_metrics,
                                           "deleted_at": self.now()})
        return record

    def delete_tag(self, record: dict) -> dict:
        """Delete a tag and untag everything; refused while a segment depends on it."""
        dependent = [s["name"] for s in self.segments.ordered()
                     if record["id"] in (s.get("tag_ids") or [])]
        if dependent:
            raise ApiError(400, "tag_has_dependent_objects",
                           "Unable to delete Tag with dependent objects. Segments: "
                           f"{', '.join(dependent)}.")
        for collection in (self.contacts, self.companies):
            for item in collection.ordered():
                if record["id"] in item["tag_ids"]:
                    item["tag_ids"] = [t for t in item["tag_ids"] if t != record["id"]]
                    collection.touch(item["id"])
        for item in self.conversations.ordered():
            if any(t["id"] == record["id"] for t in item["tags"]):
                item["tags"] = [t for t in item["tags"] if t["id"] != record["id"]]
                self.conversations.touch(item["id"])
        self.tags.remove(record["id"])
        return record
