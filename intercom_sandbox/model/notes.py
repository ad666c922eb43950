"""Notes on contacts and the workspace's subscription types: generation and rules."""

from __future__ import annotations

import random

from intercom_sandbox.config import SandboxConfig
from intercom_sandbox.model.collection import Collection

NOTE_TEXT = ("Called about renewal", "Prefers email ✉️", "VIP: handle with care",
             "Asked for an invoice copy", "Rückruf vereinbart", "要フォロー")
# name, description, consent type, content types, state
SUBSCRIPTION_TYPES = (
    ("Newsletter", "Monthly news and tips", "opt_out", ["email"], "live"),
    ("Product updates", "New features and changes", "opt_in", ["email", "sms_message"], "live"),
    ("Beta programme", "Early access invitations", "opt_in", ["email"], "draft"),
    ("Spring promotion", "Seasonal offers", "opt_out", ["email"], "archived"),
)


class NoteGenerator:
    """Notes and subscription types from their own random stream, so that every other
    collection stays as the seed always gave it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.rng = random.Random(config.seed * 32_452_843 + 29)

    def notes(self, contacts: list[dict], admins: list[dict]) -> list[dict]:
        """About one contact in five has one to three notes, written before its last update."""
        rng = self.rng
        out: list[dict] = []
        for contact in contacts if admins else []:
            if rng.random() >= 0.2:
                continue
            for _ in range(rng.randint(1, 3)):
                out.append({"id": str(17_000_000 + len(out)), "seq": len(out),
                            "contact_id": contact["id"],
                            "admin_id": rng.choice(admins)["id"],
                            "body": f"<p>{rng.choice(NOTE_TEXT)}</p>",
                            "created_at": rng.randint(contact["created_at"],
                                                      contact["updated_at"])})
        return out

    def subscription_types(self) -> list[dict]:
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

    def add_note(self, contact: dict, now: int) -> dict:
        """A teammate's note on a contact, which counts as a change of the contact."""
        seq = self.notes.next_seq
        return self.notes.add({"id": str(17_000_000 + seq), "seq": seq,
                               "contact_id": contact["id"],
                               "admin_id": self.admins.ordered()[0]["id"],
                               "body": f"<p>Note {seq} added later</p>", "created_at": now})
