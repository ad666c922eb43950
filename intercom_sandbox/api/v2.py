"""The 2.x API: unified contacts, cursor lists, search and the companies scroll."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api import help_center, notes, office_hours, tickets, v2_bulk, v2_deletes
from intercom_sandbox.api.common import Dialect, endpoint
from intercom_sandbox.api.responses import (
    flag_param,
    int_param,
    json_body,
    list_body,
    raw_json,
    timestamp_param,
)
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.api.versions import described_2_11
from intercom_sandbox.model.errors import invalid, not_found
from intercom_sandbox.render import v2 as render
from intercom_sandbox.render.statistics import conversation_2_16

CONTACT_FIELDS = ("role", "external_id", "email", "phone", "name", "avatar", "signed_up_at",
                  "last_seen_at", "owner_id", "unsubscribed_from_emails", "custom_attributes")


def contact_fields(body: object) -> dict:
    if not isinstance(body, dict):
        raise invalid("body must be a JSON object")
    unknown = set(body) - set(CONTACT_FIELDS)
    if unknown:
        raise invalid(f"{sorted(unknown)[0]} is not a valid contact field",
                      field=sorted(unknown)[0])
    return dict(body)


class V2(Dialect):
    """Handlers of the 2.x dialect."""

    dialect = 2
    render = render

    # -- contacts --------------------------------------------------------------------------------

    def contacts_page(self, rows: list[dict], total: int, pages: dict) -> Response:
        return raw_json(list_body({"type": "list", "total_count": total}, "data",
                                  self.encode("contacts", rows, render.contact),
                                  {"pages": pages}))

    @endpoint
    async def list_contacts(self, request: Request) -> Response:
        per_page = int_param(request, "per_page", 50, 1, 150)
        rows, total, pages = self.cursor_list(
            self.ws.contacts, self.ws.live_contacts, ("list-contacts",), per_page,
            request.query_params.get("starting_after"))
        return self.contacts_page(rows, total, pages)

    @endpoint
    async def search_contacts(self, request: Request) -> Response:
        rows, total, pages = self.search(await json_body(request), "contact", self.ws.contacts,
                                         self.ws.live_contacts, 50)
        return self.contacts_page(rows, total, pages)

    @endpoint
    async def get_contact(self, request: Request) -> Response:
        return self.one("contacts", self.ws.contact(request.path_params["id"]), render.contact)

    @endpoint
    async def create_contact(self, request: Request) -> Response:
        fields = contact_fields(await json_body(request))
        self.ws.require_defined("contact", fields.get("custom_attributes"))
        record = self.ws.create_contact(fields)
        return self.one("contacts", record, render.contact)

    @endpoint
    async def update_contact(self, request: Request) -> Response:
        record = self.ws.contact(request.path_params["id"])
        fields = contact_fields(await json_body(request))
        self.ws.require_defined("contact", fields.get("custom_attributes"))
        return self.one("contacts", self.ws.edit_contact(record, fields), render.contact)

    @endpoint
    async def delete_contact(self, request: Request) -> Response:
        record = self.ws.delete_contact(self.ws.contact(request.path_params["id"], archived=True))
        return raw_json(orjson.dumps({"type": "contact", "id": record["id"],
                                      "external_id": record["external_id"], "deleted": True}))

    @endpoint
    async def archive_contact(self, request: Request) -> Response:
        record = self.ws.archive_contact(self.ws.contact(request.path_params["id"], archived=True))
        return raw_json(orjson.dumps({"type": "contact", "id": record["id"],
                                      "external_id": record["external_id"], "archived": True}))

    @endpoint
    async def unarchive_contact(self, request: Request) -> Response:
        record = self.ws.unarchive_contact(self.ws.contact(request.path_params["id"],
                                                           archived=True))
        return raw_json(orjson.dumps({"type": "contact", "id": record["id"],
                                      "external_id": record["external_id"], "archived": False}))

    @endpoint
    async def contact_tags(self, request: Request) -> Response:
        record = self.ws.contact(request.path_params["id"])
        tags = [self.ws.tags.get(t) for t in record["tag_ids"]]
        return raw_json(list_body({"type": "list"}, "data",
                                  [orjson.dumps(render.tag(self.ws, t)) for t in tags if t]))

    @endpoint
    async def contact_companies(self, request: Request) -> Response:
        record = self.ws.contact(request.path_params["id"])
        companies = [self.ws.companies.get(c) for c in record["company_ids"]]
        companies = [c for c in companies if c]
        per_page = int_param(request, "per_page", 50, 1, 150)
        page = int_param(request, "page", 1, 1)
        rows = companies[(page - 1) * per_page: page * per_page]
        total_pages = -(-len(companies) // per_page)
        return raw_json(list_body(
            {"type": "list", "total_count": len(companies)}, "companies",
            self.encode("companies", rows, render.company),
            {"pages": {"type": "pages", "page": page, "per_page": per_page,
                       "total_pages": total_pages, "next": None}}))

    @endpoint
    async def contact_segments(self, request: Request) -> Response:
        record = self.ws.contact(request.path_params["id"])
        segments = [self.ws.segments.get(s) for s in record["segment_ids"]]
        return raw_json(list_body({"type": "list"}, "data",
                                  [orjson.dumps(render.segment(self.ws, s)) for s in segments
                                   if s]))

    # -- companies -------------------------------------------------------------------------------

    def companies_page(self, rows: list[dict], total: int | None, pages: dict | None,
                       extra: dict | None = None) -> Response:
        tail = dict(extra or {})
        if pages is not None:
            tail["pages"] = pages
        return raw_json(list_body({"type": "list", "total_count": total}, "data",
                                  self.encode("companies", rows, render.company), tail))

    @endpoint
    async def list_companies(self, request: Request) -> Response:
        q = request.query_params
        if q.get("company_id") or q.get("name"):
            record = self.ws.company_by(q.get("company_id"), q.get("name"))
            return self.companies_page([record], 1, {"type": "pages", "page": 1, "per_page": 1,
                                                     "total_pages": 1})
        tag_id, segment_id = q.get("tag_id"), q.get("segment_id")
        rows, total, pages = self.page_list(
            request, self.ws.companies, self.ws.companies.ordered,
            ("companies", tag_id, segment_id), None, False, 15, 60,
            predicate=lambda c: (not tag_id or tag_id in c["tag_ids"])
            and (not segment_id or segment_id in c["segment_ids"]))
        return self.companies_page(rows, total, self.cursor_pages(pages))

    @staticmethod
    def cursor_pages(pages: dict) -> dict:
        """1.x-style page numbers expressed in the 2.x `pages` object."""
        out = {k: v for k, v in pages.items() if k != "next"}
        if pages.get("next"):
            out["next"] = {"page": pages["page"] + 1, "per_page": pages["per_page"]}
        return out

    @endpoint
    async def list_companies_sorted(self, request: Request) -> Response:
        order = request.query_params.get("order", "desc")
        if order not in ("asc", "desc"):
            raise invalid("order must be asc or desc", field="order")
        rows, total, pages = self.page_list(
            request, self.ws.companies, self.ws.companies.ordered, ("companies-by-request",),
            lambda c: c["last_request_at"], order == "desc", 15, 60,
            predicate=lambda c: c["user_count"] > 0)
        return self.companies_page(rows, total, self.cursor_pages(pages))

    @endpoint
    async def scroll_companies(self, request: Request) -> Response:
        param, rows = self.scroll(request, "companies", self.ws.companies,
                                  self.ws.companies.ordered)
        return self.companies_page(rows, None, None, {"scroll_param": param})

    @endpoint
    async def get_company(self, request: Request) -> Response:
        return self.one("companies", self.ws.company(request.path_params["id"]), render.company)

    @endpoint
    async def upsert_company(self, request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict):
            raise invalid("body must be a JSON object")
        self.ws.require_defined("company", body.get("custom_attributes"))
        return self.one("companies", self.ws.upsert_company(body), render.company)

    @endpoint
    async def update_company(self, request: Request) -> Response:
        record = self.ws.company(request.path_params["id"])
        body = await json_body(request)
        if not isinstance(body, dict):
            raise invalid("body must be a JSON object")
        body = {**body, "company_id": record["company_id"]}
        self.ws.require_defined("company", body.get("custom_attributes"))
        return self.one("companies", self.ws.upsert_company(body), render.company)

    @endpoint
    async def delete_company(self, request: Request) -> Response:
        record = self.ws.delete_company(self.ws.company(request.path_params["id"]))
        return raw_json(orjson.dumps({"id": record["id"], "object": "company", "deleted": True}))

    @endpoint
    async def company_contacts(self, request: Request) -> Response:
        record = self.ws.company(request.path_params["id"])
        rows = self.ws.company_members(record)
        return self.contacts_page(rows, len(rows), {"type": "pages", "page": 1,
                                                    "per_page": max(1, len(rows)),
                                                    "total_pages": 1})

    @endpoint
    async def company_segments(self, request: Request) -> Response:
        record = self.ws.company(request.path_params["id"])
        segments = [self.ws.segments.get(s) for s in record["segment_ids"]]
        rows = [orjson.dumps(render.segment(self.ws, s)) for s in segments if s]
        return raw_json(list_body({"type": "list", "total_count": len(rows)}, "data", rows))

    # -- conversations ---------------------------------------------------------------------------

    def conversations_page(self, rows: list[dict], total: int, pages: dict,
                           request: Request) -> Response:
        if described_2_11(request):
            items = self.encode("conversations", rows, render.conversation)
        else:  # not cached: versions described by 2.16 add statistics
            items = [orjson.dumps(conversation_2_16(self.ws, r)) for r in rows]
        return raw_json(list_body({"type": "conversation.list", "total_count": total},
                                  "conversations", items, {"pages": pages}))

    @endpoint
    async def get_conversation(self, request: Request) -> Response:
        """2.11's answer, or from 2.12 on the same with the statistics 2.16 describes."""
        if described_2_11(request) or request.query_params.get("display_as") == "plaintext":
            return await super().get_conversation(request)
        record = self.ws.conversation(request.path_params["id"])
        return raw_json(orjson.dumps(conversation_2_16(self.ws, record, with_parts=True)))

    @endpoint
    async def list_conversations(self, request: Request) -> Response:
        per_page = int_param(request, "per_page", 20, 1, 150)
        sort = request.query_params.get("sort", "updated_at")
        if sort not in ("created_at", "updated_at", "waiting_since"):
            raise invalid("sort must be created_at, updated_at or waiting_since", field="sort")
        descending = request.query_params.get("order", "desc") != "asc"
        rows, total, pages = self.cursor_list(
            self.ws.conversations, self.ws.conversations.ordered, ("conversations", sort),
            per_page, request.query_params.get("starting_after"),
            sort_getter=lambda c: c[sort], descending=descending)
        return self.conversations_page(rows, total, pages, request)

    @endpoint
    async def search_conversations(self, request: Request) -> Response:
        rows, total, pages = self.search(await json_body(request), "conversation",
                                         self.ws.conversations, self.ws.conversations.ordered, 20)
        return self.conversations_page(rows, total, pages, request)

    # -- workspace lists -------------------------------------------------------------------------

    @endpoint
    async def list_tags(self, request: Request) -> Response:
        return raw_json(list_body({"type": "list"}, "data",
                                  [orjson.dumps(render.tag(self.ws, t))
                                   for t in self.ws.tags.ordered()]))

    @endpoint
    async def list_segments(self, request: Request) -> Response:
        with_count = flag_param(request, "include_count")
        people = self.ws.live_contacts() if with_count else []
        rows = []
        for s in self.ws.person_segments():
            count = sum(1 for c in people if s["id"] in c["segment_ids"]) if with_count else None
            rows.append(orjson.dumps(render.segment(self.ws, s, count)))
        return raw_json(list_body({"type": "segment.list"}, "segments", rows, {"pages": {}}))

    @endpoint
    async def list_admins(self, request: Request) -> Response:
        return raw_json(list_body({"type": "admin.list"}, "admins",
                                  [orjson.dumps(render.admin(self.ws, a))
                                   for a in self.ws.admins.ordered()]))

    @endpoint
    async def activity_logs(self, request: Request) -> Response:
        """Teammates' activity from `created_at_after` to `created_at_before` (both inclusive),
        newest first, 20 a page by default."""
        q = request.query_params
        if not q.get("created_at_after"):
            raise invalid("created_at_after is required", code="parameter_not_found",
                          field="created_at_after")
        after = timestamp_param(q, "created_at_after")
        before = timestamp_param(q, "created_at_before") if q.get("created_at_before") else None
        per_page = int_param(request, "per_page", 20, 1, 150)
        rows, _total, pages = self.cursor_list(
            self.ws.activity_logs, self.ws.activity_logs.ordered,
            ("activity_logs", after, before), per_page, q.get("starting_after"),
            lambda a: a["created_at"] >= after and (before is None or a["created_at"] <= before),
            sort_getter=lambda a: a["created_at"], descending=True)
        return raw_json(list_body({"type": "activity_log.list", "pages": pages}, "activity_logs",
                                  [orjson.dumps(render.activity_log(self.ws, a)) for a in rows]))

    @endpoint
    async def me(self, request: Request) -> Response:
        record = self.ws.admins.ordered()[0]
        body = render.admin(self.ws, record)
        body["avatar"] = {"type": "avatar", "image_url": record["avatar"]}
        body["email_verified"] = True
        body["app"] = {"type": "app", "id_code": self.state.config.app_id,
                       "name": "Intercom Sandbox", "region": "US",
                       "timezone": self.state.config.timezone,
                       "created_at": self.state.config.anchor - 86400 * 800,
                       "identity_verification": False}
        return raw_json(orjson.dumps(body))

    @endpoint
    async def list_data_attributes(self, request: Request) -> Response:
        model = request.query_params.get("model")
        if model and model not in ("contact", "company", "conversation"):
            raise invalid("model must be contact, company or conversation", field="model")
        archived = flag_param(request, "include_archived")
        rows = [a for a in self.ws.data_attributes.ordered()
                if (not model or a["model"] == model) and (archived or not a["archived"])]
        return raw_json(list_body({"type": "list"}, "data",
                                  [orjson.dumps(render.data_attribute(self.ws, a)) for a in rows]))

    @endpoint
    async def counts_v2(self, request: Request) -> Response:
        if not self.state.config.counts_v2:
            raise not_found()
        return await self.counts(request)


def routes(state: SandboxState) -> list[Route]:
    api = V2(state)
    return [
        *v2_deletes.routes(state),
        *v2_bulk.routes(state),
        Route("/contacts", api.list_contacts, methods=["GET"]),
        Route("/contacts", api.create_contact, methods=["POST"]),
        Route("/contacts/search", api.search_contacts, methods=["POST"]),
        Route("/contacts/{id}", api.get_contact, methods=["GET"]),
        Route("/contacts/{id}", api.update_contact, methods=["PUT"]),
        Route("/contacts/{id}", api.delete_contact, methods=["DELETE"]),
        Route("/contacts/{id}/archive", api.archive_contact, methods=["POST"]),
        Route("/contacts/{id}/unarchive", api.unarchive_contact, methods=["POST"]),
        Route("/contacts/{id}/tags", api.contact_tags, methods=["GET"]),
        Route("/contacts/{id}/companies", api.contact_companies, methods=["GET"]),
        Route("/contacts/{id}/segments", api.contact_segments, methods=["GET"]),
        Route("/companies", api.list_companies, methods=["GET"]),
        Route("/companies", api.upsert_company, methods=["POST"]),
        Route("/companies/list", api.list_companies_sorted, methods=["POST"]),
        Route("/companies/scroll", api.scroll_companies, methods=["GET"]),
        Route("/companies/{id}", api.get_company, methods=["GET"]),
        Route("/companies/{id}", api.update_company, methods=["PUT"]),
        Route("/companies/{id}", api.delete_company, methods=["DELETE"]),
        Route("/companies/{id}/contacts", api.company_contacts, methods=["GET"]),
        Route("/companies/{id}/segments", api.company_segments, methods=["GET"]),
        Route("/conversations", api.list_conversations, methods=["GET"]),
        Route("/conversations/search", api.search_conversations, methods=["POST"]),
        Route("/conversations/{id}", api.get_conversation, methods=["GET"]),
        Route("/tags", api.list_tags, methods=["GET"]),
        Route("/tags/{id}", api.get_tag, methods=["GET"]),
        Route("/segments", api.list_segments, methods=["GET"]),
        Route("/segments/{id}", api.get_segment, methods=["GET"]),
        Route("/admins", api.list_admins, methods=["GET"]),
        Route("/admins/activity_logs", api.activity_logs, methods=["GET"]),  # before /admins/{id}
        Route("/admins/{id}", api.get_admin, methods=["GET"]),
        Route("/me", api.me, methods=["GET"]),
        Route("/teams", api.list_teams, methods=["GET"]),
        Route("/teams/{id}", api.get_team, methods=["GET"]),
        Route("/data_attributes", api.list_data_attributes, methods=["GET"]),
        Route("/events", api.submit_event, methods=["POST"]),
        Route("/events", api.list_events, methods=["GET"]),
        Route("/counts", api.counts_v2, methods=["GET"]),
        *tickets.routes(state),
        *notes.routes(state),
        *help_center.routes(state),
        *office_hours.routes(state),
    ]
