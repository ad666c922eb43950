"""The Intercom workspace: every object collection and the operations clients perform on them."""

from __future__ import annotations

import itertools
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from intercom_sandbox.config import SandboxConfig
from intercom_sandbox.model.errors import ApiError, invalid, not_found
from intercom_sandbox.model.generate import data_attribute, generate, hex_id

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SCALAR_TYPES = (str, int, float, bool, type(None))
CONTACT_WRITABLE = {
    "role", "external_id", "email", "phone", "name", "avatar", "signed_up_at", "last_seen_at",
    "owner_id", "unsubscribed_from_emails", "custom_attributes", "last_seen_ip", "user_agent",
    "session_count", "created_at",
}
COMPANY_WRITABLE = {
    "company_id", "name", "remote_created_at", "monthly_spend", "plan", "session_count", "size",
    "website", "industry", "custom_attributes", "last_request_at",
}
TIMESTAMP_FIELDS = {"signed_up_at", "last_seen_at", "remote_created_at", "last_request_at",
                    "created_at"}
# Versions are unique across every collection ever made, so caches keyed by one never go stale.
VERSIONS = itertools.count(1)
COLLECTIONS = ("contacts", "companies", "conversations", "tags", "segments", "admins", "teams",
               "data_attributes", "events")


class Collection:
    """Objects of one kind by id, kept in creation order, with a version that counts changes."""

    def __init__(self, name: str, records: Iterable[dict],
                 on_change: Callable[[str, str], None]) -> None:
        self.name = name
        self.by_id: dict[str, dict] = {}
        self.version = next(VERSIONS)
        self.next_seq = 0
        self._ordered: tuple[int, list[dict]] | None = None
        self._on_change = on_change
        for record in records:
            self.by_id[record["id"]] = record
            self.next_seq = max(self.next_seq, record.get("seq", 0) + 1)

    def get(self, object_id: str) -> dict | None:
        return self.by_id.get(object_id)

    def add(self, record: dict) -> dict:
        record.setdefault("seq", self.next_seq)
        self.next_seq = max(self.next_seq, record["seq"] + 1)
        self.by_id[record["id"]] = record
        self.touch(record["id"])
        return record

    def remove(self, object_id: str) -> dict | None:
        record = self.by_id.pop(object_id, None)
        self.touch(object_id)
        return record

    def touch(self, object_id: str) -> None:
        """Note that an object changed: bumps the version and drops cached renderings."""
        self.version = next(VERSIONS)
        self._ordered = None
        self._on_change(self.name, object_id)

    def ordered(self) -> list[dict]:
        """Every object in creation order (cached until the next change)."""
        if self._ordered is None or self._ordered[0] != self.version:
            # Objects are inserted in sequence order, so the dict's own order is creation order.
            self._ordered = (self.version, list(self.by_id.values()))
        return self._ordered[1]


class Workspace:
    """One Intercom app with its data; plain Python, no HTTP."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.listeners: list[Callable[[str, str], None]] = []
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Regenerate the seeded data and forget every change, scroll and job."""
        from intercom_sandbox.model.jobs import JobStore
        from intercom_sandbox.model.scroll import ScrollRegistry

        data = generate(self.config)
        for name in COLLECTIONS:
            setattr(self, name, Collection(name, data[name], self._changed))
        self.scrolls = ScrollRegistry(self.config, self.clock)
        self.jobs = JobStore(self, self.clock)
        self.mutation_rng = random.Random(self.config.seed * 7919 + 1)
        self._reindex()
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

    def _reindex(self) -> None:
        self.by_external_id: dict[tuple[str, str], str] = {}
        self.by_email: dict[str, list[str]] = {}
        for contact in self.contacts.ordered():
            self._index_contact(contact)
        self.by_company_id = {c["company_id"]: c["id"] for c in self.companies.ordered()}
        self.next_part_id = max((int(p["id"]) for c in self.conversations.ordered()
                                 for p in c["parts"]), default=2_000_000_000)
        self.event_keys = {self.event_key(e["contact_id"], e["event_name"], e["created_at"])
                           for e in self.events.ordered()}

    def _index_contact(self, contact: dict) -> None:
        if contact.get("external_id"):
            self.by_external_id[(contact["role"], contact["external_id"])] = contact["id"]
        if contact.get("email"):
            self.by_email.setdefault(contact["email"].lower(), []).append(contact["id"])

    def _unindex_contact(self, contact: dict) -> None:
        if contact.get("external_id"):
            self.by_external_id.pop((contact["role"], contact["external_id"]), None)
        if contact.get("email"):
            ids = self.by_email.get(contact["email"].lower(), [])
            if contact["id"] in ids:
                ids.remove(contact["id"])

    # -- contacts (users and leads) ----------------------------------------------------------

    def live_contacts(self, role: str | None = None) -> list[dict]:
        """Contacts that are not archived, in creation order, optionally of one role."""
        key = ("live", role, self.contacts.version)
        cached = getattr(self, "_live_cache", None)
        if cached and cached[0] == key:
            return cached[1]
        rows = [c for c in self.contacts.ordered()
                if not c["archived"] and (role is None or c["role"] == role)]
        self._live_cache = (key, rows)
        return rows

    def contact(self, contact_id: str, role: str | None = None, archived: bool = False) -> dict:
        record = self.contacts.get(contact_id)
        if record is None or (role and record["role"] != role) or (record["archived"] and not archived):
            raise not_found("User Not Found" if role != "lead" else "Contact Not Found")
        return record

    def contact_by_external_id(self, external_id: str, role: str = "user") -> dict | None:
        contact_id = self.by_external_id.get((role, external_id))
        record = self.contacts.get(contact_id) if contact_id else None
        return None if record is None or record["archived"] else record

    def contacts_by_email(self, email: str, role: str | None = None) -> list[dict]:
        ids = self.by_email.get(email.lower(), [])
        rows = [self.contacts.by_id[i] for i in ids if i in self.contacts.by_id]
        return [r for r in rows if not r["archived"] and (role is None or r["role"] == role)]

    def new_contact(self, role: str, fields: dict) -> dict:
        """Create a contact of a role from validated writable fields."""
        now = self.now()
        seq = self.contacts.next_seq
        record = {
            "id": hex_id(0x64, seq, self.mutation_rng), "seq": seq, "role": role,
            "external_id": None, "email": None, "phone": None, "name": None, "pseudonym": None,
            "avatar": None, "owner_id": None, "created_at": now, "updated_at": now,
            "signed_up_at": None, "last_seen_at": None, "last_replied_at": None,
            "last_contacted_at": None, "last_email_opened_at": None,
            "last_email_clicked_at": None, "session_count": 0, "unsubscribed_from_emails": False,
            "has_hard_bounced": False, "marked_email_as_spam": False, "language_override": None,
            "browser": None, "browser_version": None, "browser_language": None, "os": None,
            "last_seen_ip": None, "user_agent": None, "location": None, "social_profiles": [],
            "referrer": None, "utm_source": None, "custom_attributes": {},
            "company_ids": [], "tag_ids": [], "segment_ids": [], "archived": False,
        }
        if role == "lead":
            record["external_id"] = str(uuid.UUID(int=self.mutation_rng.getrandbits(128)))
            record["pseudonym"] = f"Sandbox Lead {seq}"
        self._apply_contact_fields(record, fields)
        self.contacts.add(record)
        self._index_contact(record)
        return record

    def update_contact(self, record: dict, fields: dict) -> dict:
        self._unindex_contact(record)
        try:
            self._apply_contact_fields(record, fields)
        finally:
            self._index_contact(record)
        record["updated_at"] = max(self.now(), record["updated_at"])
        self.contacts.touch(record["id"])
        return record

    def _apply_contact_fields(self, record: dict, fields: dict) -> None:
        unknown = set(fields) - CONTACT_WRITABLE - {"companies"}
        if unknown:
            raise invalid(f"{sorted(unknown)[0]} is not a valid field", field=sorted(unknown)[0])
        changes = dict(fields)
        email = changes.get("email")
        if email is not None and (not isinstance(email, str) or not EMAIL_RE.match(email)):
            raise invalid("email invalid", field="email")
        if "role" in changes and changes["role"] not in ("user", "lead"):
            raise invalid("role must be one of user, lead", field="role")
        for key in TIMESTAMP_FIELDS & set(changes):
            if changes[key] is not None and (isinstance(changes[key], bool)
                                             or not isinstance(changes[key], int)):
                raise invalid(f"{key} must be a Unix timestamp in seconds", field=key)
        for key in ("external_id", "name", "phone", "avatar", "last_seen_ip", "user_agent"):
            if key in changes and changes[key] is not None and not isinstance(changes[key], str):
                raise invalid(f"{key} must be a string", field=key)
        if "unsubscribed_from_emails" in changes and not isinstance(
                changes["unsubscribed_from_emails"], bool):
            raise invalid("unsubscribed_from_emails must be a boolean",
                          field="unsubscribed_from_emails")
        custom = changes.pop("custom_attributes", None)
        memberships = changes.pop("companies", None)
        if custom is not None:
            record["custom_attributes"] = {**record["custom_attributes"],
                                           **self.check_custom_attributes("contact", custom)}
        if memberships is not None:
            self._apply_memberships(record, memberships)
        record.update(changes)

    def check_custom_attributes(self, model: str, values: Any) -> dict:
        """Validate custom attribute values against their definitions, defining new ones."""
        if not isinstance(values, dict):
            raise invalid("custom_attributes must be an object", field="custom_attributes")
        known = {a["name"]: a for a in self.data_attributes.ordered()
                 if a["model"] == model and a["custom"]}
        for name, value in values.items():
            if not isinstance(value, SCALAR_TYPES):
                raise invalid(f"Custom attribute '{name}' must be a string, number or boolean",
                              code="parameter_invalid", field=f"custom_attributes.{name}")
            definition = known.get(name)
            if definition is None:
                self.define_attribute(model, name, value)
            elif value is not None and not value_fits(definition["data_type"], value):
                raise invalid(f"Custom attribute '{name}' should be of type "
                              f"{definition['data_type']}", code="parameter_invalid",
                              field=f"custom_attributes.{name}")
        return dict(values)

    def define_attribute(self, model: str, name: str, value: Any) -> dict:
        kind = ("boolean" if isinstance(value, bool) else "integer" if isinstance(value, int)
                else "float" if isinstance(value, float) else "string")
        next_id = 1 + max((a["attribute_id"] or 0) for a in self.data_attributes.ordered())
        record = data_attribute(model, name, kind, None, custom=True, now=self.now(),
                                attribute_id=next_id)
        return self.data_attributes.add(record)

    def _apply_memberships(self, record: dict, memberships: Any) -> None:
        if not isinstance(memberships, list):
            raise invalid("companies must be a list", field="companies")
        for item in memberships:
            if not isinstance(item, dict) or (not item.get("company_id") and not item.get("id")):
                raise invalid("company_id required", code="parameter_not_found",
                              field="companies")
            company = self.company_for_reference(item)
            if item.get("remove"):
                if company and company["id"] in record["company_ids"]:
                    record["company_ids"].remove(company["id"])
                    company["user_count"] = max(0, company["user_count"] - 1)
                    self.companies.touch(company["id"])
                continue
            if company is None:
                company = self.upsert_company({k: v for k, v in item.items() if k != "id"})
            if company["id"] not in record["company_ids"]:
                record["company_ids"].append(company["id"])
                company["user_count"] += 1
                self.companies.touch(company["id"])

    def archive_contact(self, record: dict) -> dict:
        record["archived"] = True
        self._unindex_contact(record)
        self.contacts.touch(record["id"])
        return record

    def unarchive_contact(self, record: dict) -> dict:
        record["archived"] = False
        self._index_contact(record)
        self.contacts.touch(record["id"])
        return record

    def delete_contact(self, record: dict) -> dict:
        self._unindex_contact(record)
        for company_id in record["company_ids"]:
            company = self.companies.get(company_id)
            if company:
                company["user_count"] = max(0, company["user_count"] - 1)
                self.companies.touch(company_id)
        self.contacts.remove(record["id"])
        return record

    def find_user(self, ident: dict, role: str = "user") -> dict | None:
        """A contact of a role addressed by `id`, `user_id`/`external_id` or `email`."""
        if ident.get("id"):
            record = self.contacts.get(str(ident["id"]))
            return record if record and record["role"] == role and not record["archived"] else None
        external_id = ident.get("user_id") or ident.get("external_id")
        if external_id:
            return self.contact_by_external_id(str(external_id), role)
        if ident.get("email"):
            matches = self.contacts_by_email(str(ident["email"]), role)
            return matches[0] if matches else None
        return None

    def upsert_user(self, data: dict) -> tuple[dict, bool]:
        """1.x user upsert: match by id, then user_id, then email; create when nothing matches."""
        fields = dict(data)
        ident_id = fields.pop("id", None)
        if ident_id:
            record = self.find_user({"id": ident_id})
            if record is None:
                raise not_found("User Not Found")
            return self.update_contact(record, fields), False
        external_id = fields.get("external_id")
        email = fields.get("email")
        if not external_id and not email:
            raise invalid("user_id or email required", code="parameter_not_found")
        if external_id:
            record = self.contact_by_external_id(external_id)
            if record:
                return self.update_contact(record, fields), False
        if email:
            for record in self.contacts_by_email(email, "user"):
                if not record["external_id"] or not external_id:
                    return self.update_contact(record, fields), False
        return self.new_contact("user", fields), True

    def upsert_lead(self, data: dict) -> tuple[dict, bool]:
        """1.x lead write: update the lead addressed by id or user_id, else create one."""
        fields = dict(data)
        ident = {"id": fields.pop("id", None), "external_id": fields.get("external_id")}
        record = self.find_user(ident, "lead") if any(ident.values()) else None
        if ident["id"] and record is None:
            raise not_found("Contact Not Found")
        if record is None:
            return self.new_contact("lead", fields), True
        return self.update_contact(record, fields), False

    def create_contact(self, data: dict) -> dict:
        """2.x contact create: 409 when a contact with the same external_id or email exists."""
        role = data.get("role", "user")
        if role not in ("user", "lead"):
            raise invalid("role must be one of user, lead", field="role")
        if not any(data.get(k) for k in ("email", "external_id", "role")):
            raise invalid("requires email, external_id or role", code="parameter_not_found")
        existing = None
        if data.get("external_id"):
            existing = self.contact_by_external_id(str(data["external_id"]), role)
        if existing is None and data.get("email") and role == "user":
            found = self.contacts_by_email(str(data["email"]), role)
            existing = found[0] if found else None
        if existing is not None:
            raise ApiError(409, "conflict",
                           f"A contact matching those details already exists with id={existing['id']}")
        return self.new_contact(role, {k: v for k, v in data.items() if k != "role"})

    def convert_lead(self, lead: dict, user_ident: dict) -> dict:
        """Turn a lead into a user, merging into an existing user when one matches."""
        target = self.find_user(user_ident)
        if target is not None:
            merged = {k: v for k, v in lead["custom_attributes"].items()
                      if k not in target["custom_attributes"]}
            self.update_contact(target, {"custom_attributes": merged} if merged else {})
            self.delete_contact(lead)
            return target
        self._unindex_contact(lead)
        lead["role"] = "user"
        lead["external_id"] = user_ident.get("user_id") or user_ident.get("external_id")
        if user_ident.get("email"):
            lead["email"] = user_ident["email"]
        lead["pseudonym"] = None
        lead["updated_at"] = max(self.now(), lead["updated_at"])
        self._index_contact(lead)
        self.contacts.touch(lead["id"])
        return lead

    # -- companies -----------------------------------------------------------------------------

    def company(self, company_id: str) -> dict:
        record = self.companies.get(company_id)
        if record is None:
            raise not_found("Company Not Found", code="company_not_found")
        return record

    def company_by(self, company_id: str | None, name: str | None) -> dict:
        """The company with your `company_id`, else with this `name`; 404 when there is none."""
        if company_id:
            record = self.company_for_reference({"company_id": company_id})
        else:
            record = next((c for c in self.companies.ordered() if c["name"] == name), None)
        if record is None:
            raise not_found("Company Not Found", code="company_not_found")
        return record

    def company_for_reference(self, ref: dict) -> dict | None:
        if ref.get("id"):
            return self.companies.get(str(ref["id"]))
        company_id = self.by_company_id.get(str(ref.get("company_id")))
        return self.companies.get(company_id) if company_id else None

    def upsert_company(self, data: dict) -> dict:
        """Create or update a company by its `company_id`."""
        if not data.get("company_id"):
            raise invalid("company_id required", code="parameter_not_found", field="company_id")
        unknown = set(data) - COMPANY_WRITABLE
        if unknown:
            raise invalid(f"{sorted(unknown)[0]} is not a valid field", field=sorted(unknown)[0])
        fields = dict(data)
        fields["company_id"] = str(fields["company_id"])
        for key in ("monthly_spend", "size", "session_count", "remote_created_at",
                    "last_request_at"):
            value = fields.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise invalid(f"{key} must be a number", field=key)
        custom = fields.pop("custom_attributes", None)
        if custom is not None:
            custom = self.check_custom_attributes("company", custom)
        existing = self.company_for_reference({"company_id": fields["company_id"]})
        now = self.now()
        if existing is None:
            seq = self.companies.next_seq
            existing = {
                "id": hex_id(0x6c, seq, self.mutation_rng), "seq": seq, "name": None,
                "created_at": now, "updated_at": now, "remote_created_at": now,
                "last_request_at": now, "monthly_spend": 0, "session_count": 0, "user_count": 0,
                "size": 0, "website": None, "industry": None, "plan": None,
                "custom_attributes": {}, "tag_ids": [], "segment_ids": [],
            }
            existing.update(fields)
            self.by_company_id[existing["company_id"]] = existing["id"]
        else:
            existing.update(fields)
        if custom:
            existing["custom_attributes"] = {**existing["custom_attributes"], **custom}
        existing["updated_at"] = max(now, existing["updated_at"])
        self.companies.add(existing)
        return existing

    def delete_company(self, record: dict) -> dict:
        for contact in self.contacts.ordered():
            if record["id"] in contact["company_ids"]:
                contact["company_ids"].remove(record["id"])
                self.contacts.touch(contact["id"])
        self.by_company_id.pop(record["company_id"], None)
        self.companies.remove(record["id"])
        return record

    def company_members(self, record: dict) -> list[dict]:
        return [c for c in self.live_contacts() if record["id"] in c["company_ids"]]

    # -- conversations ----------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> dict:
        record = self.conversations.get(conversation_id)
        if record is None:
            raise not_found("Resource Not Found")
        return record

    # -- events -------------------------------------------------------------------------------

    @staticmethod
    def event_key(contact_id: str, name: str, created_at: int) -> tuple[str, str, int]:
        return (contact_id, name, created_at)

    @staticmethod
    def normalise_event_name(name: str) -> str:
        return name.strip().lower().replace(".", "-").replace("$", "-")

    def add_event(self, data: dict) -> tuple[dict | None, bool]:
        """Record an event; a duplicate (contact, name, created_at) is accepted and ignored."""
        if not isinstance(data, dict):
            raise invalid("event must be an object")
        name = data.get("event_name")
        if not isinstance(name, str) or not name.strip():
            raise invalid("event_name required", code="parameter_not_found", field="event_name")
        created_at = data.get("created_at")
        if created_at is None:
            raise invalid("created_at required", code="parameter_not_found", field="created_at")
        if isinstance(created_at, bool) or not isinstance(created_at, int):
            raise invalid("created_at must be a Unix timestamp in seconds", field="created_at")
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise invalid("metadata must be an object", field="metadata")
        for key, value in metadata.items():
            if isinstance(value, dict):
                if not (set(value) <= {"url", "value"} or set(value) <= {"amount", "currency"}):
                    raise invalid(f"metadata {key} cannot be nested JSON", field=f"metadata.{key}")
            elif not isinstance(value, SCALAR_TYPES):
                raise invalid(f"metadata {key} cannot be nested JSON", field=f"metadata.{key}")
        ident = {k: data[k] for k in ("id", "user_id", "email", "intercom_user_id")
                 if data.get(k)}
        if "intercom_user_id" in ident:
            ident["id"] = ident.pop("intercom_user_id")
        if not ident:
            raise invalid("user_id, id or email required", code="parameter_not_found")
        contact = self.event_contact(ident)
        name = self.normalise_event_name(name)
        key = self.event_key(contact["id"], name, created_at)
        if key in self.event_keys:
            return None, False
        self.event_keys.add(key)
        event = {"id": f"ev-{uuid.UUID(int=self.mutation_rng.getrandbits(128)).hex[:16]}",
                 "event_name": name, "created_at": created_at, "contact_id": contact["id"],
                 "metadata": dict(list(metadata.items())[:10])}
        self.events.add(event)
        return event, True

    def event_contact(self, ident: dict) -> dict:
        """The contact an event belongs to, by Intercom `id`, then `user_id`, then email."""
        record = None
        if ident.get("id"):
            record = self.contacts.get(str(ident["id"]))
            record = record if record and not record["archived"] else None
        else:
            record = self.find_user(ident, "user") or self.find_user(ident, "lead")
        if record is None:
            raise not_found("User Not Found")
        return record

    def events_for(self, contact: dict) -> list[dict]:
        rows = [e for e in self.events.ordered() if e["contact_id"] == contact["id"]]
        return sorted(rows, key=lambda e: (-e["created_at"], e["id"]))

    # -- admin operations -----------------------------------------------------------------------

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
        elif collection == "conversations":
            pool = self.conversations.ordered()
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
                self._add_parts(record, parts, now)
                self.conversations.touch(record["id"])
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

    def _add_parts(self, record: dict, count: int, now: int) -> None:
        for _ in range(count):
            self.next_part_id += 1
            record["parts"].append({
                "id": str(self.next_part_id), "part_type": "comment",
                "body": f"<p>Follow-up {self.next_part_id} ✉️</p>", "created_at": now, "updated_at": now,
                "notified_at": now, "assigned_to": None,
                "author": {"type": "admin", "id": "1000", "name": "Sandbox Admin",
                           "email": "admin0@sandbox.example.com"},
                "attachments": [], "external_id": None, "redacted": False,
            })
        record["state"], record["open"], record["read"] = "open", True, False


def value_fits(data_type: str, value: Any) -> bool:
    """Whether a value is acceptable for an Intercom data type."""
    if data_type == "string":
        return isinstance(value, str)
    if data_type in ("integer", "date"):
        return isinstance(value, int) and not isinstance(value, bool)
    if data_type == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if data_type == "boolean":
        return isinstance(value, bool)
    return True
