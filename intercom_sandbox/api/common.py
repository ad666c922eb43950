"""Request handling shared by both dialects: paging, scrolls, counts, events and endpoints."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from intercom_sandbox.api.responses import (
    error_response,
    int_param,
    json_body,
    list_body,
    raw_json,
)
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.model.counts import counts
from intercom_sandbox.model.errors import ApiError, invalid
from intercom_sandbox.model.query import (
    CONTACT_FIELDS,
    CONVERSATION_FIELDS,
    Field,
    QueryCompiler,
    Range,
    as_number,
    id_order,
    is_id_field,
    keyset_page,
    offset_page,
)
from intercom_sandbox.render import v1 as render_v1

PAGE_LIST_CAP = 10_000
TAG_RE = re.compile(r"<[^>]+>")
Handler = Callable[[Any, Request], Awaitable[Response]]
KIND_OF_TYPE = {"string": "string", "integer": "integer", "float": "number", "date": "date",
                "boolean": "boolean"}


def endpoint(fn: Handler) -> Handler:
    """Turn the model's ApiError into Intercom's error response."""
    @functools.wraps(fn)
    async def wrapper(self: Any, request: Request) -> Response:
        try:
            return await fn(self, request)
        except ApiError as exc:
            return error_response(exc)
    return wrapper


def base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


class Dialect:
    """What both API dialects share; subclasses add their routes and representations."""

    dialect = 0
    render: Any = None  # the dialect's render module

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    @property
    def ws(self):
        return self.state.workspace

    def encode(self, collection: str, records: list[dict], render: Callable) -> list[bytes]:
        cache = self.state.cache
        return [cache.encode(collection, self.dialect, r, lambda rec: render(self.ws, rec))
                for r in records]

    def one(self, collection: str, record: dict, render: Callable) -> Response:
        return raw_json(self.encode(collection, [record], render)[0])

    # -- paging -------------------------------------------------------------------------------

    def page_list(self, request: Request, collection: Any, records: Callable[[], list[dict]],
                  cache_key: tuple, sort_getter: Callable | None, descending: bool,
                  per_page_default: int, per_page_max: int, cap: int | None = PAGE_LIST_CAP,
                  predicate: Callable[[dict], bool] = lambda r: True
                  ) -> tuple[list[dict], int, dict]:
        """A 1.x-style page by number, with `pages.next` as a full URL; deep pages refused."""
        per_page = int_param(request, "per_page", per_page_default, 1, per_page_max)
        page = int_param(request, "page", 1, 1)
        offset = (page - 1) * per_page
        if cap is not None and offset >= cap:
            raise ApiError(400, "bad_request", "page limit reached, please use scroll API")
        result = self.state.search.result(collection.version, records, predicate, cache_key,
                                          sort_getter)
        total = len(result.records)
        rows = offset_page(result, descending, offset, per_page)
        if cap is not None:
            rows = rows[: max(0, cap - offset)]
        has_next = offset + per_page < total
        query = dict(request.query_params)
        query.update(page=str(page + 1), per_page=str(per_page))
        pages = {"type": "pages", "page": page, "per_page": per_page,
                 "total_pages": math.ceil(total / per_page) if total else 0,
                 "next": f"{base_url(request)}{request.url.path}?{urlencode(query)}"
                 if has_next else None}
        return rows, total, pages

    def cursor_list(self, collection: Any, records: Callable[[], list[dict]], cache_key: tuple,
                    per_page: int, cursor: str | None,
                    predicate: Callable[[dict], bool] = lambda r: True,
                    sort_getter: Callable | None = None, descending: bool = False,
                    narrow: Range | None = None) -> tuple[list[dict], int, dict]:
        """A 2.x cursor page: records, total and the `pages` object with `next` when more remain."""
        result = self.state.search.result(collection.version, records, predicate, cache_key,
                                          sort_getter, narrow)
        rows, next_cursor, page_no = keyset_page(result, descending, per_page, cursor)
        total = len(result.records)
        pages = {"type": "pages", "page": page_no, "per_page": per_page,
                 "total_pages": math.ceil(total / per_page) if total else 0}
        if next_cursor:
            pages["next"] = {"page": page_no + 1, "per_page": per_page,
                             "starting_after": next_cursor}
        return rows, total, pages

    # -- search ---------------------------------------------------------------------------------

    def search_fields(self, model: str) -> Callable[[str], Field | None]:
        base = CONTACT_FIELDS if model == "contact" else CONVERSATION_FIELDS
        custom = {a["name"]: a for a in self.ws.data_attributes.ordered()
                  if a["model"] == model and a["custom"]}

        def lookup(name: str) -> Field | None:
            if name in base:
                return base[name]
            if name.startswith("custom_attributes."):
                attr = custom.get(name.split(".", 1)[1])
                if attr is not None:
                    key = attr["name"]
                    return Field(lambda r: r["custom_attributes"].get(key),
                                 KIND_OF_TYPE[attr["data_type"]])
            return None
        return lookup

    def search(self, body: Any, model: str, collection: Any, records: Callable[[], list[dict]],
               per_page_default: int) -> tuple[list[dict], int, dict]:
        """Run a 2.x search request body against a collection."""
        if not isinstance(body, dict) or "query" not in body:
            raise invalid("query is required", code="parameter_not_found", field="query")
        fields = self.search_fields(model)
        compiler = QueryCompiler(fields, self.state.config.timezone)
        predicate = compiler.compile(body["query"])
        narrow = compiler.date_range(body["query"])
        pagination = body.get("pagination") or {}
        if not isinstance(pagination, dict):
            raise invalid("pagination must be an object", field="pagination")
        per_page = as_number(pagination.get("per_page", per_page_default))
        if per_page is None or per_page != int(per_page) or per_page < 1:
            raise invalid("per_page must be a positive integer", field="per_page")
        sort = body.get("sort") or {}
        sort_getter, descending = None, False
        if sort:
            if not isinstance(sort, dict) or not isinstance(sort.get("field"), str):
                raise invalid("sort needs a field", field="sort")
            field = fields(sort["field"])
            if field is None:
                raise invalid(f"{sort['field']} is not a sortable field", field="sort")
            order = sort.get("order", "descending")
            if order not in ("ascending", "descending"):
                raise invalid("Must be one of: ascending, descending", code="invalid_sort_order",
                              field="order")
            sort_getter, descending = field.getter, order == "descending"
            if field.kind == "string" and is_id_field(sort["field"]):
                sort_getter = lambda r, get=field.getter: id_order(get(r))  # noqa: E731
        key = (model, orjson.dumps(body["query"], option=orjson.OPT_SORT_KEYS),
               sort.get("field"), descending)
        return self.cursor_list(collection, records, key, min(int(per_page), 150),
                                pagination.get("starting_after"), predicate, sort_getter,
                                descending, narrow)

    # -- scroll ---------------------------------------------------------------------------------

    def scroll(self, request: Request, resource: str, collection: Any,
               records: Callable[[], list[dict]]) -> tuple[str, list[dict]]:
        param = request.query_params.get("scroll_param")
        scroll_param, ids = self.ws.scrolls.page(resource, param,
                                                 lambda: [r["id"] for r in records()])
        rows = [collection.get(i) for i in ids]
        return scroll_param, [r for r in rows if r is not None and not r.get("archived")]

    # -- shared endpoints -------------------------------------------------------------------------

    @endpoint
    async def get_conversation(self, request: Request) -> Response:
        """One conversation with its parts; `display_as=plaintext` strips the HTML of bodies."""
        record = self.ws.conversation(request.path_params["id"])
        if request.query_params.get("display_as") == "plaintext":
            body = self.render.conversation(self.ws, record, with_parts=True)
            for part in body["conversation_parts"]["conversation_parts"]:
                if part["body"]:
                    part["body"] = TAG_RE.sub("", part["body"])
            return raw_json(orjson.dumps(body))
        return raw_json(self.state.cache.encode(
            "conversation_details", self.dialect, record,
            lambda r: self.render.conversation(self.ws, r, with_parts=True)))

    @endpoint
    async def get_admin(self, request: Request) -> Response:
        record = self.ws.admin(request.path_params["id"])
        return raw_json(orjson.dumps(self.render.admin(self.ws, record)))

    @endpoint
    async def get_tag(self, request: Request) -> Response:
        record = self.ws.tag(request.path_params["id"])
        return raw_json(orjson.dumps(self.render.tag(self.ws, record)))

    @endpoint
    async def get_segment(self, request: Request) -> Response:
        record = self.ws.segment(request.path_params["id"])
        return raw_json(orjson.dumps(self.render.segment(self.ws, record)))

    @endpoint
    async def list_teams(self, request: Request) -> Response:
        return raw_json(list_body({"type": "team.list"}, "teams",
                                  [orjson.dumps(self.render.team(self.ws, t))
                                   for t in self.ws.teams.ordered()]))

    @endpoint
    async def get_team(self, request: Request) -> Response:
        record = self.ws.team(request.path_params["id"])
        return raw_json(orjson.dumps(self.render.team(self.ws, record)))

    @endpoint
    async def counts(self, request: Request) -> Response:
        return raw_json(orjson.dumps(counts(self.ws, request.query_params.get("type"),
                                            request.query_params.get("count"))))

    def event_owner(self, request: Request) -> dict:
        """The contact named by intercom_user_id, user_id or email in the query."""
        q = request.query_params
        ident = {"id": q.get("intercom_user_id"), "user_id": q.get("user_id"),
                 "email": q.get("email")}
        if not any(ident.values()):
            raise invalid("one of intercom_user_id, user_id or email is required",
                          code="parameter_not_found")
        return self.ws.event_contact(ident)

    @endpoint
    async def list_events(self, request: Request) -> Response:
        contact = self.event_owner(request)
        events = self.ws.events_for(contact)
        if request.query_params.get("summary", "").lower() == "true":
            summary: dict[str, dict] = {}
            for e in events:
                entry = summary.setdefault(e["event_name"], {"name": e["event_name"],
                                                              "first": e["created_at"],
                                                              "last": e["created_at"],
                                                              "count": 0})
                entry["count"] += 1
                entry["first"] = min(entry["first"], e["created_at"])
                entry["last"] = max(entry["last"], e["created_at"])
            rows = [{**s, "first": iso(s["first"]), "last": iso(s["last"])}
                    for s in summary.values()]
            return raw_json(orjson.dumps({
                "type": "event.summary", "email": contact["email"] or "",
                "intercom_user_id": contact["id"], "user_id": contact["external_id"] or "",
                "events": rows}))
        per_page = int_param(request, "per_page", 50, 1, 100)
        before = int_param(request, "before", 2**62, 0)
        window = [e for e in events if e["created_at"] * 1000 < before][:per_page]
        more = len([e for e in events if e["created_at"] * 1000 < before]) > per_page
        pages: dict = {}
        if more and window:
            query = dict(request.query_params)
            query["before"] = str(window[-1]["created_at"] * 1000)
            pages["next"] = f"{base_url(request)}/events?{urlencode(query)}"
        return raw_json(list_body({"type": "event.list"}, "events",
                                  [orjson.dumps(render_v1.event(self.ws, e)) for e in window],
                                  {"pages": pages}))

    @endpoint
    async def submit_event(self, request: Request) -> Response:
        self.ws.add_event(await json_body(request))
        return Response(b"", status_code=202)


def iso(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="milliseconds")
