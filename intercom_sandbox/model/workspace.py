"""The Intercom workspace: every object collection, composed with the rules of each resource."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from intercom_sandbox.config import SandboxConfig
from intercom_sandbox.model.bulk_jobs import PreviewJobStore
from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.companies import CompanyOperations
from intercom_sandbox.model.contacts import ContactOperations
from intercom_sandbox.model.conversations import ConversationOperations
from intercom_sandbox.model.deletions import DeletionOperations
from intercom_sandbox.model.errors import invalid, not_found
from intercom_sandbox.model.events import EventOperations
from intercom_sandbox.model.generate import generate
from intercom_sandbox.model.help_center import HelpCenterOperations
from intercom_sandbox.model.jobs import JobStore
from intercom_sandbox.model.links import LinkOperations
from intercom_sandbox.model.notes import NoteOperations
from intercom_sandbox.model.scroll import ScrollRegistry
from intercom_sandbox.model.teammates import TeammateOperations
from intercom_sandbox.model.tickets import TicketOperations

COLLECTIONS = ("contacts", "companies", "conversations", "tags", "segments", "admins", "teams",
               "data_attributes", "events", "activity_logs", "tickets", "ticket_types",
               "ticket_states", "notes", "subscription_types", "help_centers", "collections",
               "articles", "office_hours_schedules")


class Workspace(ContactOperations, CompanyOperations, ConversationOperations, EventOperations,
                TeammateOperations, LinkOperations, DeletionOperations, TicketOperations,
                NoteOperations, HelpCenterOperations):
    """One Intercom app with its data; plain Python, no HTTP."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.listeners: list[Callable[[str, str], None]] = []
        self.reset()

    def reset(self) -> None:
        """Regenerate the seeded data and forget every change, scroll and job."""
        data = generate(self.config)
        for name in COLLECTIONS:
            setattr(self, name, Collection(name, data[name], self._changed))
        self.scrolls = ScrollRegistry(self.config, self.clock)
        self.jobs = JobStore(self, self.clock)
        self.bulk_jobs = PreviewJobStore(self, self.clock)
        self.mutation_rng = random.Random(self.config.seed * 7919 + 1)
        self.index_contacts()
        self.index_companies()
        self.index_parts()
        self.index_ticket_parts()
        self.index_events()
        self.reset_deletions()
        for listener in self.listeners:
            listener("*", "*")

    def clock(self) -> float:
        """Wall-clock seconds, never earlier than the data's anchor."""
        return max(time.time(), self.config.anchor + 1.0)

    def now(self) -> int:
        return int(self.clock())

    def _changed(self, collection: str, object_id: str) -> None:
        for listener in self.listeners:
            listener(collection, object_id)

    def mutate(self, collection: str, count: int, role: str | None = None,
               fields: dict | None = None, parts: int = 1,
               ids: list[str] | None = None) -> list[str]:
        """Change `count` random records (or those of `ids`): bump updated_at and a field,
        or add parts to conversations; `fields` may set any field, updated_at included."""
        rng = self.mutation_rng
        if collection in ("contacts", "users", "leads"):
            role = role or {"users": "user", "leads": "lead"}.get(collection)
            pool = self.live_contacts(role)
        elif collection == "companies":
            pool = self.companies.ordered()
        elif collection in ("conversations", "tickets", "articles"):
            pool = getattr(self, collection).ordered()
        elif collection == "notes":  # a new note on each chosen contact
            pool = self.live_contacts(role)
        else:
            raise invalid(f"cannot mutate {collection}")
        if ids is not None:
            by_id = {r["id"]: r for r in pool}
            missing = [i for i in ids if i not in by_id]
            if missing:
                raise not_found(f"no {collection} with id {missing[0]}")
            chosen = [by_id[i] for i in ids]
        else:
            chosen = rng.sample(pool, k=min(count, len(pool)))
        now = self.now()
        for record in chosen:
            record["updated_at"] = max(now, record["updated_at"] + 1)
            if collection == "conversations":
                self.add_parts(record, parts, now)
                self.conversations.touch(record["id"])
                continue
            if collection == "articles":
                self.edit_article(record, now)
                continue
            if collection == "notes":
                for _ in range(parts):
                    self.add_note(record, now)
                self.contacts.touch(record["id"])
                continue
            if collection == "tickets":
                self.add_ticket_parts(record, parts, now)
                self.tickets.touch(record["id"])
                continue
            changes = dict(fields or {})
            if not changes:
                changes = {"name": f"Renamed {rng.randint(0, 10**6)}",
                           "custom_attributes": {**record["custom_attributes"],
                                                 "seats": rng.randint(1, 500)}}
                if collection == "companies":
                    changes["custom_attributes"] = {**record["custom_attributes"],
                                                    "employees": rng.randint(1, 500)}
            record.update(changes)
            getattr(self, "contacts" if collection != "companies" else "companies").touch(
                record["id"])
        return [r["id"] for r in chosen]
