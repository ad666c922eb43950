"""API 1.x bulk jobs: batches of at most 100 items appended to open jobs of each object type
(one per lane, up to `max_workers` lanes at once), lost answers reconciled through the job,
task polling, and the error feed matched to records.

A job is opened by a request that carries a single item (an upsert when the batch has one), and
every further batch of its lane is appended with `job.id`, one at a time. So when the answer to
an append is lost (timeout, dropped connection, 5xx, broken body), the job's task list tells
whether the batch landed: it is resent only when the job shows no new task for it, even after
`lost_submit_wait_s`. Only the answer to an opening request cannot be checked (Intercom lists
jobs nowhere); then that one item is sent again in a new job, which is harmless for the reason
each writer states in `repeat_safety` (on 1.x, every write is an idempotent upsert by identifier
or an event Intercom de-duplicates).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import orjson
import requests

from intercom_client.errors import FatalError, IntercomError, NotFoundError, RetriableError, parse_json
from intercom_client.http import MAX_TRIES, TRANSIENT, IntercomHttp, wait_before_retry
from target_intercom.errors import (
    OutcomeUnknown,
    TargetError,
    failure_of,
    is_record_failure,
    run_stopper,
)
from target_intercom.mapping import Item
from target_intercom.outcomes import StreamOutcomes
from target_intercom.settings import TargetSettings

BULK_RESOURCES = {"users": ("users", "user"), "leads": ("contacts", "contact"),
                  "events": ("events", "event")}
DONE_TASK_STATES = {"completed", "completed_with_errors", "failed"}
PROGRESS_EVERY_S = 10.0


class AnswerLost(Exception):
    """The request may have reached Intercom, but its answer did not reach us."""


class NotApplied(Exception):
    """Intercom certainly did not apply the request (429, or no connection was made)."""


@dataclass
class BulkJob:
    """An open bulk job and what this run knows of it."""

    id: str
    tasks_known: int = 0  # tasks the job is known to hold
    errors_read: int = 0  # error-feed items already matched to records
    uncertain: int = 0  # resent batches whose first send may still land
    task_items: dict[str, list[Item]] = field(default_factory=dict)


@dataclass
class Lane:
    """One open job and its lock: one writer appends to it at a time, so every lost answer can
    be checked against the job's task list."""

    job: BulkJob | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class JobSlot:
    """The open jobs of one object type: one lane per worker, each with its own job."""

    lanes: list[Lane] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first(self, count: int) -> list[Lane]:
        """The first `count` lanes, opened as needed."""
        with self.lock:
            while len(self.lanes) < count:
                self.lanes.append(Lane())
            return self.lanes[:count]


class JobSlots:
    """One slot per object type, so every stream of a type appends to the same open jobs."""

    def __init__(self) -> None:
        self._slots: dict[str, JobSlot] = {}
        self._lock = threading.Lock()

    def slot(self, obj: str) -> JobSlot:
        with self._lock:
            return self._slots.setdefault(obj, JobSlot())


def item_key(method: str, data: object) -> bytes:
    """What identifies a sent item in the error feed, which echoes it."""
    return orjson.dumps({"method": method, "data": data}, option=orjson.OPT_SORT_KEYS)


def identity(method: str, data: dict) -> tuple:
    """A looser match for an error-feed item whose echo differs from what was sent."""
    return (method, *(str(data.get(k)) for k in ("id", "user_id", "email", "event_name",
                                                 "created_at")))


class BulkWriter:
    """Writes users, leads or events through 1.x bulk jobs; returns once every item is settled."""

    items_key = "items"  # the request body's list of items
    job_path = "/jobs/{id}"  # where the job's status is read
    closed_codes: tuple[str, ...] = ("job_closed",)  # an append refused because the job closed
    method = "POST"
    # Why an item sent twice (a lost answer resent) is harmless, as the log says it.
    repeat_safety = "every 1.x bulk write is an idempotent upsert or a de-duplicated event"

    def __init__(self, http: IntercomHttp, obj: str, slot: JobSlot, settings: TargetSettings,
                 outcomes: StreamOutcomes, logger: logging.Logger) -> None:
        resource, self.data_type = BULK_RESOURCES[obj]
        self.path = f"/bulk/{resource}"
        self.http = http
        self.slot = slot
        self.settings = settings
        self.outcomes = outcomes
        self.logger = logger
        self.name = f"{outcomes.stream}: {self.path}"

    def write(self, items: list[Item]) -> None:
        """Batches spread over up to `max_workers` lanes, each appending to its own job in
        turn and then settling it; returns once every item is settled."""
        self.outcomes.note_sent(items)
        size = self.settings.batch_size
        chunks = [items[start:start + size] for start in range(0, len(items), size)]
        lanes = self.slot.first(max(1, min(self.settings.max_workers, len(chunks))))
        work = [(lane, chunks[n::len(lanes)]) for n, lane in enumerate(lanes)]
        try:
            if len(work) == 1:
                self._write_lane(*work[0])
                return
            with ThreadPoolExecutor(len(work), thread_name_prefix="bulk-lane") as pool:
                for future in [pool.submit(self._write_lane, *w) for w in work]:
                    future.result()
        except TargetError:
            raise
        except (IntercomError, *TRANSIENT) as exc:
            raise run_stopper(exc, self.name) from None

    def _write_lane(self, lane: Lane, chunks: list[list[Item]]) -> None:
        with lane.lock:
            placed: dict[str, tuple[BulkJob, list[Item]]] = {}
            shown = time.monotonic()
            for n, chunk in enumerate(chunks, 1):
                for job, part in self._submit(lane, chunk):
                    placed.setdefault(job.id, (job, []))[1].extend(part)
                if time.monotonic() - shown > PROGRESS_EVERY_S:
                    shown = time.monotonic()
                    self.logger.info("%s: %d of %d batches submitted to this lane's job",
                                     self.name, n, len(chunks))
            for job, part in placed.values():
                self._settle(job, part)

    def close(self) -> None:
        pass

    # -- submitting ------------------------------------------------------------------------------

    def _submit(self, lane: Lane, chunk: list[Item]) -> list[tuple[BulkJob, list[Item]]]:
        """Send one batch to the lane's job, opening one when none is open; where its items
        went."""
        placed: list[tuple[BulkJob, list[Item]]] = []
        pending = list(chunk)
        while pending:
            job = lane.job
            if job is None:
                opener = next((i for i in pending if i.operation == "upsert"), pending[0])
                pending.remove(opener)
                job = self._open(opener)
                if job is not None:
                    lane.job = job
                    placed.append((job, [opener]))
                continue
            verdict = self._append(job, pending)
            if verdict == "closed":
                self.logger.info("%s: job %s is closed; starting a new job", self.name, job.id)
                lane.job = None
                continue
            if verdict == "sent":
                placed.append((job, pending))
            pending = []
        return placed

    def _open(self, opener: Item) -> BulkJob | None:
        """Open a job with one item; None when Intercom refused that item."""
        body = {self.items_key: [self._wire(opener)]}
        for attempt in range(MAX_TRIES):
            try:
                answer = self._post(body)
            except NotApplied:
                wait_before_retry(attempt)
                continue
            except AnswerLost as exc:
                self.logger.warning("%s: the answer to opening a job was lost (%s); sending its one "
                                    "item again in a new job (harmless: %s)", self.name, exc,
                                    self.repeat_safety)
                wait_before_retry(attempt)
                continue
            except FatalError as exc:
                if not is_record_failure(exc):
                    raise run_stopper(exc, self.name) from None
                self.outcomes.fail(opener, *failure_of(exc))
                return None
            job = BulkJob(id=str(answer["id"]))
            self._note_task(job, answer, [opener])
            self.logger.info("%s: opened bulk job %s", self.name, job.id)
            return job
        raise OutcomeUnknown(f"{self.name}: could not open a bulk job in {MAX_TRIES} tries")

    def _append(self, job: BulkJob, items: list[Item]) -> str:
        """Append a batch to a job: sent, closed (start a new job) or refused (items failed)."""
        body = {self.items_key: [self._wire(i) for i in items], "job": {"id": job.id}}
        for attempt in range(MAX_TRIES):
            try:
                answer = self._post(body)
            except NotApplied:
                wait_before_retry(attempt)
                continue
            except AnswerLost as exc:
                self.logger.warning("%s: the answer to appending %d items to job %s was lost (%s); "
                                    "checking the job", self.name, len(items), job.id, exc)
                if self._reconciled(job, items):
                    self.logger.info("%s: the batch did reach job %s; not resending it",
                                     self.name, job.id)
                    return "sent"
                job.uncertain += 1
                self.logger.warning("%s: job %s shows no task for the batch; resending it",
                                    self.name, job.id)
                wait_before_retry(attempt)
                continue
            except FatalError as exc:
                if exc.code in self.closed_codes or isinstance(exc, NotFoundError):
                    return "closed"
                if not is_record_failure(exc):
                    raise run_stopper(exc, self.name) from None
                for item in items:
                    self.outcomes.fail(item, *failure_of(exc), job_id=job.id)
                return "refused"
            self._note_task(job, answer, items)
            return "sent"
        raise OutcomeUnknown(f"{self.name}: appending to job {job.id} failed {MAX_TRIES} times")

    def _post(self, body: dict) -> dict:
        """POST a bulk request once; NotApplied, AnswerLost or FatalError when it fails."""
        try:
            response = self.http.request(self.method, self.path, json=body, retry=False)
            answer = parse_json(response)
        except requests.exceptions.ConnectTimeout as exc:
            raise NotApplied(str(exc)) from exc
        except RetriableError as exc:
            if exc.status == 429:
                raise NotApplied(str(exc)) from exc
            raise AnswerLost(str(exc)) from exc
        except TRANSIENT as exc:
            raise AnswerLost(type(exc).__name__) from exc
        if not isinstance(answer, dict) or not answer.get("id"):
            raise AnswerLost("the answer names no job")
        return answer

    def _reconciled(self, job: BulkJob, items: list[Item]) -> bool:
        """Whether a batch whose answer was lost is in the job, now or after lost_submit_wait_s."""
        if self._landed(job, items):
            return True
        time.sleep(self.settings.lost_submit_wait_s)
        return self._landed(job, items)

    def _landed(self, job: BulkJob, items: list[Item]) -> bool:
        """Whether the job shows exactly one new task of this batch's size (and nothing else
        could explain it)."""
        tasks = self._job(job).get("tasks") or []
        if job.uncertain == 0 and len(tasks) == job.tasks_known + 1 \
                and tasks[-1].get("item_count") == len(items):
            job.tasks_known += 1
            job.task_items[str(tasks[-1].get("id"))] = items
            return True
        return False

    def _note_task(self, job: BulkJob, answer: dict, items: list[Item]) -> None:
        tasks = answer.get("tasks")
        if isinstance(tasks, list) and tasks:
            job.tasks_known = max(job.tasks_known + 1, len(tasks))
            job.task_items[str(tasks[-1].get("id"))] = items
        else:
            job.tasks_known += 1
        self.outcomes.note_job(job.id)

    def _wire(self, item: Item) -> dict:
        method = "delete" if item.operation == "delete" else "post"
        return {"method": method, "data_type": self.data_type, "data": item.payload}

    # -- settling --------------------------------------------------------------------------------

    def _job(self, job: BulkJob) -> dict:
        return self.http.json("GET", self.job_path.format(id=job.id))

    def _settle(self, job: BulkJob, items: list[Item]) -> None:
        """Poll the job until its tasks are done, then read its error feed; every item settles."""
        deadline = time.monotonic() + self.settings.job_timeout_s
        shown = None
        while True:
            answer = self._job(job)
            tasks = answer.get("tasks") or []
            done = sum(1 for t in tasks if t.get("state") in DONE_TASK_STATES)
            if (len(tasks) >= job.tasks_known and done == len(tasks)) or answer.get("state") == "failed":
                break
            if (done, len(tasks)) != shown:
                shown = (done, len(tasks))
                self.logger.info("%s: job %s: %d of %d tasks completed", self.name, job.id, *shown)
            if time.monotonic() > deadline:
                raise OutcomeUnknown(
                    f"{self.name}: job {job.id} finished {done} of {len(tasks)} tasks in "
                    f"{self.settings.job_timeout_s:g} s (job_timeout_s); the records of this batch "
                    f"are not confirmed: run again (harmless: {self.repeat_safety})")
            time.sleep(self.settings.job_poll_interval_s)
        if len(tasks) > job.tasks_known:
            self.logger.warning("%s: job %s holds %d tasks, %d more than sent: a resent batch "
                                "landed twice (harmless: %s)", self.name, job.id, len(tasks),
                                len(tasks) - job.tasks_known, self.repeat_safety)
            job.tasks_known = len(tasks)
        self._read_errors(job, items)
        for task in tasks:
            if task.get("state") == "failed":
                for item in job.task_items.get(str(task.get("id")), []):
                    self.outcomes.fail(item, "job_task_failed", f"task {task.get('id')} failed",
                                       job.id)
        if answer.get("state") == "failed":
            for item in items:  # nothing says these were applied: none is confirmed
                self.outcomes.fail(item, "job_failed", f"bulk job {job.id} failed", job.id)
        failed = sum(1 for i in items if i.status == "failed")
        for item in items:
            self.outcomes.accept(item, job.id)
        job.task_items.clear()
        self.logger.info("%s: job %s: %d items settled: %d accepted, %d failed", self.name, job.id,
                         len(items), len(items) - failed, failed)

    def _read_errors(self, job: BulkJob, items: list[Item]) -> None:
        """Read every page of the job's error feed and fail the records its new entries name."""
        entries: list[dict] = []
        url: str | None = f"/jobs/{job.id}/error"
        seen: set[str] = set()
        while url and url not in seen:
            seen.add(url)
            page = self.http.json("GET", url)
            entries.extend(page.get("items") or [])
            url = (page.get("pages") or {}).get("next")
        # The feed only grows (failures are appended as tasks are applied): skip what was read.
        fresh, job.errors_read = entries[job.errors_read:], len(entries)
        exact: dict[bytes, list[Item]] = {}
        loose: dict[tuple, list[Item]] = {}
        for item in items:
            if item.status is None:
                wire = self._wire(item)
                exact.setdefault(item_key(wire["method"], item.payload), []).append(item)
                loose.setdefault(identity(wire["method"], item.payload), []).append(item)
        for entry in fresh:
            data = entry["data"] if isinstance(entry.get("data"), dict) else {}
            method = str(entry.get("method") or "post")
            error = entry.get("error") or {}
            match = (_first_open(exact.get(item_key(method, data)))
                     or _first_open(loose.get(identity(method, data))))
            if match is None:
                self.logger.debug("%s: error feed entry of job %s matches no open record: %s",
                                  self.name, job.id, error)
                continue
            self.outcomes.fail(match, str(error.get("code") or "error"),
                               str(error.get("message") or ""), job.id)


def _first_open(candidates: list[Item] | None) -> Item | None:
    return next((i for i in candidates or () if i.status is None), None)
