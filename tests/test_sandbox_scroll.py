"""The Scroll API: one scroll per app, constant scroll_param, empty last page, idle expiry."""

from __future__ import annotations

import time

import pytest

from tests.conftest import SandboxClient, error_code


def walk(client: SandboxClient, path: str, key: str) -> tuple[list[dict], set[str], int]:
    """Every record of a scroll, the scroll_params seen and the number of pages."""
    first = client.get(path)
    assert first.status_code == 200, first.text
    body = first.json()
    records, params, pages = list(body[key]), {body["scroll_param"]}, 1
    while body[key]:
        response = client.get(f"{path}?scroll_param={body['scroll_param']}")
        assert response.status_code == 200, response.text
        body = response.json()
        records += body[key]
        params.add(body["scroll_param"])
        pages += 1
    return records, params, pages


@pytest.mark.parametrize(("path", "key", "collection", "kind"), [
    ("/users/scroll", "users", "users", "user.list"),
    ("/contacts/scroll", "contacts", "leads", "contact.list"),
    ("/companies/scroll", "companies", "companies", "company.list"),
])
def test_v1_scroll_returns_every_record_once(v1: SandboxClient, path: str, key: str,
                                             collection: str, kind: str) -> None:
    assert v1.get(path).json()["type"] == kind
    v1.reset()
    records, params, pages = walk(v1, path, key)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r["id"] for r in v1.snapshot(collection)}
    assert len(params) == 1  # the scroll_param stays the same for the whole scroll
    assert pages == -(-len(ids) // 50) + 1  # pages of 50 here, then the empty final page
    # The empty page ended the scroll: its param is gone and a new scroll may start.
    assert v1.get(f"{path}?scroll_param={params.pop()}").status_code == 404
    assert v1.get(path).status_code == 200
    v1.reset()


def test_v2_companies_scroll(v2: SandboxClient) -> None:
    v2.reset()
    records, _params, _ = walk(v2, "/companies/scroll", "data")
    assert len({r["id"] for r in records}) == len(records) == len(v2.snapshot("companies"))
    first = v2.get("/companies/scroll").json()
    assert first["type"] == "list" and first["total_count"] is None
    v2.reset()


def test_one_scroll_per_app_across_resources(v1: SandboxClient, v2: SandboxClient) -> None:
    v1.reset()
    opened = v1.get("/users/scroll").json()
    for client, path in ((v1, "/users/scroll"), (v1, "/companies/scroll"),
                         (v2, "/companies/scroll")):
        response = client.get(path)
        assert response.status_code == 400
        assert error_code(response) == "scroll_exists"
        assert response.json()["errors"][0]["message"] == "scroll already exists for this app"
    # The open scroll itself goes on undisturbed.
    assert v1.get(f"/users/scroll?scroll_param={opened['scroll_param']}").status_code == 200
    assert v1.get(f"/companies/scroll?scroll_param={opened['scroll_param']}").status_code == 404
    v1.reset()


def test_idle_scroll_expires(v1: SandboxClient) -> None:
    v1.reset()
    v1.settings(scroll_timeout_s=0.5)
    try:
        param = v1.get("/users/scroll").json()["scroll_param"]
        assert v1.get(f"/users/scroll?scroll_param={param}").status_code == 200
        time.sleep(0.7)
        expired = v1.get(f"/users/scroll?scroll_param={param}")
        assert expired.status_code == 404
        assert error_code(expired) == "not_found"
        assert expired.json()["errors"][0]["message"] == "scroll parameter not found"
        assert v1.get("/users/scroll").status_code == 200  # the slot is free again
    finally:
        v1.settings(scroll_timeout_s=60)
        v1.reset()


def test_scroll_is_a_snapshot_and_skips_archived(v1: SandboxClient) -> None:
    v1.reset()
    body = v1.get("/users/scroll").json()
    created = v1.post("/users", json={"user_id": "late-arrival", "email": "late@example.com"})
    assert created.status_code == 200
    archived_id = v1.snapshot("users")[-2]["id"]
    assert v1.delete(f"/users/{archived_id}").status_code == 200
    records = list(body["users"])
    while body["users"]:
        body = v1.get(f"/users/scroll?scroll_param={body['scroll_param']}").json()
        records += body["users"]
    ids = {r["id"] for r in records}
    assert created.json()["id"] not in ids and archived_id not in ids
    v1.reset()
