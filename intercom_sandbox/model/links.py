"""Links between objects that writes make: tags applied and removed, company memberships of a
contact, a lead merged into a user, and custom data attributes defined through the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import ApiError, invalid, not_found
from intercom_sandbox.model.generate import data_attribute

ATTRIBUTE_NAME = re.compile(r"^[\w$€£¥\- ]+$")
ATTRIBUTE_TYPES = ("string", "integer", "float", "boolean", "datetime", "date")
MAX_COMPANIES_PER_CONTACT = 1000


class LinkOperations:
    """Tagging, memberships, merges and attribute definitions (a part of `Workspace`)."""

    contacts: Collection
    companies: Collection
    tags: Collection
    data_attributes: Collection
    now: Callable[[], int]
    contact: Callable[..., dict]
    find_user: Callable[..., dict | None]
    company_for_reference: Callable[[dict], dict | None]
    update_contact: Callable[[dict, dict], dict]
    delete_contact: Callable[[dict], dict]

    # -- tags ------------------------------------------------------------------------------------

    def tag_named(self, name: Any, create: bool = True) -> dict | None:
        """The tag with this name (names are case-insensitive), created when missing."""
        if not isinstance(name, str) or not name.strip():
            raise invalid("invalid tag parameters")
        wanted = name.strip().lower()
        found = next((t for t in self.tags.ordered() if t["name"].lower() == wanted), None)
        if found is None and create:
            next_id = 1 + max((int(t["id"]) for t in self.tags.ordered()), default=100000)
            found = self.tags.add({"id": str(next_id), "name": name.strip(),
                                   "created_at": self.now()})
        return found

    def write_tag(self, body: Any, people_refs: Callable[[dict], dict | None]) -> dict:
        """`POST /tags`: create or rename a tag, or tag and untag people or companies.

        `people_refs` finds the contact a `users` item names (each dialect accepts its own
        identifiers); an item naming nobody fails the whole request, as Intercom does."""
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise invalid("invalid tag parameters")
        people, companies = body.get("users"), body.get("companies")
        if people is None and companies is None:
            return self._create_or_rename_tag(body)
        if people is not None and companies is not None:
            raise invalid("invalid tag parameters")
        items = people if people is not None else companies
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise invalid("invalid tag parameters")
        if people is not None:
            targets = [(people_refs(i), i) for i in items]
            if any(t is None for t, _ in targets):
                raise not_found("User Not Found")
            collection = self.contacts
        else:
            targets = [(self.company_for_reference(i), i) for i in items]
            if any(t is None for t, _ in targets):
                raise not_found("Company Not Found", code="company_not_found")
            collection = self.companies
        untagging = [bool(i.get("untag")) for _, i in targets]
        tag = self.tag_named(body["name"], create=not all(untagging))
        if tag is None:
            raise not_found("Resource Not Found")
        for (record, _item), untag in zip(targets, untagging, strict=True):
            assert record is not None
            self._set_tag(collection, record, tag["id"], not untag)
        return tag

    def _create_or_rename_tag(self, body: dict) -> dict:
        if body.get("id") is None:
            return self.tag_named(body["name"]) or {}
        tag = self.tags.get(str(body["id"]))
        if tag is None:
            raise not_found("Resource Not Found", code="tag_not_found")
        tag["name"] = body["name"]
        self.tags.touch(tag["id"])
        return tag

    def untag_contact(self, contact: dict, tag_id: str) -> dict:
        """`DELETE /contacts/{id}/tags/{tag_id}`: the tag removed from one contact."""
        tag = self.tags.get(tag_id)
        if tag is None or tag_id not in contact["tag_ids"]:
            raise not_found("Resource Not Found")
        self._set_tag(self.contacts, contact, tag_id, False)
        return tag

    def tag_contact(self, contact: dict, tag_id: Any) -> dict:
        """`POST /contacts/{id}/tags` with the tag's id."""
        tag = self.tags.get(str(tag_id)) if tag_id is not None else None
        if tag is None:
            raise not_found("Resource Not Found")
        self._set_tag(self.contacts, contact, tag["id"], True)
        return tag

    def _set_tag(self, collection: Collection, record: dict, tag_id: str, on: bool) -> None:
        if on == (tag_id in record["tag_ids"]):
            return
        if on:
            record["tag_ids"].append(tag_id)
        else:
            record["tag_ids"].remove(tag_id)
        record["updated_at"] = max(self.now(), record["updated_at"])
        collection.touch(record["id"])

    # -- memberships -----------------------------------------------------------------------------

    def attach_company(self, contact: dict, body: Any) -> dict:
        """`POST /contacts/{id}/companies` with the company's Intercom `id`."""
        if not isinstance(body, dict) or not body.get("id"):
            raise invalid("company not specified", code="parameter_not_found")
        company = self.companies.get(str(body["id"]))
        if company is None:
            raise not_found("Company Not Found", code="company_not_found")
        if company["id"] not in contact["company_ids"]:
            if len(contact["company_ids"]) >= MAX_COMPANIES_PER_CONTACT:
                raise invalid("Contact has reached the maximum of 1000 company associations",
                              code="contact_company_limit_exceeded")
            contact["company_ids"].append(company["id"])
            company["user_count"] += 1
            self._touch_both(contact, company)
        return company

    def detach_company(self, contact: dict, company_id: str) -> dict:
        """`DELETE /contacts/{id}/companies/{company_id}`: 404 unless the contact is a member."""
        company = self.companies.get(company_id)
        if company is None or company_id not in contact["company_ids"]:
            raise not_found("Company Not Found", code="company_not_found")
        contact["company_ids"].remove(company_id)
        company["user_count"] = max(0, company["user_count"] - 1)
        self._touch_both(contact, company)
        return company

    def _touch_both(self, contact: dict, company: dict) -> None:
        now = self.now()
        contact["updated_at"] = max(now, contact["updated_at"])
        self.contacts.touch(contact["id"])
        self.companies.touch(company["id"])

    # -- merges ----------------------------------------------------------------------------------

    def merge_contacts(self, body: Any) -> dict:
        """`POST /contacts/merge`: the lead `from` merged into the user `into`, then gone.

        The user keeps its own values; the lead's fill what the user lacks, and its tags,
        companies and custom attributes are added to the user's."""
        if not isinstance(body, dict) or not body.get("from") or not body.get("into"):
            raise invalid("from and into are required", code="parameter_not_found")
        lead = self.contacts.get(str(body["from"]))
        user = self.contacts.get(str(body["into"]))
        if lead is None or lead["archived"] or user is None or user["archived"]:
            raise not_found("User Not Found")
        if lead["role"] != "lead":
            raise invalid("Contact to merge from must be a lead", field="from")
        if user["role"] != "user":
            raise invalid("Contact to merge into must be a user", field="into")
        return self.absorb_lead(lead, user)

    def absorb_lead(self, lead: dict, user: dict) -> dict:
        """The lead's data added to the user's where the user has none; the lead removed."""
        for key in ("name", "phone", "avatar", "owner_id", "signed_up_at", "last_seen_at"):
            if user.get(key) is None and lead.get(key) is not None:
                user[key] = lead[key]
        extra = {k: v for k, v in lead["custom_attributes"].items()
                 if k not in user["custom_attributes"]}
        user["custom_attributes"] = {**user["custom_attributes"], **extra}
        for tag_id in lead["tag_ids"]:
            if tag_id not in user["tag_ids"]:
                user["tag_ids"].append(tag_id)
        for company_id in lead["company_ids"]:
            if company_id not in user["company_ids"]:
                user["company_ids"].append(company_id)
                company = self.companies.get(company_id)
                if company is not None:
                    company["user_count"] += 1
        self.delete_contact(lead, merged_into=user)
        return self.update_contact(user, {})

    # -- data attributes -------------------------------------------------------------------------

    def require_defined(self, model: str, values: Any) -> None:
        """2.x: a custom attribute must be defined before a contact or company is written."""
        if not isinstance(values, dict):
            return
        known = {a["name"] for a in self.data_attributes.ordered()
                 if a["model"] == model and a["custom"] and not a["archived"]}
        for name in values:
            if name not in known:
                raise ApiError(400, "parameter_invalid",
                               f"Custom attribute '{name}' does not exist",
                               field=f"custom_attributes.{name}")

    def create_data_attribute(self, body: Any) -> dict:
        """`POST /data_attributes`: a custom attribute of a contact or a company."""
        if not isinstance(body, dict):
            raise invalid("body must be a JSON object")
        model, name, kind = body.get("model"), body.get("name"), body.get("data_type")
        if model not in ("contact", "company"):
            raise invalid("The Data Attribute model field must be either contact or company")
        if kind not in ATTRIBUTE_TYPES:
            raise invalid("Data Type isn't an option")
        if not isinstance(name, str) or not ATTRIBUTE_NAME.match(name):
            raise invalid("Your name for this attribute must only contain alphanumeric "
                          "characters, currency symbols, and hyphens")
        existing = next((a for a in self.data_attributes.ordered()
                         if a["name"] == name and a["custom"]), None)
        if existing is not None:
            held = "company" if existing["model"] == "company" else "people"
            wanted = "company" if model == "company" else "people"
            raise invalid(f"You already have '{name}' in your {held} data. To save this as new "
                          f"{wanted} data, use a different name.")
        options = body.get("options")
        if options is not None and (kind != "string" or not isinstance(options, list)):
            raise invalid("options need data_type string", field="options")
        next_id = 1 + max((a["attribute_id"] or 0) for a in self.data_attributes.ordered())
        record = data_attribute(model, name, "date" if kind == "datetime" else kind, options,
                                custom=True, now=self.now(), attribute_id=next_id)
        record["created_at"] = record["updated_at"] = self.now()
        if isinstance(body.get("description"), str):
            record["description"] = body["description"]
        record["messenger_writable"] = bool(body.get("messenger_writable", False))
        record["ui_writable"] = False
        return self.data_attributes.add(record)
