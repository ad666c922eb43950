"""tap-intercom-sync-log: the sync log that target-intercom keeps in its sync store, as one Singer
stream, so that the push job itself loads it into the warehouse (a second extract-load step)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from typing_extensions import override

from intercom_client.cli import OneLineFailures
from target_intercom.settings import STORE_NAME
from target_intercom.store import LOG_COLUMNS

STREAM_NAME = "intercom_sync_log"
LOG_SCHEMA = th.PropertiesList(
    th.Property("run_id", th.StringType, required=True, description="The target run"),
    th.Property("log_id", th.IntegerType, required=True,
                description="The entry's number in its sync store"),
    th.Property("logged_at", th.DateTimeType, required=True, description="When it settled"),
    th.Property("stream", th.StringType, description="The input stream"),
    th.Property("object", th.StringType, description="users, leads, companies or events"),
    th.Property("row_number", th.IntegerType, description="The row's place in its stream (from 0)"),
    th.Property("key", th.StringType, description="What identifies the object, e.g. external_id=42"),
    th.Property("operation", th.StringType, description="upsert or delete"),
    th.Property("outcome", th.StringType,
                description="accepted, failed, invalid, unchanged, skipped or dry_run"),
    th.Property("code", th.StringType, description="Intercom's (or the target's) error code"),
    th.Property("message", th.StringType, description="Why the row was not written"),
    th.Property("job_id", th.StringType, description="The bulk job that took it"),
    th.Property("intercom_id", th.StringType, description="The Intercom id of the object written"),
).to_dict()


class SyncLogStream(Stream):
    """Every record outcome of every target run, in the order they settled; incremental by
    logged_at (equal times are read again, and loaded as upserts on run_id and log_id)."""

    name = STREAM_NAME
    schema = LOG_SCHEMA
    primary_keys = ("run_id", "log_id")
    replication_key = "logged_at"
    is_sorted = True

    @override
    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        path = Path(self.config["sync_store_path"])
        if not path.exists():
            self.logger.info("no sync store at %s yet: no target run has logged anything", path)
            return
        since = self.get_starting_replication_key_value(context) or ""
        columns = ("log_id", *LOG_COLUMNS)
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            if "sync_log" not in tables:
                return
            rows = db.execute(f"SELECT {', '.join(columns)} FROM sync_log WHERE logged_at >= ? "
                              "ORDER BY logged_at, log_id", (since,))
            for row in rows:
                yield dict(zip(columns, row, strict=True))


class TapSyncLog(OneLineFailures, Tap):
    """Reads target-intercom's sync log."""

    name = "tap-intercom-sync-log"
    config_jsonschema = th.PropertiesList(
        th.Property("sync_store_path", th.StringType(min_length=1), required=True,
                    description=f"target-intercom's sync store (its sync_store_path; by default "
                                f"{STORE_NAME} beside its errors_path)"),
    ).to_dict()

    @override
    def discover_streams(self) -> list[Stream]:
        return [SyncLogStream(self)]


if __name__ == "__main__":
    TapSyncLog.cli()
