"""Streams of what Intercom deleted: conversations (2.16) and contacts (Preview).

Their records carry `_sdc_deleted_at`, the Singer column that loaders keep as a soft-delete
marker; they are separate streams because a record of the parent's stream would overwrite
the parent's row with empty fields, and because their bookmarks are their own.
"""

from __future__ import annotations

import time
import typing as t
from collections.abc import Iterable

from typing_extensions import override

from tap_intercom.streams import DeletionStream, VersionedTable

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

DELETED_PAGE = 60  # /conversations/deleted takes at most 60 a page


class DeletedConversationsStream(DeletionStream):
    """Deleted conversation ids, newest deletion first: pages are read until past the bookmark."""

    name = "deleted_conversations"
    min_api_version = "2.16"

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        bounds = self.bounds(context)
        page, pages = 1, 1
        while page <= pages:
            body = self.fetch("GET", "/conversations/deleted",
                              params={"order": "desc", "per_page": DELETED_PAGE, "page": page})
            pages = int((body.get("pages") or {}).get("total_pages") or 0)
            rows = body.get("conversations") or []
            for row in rows:
                if bounds.admits(row.get("deleted_at")):
                    yield {**row, "_sdc_deleted_at": row.get("deleted_at")}
            if bounds.lower is not None and rows and all(
                    (r.get("deleted_at") or 0) < bounds.lower for r in rows):
                return  # newest first: every later page is older still
            page += 1


class DeletedContactsStream(DeletionStream):
    """Contacts deleted, or merged away into another contact, from the contact activity log.

    The log is read oldest first from the cursor of the last activity emitted (kept in the
    state with the `deleted_at` bookmark), so a run reads only what is new.
    """

    name = "deleted_contacts"
    min_api_version = "Preview"
    is_sorted = True
    GONE = {"contact.deleted": "contact_id", "contact.merged": "merge_source_id"}

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        bounds = self.bounds(context)
        state = self.get_context_state(context)
        cursor = state.get("activity_cursor")
        while True:
            params = {"per_page": self.page_size, **({"starting_after": cursor} if cursor else {})}
            body = self.fetch("GET", "/contacts/activities", params=params)
            for activity in body.get("data") or []:
                if (activity.get("created_at") or 0) > bounds.upper:
                    return  # left to the next run, with the cursor before it
                cursor = activity["id"]
                key = self.GONE.get(activity.get("event_type") or "")
                if key and activity.get(key):
                    yield {"id": activity[key], "event_type": activity["event_type"],
                           "activity_id": activity["id"],
                           "external_id": activity.get("external_id")
                           if key == "contact_id" else None, "role": activity.get("role")
                           if key == "contact_id" else None,
                           "merged_into_id": activity.get("merge_target_id")
                           if key == "merge_source_id" else None,
                           "deleted_at": activity.get("created_at"),
                           "_sdc_deleted_at": activity.get("created_at")}
                state["activity_cursor"] = cursor
            following = ((body.get("pages") or {}).get("next") or {}).get("starting_after")
            if not following:
                return
            cursor = following


class ContactIdsStream(VersionedTable):
    """The id of every contact, each run a new version of the table, for reconciliation.

    Opt-in (`reconcile_deleted_contacts`): versions before Preview list no deleted contacts, so
    the warehouse names them instead: a loaded user or lead older than `listed_at` and absent
    from this table is gone (the `retire` step of the load job). Only ids are kept, a page at a
    time; the search's cursor follows ascending `updated_at`, so a contact changed while the
    pages are read moves forward and is still listed.
    """

    name = "contact_ids"
    primary_keys = ("id",)
    min_api_version = "2.0"
    opt_in_setting = "reconcile_deleted_contacts"

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        listed_at = int(time.time())
        body: dict = {"query": {"field": "updated_at", "operator": ">", "value": 0},
                      "sort": {"field": "updated_at", "order": "ascending"}}
        cursor = None
        while True:
            pagination: dict = {"per_page": self.page_size}
            if cursor:
                pagination["starting_after"] = cursor
            page = self.fetch("POST", "/contacts/search", body={**body, "pagination": pagination})
            for contact in page.get("data") or []:
                yield {"id": contact["id"], "listed_at": listed_at}
            cursor = ((page.get("pages") or {}).get("next") or {}).get("starting_after")
            if not cursor:
                return


DELETE_STREAM_TYPES = (DeletedConversationsStream, DeletedContactsStream, ContactIdsStream)
