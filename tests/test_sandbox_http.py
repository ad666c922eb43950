"""Authentication, headers, versions, error shapes and rate limits over real HTTP."""

from __future__ import annotations

import base64
import time

import requests

from tests.conftest import SandboxClient, error_code, start_sandbox


def test_bearer_and_basic_token_are_accepted(sandbox) -> None:
    for header in (f"Bearer {sandbox.token}",
                   "Basic " + base64.b64encode(f"{sandbox.token}:".encode()).decode()):
        response = requests.get(sandbox.url + "/tags", headers={"Authorization": header})
        assert response.status_code == 200
        assert response.json()["type"] == "list"


def test_bad_or_missing_token_is_an_error_list_401_without_rate_headers(sandbox) -> None:
    for headers in ({"Authorization": "Bearer wrong"}, {},
                    {"Authorization": "Basic " + base64.b64encode(b"wrong:").decode()}):
        response = requests.get(sandbox.url + "/contacts", headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert body["errors"] == [{"code": "unauthorized", "message": "Access Token Invalid"}]
        assert "X-RateLimit-Limit" not in response.headers


def test_accept_header_excluding_json_is_406(v2: SandboxClient) -> None:
    response = v2.get("/tags", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert error_code(response) == "media_type_not_acceptable"
    assert v2.get("/tags", headers={"Accept": "*/*"}).status_code == 200


def test_version_header_selects_the_dialect(sandbox) -> None:
    for version, list_type, key in (("1.0", "contact.list", "contacts"),
                                    ("1.4", "contact.list", "contacts"),
                                    ("2.0", "list", "data"), ("2.11", "list", "data"),
                                    ("2.16", "list", "data")):
        body = SandboxClient(sandbox, version).get("/contacts?per_page=5").json()
        assert body["type"] == list_type, version
        assert len(body[key]) == 5
    leads = SandboxClient(sandbox, "1.4").get("/contacts?per_page=60").json()["contacts"]
    assert {c["type"] for c in leads} == {"contact"} and all(c["anonymous"] for c in leads)


def test_unknown_version_is_400_and_no_header_uses_the_default(sandbox) -> None:
    client = SandboxClient(sandbox, "3.1")
    response = client.get("/tags")
    assert response.status_code == 400
    assert error_code(response) == "intercom_version_invalid"
    client.session.headers.pop("Intercom-Version")
    assert client.get("/tags").json()["type"] == "list"  # the 2.11 default
    other = start_sandbox(default_version="1.4")
    try:
        plain = requests.get(other.url + "/tags",
                             headers={"Authorization": f"Bearer {other.token}"})
        assert plain.json()["type"] == "tag.list"
    finally:
        other.stop()


def test_not_found_shapes(v1: SandboxClient, v2: SandboxClient) -> None:
    cases = [(v2, "/contacts/nope", "not_found"), (v2, "/companies/nope", "company_not_found"),
             (v2, "/conversations/1", "not_found"), (v2, "/admins/1", "admin_not_found"),
             (v2, "/teams/1", "team_not_found"), (v2, "/no/such/route", "not_found"),
             (v1, "/users/nope", "not_found"), (v1, "/users?user_id=nope", "not_found")]
    for client, path, code in cases:
        response = client.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == code, path
        assert response.json()["request_id"]
    assert v2.get("/users").status_code == 404  # 1.x-only route
    assert v2.delete("/tags").status_code == 405


def test_rate_limit_headers_window_and_429() -> None:
    sb = start_sandbox(rate_limit_per_minute=60)  # 10 per 10-second window
    client = SandboxClient(sb)
    try:
        # Start at the beginning of a window so all requests fall in the same one.
        time.sleep(10 - time.time() % 10 + 0.05)
        seen = [client.get("/tags") for _ in range(12)]
        limits = {r.headers["X-RateLimit-Limit"] for r in seen}
        assert limits == {"10"}
        remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in seen[:10]]
        assert remaining == list(range(9, -1, -1))
        reset = int(seen[0].headers["X-RateLimit-Reset"])
        assert reset % 10 == 0 and 0 < reset - time.time() <= 10
        assert [r.status_code for r in seen[10:]] == [429, 429]
        assert error_code(seen[10]) == "rate_limit_exceeded"
        assert seen[10].json()["errors"][0]["message"] == "Exceeded rate limit of 10 in 10_seconds"
        time.sleep(max(0.0, reset - time.time()) + 0.05)
        after = client.get("/tags")
        assert after.status_code == 200 and after.headers["X-RateLimit-Remaining"] == "9"
        # The admin API is outside the limit, and the limit can change at run time.
        assert client.get("/_sandbox/stats").status_code == 200
        client.settings(rate_limit_per_minute=600)
        assert client.get("/tags").headers["X-RateLimit-Limit"] == "100"
    finally:
        sb.stop()
