"""The sandbox's answers for versions described by 2.16 (tickets' 2.16 shapes, ticket states,
office hours schedules, conversations' 2.16 statistics) validated against Intercom's 2.16 OpenAPI
description.

The 2.11 shapes are validated with the other 2.x routes in tests/test_openapi_conformance.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_schema_validator import OAS30Validator

from intercom_sandbox import Sandbox, SandboxConfig
from tests.conftest import SMALL, SandboxClient
from tests.test_openapi_conformance import dangling_schema_refs, schema_messages

SPEC_PATH = (Path(__file__).resolve().parents[1].parent
             / "shared" / "openapi" / "intercom-api-2.16.yaml")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(size=SMALL)) as sb:
        yield sb


@pytest.fixture(scope="module")
def spec() -> dict:
    """The 2.16 description, its dangling references patched in memory."""
    if not SPEC_PATH.is_file():
        pytest.skip(f"Intercom's OpenAPI description is not at {SPEC_PATH}")
    with SPEC_PATH.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schemas = data["components"]["schemas"]
    for name in sorted(dangling_schema_refs(data) - set(schemas)):
        schemas[name] = {"type": "object", "description": "Missing from the published file."}
    return data


@pytest.fixture(scope="module")
def openapi(spec: dict, sandbox: Sandbox) -> OpenAPI:
    data = spec
    # Only the paths served from 2.16 on: elsewhere the file has undeclared path parameters.
    paths = {p: ops for p, ops in data["paths"].items()
             if p.startswith(("/ticket", "/tickets", "/office_hours_schedules"))}
    return OpenAPI.from_dict({**data, "paths": paths, "servers": [{"url": sandbox.url}]})


def valid(openapi: OpenAPI, response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text[:300]
    errors = openapi.iter_response_errors(RequestsOpenAPIRequest(response.request),
                                          RequestsOpenAPIResponse(response))
    return [line for error in errors for line in schema_messages(error)[:20]]


@pytest.mark.parametrize("version", ["2.12", "2.16"])
def test_ticket_answers_match_the_2_16_description(openapi: OpenAPI, sandbox: Sandbox,
                                                   version: str) -> None:
    client = SandboxClient(sandbox, version)
    body = {"query": {"field": "updated_at", "operator": ">", "value": 0},
            "pagination": {"per_page": 20}}
    responses = [client.post("/tickets/search", json=body), client.get("/ticket_types"),
                 client.get("/ticket_states"), client.get("/office_hours_schedules")]
    long_ticket = next(t for t in sandbox.state.workspace.tickets.ordered()
                       if len(t["parts"]) > 500)
    responses += [client.get(f"/tickets/{t['id']}") for t in
                  [*sandbox.state.workspace.tickets.ordered()[:5], long_ticket]]

    problems = [f"{r.request.method} {r.request.path_url}: {line}" for r in responses
                for line in valid(openapi, r)]
    assert not problems, "\n".join(problems)
    assert isinstance(responses[0].json()["tickets"][0]["ticket_state"], dict)
    assert responses[1].json()["data"]
    assert SandboxClient(sandbox, "2.11").get("/ticket_states").status_code == 404
    assert SandboxClient(sandbox, "2.11").get("/office_hours_schedules").status_code == 404


@pytest.mark.parametrize("version", ["2.12", "2.16"])
def test_conversation_statistics_match_the_2_16_description(spec: dict, sandbox: Sandbox,
                                                             version: str) -> None:
    """The statistics object alone: the rest of a conversation keeps 2.11's shape."""
    client = SandboxClient(sandbox, version)
    body = {"query": {"field": "updated_at", "operator": ">", "value": 0},
            "pagination": {"per_page": 150}}
    listed = client.post("/conversations/search", json=body).json()["conversations"]
    single = [client.get(f"/conversations/{c['id']}").json() for c in listed[:10]]
    statistics = [c["statistics"] for c in [*listed, *single]]
    validator = OAS30Validator({"$ref": "#/components/schemas/conversation_statistics",
                                "components": spec["components"]})
    problems = {error.message[:160] for s in statistics for error in validator.iter_errors(s)}
    assert not problems, "\n".join(sorted(problems))
    assert any("handling_time" in s and "adjusted_handling_time" in s for s in statistics)
    assert any(s["assigned_team_first_response_time_in_office_hours"] for s in statistics)
    assert all(s["assigned_team_first_response_time_in_office_hours"][0]["response_time"]
               <= s["assigned_team_first_response_time"][0]["response_time"]
               for s in statistics if s["assigned_team_first_response_time_in_office_hours"])
    old = SandboxClient(sandbox, "2.11").get(f"/conversations/{listed[0]['id']}").json()
    assert "handling_time" not in old["statistics"]
