"""The 2.16 office hours schedules; earlier versions do not route them."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import Dialect, endpoint
from intercom_sandbox.api.responses import raw_json
from intercom_sandbox.api.versions import described_2_11
from intercom_sandbox.model.errors import not_found


def office_hours_schedule(ws: Any, r: dict) -> dict:
    return {"type": "office_hours_schedule", "id": r["id"], "name": r["name"],
            "time_zone_name": r["time_zone_name"],
            "time_intervals": [dict(i) for i in r["time_intervals"]],
            "twenty_four_seven": r["twenty_four_seven"], "created_at": r["created_at"],
            "updated_at": r["updated_at"]}


class OfficeHours(Dialect):
    dialect = 2

    @endpoint
    async def list_schedules(self, request: Request) -> Response:
        if described_2_11(request):
            raise not_found("Resource Not Found")
        return raw_json(orjson.dumps({"type": "office_hours_schedule.list", "data": [
            office_hours_schedule(self.ws, r)
            for r in self.ws.office_hours_schedules.ordered()]}))


def routes(state: Any) -> list[Route]:
    api = OfficeHours(state)
    return [Route("/office_hours_schedules", api.list_schedules, methods=["GET"])]
