"""Conversations' 2.16 statistics validated against the 2.16 description's
`conversation_statistics`.

Tickets' 2.11 and 2.16 shapes, ticket states and office hours schedules are validated with the
other 2.x routes, per version, in tests/test_openapi_conformance.py (NEWER_CASES, NEWER_SHAPES).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openapi_schema_validator import OAS30Validator

from intercom_sandbox import Sandbox, SandboxConfig
from tests.conftest import SMALL, SandboxClient
from tests.test_openapi_conformance import description


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(size=SMALL)) as sb:
        yield sb


@pytest.fixture(scope="module")
def spec() -> dict:
    """The 2.16 description, as the per-version conformance tests load it."""
    return description("2.16")


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
