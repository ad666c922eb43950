"""What a person or company write links after the record itself: company memberships, tags and
a lead merged into its user. A record is accepted only once all of them are written."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from intercom_client.errors import IntercomError, NotFoundError
from intercom_client.http import TRANSIENT, IntercomHttp
from target_intercom.attributes import AttributeCheck
from target_intercom.errors import failure_of, is_record_failure, run_stopper
from target_intercom.mapping import RULES, Item
from target_intercom.outcomes import StreamOutcomes
from target_intercom.settings import TargetSettings
from target_intercom.upsert import search_contacts

TAG_BATCH = 100
LIST_PAGE = 150


class LinkFailed(Exception):
    """A link of one record that Intercom refused."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class HeldOutcomes:
    """A stream's outcomes as a record writer sees them, with acceptance held back."""

    def __init__(self, outcomes: StreamOutcomes) -> None:
        self.outcomes = outcomes
        self.held: dict[int, Item] = {}
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.outcomes, name)

    def accept(self, item: Item, job_id: str | None = None) -> None:
        if item.status is None:
            item.job_id = job_id
            with self.lock:
                self.held[item.row] = item

    def take(self) -> list[Item]:
        with self.lock:
            items = [i for i in self.held.values() if i.status is None]
            self.held = {}
        return items


class Directory:
    """Intercom ids of the companies and tags met in a run, shared by every stream."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.company_ids: dict[str, str] = {}  # your company_id -> Intercom id
        self.company_keys: dict[str, str] = {}  # Intercom id -> your company_id
        self.tag_names: dict[str, str] = {}  # tag id -> name
        self.upserted: dict[str, Future[str]] = {}  # a company entry with fields -> Intercom id

    def note_company(self, company: dict) -> str:
        with self.lock:
            self.company_ids[str(company["company_id"])] = str(company["id"])
            self.company_keys[str(company["id"])] = str(company["company_id"])
        return str(company["id"])

    def company_id(self, http: IntercomHttp, company: dict) -> str:
        """The Intercom id of a company given by company_id (and fields): created when missing,
        updated when the entry carries more than its company_id."""
        key = str(company.get("company_id") or "")
        if company.get("id"):
            return str(company["id"])
        if set(company) - {"company_id", "remove"}:
            return self._upsert_once(http, {k: v for k, v in company.items() if k != "remove"})
        if key in self.company_ids:
            return self.company_ids[key]
        try:
            found = http.json("GET", "/companies", params={"company_id": key})
            found = (found.get("data") or [None])[0] if "data" in found else found
        except NotFoundError:
            found = None
        if not found or not found.get("id"):
            found = http.json("POST", "/companies", json={"company_id": key})
        return self.note_company(found)

    def _upsert_once(self, http: IntercomHttp, body: dict) -> str:
        """Upsert a company entry carrying fields once a run, however many people list it."""
        key = json.dumps(body, sort_keys=True, default=str)
        with self.lock:
            pending = self.upserted.get(key)
            owner = pending is None
            if owner:
                pending = self.upserted[key] = Future()
        assert pending is not None
        if owner:
            try:
                pending.set_result(self.note_company(http.json("POST", "/companies", json=body)))
            except BaseException as exc:
                with self.lock:
                    del self.upserted[key]  # the next person listing it tries again
                pending.set_exception(exc)
        return pending.result()

    def company_key(self, http: IntercomHttp, intercom_id: str) -> str:
        """Your company_id of a company known by its Intercom id."""
        if intercom_id not in self.company_keys:
            self.note_company(http.json("GET", f"/companies/{intercom_id}"))
        return self.company_keys[intercom_id]

    def tag_name(self, http: IntercomHttp, tag_id: str) -> str:
        if tag_id not in self.tag_names:
            answer = http.json("GET", "/tags")
            tags = answer.get("data") if "data" in answer else answer.get("tags")
            with self.lock:
                self.tag_names.update({str(t["id"]): t["name"] for t in tags or []})
        return self.tag_names.get(tag_id, "")


class LinkedWriter:
    """Writes people or companies through a record writer, then their links; settles each."""

    def __init__(self, make_writer: Callable[[Any], Any], http: IntercomHttp, obj: str,
                 settings: TargetSettings, outcomes: StreamOutcomes, logger: logging.Logger,
                 directory: Directory, attributes: AttributeCheck | None) -> None:
        self.held = HeldOutcomes(outcomes)
        self.base = make_writer(self.held)
        self.http = http
        self.obj = obj
        self.people = obj in ("users", "leads")
        self.rules = RULES[settings.generation]
        self.settings = settings
        self.outcomes = outcomes
        self.logger = logger
        self.directory = directory
        self.attributes = attributes
        self.name = f"{outcomes.stream}: {obj} links"
        self.pool = ThreadPoolExecutor(max_workers=settings.max_workers,
                                       thread_name_prefix=f"intercom-{obj}-links")
        self.leads_by_email: dict[str, list[dict]] = {}  # 2.x: the leads a batch merges

    def write(self, items: list[Item]) -> None:
        if self.attributes is not None:
            items = self.attributes.screen(items, self.outcomes)
        if not items:
            return
        try:
            if self.people and self.rules.memberships_inline and "replace" in (
                    self.settings.companies_mode, self.settings.tags_mode):
                self._each(items, self._read_person_v1)
            self.base.write(items)
            written = sorted(self.held.take(), key=lambda i: i.row)  # links in input order
            failures: dict[int, tuple[str, str]] = {}
            self._find_leads(written)
            if self.obj == "leads" and self.rules.leads_tagged_by_id:
                self._each([i for i in written if "tags" in i.links], self._lead_id)
            self._each(written, self._link_one, failures)
            self._tags([i for i in written if "tags" in i.links and i.row not in failures],
                       failures)
        except (IntercomError, *TRANSIENT) as exc:
            raise run_stopper(exc, self.name) from None
        for item in written:
            if item.row in failures:
                self.outcomes.fail(item, *failures[item.row], job_id=item.job_id)
            else:
                self.outcomes.accept(item, item.job_id)

    def close(self) -> None:
        self.base.close()
        self.pool.shutdown(wait=True)

    def _each(self, items: list[Item], step: Callable[[Item], None],
              failures: dict[int, tuple[str, str]] | None = None) -> None:
        """Run a step for every item on the pool; a refused link fails that item only."""
        def run(item: Item) -> None:
            try:
                step(item)
            except LinkFailed as exc:
                if failures is None:
                    raise
                failures[item.row] = (exc.code, exc.message)
        for future in [self.pool.submit(run, item) for item in items]:
            future.result()

    # -- per record: current state (1.x), memberships (2.x), merges ---------------------------

    def _read_person_v1(self, item: Item) -> None:
        """1.x replace modes: the person's memberships and tags now, to know what to remove."""
        payload, base = item.payload, "/users" if self.obj == "users" else "/contacts"
        try:
            if payload.get("id"):
                person = self.http.json("GET", f"{base}/{payload['id']}")
            elif payload.get("user_id"):
                person = self.http.json("GET", base, params={"user_id": payload["user_id"]})
            else:
                found = self.http.json("GET", base, params={"email": payload.get("email")})
                if str(found.get("type", "")).endswith(".list"):  # 1.1+ lists by email
                    people = found.get("users") or found.get("contacts") or []
                    person = people[0] if people else {}
                else:
                    person = found
        except NotFoundError:
            person = {}
        companies = ((person.get("companies") or {}).get("companies")) or []
        item.answer = {"tags": [t.get("name") for t in
                                ((person.get("tags") or {}).get("tags")) or []]}
        if self.settings.companies_mode == "replace" and "companies" in item.links:
            wanted = {str(c.get("company_id")) for c in item.links["companies"]}
            for company in companies:
                key = self.directory.company_key(self.http, str(company["id"]))
                if key not in wanted:
                    payload.setdefault("companies", []).append({"company_id": key,
                                                                "remove": True})

    def _link_one(self, item: Item) -> None:
        """The merge first: the lead's companies and tags join the user's, and replace modes
        must see them to remove the ones not listed."""
        if "merge_email" in item.links:
            self._guarded("merge_leads", lambda: self._merge(item))
        if self.people and not self.rules.memberships_inline and "companies" in item.links:
            self._guarded("companies", lambda: self._memberships(item))

    def _guarded(self, link: str, step: Callable[[], None]) -> None:
        try:
            step()
        except IntercomError as exc:
            if not is_record_failure(exc):
                raise
            code, message = failure_of(exc)
            raise LinkFailed(code, f"{link}: {message}") from None

    def _memberships(self, item: Item) -> None:
        """2.x: attach the companies listed (created when missing); replace detaches the rest."""
        contact_id = str((item.answer or {}).get("id"))
        current = set(self._listed(item.answer or {}, "companies", contact_id))
        wanted = {self.directory.company_id(self.http, c) for c in item.links["companies"]}
        for company_id in sorted(wanted - current):
            self.http.json("POST", f"/contacts/{contact_id}/companies", json={"id": company_id})
        if self.settings.companies_mode == "replace":
            for company_id in sorted(current - wanted):
                with contextlib.suppress(NotFoundError):  # already left
                    self.http.request("DELETE", f"/contacts/{contact_id}/companies/{company_id}")

    def _listed(self, contact: dict, kind: str, contact_id: str) -> list[str]:
        """The ids of a 2.x contact's companies or tags: embedded, or all pages when more."""
        embedded = contact.get(kind) or {}
        if not embedded.get("has_more"):
            return [str(x["id"]) for x in embedded.get("data") or []]
        ids: list[str] = []
        page = 1
        while True:
            answer = self.http.json("GET", f"/contacts/{contact_id}/{kind}",
                                    params={"page": page, "per_page": LIST_PAGE})
            rows = answer.get("data") if "data" in answer else answer.get(kind) or []
            ids.extend(str(x["id"]) for x in rows)
            pages = answer.get("pages") or {}
            if not rows or page >= int(pages.get("total_pages") or 1):
                return ids
            page += 1

    def _find_leads(self, items: list[Item]) -> None:
        """2.x: the leads to merge into a batch's users, found 100 emails to a search."""
        self.leads_by_email = {}
        emails = {i.links["merge_email"] for i in items if "merge_email" in i.links}
        if not emails or self.rules.merge_path != "/contacts/merge":
            return
        for lead in search_contacts(self.http, "lead", "email", emails):
            self.leads_by_email.setdefault(lead["email"], []).append(lead)

    def _lead_id(self, item: Item) -> None:
        """1.x: the Intercom id of a lead written in bulk, the only way `POST /tags` finds it."""
        answer = item.answer = item.answer or {}
        if answer.get("id") or item.payload.get("id"):
            answer.setdefault("id", item.payload.get("id"))
            return
        try:
            found = self.http.json("GET", "/contacts",
                                   params={"user_id": item.payload.get("user_id")})
        except NotFoundError:
            return  # tagging it fails that record alone
        people = found.get("contacts") if "contacts" in found else [found]
        if people and people[0].get("id"):
            answer["id"] = people[0]["id"]

    def _merge(self, item: Item) -> None:
        """Each lead with the email merged into the user (2.x merge, 1.x convert)."""
        email = item.links["merge_email"]
        if self.rules.merge_path == "/contacts/merge":
            for lead in self.leads_by_email.get(email, []):
                item.answer = self.http.json("POST", "/contacts/merge", json={
                    "from": lead["id"], "into": (item.answer or {})["id"]})
            return
        found = self.http.json("GET", "/contacts", params={"email": email})
        user = {k: item.payload[k] for k in ("id", "user_id", "email") if item.payload.get(k)}
        for lead in found.get("contacts") or []:
            merged = self.http.json("POST", "/contacts/convert", json={
                "contact": {"id": lead["id"]}, "user": user})
            if isinstance(merged.get("tags"), dict):  # the user's tags now, the lead's included
                item.answer = {**(item.answer or {}), "tags": [
                    t.get("name") for t in merged["tags"].get("tags") or []]}

    # -- tags, batched by name -------------------------------------------------------------------

    def _tags(self, items: list[Item], failures: dict[int, tuple[str, str]]) -> None:
        adds: dict[str, list[Item]] = defaultdict(list)
        removes: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            current = self._current_tags(item)
            wanted = item.links["tags"]
            for name in wanted:
                if name.lower() not in {c.lower() for c in current}:
                    adds[name].append(item)
            if self.settings.tags_mode == "replace":
                for name in current:
                    if name.lower() not in {w.lower() for w in wanted}:
                        removes[name].append(item)
        for name, tagged in adds.items():
            self._tag_request(name, tagged, False, failures)
        for name, untagged in removes.items():
            if self.people and not self.rules.untags_people_in_batch:
                self._each(untagged, functools.partial(self._untag_contact, name=name), failures)
            else:
                self._tag_request(name, untagged, True, failures)

    def _current_tags(self, item: Item) -> list[str]:
        answer = item.answer or {}
        tags = answer.get("tags")
        if isinstance(tags, list):  # read before a 1.x bulk write
            return [t for t in tags if t]
        if isinstance(tags, dict) and "tags" in tags:  # a company
            return [t["name"] for t in tags["tags"]]
        if isinstance(tags, dict):  # a 2.x contact
            ids = self._listed(answer, "tags", str(answer.get("id")))
            return [self.directory.tag_name(self.http, i) for i in ids]
        return []

    def _ref(self, item: Item, untag: bool) -> dict:
        answer, payload = item.answer or {}, item.payload
        if not self.people:
            ref = {"company_id": payload["company_id"]}
            if answer.get("id"):
                ref["id"] = answer["id"]
        elif answer.get("id") and (not self.rules.memberships_inline or self.obj == "leads"):
            ref = {"id": answer["id"]}
        else:
            ref = {k: payload[k] for k in ("id", "user_id", "email") if payload.get(k)}
            ref = dict([next(iter(ref.items()))]) if ref else {}
        return {**ref, "untag": True} if untag else ref

    def _tag_request(self, name: str, items: list[Item], untag: bool,
                     failures: dict[int, tuple[str, str]]) -> None:
        """`POST /tags` for up to TAG_BATCH people or companies; when Intercom refuses a batch,
        each of its records is sent alone, so that only the one it refuses fails."""
        key = "users" if self.people else "companies"
        for start in range(0, len(items), TAG_BATCH):
            chunk = items[start:start + TAG_BATCH]
            body = {"name": name, key: [self._ref(i, untag) for i in chunk]}
            try:
                self.http.json("POST", "/tags", json=body)
                continue
            except IntercomError as exc:
                if not is_record_failure(exc):
                    raise
                if len(chunk) == 1:
                    code, message = failure_of(exc)
                    failures[chunk[0].row] = (code, f"tags: {message}")
                    continue
            for item in chunk:
                self._tag_request(name, [item], untag, failures)

    def _untag_contact(self, item: Item, name: str) -> None:
        contact_id = (item.answer or {}).get("id")
        tag_id = next((i for i, n in self.directory.tag_names.items() if n == name), None)
        if tag_id is None:
            return

        def untag() -> None:
            with contextlib.suppress(NotFoundError):  # already untagged
                self.http.request("DELETE", f"/contacts/{contact_id}/tags/{tag_id}")
        self._guarded("tags", untag)
