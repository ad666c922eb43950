"""1.x bulk jobs: tasks that apply items after a processing delay, and the error feed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from intercom_sandbox.model import v1_input
from intercom_sandbox.model.errors import ApiError, invalid, not_found

if TYPE_CHECKING:
    from intercom_sandbox.model.workspace import Workspace

MAX_ITEMS = 100
DATA_TYPES = {"users": "user", "contacts": "contact", "events": "event"}


@dataclass
class Task:
    """One POST's worth of items, applied when its processing delay has passed."""

    id: str
    created_at: float
    items: list[dict]
    applied: bool = False

    def state(self, now: float, delay: float) -> str:
        """Completed only once its items are applied, so a completed task's effects show."""
        if self.applied:
            return "completed"
        return "running" if now >= self.created_at + delay / 2 else "pending"


@dataclass
class Job:
    """A bulk job of one data type, open for appends until `closing_at`."""

    id: str
    data_type: str
    created_at: float
    closing_at: float
    tasks: list[Task] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    updated_at: float = 0.0


class JobStore:
    """Every bulk job of the workspace."""

    def __init__(self, workspace: Workspace, clock: Callable[[], float]) -> None:
        self.workspace = workspace
        self.clock = clock
        self.jobs: dict[str, Job] = {}
        self.pending: list[tuple[Job, Task]] = []

    @property
    def delay(self) -> float:
        return self.workspace.config.job_task_delay_s

    def submit(self, resource: str, body: object) -> Job:
        """Validate a bulk request and add its items as a new task to a new or open job."""
        data_type = DATA_TYPES[resource]
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise invalid("items must be a list", field="items")
        items = body["items"]
        if not items:
            raise invalid("items must not be empty", field="items")
        if len(items) > MAX_ITEMS:
            raise invalid(f"Too many items: at most {MAX_ITEMS} per request", field="items")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
                raise invalid("each item needs a data object", field="items")
            if item.get("data_type") != data_type:
                raise invalid(f"data_type must be {data_type!r} on /bulk/{resource}",
                              field="data_type")
            allowed = ("post",) if data_type == "event" else ("post", "delete")
            if item.get("method") not in allowed:
                raise invalid(f"method must be one of {', '.join(allowed)}", field="method")
        now = self.clock()
        job_ref = body.get("job")
        if job_ref:
            job_id = job_ref.get("id") if isinstance(job_ref, dict) else None
            job = self.jobs.get(str(job_id))
            if job is None:
                raise not_found("Job Not Found")
            if job.data_type != data_type:
                raise invalid(f"job {job.id} holds {job.data_type} items", field="job")
            if now >= job.closing_at:
                raise ApiError(400, "job_closed", "The client should start a new bulk job")
        else:
            job = Job(id=f"job_v2_{uuid.uuid4().hex}", data_type=data_type, created_at=now,
                      closing_at=now + self.workspace.config.job_close_after_s)
            self.jobs[job.id] = job
        task = Task(id=f"task_{uuid.uuid4().hex}", created_at=now,
                    items=[dict(item) for item in items])
        job.tasks.append(task)
        job.updated_at = now
        self.pending.append((job, task))
        return job

    def process_due(self) -> None:
        """Apply every task whose processing delay has passed, oldest first."""
        if not self.pending:
            return
        now = self.clock()
        due = [(job, task) for job, task in self.pending if now >= task.created_at + self.delay]
        if not due:
            return
        self.pending = [p for p in self.pending if p not in due]
        for job, task in due:
            for item in task.items:
                self._apply(job, item)
            task.applied = True
            job.updated_at = max(job.updated_at, task.created_at + self.delay)

    def _apply(self, job: Job, item: dict) -> None:
        ws = self.workspace
        data = item["data"]
        try:
            if job.data_type == "event":
                ws.add_event(data)
            elif item["method"] == "delete":
                role = "user" if job.data_type == "user" else "lead"
                ident = v1_input.contact_fields(data, ws.now())
                if not any(ident.get(k) for k in ("id", "external_id", "email")):
                    raise invalid("user_id or email required", code="parameter_not_found")
                record = ws.find_user(ident, role)
                if record is None:
                    raise not_found("User Not Found")
                ws.archive_contact(record)
            elif job.data_type == "user":
                ws.upsert_user(v1_input.contact_fields(data, ws.now()))
            else:
                ws.upsert_lead(v1_input.contact_fields(data, ws.now()))
        except ApiError as exc:
            job.errors.append({
                "type": "job_item", "id": f"item_{uuid.uuid4().hex[:20]}",
                "method": item["method"], "data_type": item["data_type"], "data": data,
                "error": {"code": exc.code, "message": exc.message},
            })

    def get(self, job_id: str) -> Job:
        self.process_due()
        job = self.jobs.get(job_id)
        if job is None:
            raise not_found("Job Not Found")
        return job

    def state(self, job: Job) -> tuple[str, float | None]:
        """The job's state and completion time."""
        now = self.clock()
        done = all(t.state(now, self.delay) == "completed" for t in job.tasks)
        if now < job.closing_at or not done:
            return "running", None
        last = max([job.closing_at] + [t.created_at + self.delay for t in job.tasks])
        return ("completed_with_errors" if job.errors else "completed"), last

    def close(self, job_id: str) -> Job:
        """Close a job now (sandbox admin), as if its closing time had come."""
        job = self.get(job_id)
        job.closing_at = min(job.closing_at, self.clock())
        return job
