"""Routes that link objects: tagging (both dialects), and on 2.x company memberships of a
contact, contact tags, lead merges and data attribute creation."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intercom_sandbox.api.common import endpoint
from intercom_sandbox.api.responses import json_body, raw_json
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.api.v1 import V1
from intercom_sandbox.api.v2 import V2
from intercom_sandbox.render import v1 as render_v1
from intercom_sandbox.render import v2 as render_v2


class V1Links(V1):
    """1.x `POST /tags`: users addressed by `id`, `user_id` or `email`, leads by `id` only (as
    Intercom's 1.x reference says), companies by `id` or `company_id`; `untag: true` removes the
    tag."""

    def person(self, ref: dict) -> dict | None:
        if ref.get("id"):
            record = self.ws.contacts.get(str(ref["id"]))
            return record if record is not None and not record["archived"] else None
        return self.ws.find_user({"user_id": ref.get("user_id"), "email": ref.get("email")})

    @endpoint
    async def write_tag(self, request: Request) -> Response:
        tag = self.ws.write_tag(await json_body(request), self.person)
        return raw_json(orjson.dumps(render_v1.tag(self.ws, tag)))


class V2Links(V2):
    """2.x link endpoints, shaped as the 2.11 description says."""

    def person(self, ref: dict) -> dict | None:
        record = self.ws.contacts.get(str(ref.get("id")))
        return record if record is not None and not record["archived"] else None

    @endpoint
    async def write_tag(self, request: Request) -> Response:
        tag = self.ws.write_tag(await json_body(request), self.person)
        return raw_json(orjson.dumps({"type": "tag", "id": tag["id"], "name": tag["name"]}))

    @endpoint
    async def tag_contact(self, request: Request) -> Response:
        body = await json_body(request)
        contact = self.ws.contact(request.path_params["id"])
        tag = self.ws.tag_contact(contact, body.get("id") if isinstance(body, dict) else None)
        return raw_json(orjson.dumps(render_v2.tag(self.ws, tag)))

    @endpoint
    async def untag_contact(self, request: Request) -> Response:
        contact = self.ws.contact(request.path_params["id"])
        tag = self.ws.untag_contact(contact, request.path_params["tag_id"])
        return raw_json(orjson.dumps(render_v2.tag(self.ws, tag)))

    @endpoint
    async def attach_company(self, request: Request) -> Response:
        contact = self.ws.contact(request.path_params["id"])
        company = self.ws.attach_company(contact, await json_body(request))
        return self.one("companies", company, render_v2.company)

    @endpoint
    async def detach_company(self, request: Request) -> Response:
        contact = self.ws.contact(request.path_params["id"])
        company = self.ws.detach_company(contact, request.path_params["company_id"])
        return self.one("companies", company, render_v2.company)

    @endpoint
    async def merge_contacts(self, request: Request) -> Response:
        user = self.ws.merge_contacts(await json_body(request))
        return self.one("contacts", user, render_v2.contact)

    @endpoint
    async def create_data_attribute(self, request: Request) -> Response:
        record = self.ws.create_data_attribute(await json_body(request))
        return raw_json(orjson.dumps(render_v2.data_attribute(self.ws, record)))


def routes_v1(state: SandboxState) -> list[Route]:
    api = V1Links(state)
    return [Route("/tags", api.write_tag, methods=["POST"])]


def routes_v2(state: SandboxState) -> list[Route]:
    api = V2Links(state)
    return [
        Route("/tags", api.write_tag, methods=["POST"]),
        Route("/contacts/merge", api.merge_contacts, methods=["POST"]),
        Route("/contacts/{id}/tags", api.tag_contact, methods=["POST"]),
        Route("/contacts/{id}/tags/{tag_id}", api.untag_contact, methods=["DELETE"]),
        Route("/contacts/{id}/companies", api.attach_company, methods=["POST"]),
        Route("/contacts/{id}/companies/{company_id}", api.detach_company, methods=["DELETE"]),
        Route("/data_attributes", api.create_data_attribute, methods=["POST"]),
    ]
