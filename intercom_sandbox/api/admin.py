"""The sandbox's own API under /_sandbox/: statistics, snapshots, mutations, faults, settings."""

from __future__ import annotations

from dataclasses import asdict

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import endpoint
from intercom_sandbox.api.office_hours import office_hours_schedule
from intercom_sandbox.api.responses import json_body, json_response
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.config import WorkspaceSize
from intercom_sandbox.model.errors import invalid, not_found
from intercom_sandbox.model.faults import parse_rules
from intercom_sandbox.render import help_center as render_help_center
from intercom_sandbox.render import notes as render_notes
from intercom_sandbox.render import tickets as render_tickets
from intercom_sandbox.render import v1 as render_v1
from intercom_sandbox.render import v2 as render_v2

SETTINGS = ("latency_ms", "jitter_ms", "rate_limit_per_minute", "scroll_timeout_s",
            "scroll_page_size", "job_close_after_s", "job_task_delay_s", "default_version",
            "counts_v2", "error_feed_page_size")
RENDERERS = {
    "contacts": (render_v1.person, render_v2.contact),
    "companies": (render_v1.company, render_v2.company),
    "conversations": (render_v1.conversation, render_v2.conversation),
    "tags": (render_v1.tag, render_v2.tag),
    "segments": (render_v1.segment, render_v2.segment),
    "admins": (render_v1.admin, render_v2.admin),
    "teams": (render_v1.team, render_v2.team),
    "data_attributes": (render_v1.data_attribute, render_v2.data_attribute),
    "events": (render_v1.event, render_v1.event),
    "activity_logs": (None, render_v2.activity_log),
    "notes": (None, render_notes.note),
    "subscription_types": (None, render_notes.subscription_type),
    "help_centers": (None, render_help_center.help_center),
    "collections": (None, render_help_center.collection),
    "articles": (None, render_help_center.article),
    "office_hours_schedules": (None, office_hours_schedule),
    "tickets": (None, render_tickets.ticket),
    "ticket_types": (None, render_tickets.ticket_type),
    "ticket_states": (None, lambda ws, r: render_tickets.ticket_state(r)),
}
PARTS = {"conversation_parts": ("conversations", "conversation_id"),
         "ticket_parts": ("tickets", "ticket_id")}


class Admin:
    """Handlers of the admin API."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    @property
    def ws(self):
        return self.state.workspace

    @endpoint
    async def health(self, request: Request) -> Response:
        return json_response({"ok": True})

    @endpoint
    async def stats(self, request: Request) -> Response:
        routes = {route: {str(k): v for k, v in statuses.items()}
                  for route, statuses in sorted(self.state.stats.items())}
        total = sum(sum(s.values()) for s in self.state.stats.values())
        return json_response({"total": total, "routes": routes,
                              "in_flight": self.state.in_flight,
                              "max_in_flight": self.state.max_in_flight})

    @endpoint
    async def clear_stats(self, request: Request) -> Response:
        self.state.stats.clear()
        self.state.max_in_flight = self.state.in_flight
        return await self.stats(request)

    @endpoint
    async def snapshot(self, request: Request) -> Response:
        name = request.path_params["collection"]
        dialect = request.query_params.get("dialect", "raw")
        include_archived = request.query_params.get("archived", "false") == "true"
        if name == "jobs":
            jobs = self.ws.jobs
            base = f"{request.url.scheme}://{request.url.netloc}"
            rows = [{**render_v1.job(jobs, j, base), "errors": j.errors}
                    for j in jobs.jobs.values()]
            return json_response({"collection": name, "count": len(rows), "data": rows})
        role = {"users": "user", "leads": "lead"}.get(name)
        if name in PARTS:
            owners, key = PARTS[name]
            rows = [{**p, key: c["id"]} for c in getattr(self.ws, owners).ordered()
                    for p in c["parts"]]
            return json_response({"collection": name, "count": len(rows), "data": rows})
        collection = "contacts" if role else name
        if collection not in RENDERERS:
            raise not_found(f"no collection {name!r}")
        records = getattr(self.ws, collection).ordered()
        records = [r for r in records if (role is None or r["role"] == role)
                   and (include_archived or not r.get("archived"))]
        if dialect in ("1", "2"):
            render = RENDERERS[collection][int(dialect) - 1]
            if render is None:
                raise invalid(f"{name} exist only in 2.x", field="dialect")
            rows = [render(self.ws, r) for r in records]
        elif dialect == "raw":
            rows = records
        else:
            raise invalid("dialect must be raw, 1 or 2", field="dialect")
        return Response(orjson.dumps({"collection": name, "count": len(rows), "data": rows},
                                     option=orjson.OPT_NON_STR_KEYS),
                        media_type="application/json")

    @endpoint
    async def mutate(self, request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict) or "collection" not in body:
            raise invalid("collection is required", field="collection")
        count = body.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise invalid("count must be a non-negative integer", field="count")
        ids = body.get("ids")
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str)
                                                                  for i in ids)):
            raise invalid("ids must be a list of strings", field="ids")
        ids = self.ws.mutate(body["collection"], count, body.get("role"), body.get("fields"),
                             int(body.get("parts", 1)), ids)
        return json_response({"collection": body["collection"], "ids": ids})

    @endpoint
    async def get_faults(self, request: Request) -> Response:
        return json_response({"faults": [r.as_dict() for r in self.state.faults.rules]})

    @endpoint
    async def put_faults(self, request: Request) -> Response:
        body = await json_body(request)
        specs = body.get("faults", []) if isinstance(body, dict) else body
        rules = parse_rules(specs if specs else None)
        self.state.config.faults = rules
        self.state.faults.replace(rules)
        return json_response({"faults": [r.as_dict() for r in self.state.faults.rules]})

    @endpoint
    async def get_settings(self, request: Request) -> Response:
        config = asdict(self.state.config)
        config.pop("token", None)
        return json_response(config)

    @endpoint
    async def put_settings(self, request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict):
            raise invalid("settings must be an object")
        unknown = set(body) - set(SETTINGS)
        if unknown:
            raise invalid(f"{sorted(unknown)[0]} cannot be changed at run time; "
                          f"changeable: {', '.join(SETTINGS)}")
        self.state.config.update(**body)
        self.state.limiter.per_minute = self.state.config.rate_limit_per_minute
        return await self.get_settings(request)

    @endpoint
    async def reset(self, request: Request) -> Response:
        body = await json_body(request)
        if isinstance(body, dict) and body.get("size"):
            self.state.config.size = WorkspaceSize(**body["size"])
        if isinstance(body, dict) and "seed" in body:
            self.state.config.seed = int(body["seed"])
        self.state.reset()
        return json_response({"ok": True, "seed": self.state.config.seed})

    @endpoint
    async def close_job(self, request: Request) -> Response:
        job = self.ws.jobs.close(request.path_params["id"])
        return json_response({"id": job.id, "closing_at": int(job.closing_at)})


def routes(state: SandboxState) -> list[Route]:
    api = Admin(state)
    return [
        Route("/_sandbox/health", api.health, methods=["GET"]),
        Route("/_sandbox/stats", api.stats, methods=["GET"]),
        Route("/_sandbox/stats", api.clear_stats, methods=["DELETE"]),
        Route("/_sandbox/snapshot/{collection}", api.snapshot, methods=["GET"]),
        Route("/_sandbox/mutate", api.mutate, methods=["POST"]),
        Route("/_sandbox/faults", api.get_faults, methods=["GET"]),
        Route("/_sandbox/faults", api.put_faults, methods=["PUT"]),
        Route("/_sandbox/settings", api.get_settings, methods=["GET"]),
        Route("/_sandbox/settings", api.put_settings, methods=["PUT"]),
        Route("/_sandbox/reset", api.reset, methods=["POST"]),
        Route("/_sandbox/jobs/{id}/close", api.close_job, methods=["POST"]),
    ]
