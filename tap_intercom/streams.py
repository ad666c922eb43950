"""The tap's streams, one short class each."""

from __future__ import annotations

import functools
import time
import typing as t
from collections.abc import Iterable, Iterator

from typing_extensions import override

from intercom_client.errors import NotFoundError
from tap_intercom import tickets
from tap_intercom.client import IntercomStream
from tap_intercom.concurrency import ordered_map
from tap_intercom.readers import Bounds, numbered_pages
from tap_intercom.relations import RELATED_SEGMENTS, linked_ids
from tap_intercom.schema_files import load_schema

if t.TYPE_CHECKING:
    from singer_sdk import Stream
    from singer_sdk.helpers.types import Context

DAY = 86400


class SchemaStream(IntercomStream):
    """A stream whose schema is the file for its name and the run's API generation."""

    min_api_version: str | None = None  # the oldest api_version that serves it; None for any
    opt_in_setting: str | None = None  # a boolean setting without which it is not discovered

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

    def child_selected(self, name: str) -> bool:
        """Whether the child stream `name` of this stream is selected."""
        return any(child.name == name and child.selected for child in self.child_streams)


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
    entity = ""  # what a child names its parent by: `<entity>_id`, `<entity>_updated_at`
    current_record: dict | None = None
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

    @override
    def get_child_context(self, record: dict, context: Context | None) -> dict:
        """The record's id for its children, which read its lists from `current_record`.

        Children are synced right after this call, before the next record is read, so the
        record kept here is the one they belong to; tap-only fields are taken off what is sent.
        """
        segments = record.pop(RELATED_SEGMENTS, None)
        self.current_record = record if segments is None else {**record,
                                                               RELATED_SEGMENTS: segments}
        return {f"{self.entity}_id": record["id"], "parent": self.name}

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
    entity = "contact"
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

    @property  # type: ignore[explicit-override]  # an attribute in the SDK
    @override
    def child_streams(self) -> list[Stream]:
        """The children of users: contact relationships come from users and leads alike.

        The SDK links a child to one parent type only, so leads share the list of users.
        """
        return self._tap.streams["users"].child_streams

    @child_streams.setter
    @override
    def child_streams(self, value: list[Stream]) -> None:
        """The SDK starts every stream with an empty list; the shared one stays."""


class CompaniesStream(IncrementalStream, VersionedTable):
    """Every company is read each run (Intercom cannot filter them); changed ones are emitted,
    or with `companies_replication: full_table` all of them, as a new version of the table."""

    name = "companies"
    entity = "company"
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


class ThreadStream(IncrementalStream):
    """Conversations or tickets; with parts selected, details are fetched concurrently for the
    child stream, and any part Intercom leaves out past its cap is flagged."""

    entity = ""  # "conversation" or "ticket": names the detail path, the parts and the children
    STATE_MSG_FREQUENCY = 50  # each record carries its parts: checkpoint more often

    @property
    @override
    def is_sorted(self) -> bool:
        return self.generation.sorted_reads

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.parts: dict[str, tuple[list[dict], int | None]] = {}

    def listed(self, bounds: Bounds) -> Iterator[dict]:
        """The records changed within `bounds`, ascending by updated_at where the API sorts."""
        raise NotImplementedError

    def parts_wanted(self) -> bool:
        child = self._tap.streams.get(f"{self.entity}_parts")
        return bool(child and child.selected)

    def detail(self, record: dict) -> dict | None:
        try:
            return self.fetch("GET", f"/{self.entity}s/{record['id']}")
        except NotFoundError:
            return None

    def parts_of(self, detail: dict) -> tuple[list[dict], int]:
        """The parts a detail answer holds, and how many the record has in all."""
        block = detail.get(f"{self.entity}_parts") or {}
        parts = block.get(f"{self.entity}_parts") or []
        return parts, int(block.get("total_count") or len(parts))

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        listed = self.listed(self.bounds(context))
        if not self.parts_wanted():
            yield from listed
            return
        for record, detail in ordered_map(self.detail, listed, self.max_workers):
            if isinstance(detail, BaseException):
                raise detail
            if detail is None:
                self.logger.warning("%s %s is gone (404); skipped with its parts", self.entity,
                                    record["id"])
                continue
            parts, total = self.parts_of(detail)
            if total > len(parts):
                self.logger.warning("%s %s has %d parts; Intercom returned the %d most recent "
                                    "(parts_total_count records the gap)", self.entity,
                                    record["id"], total, len(parts))
            record["parts_total_count"] = total
            record["parts_returned_count"] = len(parts)
            self.parts[record["id"]] = (parts, record.get("updated_at"))
            yield record



class ConversationsStream(ThreadStream):
    name = "conversations"
    primary_keys = ("id",)
    entity = "conversation"

    @override
    def listed(self, bounds: Bounds) -> Iterator[dict]:
        return self.generation.conversations(self, bounds)


class PartsStream(SchemaStream):
    """Every part of each parent record emitted; it follows the parent's bookmark."""

    parent_name = ""
    state_partitioning_keys: t.ClassVar[list[str]] = []

    @override
    def get_records(self, context: Context | None) -> Iterator[dict]:
        parent = t.cast(ThreadStream, self._tap.streams[self.parent_name])
        key = f"{parent.entity}_id"
        parent_id = context[key] if context else None
        parts, updated_at = parent.parts.pop(parent_id or "", (None, None))
        if parts is None:  # not prefetched by the parent: read it now
            detail = parent.detail({"id": parent_id}) or {}
            parts, _total = parent.parts_of(detail)
            updated_at = detail.get("updated_at")
        for part in parts:
            yield {**part, key: parent_id, f"{parent.entity}_updated_at": updated_at}


class ConversationPartsStream(PartsStream):
    name = "conversation_parts"
    primary_keys = ("conversation_id", "id")
    parent_stream_type = ConversationsStream
    parent_name = "conversations"


class TicketsStream(ThreadStream):
    """Tickets (2.x), searched like conversations; their parts feed `ticket_parts`."""

    name = "tickets"
    primary_keys = ("id",)
    entity = "ticket"
    min_api_version = "2.0"

    @override
    def listed(self, bounds: Bounds) -> Iterator[dict]:
        return (tickets.ticket(r) for r in self.generation.tickets(self, bounds))


class TicketPartsStream(PartsStream):
    name = "ticket_parts"
    primary_keys = ("ticket_id", "id")
    parent_stream_type = TicketsStream
    parent_name = "tickets"
    min_api_version = "2.0"


class TicketTypesStream(ListStream):
    """Ticket types with their attributes (and, from 2.16, the ids of their states)."""

    name = "ticket_types"
    primary_keys = ("id",)
    min_api_version = "2.0"

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        return (tickets.ticket_type(r) for r in super().get_records(context))


class TicketStatesStream(ListStream):
    name = "ticket_states"
    primary_keys = ("id",)
    min_api_version = "2.16"

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        return (tickets.ticket_state(r) for r in super().get_records(context))


class OfficeHoursSchedulesStream(ListStream):
    name = "office_hours_schedules"
    primary_keys = ("id",)
    min_api_version = "2.16"


class SubscriptionTypesStream(ListStream):
    name = "subscription_types"
    primary_keys = ("id",)
    min_api_version = "2.0"


class PagedListStream(VersionedTable):
    """A 2.x list paged by number, read in full each run as a new version of the table.

    Intercom cannot filter these lists by time, so they are full table: a loader drops or
    marks the rows a complete run no longer saw.
    """

    list_path = ""
    integer_ids: tuple[str, ...] = ()  # ids Intercom sends as integers: strings, as elsewhere
    min_api_version = "2.0"

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        for record in numbered_pages(self, self.list_path, "data", self.page_size):
            for key in self.integer_ids:
                value = record.get(key)
                if isinstance(value, list):
                    record[key] = [str(v) for v in value]
                elif value is not None:
                    record[key] = str(value)
            yield record


class HelpCentersStream(PagedListStream):
    name = "help_centers"
    primary_keys = ("id",)
    list_path = "/help_center/help_centers"


class CollectionsStream(PagedListStream):
    """Help center collections."""

    name = "collections"
    primary_keys = ("id",)
    list_path = "/help_center/collections"
    integer_ids = ("help_center_id",)


class ArticlesStream(PagedListStream):
    name = "articles"
    primary_keys = ("id",)
    list_path = "/articles"
    integer_ids = ("author_id", "parent_id", "parent_ids")


class ActivityLogsStream(IncrementalStream):
    """Teammates' activity (2.x), read in creation-time windows, ascending."""

    name = "activity_logs"
    primary_keys = ("id",)
    replication_key = "created_at"
    is_sorted = True
    min_api_version = "2.0"

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        return self.generation.activity_logs(self, self.bounds(context))


class NotesStream(IncrementalStream):
    """Notes (2.x) of the contacts changed since the bookmark, read `max_workers` at a time.

    The bookmark is the contacts' updated_at: a note is a change of its contact, and the
    contacts search is ascending, so a run resumes at the first contact not yet read.
    """

    name = "notes"
    primary_keys = ("id",)
    replication_key = "contact_updated_at"
    is_sorted = True
    min_api_version = "2.0"
    STATE_MSG_FREQUENCY = 100

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        contacts = self.generation.changed_contacts(self, self.bounds(context))
        read = functools.partial(self.generation.notes_of, self)
        for contact, notes in ordered_map(lambda c: read(c["id"]), contacts, self.max_workers):
            if isinstance(notes, BaseException):
                raise notes
            for note in notes:
                yield {**note, "contact_id": contact["id"],
                       "contact_updated_at": contact.get("updated_at")}


class RelationStream(SchemaStream):
    """One row per object a parent's complete list names, emitted whenever the parent is.

    Each changed parent's whole set is sent again, stamped `<parent>_updated_at` with the
    parent's `updated_at`: a link the parent lost keeps its older stamp (see the README).
    """

    related_key = ""
    state_partitioning_keys: t.ClassVar[list[str]] = []
    is_sorted = False

    @property
    def parent_entity(self) -> str:
        return t.cast(type[IncrementalStream], self.parent_stream_type).entity

    @property
    def parent_key(self) -> str:
        return f"{self.parent_entity}_id"

    @property  # type: ignore[explicit-override]  # an attribute in the SDK
    @override
    def replication_key(self) -> str:
        """The parent's version: the child is as incremental as its parent."""
        return f"{self.parent_entity}_updated_at"

    @replication_key.setter
    @override
    def replication_key(self, value: str) -> None:
        """The SDK assigns the catalog's replication key; the parent's version always wins."""

    @override
    def get_records(self, context: Context | None) -> Iterator[dict]:
        if not context or self.name not in self.generation.relation_fields:
            return
        parent = t.cast(IncrementalStream, self._tap.streams[context["parent"]])
        record = parent.current_record or {}
        if record.get("id") != context[self.parent_key]:
            raise RuntimeError(f"{self.name}: parent record {context[self.parent_key]} is gone")
        field, key = self.generation.relation_fields[self.name]
        for related in linked_ids(record, field, key):
            yield {self.parent_key: record["id"], self.related_key: related,
                   self.replication_key: record.get("updated_at")}


class ContactTagsStream(RelationStream):
    name = "contact_tags"
    parent_stream_type = UsersStream
    related_key = "tag_id"
    primary_keys = ("contact_id", "tag_id")


class ContactCompaniesStream(RelationStream):
    name = "contact_companies"
    parent_stream_type = UsersStream
    related_key = "company_id"
    primary_keys = ("contact_id", "company_id")


class ContactSegmentsStream(RelationStream):
    """2.x embeds no segments in contacts: one call per changed contact there (1.x embeds them)."""

    name = "contact_segments"
    parent_stream_type = UsersStream
    related_key = "segment_id"
    primary_keys = ("contact_id", "segment_id")


class CompanyTagsStream(RelationStream):
    name = "company_tags"
    parent_stream_type = CompaniesStream
    related_key = "tag_id"
    primary_keys = ("company_id", "tag_id")


class CompanySegmentsStream(RelationStream):
    name = "company_segments"
    parent_stream_type = CompaniesStream
    related_key = "segment_id"
    primary_keys = ("company_id", "segment_id")


class ConversationTagsStream(RelationStream):
    name = "conversation_tags"
    parent_stream_type = ConversationsStream
    related_key = "tag_id"
    primary_keys = ("conversation_id", "tag_id")


class ConversationContactsStream(RelationStream):
    name = "conversation_contacts"
    parent_stream_type = ConversationsStream
    related_key = "contact_id"
    primary_keys = ("conversation_id", "contact_id")


class ConversationTeammatesStream(RelationStream):
    name = "conversation_teammates"
    parent_stream_type = ConversationsStream
    related_key = "admin_id"
    primary_keys = ("conversation_id", "admin_id")


class TeamAdminsStream(VersionedTable):
    """Each team's members, from the team list (full table with versions, like teams)."""

    name = "team_admins"
    primary_keys = ("team_id", "admin_id")

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        for request in self.generation.list_requests("teams"):
            body = self.fetch("GET", request.path, params=request.params)
            for team in self.generation.records("teams", body):
                for admin_id in team.get("admin_ids") or []:
                    yield {"team_id": str(team["id"]), "admin_id": str(admin_id)}


STREAM_TYPES = (UsersStream, ContactsStream, CompaniesStream, ConversationsStream,
                ConversationPartsStream, TagsStream, SegmentsStream, AdminsStream, TeamsStream,
                DataAttributesStream, CountsStream, ContactTagsStream, ContactCompaniesStream,
                ContactSegmentsStream, CompanyTagsStream, CompanySegmentsStream,
                ConversationTagsStream, ConversationContactsStream, ConversationTeammatesStream,
                TeamAdminsStream, TicketsStream, TicketPartsStream, TicketTypesStream,
                TicketStatesStream, ActivityLogsStream, NotesStream, SubscriptionTypesStream,
                HelpCentersStream, CollectionsStream, ArticlesStream, OfficeHoursSchedulesStream)
