"""What differs between Intercom API 1.x and 2.x, behind one small interface."""

from __future__ import annotations

import functools
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass

from typing_extensions import override

from intercom_client.errors import FatalError, NotFoundError
from intercom_client.settings import api_generation, version_order
from tap_intercom import readers, relations
from tap_intercom.readers import Bounds, PageCapReached
from tap_intercom.seen import SeenIds

if t.TYPE_CHECKING:
    from tap_intercom.streams import SchemaStream

COUNT_VARIANTS = (("conversation", None), ("conversation", "admin"), ("user", "tag"),
                  ("user", "segment"), ("company", "tag"), ("company", "segment"),
                  ("company", "user"))


ACTIVITY_WINDOW_S = 30 * 86400  # activity log windows: a month of teammates' sign-ins is small


@dataclass(frozen=True)
class ListRequest:
    """One GET of a small list: its path, parameters and fields the tap adds to each record."""

    path: str
    params: dict
    extra: dict


class Generation:
    """The interface both generations implement."""

    number = 0
    version = ""  # the configured api_version
    list_keys: t.ClassVar[dict[str, str]] = {}
    sorted_reads = False  # whether incremental reads come in ascending updated_at order
    max_page_size = 60
    # The data attribute model that types each stream's custom_attributes.
    attribute_models: t.ClassVar[dict[str, str]] = {}
    # Relationship stream -> (the parent's list field, the list inside it, or None if bare).
    relation_fields: t.ClassVar[dict[str, tuple[str, str | None]]] = {}
    missing_streams: t.ClassVar[frozenset[str]] = frozenset()  # left out of discovery

    def offers(self, stream_name: str) -> bool:
        """Whether this generation has the stream at all."""
        return stream_name not in self.missing_streams

    def reaches(self, needed: str | None) -> bool:
        """Whether the configured version is `needed` or newer (Preview is the newest)."""
        return needed is None or version_order(self.version) >= version_order(needed)

    def records(self, stream_name: str, body: dict) -> list[dict]:
        """The records of a list response (under the stream's own name where 2.11 puts them)."""
        return body.get(self.list_keys.get(stream_name, "data")) or body.get(stream_name) or []

    def list_requests(self, stream_name: str) -> list[ListRequest]:
        return [ListRequest(f"/{stream_name}", {}, {})]

    def keep(self, stream_name: str, record: dict) -> bool:
        return True

    def people(self, stream: SchemaStream, role: str, bounds: Bounds) -> Iterator[dict]:
        raise NotImplementedError

    def companies(self, stream: SchemaStream, bounds: Bounds, source: str) -> Iterator[dict]:
        raise NotImplementedError

    def conversations(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        raise NotImplementedError

    def tickets(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        raise NotImplementedError  # tickets exist from 2.x on; discovery leaves the stream out

    def activity_logs(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        raise NotImplementedError  # 2.x only; discovery leaves the stream out

    def changed_contacts(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        raise NotImplementedError  # notes are read per 2.x contact; discovery leaves them out

    def notes_of(self, stream: SchemaStream, contact_id: str) -> list[dict]:
        raise NotImplementedError

    def count_rows(self, stream: SchemaStream) -> Iterator[dict]:
        """Rows of every /counts variant."""
        yield from count_rows(stream.fetch("GET", "/counts"), None, None)
        for kind, count in COUNT_VARIANTS:
            params = {"type": kind, **({"count": count} if count else {})}
            yield from count_rows(stream.fetch("GET", "/counts", params=params), kind, count)


class V1(Generation):
    """Users and leads, page lists and scrolls."""

    number = 1
    attribute_models: t.ClassVar[dict[str, str]] = {
        "users": "customer", "contacts": "customer", "companies": "company"}
    relation_fields: t.ClassVar[dict[str, tuple[str, str | None]]] = {
        "contact_tags": ("tags", "tags"), "contact_companies": ("companies", "companies"),
        "contact_segments": ("segments", "segments"), "company_tags": ("tags", "tags"),
        "company_segments": ("segments", "segments"), "conversation_tags": ("tags", "tags"),
        "conversation_contacts": ("customers", None)}
    missing_streams: t.ClassVar[frozenset[str]] = frozenset({"conversation_teammates"})  # none
    list_keys: t.ClassVar[dict[str, str]] = {
        "users": "users", "contacts": "contacts", "companies": "companies",
        "conversations": "conversations", "tags": "tags", "segments": "segments",
        "admins": "admins", "teams": "teams", "data_attributes": "data_attributes"}

    @override
    def list_requests(self, stream_name: str) -> list[ListRequest]:
        if stream_name == "segments":
            return [ListRequest("/segments", {"include_count": "true"}, {"segment_type": "user"}),
                    ListRequest("/segments", {"type": "company"}, {"segment_type": "company"})]
        if stream_name == "data_attributes":
            return [ListRequest("/data_attributes", {"model": m, "include_archived": "true"}, {})
                    for m in ("customer", "company")]
        return super().list_requests(stream_name)

    @override
    def keep(self, stream_name: str, record: dict) -> bool:
        return stream_name != "admins" or record.get("type") == "admin"  # 1.x lists teams too

    @override
    def people(self, stream: SchemaStream, role: str, bounds: Bounds) -> Iterator[dict]:
        """Page lists, newest first, up to their 10,000 cap; the scroll only for the rest.

        A page list is asked for by number, so any failed page is simply asked for again,
        while a failed scroll page may have moved the scroll on: page lists keep most reads,
        full reads included, off the scroll.
        """
        path, key = ("/users", "users") if role == "user" else ("/contacts", "contacts")
        sent = SeenIds()  # on disk: a scroll of millions keeps memory flat
        try:
            for record in readers.newest_first(stream, path, key, bounds, stream.page_size):
                sent.add(record["id"])
                yield record
            return
        except PageCapReached:
            stream.logger.info("%s: more records than a page list reaches; scrolling for the "
                               "rest", stream.name)
        for record in readers.scroll(stream, f"{path}/scroll", key, stream.scroll_wait_seconds,
                                     total=functools.partial(list_total, stream, path),
                                     seen=sent):
            if bounds.admits(record.get("updated_at")):
                yield record

    @override
    def companies(self, stream: SchemaStream, bounds: Bounds, source: str) -> Iterator[dict]:
        if source == "list":
            try:
                yield from readers.newest_first(stream, "/companies", "companies",
                                                Bounds(None, bounds.upper), stream.page_size,
                                                params={"sort": None, "order": "desc"})
                return
            except PageCapReached:
                stream.logger.info("companies: over 10,000 companies; scrolling instead")
        for record in readers.scroll(stream, "/companies/scroll", "companies",
                                     stream.scroll_wait_seconds,
                                     total=functools.partial(company_total, stream)):
            if bounds.admits(record.get("updated_at")):
                yield record

    @override
    def conversations(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        yield from readers.newest_first(stream, "/conversations", "conversations", bounds,
                                        stream.page_size)


class V2(Generation):
    """Unified contacts, cursors and search."""

    number = 2
    sorted_reads = True
    max_page_size = 150
    attribute_models: t.ClassVar[dict[str, str]] = {
        "users": "contact", "contacts": "contact", "companies": "company",
        "conversations": "conversation"}
    relation_fields: t.ClassVar[dict[str, tuple[str, str | None]]] = {
        "contact_tags": ("tags", "data"), "contact_companies": ("companies", "data"),
        "contact_segments": (relations.RELATED_SEGMENTS, None), "company_tags": ("tags", "tags"),
        "company_segments": ("segments", "segments"), "conversation_tags": ("tags", "tags"),
        "conversation_contacts": ("contacts", "contacts"),
        "conversation_teammates": ("teammates", "teammates")}
    list_keys: t.ClassVar[dict[str, str]] = {
        "users": "data", "contacts": "data", "companies": "data",
        "conversations": "conversations", "tags": "data", "segments": "segments",
        "admins": "admins", "teams": "teams", "data_attributes": "data"}

    @override
    def list_requests(self, stream_name: str) -> list[ListRequest]:
        if stream_name == "segments":
            return [ListRequest("/segments", {"include_count": "true"}, {"segment_type": "user"})]
        if stream_name == "data_attributes":
            return [ListRequest("/data_attributes", {"model": m, "include_archived": "true"},
                                {"model": m}) for m in ("contact", "company", "conversation")]
        return super().list_requests(stream_name)

    @override
    def people(self, stream: SchemaStream, role: str, bounds: Bounds) -> Iterator[dict]:
        """Contacts of the role, each with its addressable lists made whole (see relations.py)."""
        found = readers.search(stream, "/contacts/search", "data",
                               [{"field": "role", "operator": "=", "value": role}], bounds,
                               stream.page_size, stream.max_workers)
        yield from relations.complete_contacts(stream, found, stream.max_workers,
                                               stream.child_selected("contact_segments"))

    @override
    def companies(self, stream: SchemaStream, bounds: Bounds, source: str) -> Iterator[dict]:
        if source == "list":
            page, pages = 1, 1
            while page <= pages:
                body = stream.fetch("POST", "/companies/list",
                                    params={"page": page, "per_page": 60, "order": "desc"})
                pages = (body.get("pages") or {}).get("total_pages") or 0
                for record in body.get("data") or []:
                    if bounds.admits(record.get("updated_at")):
                        yield record
                page += 1
            return
        for record in readers.scroll(stream, "/companies/scroll", "data", stream.scroll_wait_seconds,
                                     total=functools.partial(company_total, stream)):
            if bounds.admits(record.get("updated_at")):
                yield record

    @override
    def conversations(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        yield from readers.search(stream, "/conversations/search", "conversations", [], bounds,
                                  stream.page_size, stream.max_workers)

    @override
    def tickets(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        yield from readers.search(stream, "/tickets/search", "tickets", [], bounds,
                                  stream.page_size, stream.max_workers)

    @override
    def changed_contacts(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        """Users and leads changed within `bounds`, ascending by updated_at."""
        yield from readers.search(stream, "/contacts/search", "data", [], bounds,
                                  stream.page_size, stream.max_workers)

    @override
    def notes_of(self, stream: SchemaStream, contact_id: str) -> list[dict]:
        """Every note of a contact, as contacts' lists are completed; none when it is gone (404)."""
        try:
            return relations.read_sublist(stream, relations.CONTACT_NOTES, contact_id)
        except NotFoundError:
            stream.logger.warning("notes: contact %s is gone (404); its notes are skipped",
                                  contact_id)
            return []

    @override
    def activity_logs(self, stream: SchemaStream, bounds: Bounds) -> Iterator[dict]:
        yield from readers.created_windows(stream, "/admins/activity_logs", "activity_logs",
                                           bounds, ACTIVITY_WINDOW_S, stream.page_size)

    @override
    def count_rows(self, stream: SchemaStream) -> Iterator[dict]:
        try:
            yield from super().count_rows(stream)
        except NotFoundError:
            stream.logger.info("counts: /counts is not served; deriving totals from lists")
            yield from self.derived_counts(stream)

    def derived_counts(self, stream: SchemaStream) -> Iterator[dict]:
        """Totals from `total_count` of searches and lists, where /counts is gone."""
        for entity, role in (("user", "user"), ("lead", "lead")):
            body = stream.fetch("POST", "/contacts/search", body={
                "query": {"field": "role", "operator": "=", "value": role},
                "pagination": {"per_page": 1}})
            yield total_row(entity, body.get("total_count"))
        companies = stream.fetch("GET", "/companies", params={"per_page": 1})
        yield total_row("company", companies.get("total_count"))
        yield total_row("tag", len(stream.fetch("GET", "/tags").get("data") or []))
        yield total_row("segment", len(stream.fetch("GET", "/segments").get("segments") or []))
        conversations = stream.fetch("GET", "/conversations", params={"per_page": 1})
        yield total_row("conversation", conversations.get("total_count"))


def list_total(stream: SchemaStream, path: str) -> int | None:
    """How many people a 1.x page list holds: what a scroll of them must reach."""
    return stream.fetch("GET", path, params={"per_page": 1}).get("total_count")


def company_total(stream: SchemaStream) -> int | None:
    """How many companies /counts reports (page lists leave out those without users).

    None when /counts is not served or not permitted: the scroll then cannot be checked by
    count, only by passes that had no failed page.
    """
    try:
        body = stream.fetch("GET", "/counts")
    except FatalError:
        return None
    count = (body.get("company") or {}).get("count")
    return int(count) if isinstance(count, int) else None


def total_row(entity: str, count: int | None) -> dict:
    """A total; `item` is "all" because it is part of the primary key, which must not be null."""
    return {"entity": entity, "breakdown": "total", "item": "all", "item_name": None,
            "count": count}


def count_rows(body: dict, kind: str | None, count: str | None) -> Iterator[dict]:
    """Tidy rows from one /counts answer."""
    if kind is None:
        for entity in ("user", "lead", "company", "tag", "segment"):
            if isinstance(body.get(entity), dict):
                yield total_row(entity, body[entity].get("count"))
        return
    section = body.get(kind) or {}
    if kind == "conversation" and count is None:
        for state, value in section.items():
            yield {"entity": "conversation", "breakdown": "state", "item": state,
                   "item_name": state, "count": value}
        return
    if kind == "conversation":
        for admin in section.get("admin") or []:
            for metric in ("open", "closed"):
                yield {"entity": "conversation", "breakdown": f"admin_{metric}",
                       "item": str(admin.get("id")), "item_name": admin.get("name"),
                       "count": admin.get(metric)}
        return
    for entry in section.get(count) or []:
        extra = {k: v for k, v in entry.items() if k != "remote_company_id"}
        for name, value in extra.items():
            yield {"entity": kind, "breakdown": count,
                   "item": entry.get("remote_company_id") or name, "item_name": name,
                   "count": value}


def for_version(version: str) -> Generation:
    """The generation of an `api_version`, knowing that version."""
    generation = V1() if api_generation(version) == 1 else V2()
    generation.version = version
    return generation
