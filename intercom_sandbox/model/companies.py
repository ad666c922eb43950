"""Companies: lookups by Intercom id, your company_id or name, upserts and members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intercom_sandbox.model.attributes import AttributeOperations
from intercom_sandbox.model.collection import Collection
from intercom_sandbox.model.errors import invalid, not_found
from intercom_sandbox.model.generate import hex_id

COMPANY_WRITABLE = {
    "company_id", "name", "remote_created_at", "monthly_spend", "plan", "session_count", "size",
    "website", "industry", "custom_attributes", "last_request_at",
}


class CompanyOperations(AttributeOperations):
    """Company rules of a workspace (a part of `Workspace`)."""

    contacts: Collection
    companies: Collection
    mutation_rng: Any
    now: Callable[[], int]
    live_contacts: Callable[..., list[dict]]

    def index_companies(self) -> None:
        self.by_company_id = {c["company_id"]: c["id"] for c in self.companies.ordered()}

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
