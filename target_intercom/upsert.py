"""Per-record writes (API 2.x has no bulk API; 1.x has none for companies): upserts by identifier
through a bounded pool of workers that share the process-wide rate limiter."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

from intercom_client.errors import FatalError, IntercomError, NotFoundError
from intercom_client.http import TRANSIENT, IntercomHttp
from target_intercom.errors import TargetError, failure_of, is_record_failure, run_stopper
from target_intercom.mapping import Item
from target_intercom.outcomes import StreamOutcomes
from target_intercom.settings import TargetSettings

PROGRESS_EVERY_S = 10.0
SEARCH_CHUNK = 100
SEARCH_PAGE = 150
CONFLICT_ID = re.compile(r"id=([\w-]+)")


class Refused(Exception):
    """Intercom cannot take this record (its answer, or what a lookup showed)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RecordWrites(Protocol):
    """How one object is written record by record."""

    def prepare(self, items: list[Item]) -> Any:
        """Look up, once per chunk of records, what they refer to; `apply` is given the answer."""

    def apply(self, item: Item, found: Any) -> None:
        """Write one record; an IntercomError or Refused when Intercom does not take it."""


class UpsertWriter:
    """Writes records one request (or two) each, `max_workers` at a time; returns once all settle."""

    def __init__(self, http: IntercomHttp, obj: str, settings: TargetSettings,
                 outcomes: StreamOutcomes, logger: logging.Logger) -> None:
        self.http = http
        self.outcomes = outcomes
        self.logger = logger
        self.name = f"{outcomes.stream}: {obj}"
        kinds: dict[str, Callable[[IntercomHttp, TargetSettings], RecordWrites]] = {
            "users": ContactWrites, "leads": ContactWrites, "companies": CompanyWrites,
            "events": EventWrites}
        self.writes = kinds[obj](http, settings)
        self.pool = ThreadPoolExecutor(max_workers=settings.max_workers,
                                       thread_name_prefix=f"intercom-{obj}")
        self.stopped = threading.Event()

    def write(self, items: list[Item]) -> None:
        """Look up each chunk of SEARCH_CHUNK records and write it, all on the pool, so that
        lookups and writes share the workers and the pacer alone sets the rate."""
        self.outcomes.note_sent(items)
        chunks = [items[start:start + SEARCH_CHUNK]
                  for start in range(0, len(items), SEARCH_CHUNK)]
        lookups = [self.pool.submit(self.writes.prepare, chunk) for chunk in chunks]
        futures: list[Future[None]] = []
        try:
            for chunk, lookup in zip(chunks, lookups, strict=True):
                found = self._found(lookup)
                futures += [self.pool.submit(self._write_one, item, found) for item in chunk]
        except BaseException:
            self.stopped.set()  # what is not out yet stays unconfirmed; what is out settles
            for pending in lookups:
                pending.cancel()
            wait(futures)
            raise
        shown = time.monotonic()
        for done, future in enumerate(futures, 1):
            future.exception()
            if time.monotonic() - shown > PROGRESS_EVERY_S:
                shown = time.monotonic()
                self.logger.info("%s: %d of %d records written", self.name, done, len(items))
        errors = [f.exception() for f in futures]
        stopper = next((e for e in errors if e is not None), None)
        if stopper is not None:
            raise stopper

    def _found(self, lookup: Future[Any]) -> Any:
        """What one chunk's lookup found; a failed lookup ends the run."""
        try:
            return lookup.result()
        except TargetError:
            raise
        except (IntercomError, *TRANSIENT) as exc:
            raise run_stopper(exc, f"{self.name} lookup") from None

    def _write_one(self, item: Item, found: Any) -> None:
        if self.stopped.is_set():
            return  # the run is ending: this record stays unconfirmed
        try:
            self.writes.apply(item, found)
        except Refused as exc:
            self.outcomes.fail(item, exc.code, exc.message)
            return
        except IntercomError as exc:
            if is_record_failure(exc):
                self.outcomes.fail(item, *failure_of(exc))
                return
            self.stopped.set()
            raise run_stopper(exc, self.name) from None
        except TRANSIENT as exc:
            self.stopped.set()
            raise run_stopper(exc, self.name) from None
        self.outcomes.accept(item)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def search_contacts(http: IntercomHttp, role: str, field: str, values: set[str]) -> list[dict]:
    """2.x contacts of a role whose `field` is one of `values`: one search per 100 values."""
    found: list[dict] = []
    ordered = sorted(values)
    for start in range(0, len(ordered), SEARCH_CHUNK):
        body: dict[str, Any] = {
            "query": {"operator": "AND", "value": [
                {"field": "role", "operator": "=", "value": role},
                {"field": field, "operator": "IN", "value": ordered[start:start + SEARCH_CHUNK]}]},
            "pagination": {"per_page": SEARCH_PAGE}}
        while True:
            answer = http.json("POST", "/contacts/search", json=body)
            found.extend(c for c in answer.get("data") or [] if c.get(field))
            after = ((answer.get("pages") or {}).get("next") or {}).get("starting_after")
            if not after:
                break
            body["pagination"] = {"per_page": SEARCH_PAGE, "starting_after": after}
    return found


@dataclass
class ContactLookup:
    """The 2.x contacts some records refer to, by role and external_id, and by role and email."""

    by_external_id: dict[tuple[str, str], dict] = field(default_factory=dict)
    by_email: dict[tuple[str, str], list[dict]] = field(default_factory=dict)

    def locate(self, payload: dict) -> str | None:
        """The id of the contact a record refers to, if one exists."""
        if payload.get("id"):
            return str(payload["id"])
        role, external_id = payload["role"], payload.get("external_id")
        if external_id and (role, external_id) in self.by_external_id:
            return self.by_external_id[(role, external_id)]["id"]
        for contact in self.by_email.get((role, payload.get("email") or ""), []):
            if not contact.get("external_id") or not external_id:
                return contact["id"]
        return None


def look_up_contacts(http: IntercomHttp, items: list[Item]) -> ContactLookup:
    """The contacts that records without an id refer to: by external_id, then by email for
    those not found (one search per 100 records each)."""
    found = ContactLookup()
    wanted: dict[str, tuple[set[str], list[Item]]] = {}
    for item in items:
        if not item.payload.get("id"):
            external_ids, people = wanted.setdefault(item.payload["role"], (set(), []))
            if item.payload.get("external_id"):
                external_ids.add(item.payload["external_id"])
            people.append(item)
    for role, (external_ids, people) in wanted.items():
        for contact in search_contacts(http, role, "external_id", external_ids):
            found.by_external_id[(role, contact["external_id"])] = contact
        emails = {i.payload["email"] for i in people if i.payload.get("email")
                  and (role, i.payload.get("external_id")) not in found.by_external_id}
        for contact in search_contacts(http, role, "email", emails):
            found.by_email.setdefault((role, contact["email"]), []).append(contact)
    return found


class ContactWrites:
    """2.x contacts: found by id, else external_id, else email (one search per 100 records), then
    updated; otherwise created, and a 409 conflict (a contact that search did not show yet) is
    resolved by updating the contact it names. Deletes archive or delete the contact found."""

    def __init__(self, http: IntercomHttp, settings: TargetSettings) -> None:
        self.http = http
        self.delete_mode = settings.delete_mode

    def prepare(self, items: list[Item]) -> ContactLookup:
        return look_up_contacts(self.http, items)

    def apply(self, item: Item, found: ContactLookup) -> None:
        contact_id = found.locate(item.payload)
        if item.operation == "delete":
            self._delete(contact_id)
            return
        body = {k: v for k, v in item.payload.items() if k != "id"}
        if contact_id is not None:
            item.answer = self.http.json("PUT", f"/contacts/{contact_id}", json=body)
            return
        try:
            item.answer = self.http.json("POST", "/contacts", json=body)
        except FatalError as exc:
            if exc.status != 409:
                raise
            item.answer = self._update_conflicting(exc, body)

    def _update_conflicting(self, exc: FatalError, body: dict) -> dict:
        """A create that met an existing contact: update it, unless it is someone else's."""
        code, message = failure_of(exc)
        match = CONFLICT_ID.search(message)
        if match is None:
            raise Refused(code, message)
        contact_id = match.group(1)
        if body.get("external_id"):
            existing = self.http.json("GET", f"/contacts/{contact_id}")
            if existing.get("external_id") not in (None, "", body["external_id"]):
                raise Refused(code, f"{message} (with external_id {existing['external_id']!r})")
        return self.http.json("PUT", f"/contacts/{contact_id}", json=body)

    def _delete(self, contact_id: str | None) -> None:
        if contact_id is None:
            raise Refused("not_found", "no contact has these identifiers")
        with contextlib.suppress(NotFoundError):  # gone since the lookup: a retried delete
            if self.delete_mode == "delete":
                self.http.request("DELETE", f"/contacts/{contact_id}")
            else:
                self.http.request("POST", f"/contacts/{contact_id}/archive")


class CompanyWrites:
    """Companies: upserted by company_id (POST /companies, both generations); deleted (2.x) by
    looking up the company's id."""

    def __init__(self, http: IntercomHttp, settings: TargetSettings) -> None:
        self.http = http

    def prepare(self, items: list[Item]) -> None:
        pass

    def apply(self, item: Item, found: None) -> None:
        if item.operation == "upsert":
            item.answer = self.http.json("POST", "/companies", json=item.payload)
            return
        try:
            answer = self.http.json("GET", "/companies",
                                    params={"company_id": item.payload["company_id"]})
        except NotFoundError as exc:
            raise Refused(*failure_of(exc)) from None
        company = (answer.get("data") or [None])[0] if "data" in answer else answer
        if not company or not company.get("id"):
            raise Refused("company_not_found", "no company has this company_id")
        with contextlib.suppress(NotFoundError):  # gone since the lookup: a retried delete
            self.http.request("DELETE", f"/companies/{company['id']}")


class EventWrites:
    """Events: POST /events, applied only when answered 202 (with no body); any other answer is
    sent again, which is safe since Intercom de-duplicates events."""

    def __init__(self, http: IntercomHttp, settings: TargetSettings) -> None:
        self.http = http

    def prepare(self, items: list[Item]) -> None:
        pass

    def apply(self, item: Item, found: None) -> None:
        self.http.request("POST", "/events", json=item.payload, applied_status=202)
