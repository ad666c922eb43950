"""Preview representations of bulk jobs (`contacts.bulk.job`, `companies.bulk.job`)."""

from __future__ import annotations

from intercom_sandbox.model.bulk_jobs import PreviewJobStore
from intercom_sandbox.model.jobs import Job


def job(jobs: PreviewJobStore, j: Job, base: str) -> dict:
    state, completed_at = jobs.preview_state(j)
    now, delay = jobs.clock(), jobs.delay
    tasks = []
    for t in j.tasks:
        task_state = jobs.task_state(t, now, delay)
        tasks.append({
            "id": t.id, "item_count": len(t.items), "state": task_state,
            "created_at": int(t.created_at),
            "started_at": int(t.created_at + delay / 2) if task_state != "pending" else None,
            "completed_at": int(t.created_at + delay)
            if task_state.startswith("completed") else None})
    return {"id": j.id, "type": f"{j.data_type}.bulk.job", "state": state,
            "created_at": int(j.created_at), "updated_at": int(j.updated_at),
            "completed_at": int(completed_at) if completed_at else None, "tasks": tasks,
            "url": f"{base}/{j.data_type}/bulk/{j.id}"}
