"""The 2.x notes of a contact, paged by number, and the subscription types."""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import Dialect, endpoint
from intercom_sandbox.api.responses import int_param, list_body, raw_json
from intercom_sandbox.render import notes as render


class Notes(Dialect):
    """Note and subscription type handlers of the 2.x dialect."""

    dialect = 2

    @endpoint
    async def contact_notes(self, request: Request) -> Response:
        """A contact's notes, newest first, 15 a page by default."""
        contact = self.ws.contact(request.path_params["id"])
        per_page = int_param(request, "per_page", 15, 1, 150)
        page = int_param(request, "page", 1, 1)
        notes = self.ws.notes_of(contact["id"])
        rows = notes[(page - 1) * per_page: page * per_page]
        total_pages = math.ceil(len(notes) / per_page)
        pages: dict = {"type": "pages", "page": page, "per_page": per_page,
                       "total_pages": total_pages}
        if page < total_pages:
            pages["next"] = {"page": page + 1, "per_page": per_page}
        return raw_json(list_body({"type": "list", "total_count": len(notes)}, "data",
                                  [orjson.dumps(render.note(self.ws, n)) for n in rows],
                                  {"pages": pages}))

    @endpoint
    async def list_subscription_types(self, request: Request) -> Response:
        return raw_json(list_body({"type": "list"}, "data", [
            orjson.dumps(render.subscription_type(self.ws, r))
            for r in self.ws.subscription_types.ordered()]))


def routes(state: Any) -> list[Route]:
    api = Notes(state)
    return [
        Route("/contacts/{id}/notes", api.contact_notes, methods=["GET"]),
        Route("/subscription_types", api.list_subscription_types, methods=["GET"]),
    ]
