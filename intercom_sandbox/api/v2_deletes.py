"""The 2.x endpoints about what is gone: deleted conversations, contact activities,
conversation and tag deletes. Each serves only from the version whose description has it."""

from __future__ import annotations

import math
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import Dialect, base_url, endpoint
from intercom_sandbox.api.responses import int_param, raw_json
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.api.versions import require
from intercom_sandbox.model.errors import invalid
from intercom_sandbox.render import v2 as render


class Deletes(Dialect):
    """Handlers of the 2.x endpoints that report or make deletions."""

    dialect = 2
    render = render

    @endpoint
    async def deleted_conversations(self, request: Request) -> Response:
        """Deleted conversation ids, newest deletion first unless `order=asc`, by page number."""
        require(request, "2.16")
        per_page = int_param(request, "per_page", 20, 1, 60)
        page = int_param(request, "page", 1, 1)
        order = request.query_params.get("order", "desc")
        if order not in ("asc", "desc"):
            raise invalid("order must be asc or desc", field="order")
        rows = sorted(self.ws.deleted_conversations, key=lambda d: (d["deleted_at"], d["id"]),
                      reverse=order == "desc")
        total_pages = max(1, math.ceil(len(rows) / per_page))
        chunk = rows[(page - 1) * per_page: page * per_page]
        next_url = None
        if page < total_pages:
            query = urlencode({"per_page": per_page, "order": order, "page": page + 1})
            next_url = f"{base_url(request)}/conversations/deleted?{query}"
        return raw_json(orjson.dumps({
            "type": "conversations.list", "total_count": len(rows),
            "pages": {"type": "pages", "next": next_url, "page": page, "per_page": per_page,
                      "total_pages": total_pages},
            "conversations": chunk}))

    @endpoint
    async def delete_conversation(self, request: Request) -> Response:
        require(request, "2.16")
        record = self.ws.conversation(request.path_params["id"])
        retain = request.query_params.get("retain_metrics", "true").lower() != "false"
        self.ws.delete_conversation(record, retain_metrics=retain)
        return raw_json(orjson.dumps({"id": record["id"], "object": "conversation",
                                      "deleted": True}))

    @endpoint
    async def contact_activities(self, request: Request) -> Response:
        """Contact activities oldest first, `starting_after` the last id of the page before."""
        require(request, "Preview")
        per_page = int_param(request, "per_page", 50, 1, 150)
        after = request.query_params.get("starting_after")
        rows = [a for a in self.ws.contact_activities if after is None or a["id"] > after]
        chunk = rows[:per_page]
        pages: dict = {"type": "pages", "per_page": per_page}
        if len(rows) > per_page:
            pages["next"] = {"starting_after": chunk[-1]["id"]}
        return raw_json(orjson.dumps({"type": "list", "data": chunk, "pages": pages}))

    @endpoint
    async def delete_tag(self, request: Request) -> Response:
        self.ws.delete_tag(self.ws.tag(request.path_params["id"]))
        return Response(status_code=200)


def routes(state: SandboxState) -> list[Route]:
    """Routes that must come before `/contacts/{id}` and `/conversations/{id}`."""
    api = Deletes(state)
    return [
        Route("/conversations/deleted", api.deleted_conversations, methods=["GET"]),
        Route("/conversations/{id}", api.delete_conversation, methods=["DELETE"]),
        Route("/contacts/activities", api.contact_activities, methods=["GET"]),
        Route("/tags/{id}", api.delete_tag, methods=["DELETE"]),
    ]
