"""The tap's streams, one short class each."""

from __future__ import annotations

import time
import typing as t
from collections.abc import Iterable, Iterator

from typing_extensions import override

from intercom_client.errors import NotFoundError
from tap_intercom.client import IntercomStream
from tap_intercom.concurrency import ordered_map
from tap_intercom.readers import Bounds
from tap_intercom.schema_files import load_schema

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

DAY = 86400


class SchemaStream(IntercomStream):
    """A stream whose schema is the file for its name and the run's API generation."""

    min_api_version: str | None = None  # the oldest api_version that serves it; None for any

    def __init__(self, tap: t.Any, schema: dict | None = None, **kwargs: t.Any) -> None:
        super().__init__(tap, schema=schema or load_schema(tap.generation.number, self.name),
                         **kwargs)

    @property
    def page_size(self) -> int:
        return min(self.config["page_size"], self.generation.max_page_size)

    @property
    def max_workers(self) -> int:
        return self.config["max_workers"]

    @property
    def scroll_wait_seconds(self) -> float:
        """How long a scroll waits for another client's scroll to be released."""
        return self.config["scroll_wait_seconds"]


class VersionedTable(SchemaStream):
    """Read in full, each run is a new version of the table (Singer's ACTIVATE_VERSION): a
    loader then removes or marks the rows that run did not have, i.e. those Intercom deleted.

    The SDK sends ACTIVATE_VERSION as the stream starts, and a loader honouring it
    (target-postgres) retires every older row at once: a run that failed half way would leave
    the table without the rows it did not reach. The message is held back until every record
    was emitted (after the SDK's record loop, `sync` being final), so only a complete read
    retires anything.
    """

    _read_complete = False

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        return True

    @override
    def _write_activate_version_message(self, full_table_version: int) -> None:
        if self._read_complete:
            super()._write_activate_version_message(full_table_version)

    @override
    def _sync_records(self, context: Context | None = None, *,
                      write_messages: bool = True) -> t.Generator[dict, t.Any, t.Any]:
        self._read_complete = False
        yield from super()._sync_records(context, write_messages=write_messages)
        if write_messages and self._stream_version is not None:  # a selected full-table read
            self._read_complete = True
            self._write_activate_version_message(self._stream_version)


class ListStream(VersionedTable):
    """A small full-table list: one or a few GETs, no paging."""

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        for request in self.generation.list_requests(self.name):
            body = self.fetch("GET", request.path, params=request.params)
            for record in self.generation.records(self.name, body):
                if self.generation.keep(self.name, record):
                    yield {**record, **{k: v for k, v in request.extra.items()
                                        if record.get(k) is None}}


class TagsStream(ListStream):
    name = "tags"
    primary_keys = ("id",)


class SegmentsStream(ListStream):
    name = "segments"
    primary_keys = ("id",)


class AdminsStream(ListStream):
    name = "admins"
    primary_keys = ("id",)


class TeamsStream(ListStream):
    name = "teams"
    primary_keys = ("id",)


class DataAttributesStream(ListStream):
    name = "data_attributes"
    primary_keys = ("model", "full_name")


class CountsStream(SchemaStream):
    """A snapshot of Intercom's counts, stamped with the time it was taken."""

    name = "counts"
    primary_keys = ("taken_at", "entity", "breakdown", "item")

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        taken_at = int(time.time())
        for row in self.generation.count_rows(self):
            yield {"taken_at": taken_at, **row}


class IncrementalStream(SchemaStream):
    """A stream with an updated_at bookmark that never moves past what was emitted."""

    replication_key = "updated_at"
    STATE_MSG_FREQUENCY = 500  # sorted streams checkpoint this often while they run

    @property
    @override
    def check_sorted(self) -> bool:
        """Unsorted reads keep the greatest value; sorted ones re-read the bookmark's first day."""
        return not self.is_sorted

    def bounds(self, context: Context | None) -> Bounds:
        """From the bookmark (or start_date) less the lookback, up to now, frozen for the run."""
        start = self.get_starting_timestamp(context)
        lower = None
        if start is not None:
            lookback = self.config["lookback_window_days"] * DAY
            lower = int(start.timestamp()) - lookback
        return Bounds(lower, self._sync_started_at)

    @property
    def _sync_started_at(self) -> int:
        started = getattr(self, "_started", None)
        if started is None:
            started = self._started = int(time.time())
        return started


class DeletionStream(IncrementalStream):
    """Ids of objects Intercom deleted, with when they went (`deleted_at`, the bookmark)."""

    primary_keys = ("id",)
    replication_key = "deleted_at"
    is_sorted = False


class UsersStream(IncrementalStream):
    name = "users"
    primary_keys = ("id",)
    role = "user"

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        yield from self.generation.people(self, self.role, self.bounds(context))

    @property
    @override
    def is_sorted(self) -> bool:
        return self.generation.sorted_reads  # 2.x search is ascending; 1.x reads newest first


class ContactsStream(UsersStream):
    """Leads (contacts with role lead)."""

    name = "contacts"
    role = "lead"


class CompaniesStream(IncrementalStream, VersionedTable):
    """Every company is read each run (Intercom cannot filter them); changed ones are emitted,
    or with `companies_replication: full_table` all of them, as a new version of the table."""

    name = "companies"
    primary_keys = ("id",)
    is_sorted = False

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config["companies_replication"] == "full_table":
            self.replication_key = None  # type: ignore[assignment]  # a class attribute here

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        source = self.config["companies_source"]
        yield from self.generation.companies(self, self.bounds(context), source)


class ConversationsStream(IncrementalStream):
    """Conversations; with parts selected, details are fetched concurrently for the child."""

    name = "conversations"
    primary_keys = ("id",)
    STATE_MSG_FREQUENCY = 50  # each conversation carries its parts: checkpoint more often

    @property
    @override
    def is_sorted(self) -> bool:
        return self.generation.sorted_reads

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.parts: dict[str, tuple[list[dict], int | None]] = {}

    def parts_wanted(self) -> bool:
        child = self._tap.streams.get("conversation_parts")
        return bool(child and child.selected)

    def detail(self, conversation: dict) -> dict | None:
        try:
            return self.fetch("GET", f"/conversations/{conversation['id']}")
        except NotFoundError:
            return None

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        listed = self.generation.conversations(self, self.bounds(context))
        if not self.parts_wanted():
            yield from listed
            return
        for conversation, detail in ordered_map(self.detail, listed, self.max_workers):
            if isinstance(detail, BaseException):
                raise detail
            if detail is None:
                self.logger.warning("conversation %s is gone (404); skipped with its parts",
                                    conversation["id"])
                continue
            block = detail.get("conversation_parts") or {}
            parts = block.get("conversation_parts") or []
            total = int(block.get("total_count") or len(parts))
            if total > len(parts):
                self.logger.warning("conversation %s has %d parts; Intercom returned the %d most "
                                    "recent (parts_total_count records the gap)",
                                    conversation["id"], total, len(parts))
            conversation["parts_total_count"] = total
            conversation["parts_returned_count"] = len(parts)
            self.parts[conversation["id"]] = (parts, conversation.get("updated_at"))
            yield conversation

    @override
    def get_child_context(self, record: dict, context: Context | None) -> dict:
        return {"conversation_id": record["id"]}


class ConversationPartsStream(SchemaStream):
    """Every part of each conversation emitted; it follows the parent's bookmark."""

    name = "conversation_parts"
    primary_keys = ("conversation_id", "id")
    parent_stream_type = ConversationsStream
    state_partitioning_keys: t.ClassVar[list[str]] = []

    @override
    def get_records(self, context: Context | None) -> Iterator[dict]:
        conversation_id = context["conversation_id"] if context else None
        parent = t.cast(ConversationsStream, self._tap.streams["conversations"])
        parts, updated_at = parent.parts.pop(conversation_id or "", (None, None))
        if parts is None:  # not prefetched by the parent: read it now
            detail = parent.detail({"id": conversation_id}) or {}
            parts = (detail.get("conversation_parts") or {}).get("conversation_parts") or []
            updated_at = detail.get("updated_at")
        for part in parts:
            yield {**part, "conversation_id": conversation_id,
                   "conversation_updated_at": updated_at}


STREAM_TYPES = (UsersStream, ContactsStream, CompaniesStream, ConversationsStream,
                ConversationPartsStream, TagsStream, SegmentsStream, AdminsStream, TeamsStream,
                DataAttributesStream, CountsStream)
