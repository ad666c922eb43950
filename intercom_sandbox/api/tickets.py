"""The 2.x ticket endpoints: search, one ticket with its parts, ticket types and states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import KIND_OF_TYPE, Dialect, endpoint
from intercom_sandbox.api.responses import json_body, list_body, raw_json
from intercom_sandbox.api.versions import described_2_11
from intercom_sandbox.model.errors import not_found
from intercom_sandbox.model.query import Field
from intercom_sandbox.render import tickets as render

ATTRIBUTE_KINDS = {"string": "string", "list": "string", "integer": "integer",
                   "decimal": "number", "boolean": "boolean", "datetime": "date"}


def _get(*keys: str) -> Callable[[dict], Any]:
    def get(record: dict) -> Any:
        value: Any = record
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value
    return get


def _teammates(ticket: dict) -> list[str]:
    ids = {str(p["author"]["id"]) for p in ticket["parts"] if p["author"]["type"] == "admin"}
    if ticket["admin_assignee_id"] is not None:
        ids.add(str(ticket["admin_assignee_id"]))
    return sorted(ids)


def _state(ws: Any) -> Callable[[dict], Any]:
    return lambda r: (ws.ticket_states.get(r["state_id"]) or {}).get("category")


class Tickets(Dialect):
    """Ticket handlers of the 2.x dialect."""

    dialect = 2

    def search_fields(self, model: str) -> Callable[[str], Field | None]:
        """The searchable ticket fields of the 2.11 description's table."""
        base = {
            **{name: Field(_get(name), "string") for name in ("id", "category")},
            **{name: Field(_get(name), "date") for name in ("created_at", "updated_at",
                                                             "snoozed_until")},
            "title": Field(_get("attributes", "_default_title_"), "string"),
            "description": Field(_get("attributes", "_default_description_"), "string"),
            "ticket_type_id": Field(_get("ticket_type_id"), "string"),
            "contact_ids": Field(_get("contact_ids"), "list"),
            "teammate_ids": Field(_teammates, "list"),
            "admin_assignee_id": Field(lambda r: None if r["admin_assignee_id"] is None
                                       else str(r["admin_assignee_id"]), "string"),
            "team_assignee_id": Field(lambda r: None if r["team_assignee_id"] is None
                                      else str(r["team_assignee_id"]), "string"),
            "open": Field(_get("open"), "boolean"),
            "state": Field(_state(self.ws), "string"),
        }
        attributes = {a["id"]: a for t in self.ws.ticket_types.ordered()
                      for a in t["attributes"]}

        def lookup(name: str) -> Field | None:
            if name in base:
                return base[name]
            if name.startswith("ticket_attribute."):
                attr = attributes.get(name.split(".", 1)[1])
                kind = ATTRIBUTE_KINDS.get(attr["data_type"]) if attr else None
                if attr and kind:
                    return Field(_get("attributes", attr["name"]), KIND_OF_TYPE.get(kind, kind))
            return None
        return lookup

    @endpoint
    async def search_tickets(self, request: Request) -> Response:
        rows, total, pages = self.search(await json_body(request), "ticket", self.ws.tickets,
                                         self.ws.tickets.ordered, 20)
        shape = described_2_11(request)
        return raw_json(list_body({"type": "ticket.list", "total_count": total}, "tickets",
                                  [orjson.dumps(render.ticket(self.ws, r, shape)) for r in rows],
                                  {"pages": pages}))

    @endpoint
    async def get_ticket(self, request: Request) -> Response:
        record = self.ws.ticket(request.path_params["id"])
        return raw_json(orjson.dumps(render.ticket(self.ws, record, described_2_11(request),
                                                   with_parts=True)))

    @endpoint
    async def list_ticket_types(self, request: Request) -> Response:
        return raw_json(orjson.dumps(render.ticket_type_list(self.ws, described_2_11(request))))

    @endpoint
    async def list_ticket_states(self, request: Request) -> Response:
        """Ticket states are listed from 2.16's description on; earlier versions do not route it."""
        if described_2_11(request):
            raise not_found("Resource Not Found")
        return raw_json(orjson.dumps(render.ticket_state_list(self.ws)))


def routes(state: Any) -> list[Route]:
    api = Tickets(state)
    return [
        Route("/tickets/search", api.search_tickets, methods=["POST"]),
        Route("/tickets/{id}", api.get_ticket, methods=["GET"]),
        Route("/ticket_types", api.list_ticket_types, methods=["GET"]),
        Route("/ticket_states", api.list_ticket_states, methods=["GET"]),
    ]
