"""Preview bulk jobs (`/contacts/bulk`, `/companies/bulk`): the 1.x job lifecycle (tasks applied
after a processing delay, appends by `job.id` until the job closes) with Preview's rules: no error
feed, a task ends `completed_with_errors` when one of its items was rejected."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from intercom_sandbox.model.errors import ApiError, not_found
from intercom_sandbox.model.jobs import MAX_ITEMS, Job, JobStore, Task

CREATE_FIELDS = frozenset({
    "external_id", "email", "name", "role", "phone", "avatar", "language_override",
    "custom_attributes", "signed_up_at", "last_seen_at", "owner_id", "unsubscribed_from_emails",
    "companies", "tags"})
UPDATE_FIELDS = frozenset({
    "id", "external_id", "email", "name", "phone", "avatar", "owner_id", "unsubscribed_from_emails",
    "language_override", "custom_attributes", "companies", "tags"})
COMPANY_FIELDS = frozenset({
    "company_id", "name", "plan", "size", "website", "industry", "custom_attributes",
    "remote_created_at", "monthly_spend", "update_last_request_at"})
NEEDS_ID = {("contacts", "update"), ("contacts", "delete"), ("companies", "update"),
            ("companies", "delete")}
SINGULAR = {"contacts": "contact", "companies": "company"}


def unprocessable(code: str, message: str) -> ApiError:
    return ApiError(422, code, message)


class PreviewJobStore(JobStore):
    """Preview bulk jobs of one workspace: `contacts` jobs take creates, updates and deletes,
    `companies` jobs take upserts, updates and deletes; each request is one task."""

    def submit_preview(self, resource: str, operation: str, body: object) -> Job:
        """Validate a Preview bulk request and add it as a task to a new or open job."""
        items = self._items(resource, operation, body)
        now = self.clock()
        job_ref = body.get("job") if isinstance(body, dict) else None
        if job_ref:
            job_id = str(job_ref.get("id")) if isinstance(job_ref, dict) else ""
            job = self.jobs.get(job_id)
            if job is None or job.data_type != resource:
                raise not_found(f"job {job_id} not found", code="job_not_found")
            if now >= job.closing_at:
                raise ApiError(403, "forbidden", f"job {job.id} is closed for new task updates")
        else:
            job = Job(id=f"job_v2_{uuid.uuid4().hex}", data_type=resource, created_at=now,
                      closing_at=now + self.workspace.config.job_close_after_s)
            self.jobs[job.id] = job
        task = Task(id=f"task_v2_{uuid.uuid4().hex}", created_at=now,
                    items=[{"op": operation, "data": item} for item in items])
        job.tasks.append(task)
        job.updated_at = now
        self.pending.append((job, task))
        return job

    def _items(self, resource: str, operation: str, body: object) -> list[dict]:
        """The request's items, or Intercom's 422 for a malformed request."""
        if not isinstance(body, dict) or resource not in body:
            raise unprocessable("field_not_found", f"{resource} field must be supplied")
        items = body[resource]
        if not isinstance(items, list):
            raise unprocessable("type_mismatch", f"{resource} must be an array")
        if len(items) > MAX_ITEMS:
            raise unprocessable("parameter_invalid",
                                f"maximum number of {resource} per request is {MAX_ITEMS}")
        if not all(isinstance(item, dict) for item in items):
            raise unprocessable("type_mismatch", f"each {SINGULAR[resource]} must be an object")
        if (resource, operation) in NEEDS_ID and not all(item.get("id") for item in items):
            raise unprocessable("field_not_found", f"{resource} must be identified by id")
        return items

    def _apply(self, job: Job, item: dict) -> None:
        """Apply one item; a rejected item is marked, which makes its task end with errors."""
        try:
            if job.data_type == "contacts":
                self._contact(item["op"], item["data"])
            else:
                self._company(item["op"], item["data"])
        except ApiError as exc:
            item["error"] = {"code": exc.code, "message": exc.message}
            job.errors.append(item)

    def _contact(self, operation: str, data: dict) -> None:
        ws: Any = self.workspace
        if operation == "delete":
            ws.delete_contact(ws.contact(str(data["id"]), archived=True))
            return
        allowed = CREATE_FIELDS if operation == "create" else UPDATE_FIELDS
        fields = {k: v for k, v in data.items() if k in allowed and k != "language_override"}
        tags = fields.pop("tags", None)
        if "owner_id" in fields and fields["owner_id"] is not None:
            fields["owner_id"] = int(fields["owner_id"]) if str(fields["owner_id"]).isdigit() \
                else fields["owner_id"]
        if operation == "create":
            record = self._create(fields)
        else:
            record = ws.edit_contact(ws.contact(str(fields.pop("id"))), fields)
        if isinstance(tags, dict):
            self._tag(record, tags)

    def _create(self, fields: dict) -> dict:
        """A strict create: a user whose external_id or email any contact (even archived) has is
        rejected; leads are exempt."""
        ws: Any = self.workspace
        role = fields.pop("role", "user")
        if role not in ("user", "lead"):
            raise ApiError(400, "parameter_invalid", "role must be one of user, lead")
        if role == "user":
            taken = ws.by_external_id.get(("user", str(fields.get("external_id")))) \
                if fields.get("external_id") else None
            if taken is None and fields.get("email"):
                taken = next(iter(ws.by_email.get(str(fields["email"]).lower(), [])), None)
            if taken is not None:
                raise ApiError(409, "conflict",
                               f"A contact matching those details already exists with id={taken}")
        return ws.new_contact(role, fields)

    def _tag(self, record: dict, tags: dict) -> None:
        """Best effort, as Intercom says: unknown tag ids are skipped."""
        ws: Any = self.workspace
        for on, key in ((True, "add"), (False, "remove")):
            for ref in tags.get(key) or []:
                tag = ws.tags.get(str((ref or {}).get("id")))
                if tag is not None:
                    with contextlib.suppress(ApiError):
                        ws._set_tag(ws.contacts, record, tag["id"], on)

    def _company(self, operation: str, data: dict) -> None:
        ws: Any = self.workspace
        if operation == "upsert":
            fields = {k: v for k, v in data.items() if k in COMPANY_FIELDS}
        else:
            company = ws.companies.get(str(data["id"]))
            if company is None:
                raise not_found("Company Not Found", code="company_not_found")
            if operation == "delete":  # memberships go; the company itself is kept
                for contact in ws.company_members(company):
                    ws.detach_company(contact, company["id"])
                return
            fields = {k: v for k, v in data.items() if k in COMPANY_FIELDS}
            fields["company_id"] = company["company_id"]
        if fields.pop("update_last_request_at", None):
            fields["last_request_at"] = ws.now()
        ws.upsert_company(fields)

    @staticmethod
    def task_state(task: Task, now: float, delay: float) -> str:
        """A task's state: like 1.x, except that one rejected item ends it with errors."""
        state = task.state(now, delay)
        if state == "completed" and any("error" in item for item in task.items):
            return "completed_with_errors"
        return state

    def preview_state(self, job: Job) -> tuple[str, float | None]:
        """The job's state from its tasks (it can take appends until it closes)."""
        now = self.clock()
        states = [self.task_state(t, now, self.delay) for t in job.tasks]
        if all(s == "pending" for s in states):
            return "pending", None
        if any(s in ("pending", "running") for s in states):
            return "running", None
        last = max(t.created_at + self.delay for t in job.tasks)
        return ("completed_with_errors" if "completed_with_errors" in states else "completed"), last
