"""Conversations: lookup by id and new parts added to them."""

from __future__ import annotations

from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import not_found


class ConversationOperations:
    """Conversation rules of a workspace (a part of `Workspace`)."""

    conversations: Collection
    admins: Collection
    contacts: Collection

    def index_parts(self) -> None:
        self.next_part_id = max((int(p["id"]) for c in self.conversations.ordered()
                                 for p in c["parts"]), default=2_000_000_000)

    def conversation(self, conversation_id: str) -> dict:
        record = self.conversations.get(conversation_id)
        if record is None:
            raise not_found("Resource Not Found")
        return record

    def part_author(self, record: dict) -> dict:
        """Who writes the follow-ups of `mutate`: the conversation's contact writing again (an
        admin's reply dated now would make a first response months after an old opening),
        else the workspace's first teammate."""
        contact = self.contacts.get(record["contact_ids"][0]) if record["contact_ids"] else None
        if contact is not None:
            return {"type": contact["role"], "id": contact["id"], "name": contact["name"],
                    "email": contact["email"]}
        admin = self.admins.ordered()[0]
        return {"type": "admin", "id": admin["id"], "name": admin["name"],
                "email": admin["email"]}

    def add_parts(self, record: dict, count: int, now: int) -> None:
        for _ in range(count):
            self.next_part_id += 1
            record["parts"].append({
                "id": str(self.next_part_id), "part_type": "comment",
                "body": f"<p>Follow-up {self.next_part_id} ✉️</p>", "created_at": now, "updated_at": now,
                "notified_at": now, "assigned_to": None,
                "author": self.part_author(record),
                "attachments": [], "external_id": None, "redacted": False,
            })
        record["state"], record["open"], record["read"] = "open", True, False
