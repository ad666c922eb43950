"""Every record accounted for: accepted, failed, invalid, unchanged or skipped; the errors file;
the run summary."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from target_intercom.mapping import Item

if TYPE_CHECKING:
    from target_intercom.store import SyncStore

OutcomeListener = Callable[[str, Item], None]


def json_default(value: Any) -> Any:
    """JSON for what input records may hold besides plain JSON types."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def json_line(entry: dict) -> bytes:
    return orjson.dumps(entry, default=json_default,
                        option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)


class ErrorsFile:
    """Failed and invalid records as JSON lines, appended and flushed as each is learned."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.lines = 0
        self._handle: IO[bytes] | None = None
        self._lock = threading.Lock()

    def write(self, entry: dict) -> None:
        line = json_line(entry)
        with self._lock:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = self.path.open("ab")
            self._handle.write(line)
            self._handle.flush()
            self.lines += 1

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


@dataclass
class StreamOutcomes:
    """What became of the records of one input stream."""

    stream: str
    object: str
    errors: ErrorsFile
    listener: OutcomeListener | None = None
    dry: bool = False
    store: SyncStore | None = None
    destination: str = ""
    received: int = 0
    sent: int = 0
    accepted: int = 0
    failed: int = 0
    invalid: int = 0
    dry_run: int = 0
    unchanged: int = 0
    skipped: int = 0
    api_calls: int = 0
    jobs: set[str] = field(default_factory=set)
    seen: set[str | None] = field(default_factory=set, repr=False)  # keys in this run's input
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next_row(self) -> int:
        """The stream's next row number (from 0), counting every record received."""
        with self.lock:
            self.received += 1
            return self.received - 1

    def note_seen(self, key: str | None) -> None:
        with self.lock:
            self.seen.add(key)

    def note_sent(self, items: list[Item]) -> None:
        with self.lock:
            self.sent += len(items)

    def note_job(self, job_id: str) -> None:
        with self.lock:
            self.jobs.add(job_id)

    def reject(self, item: Item) -> None:
        """An invalid record: reported, never sent."""
        code, message = item.problem or ("invalid", "invalid record")
        if self._settle(item, "invalid", code, message, None):
            self._report(item, "invalid")

    def accept(self, item: Item, job_id: str | None = None) -> None:
        self._settle(item, "accepted", None, None, job_id)

    def fail(self, item: Item, code: str, message: str, job_id: str | None = None) -> None:
        """A record Intercom refused, with its error code and message."""
        if self._settle(item, "failed", code, message, job_id):
            self._report(item, "failed")

    def skip_dry_run(self, item: Item) -> None:
        self._settle(item, "dry_run", None, None, None)

    def keep_unchanged(self, item: Item) -> None:
        """A record whose payload Intercom already accepted as it is: not sent again."""
        self._settle(item, "unchanged", None, None, None)

    def skip(self, item: Item, code: str, message: str) -> None:
        """A record the stream's sync mode leaves alone (update_only, create_only)."""
        self._settle(item, "skipped", code, message, None)

    def _settle(self, item: Item, status: str, code: str | None, message: str | None,
                job_id: str | None) -> bool:
        """Give an item its outcome, once; False when it already had one."""
        with self.lock:
            if item.status is not None:
                return False
            item.status, item.code, item.message, item.job_id = status, code, message, job_id
            setattr(self, status, getattr(self, status) + 1)
        if self.store is not None:
            self.store.settled(self.stream, self.object, self.destination, item)
        if self.listener is not None:
            self.listener(self.stream, item)
        return True

    def _report(self, item: Item, outcome: str) -> None:
        self.errors.write({
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "stream": self.stream, "object": self.object, "row": item.row,
            "operation": item.operation, "outcome": outcome, "code": item.code,
            "message": item.message, "job_id": item.job_id, "record": item.record,
        })

    def summary(self) -> str:
        jobs = f", {len(self.jobs)} job{'s' if len(self.jobs) != 1 else ''}" if self.jobs else ""
        if self.dry:
            return (f"{self.stream} -> {self.object}: {self.received} records: "
                    f"{self.dry_run} would be sent{self._left_alone()}, {self.invalid} invalid "
                    "(dry run, nothing sent)")
        return (f"{self.stream} -> {self.object}: {self.received} records: {self.sent} sent, "
                f"{self.accepted} accepted, {self.failed} failed, {self.invalid} invalid (not sent)"
                f"{self._left_alone()}{jobs}, {self.api_calls} API calls")

    def _left_alone(self) -> str:
        """The unchanged and skipped counts, when there are any."""
        counts = [(self.unchanged, "unchanged (not sent)"), (self.skipped, "skipped (sync mode)")]
        return "".join(f", {n} {what}" for n, what in counts if n)


class Outcomes:
    """The outcomes of every stream of one run, sharing one errors file."""

    def __init__(self, errors_path: str, listener: OutcomeListener | None = None,
                 dry_run: bool = False, store: SyncStore | None = None) -> None:
        self.errors = ErrorsFile(errors_path)
        self.listener = listener
        self.dry_run = dry_run
        self.store = store
        self.streams: dict[str, StreamOutcomes] = {}

    def stream(self, name: str, obj: str, destination: str = "") -> StreamOutcomes:
        """The outcomes of a stream; kept across sinks when the stream's schema changes."""
        if name not in self.streams:
            self.streams[name] = StreamOutcomes(name, obj, self.errors, self.listener,
                                                self.dry_run, self.store, destination)
        return self.streams[name]

    @property
    def received(self) -> int:
        return sum(s.received for s in self.streams.values())

    @property
    def not_written(self) -> int:
        """Records that failed or were invalid."""
        return sum(s.failed + s.invalid for s in self.streams.values())

    def failure_share(self) -> float:
        return self.not_written / self.received if self.received else 0.0

    def log_summary(self, logger: logging.Logger) -> None:
        for stream in self.streams.values():
            logger.info("summary: %s", stream.summary())
        if self.errors.lines:
            logger.warning("summary: %d failed or invalid records written to %s",
                           self.errors.lines, self.errors.path)

    def close(self) -> None:
        self.errors.close()
        if self.store is not None:
            self.store.close()
