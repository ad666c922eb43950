"""Notes on contacts (generated with the contacts' long lists) and the subscription types."""

from __future__ import annotations

from intercom_sandbox.model.collection import Collection

NOTE_IDS = 17_000_000  # a note's id is this plus its seq
# name, description, consent type, content types, state
SUBSCRIPTION_TYPES = (
    ("Newsletter", "Monthly news and tips", "opt_out", ["email"], "live"),
    ("Product updates", "New features and changes", "opt_in", ["email", "sms_message"], "live"),
    ("Beta programme", "Early access invitations", "opt_in", ["email"], "draft"),
    ("Spring promotion", "Seasonal offers", "opt_out", ["email"], "archived"),
)


def subscription_types() -> list[dict]:
    """The workspace's subscription types (fixed: the seed plays no part)."""
    return [{"id": str(320 + i), "seq": i, "name": name, "description": description,
             "consent_type": consent, "content_types": content, "state": state,
             "translations": [{"name": name, "description": description, "locale": "en"}]
             + ([{"name": f"{name} (de)", "description": description, "locale": "de"}]
                if i % 2 == 0 else [])}
            for i, (name, description, consent, content, state)
            in enumerate(SUBSCRIPTION_TYPES)]


class NoteOperations:
    """Note rules of a workspace (a part of `Workspace`)."""

    notes: Collection
    admins: Collection

    def notes_of(self, contact_id: str) -> list[dict]:
        """A contact's notes, newest first, as Intercom lists them."""
        cached = getattr(self, "_notes_by_contact", None)
        if cached is None or cached[0] != self.notes.version:
            by_contact: dict[str, list[dict]] = {}
            for note in self.notes.ordered():
                by_contact.setdefault(note["contact_id"], []).append(note)
            for rows in by_contact.values():
                rows.sort(key=lambda n: (-n["created_at"], -n["seq"]))
            cached = self._notes_by_contact = (self.notes.version, by_contact)
        return cached[1].get(contact_id, [])

    def drop_notes_of(self, contact_id: str) -> None:
        """A deleted contact's notes go with it."""
        for note in list(self.notes_of(contact_id)):
            self.notes.remove(note["id"])

    def add_note(self, contact: dict, now: int) -> dict:
        """A teammate's note on a contact, which counts as a change of the contact."""
        seq = self.notes.next_seq
        return self.notes.add({"id": str(NOTE_IDS + seq), "seq": seq,
                               "contact_id": contact["id"],
                               "admin_id": self.admins.ordered()[0]["id"],
                               "body": f"<p>Note {seq} added later</p>", "created_at": now})
