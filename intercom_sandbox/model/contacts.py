"""Contacts (users and leads): lookups, indexes, writes and Intercom's identity rules."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from intercom_sandbox.model.attributes import AttributeOperations
from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import ApiError, invalid, not_found
from intercom_sandbox.model.generate import hex_id

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTACT_WRITABLE = {
    "role", "external_id", "email", "phone", "name", "avatar", "signed_up_at", "last_seen_at",
    "owner_id", "unsubscribed_from_emails", "custom_attributes", "last_seen_ip", "user_agent",
    "session_count", "created_at",
}
TIMESTAMP_FIELDS = {"signed_up_at", "last_seen_at", "remote_created_at", "last_request_at",
                    "created_at"}


def conflict(existing: dict) -> ApiError:
    """Intercom's 409 for a write that would duplicate another contact's identity."""
    return ApiError(409, "conflict",
                    f"A contact matching those details already exists with id={existing['id']}")


class ContactOperations(AttributeOperations):
    """Contact rules of a workspace (a part of `Workspace`)."""

    contacts: Collection
    companies: Collection
    mutation_rng: Any
    now: Callable[[], int]

    def index_contacts(self) -> None:
        self.by_external_id: dict[tuple[str, str], str] = {}
        self.by_email: dict[str, list[str]] = {}
        for contact in self.contacts.ordered():
            self._index_contact(contact)

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
            "company_ids": [], "tag_ids": [], "segment_ids": [],
            "archived": False,
        }
        if role == "lead":
            record["external_id"] = str(uuid.UUID(int=self.mutation_rng.getrandbits(128)))
            record["pseudonym"] = f"Sandbox Lead {seq}"
        self._apply_contact_fields(record, fields)
        self.contacts.add(record)
        self._index_contact(record)
        self.record_activity("contact.created", record)
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

    def delete_contact(self, record: dict, merged_into: dict | None = None) -> dict:
        """Remove a contact for good; the activity log says deleted, or merged into another."""
        self._unindex_contact(record)
        for company_id in record["company_ids"]:
            company = self.companies.get(company_id)
            if company:
                company["user_count"] = max(0, company["user_count"] - 1)
                self.companies.touch(company_id)
        self.contacts.remove(record["id"])
        self.drop_notes_of(record["id"])
        if merged_into is None:
            self.record_activity("contact.deleted", record)
        else:
            self.record_activity("contact.merged", merged_into, merge_source_id=record["id"],
                                 merge_target_id=merged_into["id"])
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
            raise conflict(existing)
        return self.new_contact(role, {k: v for k, v in data.items() if k != "role"})

    def edit_contact(self, record: dict, fields: dict) -> dict:
        """2.x contact update: 409 when the new external_id belongs to another contact."""
        role = fields.get("role", record["role"])
        if fields.get("external_id"):
            other = self.contact_by_external_id(str(fields["external_id"]), role)
            if other is not None and other["id"] != record["id"]:
                raise conflict(other)
        return self.update_contact(record, fields)

    def convert_lead(self, lead: dict, user_ident: dict) -> dict:
        """Turn a lead into a user, merging into an existing user when one matches."""
        target = self.find_user(user_ident)
        if target is not None:
            return self.absorb_lead(lead, target)
        self._unindex_contact(lead)
        lead["role"] = "user"
        lead["external_id"] = user_ident.get("user_id") or user_ident.get("external_id")
        if user_ident.get("email"):
            lead["email"] = user_ident["email"]
        lead["pseudonym"] = None
        lead["updated_at"] = max(self.now(), lead["updated_at"])
        self._index_contact(lead)
        self.contacts.touch(lead["id"])
        self.record_activity("contact.role_updated", lead)
        return lead

    # Provided by DeletionOperations in the composed workspace.
    record_activity: Callable[..., dict]
    # Provided by CompanyOperations in the composed workspace.
    company_for_reference: Callable[[dict], dict | None]
    upsert_company: Callable[[dict], dict]
    # Provided by LinkOperations.
    absorb_lead: Callable[[dict, dict], dict]
