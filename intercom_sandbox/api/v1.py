"""The 1.x API: users and leads, page lists, scrolls, bulk jobs and their error feeds."""

from __future__ import annotations

import asyncio
import math
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import Dialect, base_url, endpoint
from intercom_sandbox.api.responses import flag_param, int_param, json_body, list_body, raw_json
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.model import v1_input
from intercom_sandbox.model.errors import ApiError, invalid, not_found
from intercom_sandbox.render import v1 as render

PERSON_SORTS = {"created_at": "created_at", "updated_at": "updated_at",
                "signed_up_at": "signed_up_at", "last_request_at": "last_seen_at"}
CONVERSATION_SORTS = ("created_at", "updated_at", "waiting_since")
PEOPLE = {"user": ("users", "user.list", "User Not Found"),
          "lead": ("contacts", "contact.list", "Contact Not Found")}


class V1(Dialect):
    """Handlers of the 1.x dialect."""

    dialect = 1
    render = render

    # -- users and leads -------------------------------------------------------------------------

    def people_list(self, role: str, rows: list[dict], head: dict, tail: dict) -> Response:
        key, list_type, _ = PEOPLE[role]
        return raw_json(list_body({"type": list_type, **head}, key,
                                  self.encode("contacts", rows, render.person), tail))

    def list_people(self, request: Request, role: str) -> Response:
        q = request.query_params
        _, _, missing = PEOPLE[role]
        if q.get("user_id"):
            record = self.ws.contact_by_external_id(q["user_id"], role)
            if record is None:
                raise not_found(missing)
            return self.one("contacts", record, render.person)
        if q.get("email"):
            matches = self.ws.contacts_by_email(q["email"], role)
            if request.scope["intercom_version"] == "1.0" and role == "user":
                if len(matches) > 1:
                    raise ApiError(409, "conflict", "Multiple existing users match this email "
                                   "address - must be more specific using user_id")
                if not matches:
                    raise not_found(missing)
                return self.one("contacts", matches[0], render.person)
            return self.people_list(role, matches, {"total_count": len(matches)},
                                    {"pages": {"type": "pages", "next": None, "page": 1,
                                               "per_page": 50, "total_pages": 1},
                                     "limited": False})
        sort = q.get("sort", "created_at")
        if sort not in PERSON_SORTS:
            raise invalid(f"sort must be one of {', '.join(PERSON_SORTS)}", field="sort")
        order = q.get("order", "desc")
        if order not in ("asc", "desc"):
            raise invalid("order must be asc or desc", field="order")
        tag_id, segment_id = q.get("tag_id"), q.get("segment_id")
        since_days = int_param(request, "created_since", 0, 0)
        since = self.ws.now() - since_days * 86400 if since_days else None
        field = PERSON_SORTS[sort]
        rows, total, pages = self.page_list(
            request, self.ws.contacts, lambda: self.ws.live_contacts(role),
            (role, field, tag_id, segment_id, since), lambda r: r[field], order == "desc", 50, 60,
            predicate=lambda r: (not tag_id or tag_id in r["tag_ids"])
            and (not segment_id or segment_id in r["segment_ids"])
            and (since is None or r["created_at"] >= since))
        return self.people_list(role, rows, {"total_count": total}, {"pages": pages})

    def scroll_people(self, request: Request, role: str) -> Response:
        param, rows = self.scroll(request, PEOPLE[role][0], self.ws.contacts,
                                  lambda: self.ws.live_contacts(role))
        return self.people_list(role, rows, {}, {"scroll_param": param})

    @endpoint
    async def list_users(self, request: Request) -> Response:
        return self.list_people(request, "user")

    @endpoint
    async def scroll_users(self, request: Request) -> Response:
        return self.scroll_people(request, "user")

    @endpoint
    async def get_user(self, request: Request) -> Response:
        return self.one("contacts", self.ws.contact(request.path_params["id"], "user"),
                        render.person)

    @endpoint
    async def upsert_user(self, request: Request) -> Response:
        body = await json_body(request)
        fields = v1_input.contact_fields(body, self.ws.now())
        record, _ = self.ws.upsert_user(fields)
        if v1_input.session_bump(body):
            self.ws.update_contact(record, {"session_count": record["session_count"] + 1})
        return self.one("contacts", record, render.person)

    @endpoint
    async def archive_user(self, request: Request) -> Response:
        if "id" in request.path_params:
            record = self.ws.contact(request.path_params["id"], "user")
        else:
            ident = dict(request.query_params) or await json_body(request)
            record = self.ws.find_user(ident if isinstance(ident, dict) else {})
            if record is None:
                raise not_found("User Not Found")
        body = render.person(self.ws, record)
        self.ws.archive_contact(record)
        return raw_json(orjson.dumps(body))

    @endpoint
    async def list_leads(self, request: Request) -> Response:
        return self.list_people(request, "lead")

    @endpoint
    async def scroll_leads(self, request: Request) -> Response:
        return self.scroll_people(request, "lead")

    @endpoint
    async def get_lead(self, request: Request) -> Response:
        return self.one("contacts", self.ws.contact(request.path_params["id"], "lead"),
                        render.person)

    @endpoint
    async def create_lead(self, request: Request) -> Response:
        record, _ = self.ws.upsert_lead(v1_input.contact_fields(await json_body(request),
                                                                self.ws.now()))
        return self.one("contacts", record, render.person)

    @endpoint
    async def update_lead(self, request: Request) -> Response:
        fields = v1_input.contact_fields(await json_body(request), self.ws.now())
        if not fields.get("id") and not fields.get("external_id"):
            raise invalid("id or user_id required", code="parameter_not_found")
        record = self.ws.find_user({"id": fields.pop("id", None),
                                    "external_id": fields.get("external_id")}, "lead")
        if record is None:
            raise not_found("Contact Not Found")
        return self.one("contacts", self.ws.update_contact(record, fields), render.person)

    @endpoint
    async def delete_lead(self, request: Request) -> Response:
        record = self.ws.contact(request.path_params["id"], "lead")
        body = render.person(self.ws, record)
        self.ws.delete_contact(record)
        return raw_json(orjson.dumps(body))

    @endpoint
    async def convert_lead(self, request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("contact"), dict) \
                or not isinstance(body.get("user"), dict):
            raise invalid("contact and user objects are required", code="parameter_not_found")
        lead_ref = body["contact"]
        lead = self.ws.find_user({"id": lead_ref.get("id"),
                                  "external_id": lead_ref.get("user_id")}, "lead")
        if lead is None:
            raise not_found("Contact Not Found")
        user = self.ws.convert_lead(lead, body["user"])
        return self.one("contacts", user, render.person)

    # -- companies -------------------------------------------------------------------------------

    def companies_list(self, rows: list[dict], head: dict, tail: dict) -> Response:
        return raw_json(list_body({"type": "company.list", **head}, "companies",
                                  self.encode("companies", rows, render.company), tail))

    @endpoint
    async def list_companies(self, request: Request) -> Response:
        q = request.query_params
        if q.get("company_id") or q.get("name"):
            record = self.ws.company_by(q.get("company_id"), q.get("name"))
            if q.get("type") == "user":
                return self.company_members(request, record)
            return self.one("companies", record, render.company)
        tag_id, segment_id = q.get("tag_id"), q.get("segment_id")
        if tag_id and segment_id:
            raise invalid("filter by tag_id or segment_id, not both", code="parameter_mismatch")
        order = q.get("order", "desc")
        rows, total, pages = self.page_list(
            request, self.ws.companies, self.ws.companies.ordered,
            ("companies-v1", tag_id, segment_id), lambda c: c["last_request_at"],
            order != "asc", 50, 60,
            predicate=lambda c: c["user_count"] > 0 and (not tag_id or tag_id in c["tag_ids"])
            and (not segment_id or segment_id in c["segment_ids"]))
        return self.companies_list(rows, {"total_count": total}, {"pages": pages})

    def company_members(self, request: Request, record: dict) -> Response:
        rows = self.ws.company_members(record)
        return self.people_list("user", [r for r in rows if r["role"] == "user"],
                                {"total_count": len(rows)},
                                {"pages": {"type": "pages", "next": None, "page": 1,
                                           "per_page": len(rows), "total_pages": 1}})

    @endpoint
    async def scroll_companies(self, request: Request) -> Response:
        param, rows = self.scroll(request, "companies", self.ws.companies,
                                  self.ws.companies.ordered)
        return self.companies_list(rows, {}, {"scroll_param": param})

    @endpoint
    async def get_company(self, request: Request) -> Response:
        return self.one("companies", self.ws.company(request.path_params["id"]), render.company)

    @endpoint
    async def company_users(self, request: Request) -> Response:
        return self.company_members(request, self.ws.company(request.path_params["id"]))

    @endpoint
    async def upsert_company(self, request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict):
            raise invalid("body must be a JSON object")
        return self.one("companies", self.ws.upsert_company(
            {k: v for k, v in body.items() if k not in ("id", "type")}), render.company)

    # -- conversations ---------------------------------------------------------------------------

    @endpoint
    async def list_conversations(self, request: Request) -> Response:
        q = request.query_params
        sort = q.get("sort", "updated_at")
        if sort not in CONVERSATION_SORTS:
            raise invalid(f"sort must be one of {', '.join(CONVERSATION_SORTS)}", field="sort")
        order = q.get("order", "desc")
        if order not in ("asc", "desc"):
            raise invalid("order must be asc or desc", field="order")
        predicate, key = self.conversation_filter(request)
        rows, _total, pages = self.page_list(
            request, self.ws.conversations, self.ws.conversations.ordered, ("conv-v1", sort, key),
            lambda c: c[sort], order == "desc", 20, 60, cap=None, predicate=predicate)
        return raw_json(list_body({"type": "conversation.list"}, "conversations",
                                  self.encode("conversations", rows, render.conversation),
                                  {"pages": pages}))

    def conversation_filter(self, request: Request) -> tuple:
        q = request.query_params
        contact_id = admin_id = None
        if q.get("type") == "user":
            owner = self.event_owner(request)
            contact_id = owner["id"]
        elif q.get("type") == "admin":
            admin_id = q.get("admin_id") or q.get("id")  # the SDKs send `id`
            if admin_id is None:
                raise invalid("admin_id is required with type=admin", code="parameter_not_found")
        open_only = q.get("open")
        unread = q.get("unread")

        def predicate(c: dict) -> bool:
            return ((contact_id is None or contact_id in c["contact_ids"])
                    and (admin_id is None or str(c["admin_assignee_id"]) == admin_id)
                    and (open_only is None or c["open"] == (open_only == "true"))
                    and (unread is None or c["read"] != (unread == "true")))
        return predicate, (contact_id, admin_id, open_only, unread)

    # -- workspace lists -------------------------------------------------------------------------

    @endpoint
    async def list_tags(self, request: Request) -> Response:
        return raw_json(list_body({"type": "tag.list"}, "tags",
                                  [orjson.dumps(render.tag(self.ws, t))
                                   for t in self.ws.tags.ordered()], {"pages": {}}))

    @endpoint
    async def list_segments(self, request: Request) -> Response:
        kind = "company" if request.query_params.get("type") == "company" else "user"
        with_count = flag_param(request, "include_count") and kind == "user"
        people = self.ws.live_contacts() if with_count else []
        rows = [orjson.dumps(render.segment(
            self.ws, s, sum(1 for c in people if s["id"] in c["segment_ids"])
            if with_count else None)) for s in self.ws.segments.ordered() if s["kind"] == kind]
        return raw_json(list_body({"type": "segment.list"}, "segments", rows))

    @endpoint
    async def list_admins(self, request: Request) -> Response:
        rows = [orjson.dumps(render.admin(self.ws, a)) for a in self.ws.admins.ordered()]
        rows += [orjson.dumps(render.team_as_admin(self.ws, t)) for t in self.ws.teams.ordered()]
        return raw_json(list_body({"type": "admin.list"}, "admins", rows))

    @endpoint
    async def me(self, request: Request) -> Response:
        return raw_json(orjson.dumps(render.admin(self.ws, self.ws.admins.ordered()[0])))

    @endpoint
    async def list_data_attributes(self, request: Request) -> Response:
        model = request.path_params.get("model") or request.query_params.get("model")
        models = {"customer": "contact", "company": "company", "conversation": "conversation"}
        if model and model not in models:
            raise invalid("model must be customer or company", field="model")
        archived = flag_param(request, "include_archived")
        rows = [a for a in self.ws.data_attributes.ordered()
                if (not model or a["model"] == models[model]) and (archived or not a["archived"])]
        return raw_json(list_body({"type": "data_attribute.list"}, "data_attributes",
                                  [orjson.dumps(render.data_attribute(self.ws, a))
                                   for a in rows]))

    # -- bulk jobs -------------------------------------------------------------------------------

    @endpoint
    async def bulk(self, request: Request) -> Response:
        resource = request.url.path.rsplit("/", 1)[-1]
        job = self.ws.jobs.submit(resource, await json_body(request))
        # Apply the new task once it is due even if no other request comes in meanwhile.
        asyncio.get_running_loop().call_later(self.ws.jobs.delay + 0.01,
                                              lambda: self.ws.jobs.process_due())
        return raw_json(orjson.dumps(render.job(self.ws.jobs, job, base_url(request))), 202)

    @endpoint
    async def get_job(self, request: Request) -> Response:
        job = self.ws.jobs.get(request.path_params["id"])
        return raw_json(orjson.dumps(render.job(self.ws.jobs, job, base_url(request))))

    @endpoint
    async def job_errors(self, request: Request) -> Response:
        job = self.ws.jobs.get(request.path_params["id"])
        per_page = self.state.config.error_feed_page_size
        page = int_param(request, "page", 1, 1)
        items = job.errors[(page - 1) * per_page: page * per_page]
        more = page * per_page < len(job.errors)
        nxt = (f"{base_url(request)}/jobs/{job.id}/error?{urlencode({'page': page + 1})}"
               if more else None)
        return raw_json(orjson.dumps({
            "type": "job_item.list", "app_id": self.state.config.app_id, "job_id": job.id,
            "items": items,
            "pages": {"type": "pages", "next": nxt, "page": page, "per_page": per_page,
                      "total_pages": math.ceil(len(job.errors) / per_page)},
        }))


def routes(state: SandboxState) -> list[Route]:
    api = V1(state)
    return [
        Route("/users", api.list_users, methods=["GET"]),
        Route("/users", api.upsert_user, methods=["POST"]),
        Route("/users", api.archive_user, methods=["DELETE"]),
        Route("/users/scroll", api.scroll_users, methods=["GET"]),
        Route("/users/{id}", api.get_user, methods=["GET"]),
        Route("/users/{id}", api.archive_user, methods=["DELETE"]),
        Route("/contacts", api.list_leads, methods=["GET"]),
        Route("/contacts", api.create_lead, methods=["POST"]),
        Route("/contacts", api.update_lead, methods=["PUT"]),
        Route("/contacts/scroll", api.scroll_leads, methods=["GET"]),
        Route("/contacts/convert", api.convert_lead, methods=["POST"]),
        Route("/contacts/{id}", api.get_lead, methods=["GET"]),
        Route("/contacts/{id}", api.delete_lead, methods=["DELETE"]),
        Route("/companies", api.list_companies, methods=["GET"]),
        Route("/companies", api.upsert_company, methods=["POST"]),
        Route("/companies/scroll", api.scroll_companies, methods=["GET"]),
        Route("/companies/{id}", api.get_company, methods=["GET"]),
        Route("/companies/{id}/users", api.company_users, methods=["GET"]),
        Route("/conversations", api.list_conversations, methods=["GET"]),
        Route("/conversations/{id}", api.get_conversation, methods=["GET"]),
        Route("/tags", api.list_tags, methods=["GET"]),
        Route("/segments", api.list_segments, methods=["GET"]),
        Route("/segments/{id}", api.get_segment, methods=["GET"]),
        Route("/admins", api.list_admins, methods=["GET"]),
        Route("/admins/{id}", api.get_admin, methods=["GET"]),
        Route("/me", api.me, methods=["GET"]),
        Route("/teams", api.list_teams, methods=["GET"]),
        Route("/teams/{id}", api.get_team, methods=["GET"]),
        Route("/counts", api.counts, methods=["GET"]),
        Route("/data_attributes", api.list_data_attributes, methods=["GET"]),
        Route("/data_attributes/{model}", api.list_data_attributes, methods=["GET"]),
        Route("/events", api.submit_event, methods=["POST"]),
        Route("/events", api.list_events, methods=["GET"]),
        Route("/bulk/users", api.bulk, methods=["POST"]),
        Route("/bulk/contacts", api.bulk, methods=["POST"]),
        Route("/bulk/events", api.bulk, methods=["POST"]),
        Route("/jobs/{id}", api.get_job, methods=["GET"]),
        Route("/jobs/{id}/error", api.job_errors, methods=["GET"]),
    ]
