"""The 2.x help center: help centers, collections and articles, paged by number."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import Dialect, endpoint
from intercom_sandbox.api.responses import int_param, list_body, raw_json
from intercom_sandbox.render import help_center as render


class HelpCenter(Dialect):
    """Help center handlers of the 2.x dialect."""

    dialect = 2

    def page(self, request: Request, rows: list[dict], render_one: Callable,
             counted: bool = True) -> Response:
        per_page = int_param(request, "per_page", 20, 1, 150)
        page = int_param(request, "page", 1, 1)
        total_pages = math.ceil(len(rows) / per_page)
        pages: dict = {"type": "pages", "page": page, "per_page": per_page,
                       "total_pages": total_pages}
        if page < total_pages:
            pages["next"] = {"page": page + 1, "per_page": per_page}
        head: dict = {"type": "list"}
        if counted:
            head["total_count"] = len(rows)
        chosen = rows[(page - 1) * per_page: page * per_page]
        return raw_json(list_body(head, "data",
                                  [orjson.dumps(render_one(self.ws, r)) for r in chosen],
                                  {"pages": pages} if counted else None))

    @endpoint
    async def list_help_centers(self, request: Request) -> Response:
        return self.page(request, self.ws.help_centers.ordered(), render.help_center,
                         counted=False)

    @endpoint
    async def list_collections(self, request: Request) -> Response:
        return self.page(request, self.ws.collections.ordered(), render.collection)

    @endpoint
    async def list_articles(self, request: Request) -> Response:
        return self.page(request, self.ws.articles.ordered(), render.article)


def routes(state: Any) -> list[Route]:
    api = HelpCenter(state)
    return [
        Route("/help_center/help_centers", api.list_help_centers, methods=["GET"]),
        Route("/help_center/collections", api.list_collections, methods=["GET"]),
        Route("/articles", api.list_articles, methods=["GET"]),
    ]
