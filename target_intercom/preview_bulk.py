"""Preview bulk jobs (2.x): users, leads and companies in batches of at most 100, through the 1.x
writer's job machinery (one open job per object, appends by `job.id`, lost answers checked in the
job's task list, polling), with Preview's endpoints and its way of proving each record's outcome.

Preview reports no per-item errors: a task (one request) ends `completed` or
`completed_with_errors`, and created contacts come back without ids. So a record is accepted only
on evidence: its task `completed` (every item applied) for updates, deletes and company upserts,
else a read-back (GET) that shows the object as sent, or gone for a delete; every create is read
back (one search per 100 external_ids or emails), which also gives its id. A record without such
evidence fails, and is sent again next run (the sync store keeps it pending).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from typing_extensions import override

from intercom_client.errors import NotFoundError
from intercom_client.http import IntercomHttp
from target_intercom.bulk import BulkJob, BulkWriter, JobSlot
from target_intercom.mapping import Item
from target_intercom.outcomes import StreamOutcomes
from target_intercom.settings import TargetSettings
from target_intercom.upsert import UpsertWriter, look_up_contacts, search_contacts

# What each Preview endpoint can set; a record that sets more is written per record instead.
UPDATE_FIELDS = frozenset({"id", "external_id", "email", "name", "phone", "avatar", "owner_id",
                           "unsubscribed_from_emails", "custom_attributes", "role"})
CREATE_FIELDS = UPDATE_FIELDS - {"id"} | {"signed_up_at", "last_seen_at"}
COMPANY_FIELDS = frozenset({"company_id", "name", "plan", "size", "website", "industry",
                            "custom_attributes", "remote_created_at", "monthly_spend"})
ENDPOINTS = {"create": ("POST", "/contacts/bulk"), "update": ("PUT", "/contacts/bulk"),
             "delete": ("POST", "/contacts/bulk/delete"), "upsert": ("POST", "/companies/bulk")}
COMPARED = ("external_id", "email", "name", "phone", "company_id", "plan", "industry", "website",
            "size")


def shows(obj: dict, payload: dict) -> bool:
    """Whether an object read back holds what a payload sent (its plain fields and attributes)."""
    for key in COMPARED:
        if key in payload and str(payload[key] or "").lower() != str(obj.get(key) or "").lower():
            return False
    held = obj.get("custom_attributes") or {}
    return all(held.get(k) == v for k, v in (payload.get("custom_attributes") or {}).items())


class PreviewBulkWriter(BulkWriter):
    """Writes users, leads and companies through Preview bulk jobs; what a bulk endpoint cannot
    express (a lead's create, an archive, fields the endpoint ignores, a company delete) goes
    per record through the upsert writer."""

    job_path = "/contacts/bulk/{id}"
    closed_codes = ("job_closed", "forbidden")  # Preview: 403 "job ... is closed for new tasks"
    repeat_safety = ("updates and deletes by id and company upserts are idempotent, and a strict "
                     "create sent twice is refused the second time, the read-back proving the "
                     "first")

    def __init__(self, http: IntercomHttp, obj: str, slot: JobSlot, settings: TargetSettings,
                 outcomes: StreamOutcomes, logger: logging.Logger) -> None:
        # BulkWriter's __init__ names 1.x resources; these are Preview's.
        self.http, self.slot, self.settings = http, slot, settings
        self.outcomes, self.logger, self.obj = outcomes, logger, obj
        self.people = obj in ("users", "leads")
        self.items_key = "contacts" if self.people else "companies"
        self.job_path = f"/{self.items_key}/bulk/{{id}}"
        self.path = f"/{self.items_key}/bulk"
        self.name = f"{outcomes.stream}: {self.path}"
        self.single = UpsertWriter(http, obj, settings, outcomes, logger)
        self.ops: dict[int, str] = {}  # row -> create, update, delete or upsert
        self.task_states: dict[str, str] = {}

    @override
    def write(self, items: list[Item]) -> None:
        groups: dict[str, list[Item]] = {}
        for item, op in zip(items, self._operations(items), strict=True):
            groups.setdefault(op, []).append(item)
            self.ops[item.row] = op
        if groups.get("single"):
            self.single.write(groups.pop("single"))
        for op, group in groups.items():
            self.method, self.path = ENDPOINTS[op]
            super().write(group)

    @override
    def close(self) -> None:
        self.single.close()

    def _operations(self, items: list[Item]) -> list[str]:
        """Each record's endpoint, from what exists in Intercom (one search per 100 records)."""
        if not self.people:
            return ["upsert" if i.operation == "upsert" and set(i.payload) <= COMPANY_FIELDS
                    else "single" for i in items]
        lookup = look_up_contacts(self.http, items)
        found = {c["id"]: c for c in lookup.by_external_id.values()}
        found.update({c["id"]: c for people in lookup.by_email.values() for c in people})
        ops = []
        for item in items:
            contact_id = lookup.locate(item.payload)
            if item.operation == "delete":
                ok = contact_id is not None and self.settings.delete_mode == "delete"
                if ok:
                    item.payload = {**item.payload, "id": contact_id}
                ops.append("delete" if ok else "single")
            elif contact_id is not None and set(item.payload) <= UPDATE_FIELDS:
                item.payload = {**item.payload, "id": contact_id}
                item.answer = found.get(contact_id) or {"id": contact_id}
                ops.append("update")
            elif contact_id is None and item.payload.get("role") == "user" \
                    and set(item.payload) <= CREATE_FIELDS:
                ops.append("create")
            else:  # a lead's create (Preview does not keep leads unique), or fields bulk ignores
                ops.append("single")
        return ops

    @override
    def _wire(self, item: Item) -> dict:
        op = self.ops[item.row]
        if op == "delete":
            return {"id": item.payload["id"]}
        wire = {k: v for k, v in item.payload.items() if not (op == "create" and k == "id")}
        if wire.get("owner_id") is not None:
            wire["owner_id"] = str(wire["owner_id"])  # a string in Preview's bulk requests
        if op == "update":
            wire.pop("role", None)
        return wire

    @override
    def _job(self, job: BulkJob) -> dict:
        answer = super()._job(job)
        self.task_states = {str(t.get("id")): str(t.get("state"))
                            for t in answer.get("tasks") or []}
        return answer

    # -- proving each record's outcome -----------------------------------------------------------

    @override
    def _read_errors(self, job: BulkJob, items: list[Item]) -> None:
        """Fail every record of this job that nothing proves applied (Preview has no error
        feed); creates are always read back, for their ids."""
        clean = {id(i) for task, part in job.task_items.items()
                 if self.task_states.get(task) == "completed" for i in part}
        open_items = [i for i in items if i.status is None]
        creates = [i for i in open_items if self.ops[i.row] == "create"]
        for item, contact in zip(creates, self._read_creates(creates), strict=True):
            if contact is None:
                self._unproven(job, item, "no contact with these identifiers shows what was sent")
            else:
                item.answer = contact
        for item in open_items:
            if self.ops[item.row] == "create" or id(item) in clean:
                continue
            proof = {"update": self._updated, "delete": self._deleted,
                     "upsert": self._upserted}[self.ops[item.row]]
            reason = proof(item)
            if reason:
                self._unproven(job, item, reason)

    def _unproven(self, job: BulkJob, item: Item, reason: str) -> None:
        self.outcomes.fail(item, "bulk_item_rejected",
                           f"bulk job {job.id}: {reason} (its task reported errors, or was not "
                           "matched)", job.id)

    def _read_creates(self, items: list[Item]) -> list[dict | None]:
        """The contact each create made, read back by external_id, else email."""
        by: dict[str, dict[str, dict]] = {"external_id": {}, "email": {}}
        for field in by:
            wanted = {str(i.payload[field]) for i in items if i.payload.get(field)
                      and (field == "external_id" or not i.payload.get("external_id"))}
            for contact in search_contacts(self.http, "user", field, wanted) if wanted else []:
                by[field][str(contact[field]).lower()] = contact
        found: list[dict | None] = []
        for item in items:
            field = "external_id" if item.payload.get("external_id") else "email"
            match = by[field].get(str(item.payload.get(field)).lower())
            found.append(match if match is not None and shows(match, item.payload) else None)
        return found

    def _read(self, read: Callable[[], dict]) -> dict | None:
        try:
            return read()
        except NotFoundError:
            return None

    def _updated(self, item: Item) -> str | None:
        contact = self._read(lambda: self.http.json("GET", f"/contacts/{item.payload['id']}"))
        if contact is None or not shows(contact, item.payload):
            return "the contact read back does not show the update"
        item.answer = contact
        return None

    def _deleted(self, item: Item) -> str | None:
        contact = self._read(lambda: self.http.json("GET", f"/contacts/{item.payload['id']}"))
        return None if contact is None else "the contact is still there"

    def _upserted(self, item: Item) -> str | None:
        params: dict[str, Any] = {"company_id": item.payload["company_id"]}
        answer = self._read(lambda: self.http.json("GET", "/companies", params=params))
        company = (answer.get("data") or [None])[0] if answer and "data" in answer else answer
        if not company or not shows(company, item.payload):
            return "the company read back does not show what was sent"
        item.answer = company
        return None
