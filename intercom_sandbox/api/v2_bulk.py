"""The Preview bulk endpoints: `/contacts/bulk` (strict create, update, delete) and
`/companies/bulk` (upsert, update, delete), answered 202 with the job, and their job status."""

from __future__ import annotations

import asyncio

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import Dialect, base_url, endpoint
from intercom_sandbox.api.responses import json_body, raw_json
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.api.versions import require
from intercom_sandbox.model.errors import not_found
from intercom_sandbox.render import bulk_jobs as render_jobs
from intercom_sandbox.render import v2 as render

OPERATIONS = {("contacts", "POST", ""): "create", ("contacts", "PUT", ""): "update",
              ("contacts", "POST", "/delete"): "delete", ("companies", "POST", ""): "upsert",
              ("companies", "PUT", ""): "update", ("companies", "POST", "/delete"): "delete"}


class Bulk(Dialect):
    """Handlers of the Preview bulk endpoints."""

    dialect = 2
    render = render

    @endpoint
    async def submit(self, request: Request) -> Response:
        require(request, "Preview")
        resource, _, rest = request.url.path.strip("/").partition("/bulk")
        operation = OPERATIONS[(resource, request.method, rest)]
        jobs = self.ws.bulk_jobs
        job = jobs.submit_preview(resource, operation, await json_body(request))
        asyncio.get_running_loop().call_later(jobs.delay + 0.01, jobs.process_due)
        return raw_json(orjson.dumps(render_jobs.job(jobs, job, base_url(request))), 202)

    @endpoint
    async def status(self, request: Request) -> Response:
        require(request, "Preview")
        resource = request.url.path.strip("/").split("/", 1)[0]
        self.ws.bulk_jobs.process_due()
        job = self.ws.bulk_jobs.jobs.get(request.path_params["id"])
        if job is None or job.data_type != resource:
            raise not_found(f"job {request.path_params['id']} not found", code="job_not_found")
        return raw_json(orjson.dumps(render_jobs.job(self.ws.bulk_jobs, job, base_url(request))))


def routes(state: SandboxState) -> list[Route]:
    """Routes that must come before `/contacts/{id}` and `/companies/{id}`."""
    api = Bulk(state)
    return [
        Route("/contacts/bulk", api.submit, methods=["POST", "PUT"]),
        Route("/contacts/bulk/delete", api.submit, methods=["POST"]),
        Route("/contacts/bulk/{id}", api.status, methods=["GET"]),
        Route("/companies/bulk", api.submit, methods=["POST", "PUT"]),
        Route("/companies/bulk/delete", api.submit, methods=["POST"]),
        Route("/companies/bulk/{id}", api.status, methods=["GET"]),
    ]
