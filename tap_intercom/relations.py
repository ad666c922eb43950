"""Complete relationship lists: what 2.x contacts embed only in part, read from their sub-lists."""

from __future__ import annotations

import functools
import typing as t
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tap_intercom.concurrency import ordered_map
from tap_intercom.readers import Source

LOOKAHEAD = 32  # contacts in progress per worker
SUBLIST_PAGE_SIZE = 60  # the largest page Intercom's sub-list endpoints are known to take


@dataclass(frozen=True)
class SubList:
    """Where a 2.x contact's whole list of one kind is read, and how its items are referenced."""

    field: str  # the contact's addressable list, or a list Intercom does not embed at all
    path: str  # with {id}
    keys: tuple[str, ...]  # where the items are in an answer, first found wins
    kind: str  # the references' `type`
    paged: bool  # whether the endpoint takes page and per_page


# Also the source of the notes stream, which reads every note of each changed contact.
CONTACT_NOTES = SubList("notes", "/contacts/{id}/notes", ("data",), "note", paged=True)
CONTACT_SUBLISTS = (
    SubList("tags", "/contacts/{id}/tags", ("data",), "tag", paged=False),
    SubList("companies", "/contacts/{id}/companies", ("companies", "data"), "company",
            paged=True),
    CONTACT_NOTES,
)
# 2.x contacts do not embed segments: each contact's are read when contact_segments is selected.
CONTACT_SEGMENTS = SubList("segments", "/contacts/{id}/segments", ("data",), "segment",
                           paged=False)


def reference(kind: str, item: dict) -> dict:
    """An addressable list's reference to one object, as Intercom embeds it."""
    plural = "companies" if kind == "company" else f"{kind}s"
    return {"type": kind, "id": str(item["id"]), "url": f"/{plural}/{item['id']}"}


def read_sublist(source: Source, sublist: SubList, parent_id: str) -> list[dict]:
    """Every item of one parent's sub-list, page after page."""
    path = sublist.path.format(id=parent_id)
    items: list[dict] = []
    page = 1
    while True:
        params = {"page": page, "per_page": SUBLIST_PAGE_SIZE} if sublist.paged else None
        body = source.fetch("GET", path, params=params)
        found: list[dict] = next((body[k] for k in sublist.keys if isinstance(body.get(k), list)), [])
        items += found
        pages = body.get("pages") or {}
        total_pages = pages.get("total_pages") if isinstance(pages, dict) else None
        if not sublist.paged or not found or not total_pages or page >= total_pages:
            return items
        page += 1


def complete_contact(source: Source, want_segments: bool, record: dict) -> dict:
    """The contact with every addressable list whole; its segments too when they are wanted.

    A list is read from its endpoint only when Intercom says it holds more than it embedded
    (`has_more`), so most contacts cost nothing.
    """
    for sublist in CONTACT_SUBLISTS:
        embedded = record.get(sublist.field)
        if isinstance(embedded, dict) and embedded.get("has_more"):
            items = read_sublist(source, sublist, record["id"])
            record[sublist.field] = {**embedded, "has_more": False, "total_count": len(items),
                                     "data": [reference(sublist.kind, i) for i in items]}
    if want_segments:
        items = read_sublist(source, CONTACT_SEGMENTS, record["id"])
        record[RELATED_SEGMENTS] = [reference("segment", i) for i in items]
    return record


RELATED_SEGMENTS = "__segments__"  # taken off the record by the contacts stream, never emitted


def complete_contacts(source: Source, records: Iterable[dict], workers: int,
                      want_segments: bool) -> Iterator[dict]:
    """Contacts in their order, each made whole on `workers` threads under the shared pacer.

    Most contacts need no call, so the window of contacts in progress is wide (LOOKAHEAD per
    worker): otherwise a few slow ones would leave most workers idle.
    """
    complete = functools.partial(complete_contact, source, want_segments)
    for _record, result in ordered_map(complete, records, workers,
                                       ahead=workers * LOOKAHEAD):
        if isinstance(result, BaseException):
            raise result
        yield result


def linked_ids(record: dict, field: str, key: str | None) -> list[str]:
    """Ids of the objects a record's list `field` names (`key` the list inside, None if bare)."""
    value: t.Any = record.get(field)
    if key is not None:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, list):
        return []
    ids: list[str] = []
    for item in value:
        if isinstance(item, dict) and item.get("id") is not None and str(item["id"]) not in ids:
            ids.append(str(item["id"]))
    return ids
