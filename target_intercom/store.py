"""The sync store (SQLite): what each row's payload was when Intercom last accepted it, per stream
and destination, and the sync log of every record's outcome in every run.

Rows change only when a record settles, and are committed once its batch is settled; a run that
stops before then leaves the store as it was, so those records are sent again next time."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from target_intercom.mapping import Item
from target_intercom.outcomes import json_default

SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    stream TEXT NOT NULL, destination TEXT NOT NULL, key TEXT NOT NULL,
    digest TEXT NOT NULL, state TEXT NOT NULL, operation TEXT NOT NULL,
    written INTEGER NOT NULL, identifiers TEXT NOT NULL, intercom_id TEXT, run_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (stream, destination, key));
CREATE TABLE IF NOT EXISTS sync_log (
    log_id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, logged_at TEXT NOT NULL,
    stream TEXT NOT NULL, object TEXT NOT NULL, row_number INTEGER NOT NULL, key TEXT,
    operation TEXT NOT NULL, outcome TEXT NOT NULL, code TEXT, message TEXT, job_id TEXT,
    intercom_id TEXT);
"""
IDENTIFIER_FIELDS = ("external_id", "user_id", "email", "id", "company_id")
KEPT_IDENTIFIERS = ("id", "user_id", "external_id", "email", "role", "company_id")
LOG_COLUMNS = ("run_id", "logged_at", "stream", "object", "row_number", "key", "operation",
               "outcome", "code", "message", "job_id", "intercom_id")


def row_key(obj: str, payload: Mapping[str, Any]) -> str | None:
    """What identifies a row's object in Intercom: the first identifier the payload has (an
    event: its name, time and person); None when it has none."""
    if obj == "events":
        who = next((f"{k}={payload[k]}" for k in ("user_id", "email", "id") if payload.get(k)), "")
        return f"{payload.get('event_name')}@{payload.get('created_at')}/{who}"
    return next((f"{k}={payload[k]}" for k in IDENTIFIER_FIELDS if payload.get(k)), None)


def digest(item: Item) -> str:
    """A hash of everything a row sends: operation, payload and links."""
    body = orjson.dumps({"operation": item.operation, "payload": item.payload,
                         "links": item.links}, default=json_default,
                        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(body).hexdigest()


def workspace_fingerprint(token: str) -> str:
    """A one-way fingerprint of the access token, so that two workspaces never share rows."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Known:
    """What the store knows of one key."""

    digest: str
    state: str  # written or failed
    operation: str


class SyncStore:
    """The store of one target run; thread-safe (writers settle records from worker threads)."""

    def __init__(self, path: str | Path, run_id: str, record_rows: bool = True) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self.record_rows = record_rows  # False in a dry run: read, never write
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=60)
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()
        self.pending_rows: list[tuple] = []
        self.pending_log: list[tuple] = []

    def known(self, stream: str, destination: str, keys: Iterable[str]) -> dict[str, Known]:
        """What the store knows of these keys."""
        wanted = sorted(set(keys))
        found: dict[str, Known] = {}
        with self.lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, dig, state, operation in self.db.execute(
                        f"SELECT key, digest, state, operation FROM rows WHERE stream = ? AND "
                        f"destination = ? AND key IN ({marks})", (stream, destination, *chunk)):
                    found[key] = Known(dig, state, operation)
        return found

    def present(self, stream: str, destination: str) -> dict[str, dict]:
        """The identifiers of every object an earlier run wrote (even if a later update of it
        failed) and no run has deleted since (a failed delete is tried again), by key."""
        with self.lock:
            rows = self.db.execute(
                "SELECT key, identifiers FROM rows WHERE stream = ? AND destination = ? AND "
                "written = 1 AND NOT (operation = 'delete' AND state = 'written')",
                (stream, destination)).fetchall()
        return {key: orjson.loads(identifiers) for key, identifiers in rows}

    def settled(self, stream: str, obj: str, destination: str, item: Item) -> None:
        """Note a record's outcome: a log entry, and for a record sent, its row."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        intercom_id = str(item.answer["id"]) if isinstance(item.answer, dict) \
            and item.answer.get("id") else None
        entry = (self.run_id, now, stream, obj, item.row, item.key, item.operation, item.status,
                 item.code, item.message, item.job_id, intercom_id)
        row = None
        if item.key is not None and item.digest is not None \
                and item.status in ("accepted", "failed"):
            identifiers = {k: item.payload[k] for k in KEPT_IDENTIFIERS if item.payload.get(k)}
            accepted = item.status == "accepted"
            row = (stream, destination, item.key, item.digest,
                   "written" if accepted else "failed", item.operation,
                   int(accepted and item.operation == "upsert"),
                   orjson.dumps(identifiers).decode(), intercom_id, self.run_id, now)
        with self.lock:
            self.pending_log.append(entry)
            if row is not None:
                self.pending_rows.append(row)

    def commit(self) -> None:
        """Write what settled since the last commit (called once a batch is settled)."""
        with self.lock:
            rows, log = self.pending_rows, self.pending_log
            self.pending_rows, self.pending_log = [], []
            if not self.record_rows or not (rows or log):
                return
            with self.db:
                self.db.executemany(
                    "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream, "
                    "destination, key) DO UPDATE SET digest = excluded.digest, state = "
                    "excluded.state, operation = excluded.operation, written = CASE WHEN "
                    "excluded.state = 'failed' THEN rows.written ELSE excluded.written END, "
                    "identifiers = "
                    "excluded.identifiers, intercom_id = coalesce(excluded.intercom_id, "
                    "rows.intercom_id), run_id = excluded.run_id, updated_at = excluded.updated_at",
                    rows)
                self.db.executemany(
                    f"INSERT INTO sync_log ({', '.join(LOG_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(LOG_COLUMNS))})", log)

    def close(self) -> None:
        self.commit()
        with self.lock:
            self.db.close()
