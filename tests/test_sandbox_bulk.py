"""1.x bulk jobs of the sandbox over real HTTP: lifecycle, appends, closing and the error feed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests

from tests.conftest import SandboxClient, error_code

TASK_DELAY_S = 0.2  # the module sandbox's job_task_delay_s (see conftest)
DEFAULTS = {"job_task_delay_s": TASK_DELAY_S, "job_close_after_s": 900.0,
            "error_feed_page_size": 50}


@pytest.fixture(autouse=True)
def default_settings(v1: SandboxClient) -> Iterator[None]:
    """Put the job settings back after each test, whatever it changed."""
    yield
    v1.settings(**DEFAULTS)


def uid(prefix: str = "bulk") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def item(data: dict, method: str = "post", data_type: str = "user") -> dict:
    return {"method": method, "data_type": data_type, "data": data}


def submit(client: SandboxClient, items: list[dict], resource: str = "users",
           job_id: str | None = None) -> requests.Response:
    body: dict = {"items": items}
    if job_id:
        body["job"] = {"id": job_id}
    return client.post(f"/bulk/{resource}", json=body)


def new_job(client: SandboxClient, items: list[dict], resource: str = "users",
            job_id: str | None = None) -> dict:
    """Submit items and return the job from the 202 answer."""
    response = submit(client, items, resource, job_id)
    assert response.status_code == 202, response.text
    return response.json()


def tasks_done(job: dict) -> bool:
    return all(task["state"] == "completed" for task in job["tasks"])


def poll(fetch: Callable[[], object], done: Callable[[object], bool],
         timeout: float = 5.0) -> object:
    """Call `fetch` until `done` holds for its result, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; last value: {value!r}")
        time.sleep(0.03)


def wait_job(client: SandboxClient, job: dict,
             done: Callable[[dict], bool] = tasks_done) -> dict:
    """Poll the job's `links.self` until `done` holds."""
    return poll(lambda: client.get(job["links"]["self"]).json(), done)


def error_feed(client: SandboxClient, job: dict) -> list[dict]:
    """Every item of a job's error feed, following `pages.next` URLs."""
    items: list[dict] = []
    url: str | None = job["links"]["error"]
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["type"] == "job_item.list"
        items += page["items"]
        url = page["pages"].get("next")
    return items


def user_record(client: SandboxClient, user_id: str, collection: str = "users") -> dict | None:
    """The raw workspace record with this external id, from the admin snapshot."""
    rows = [r for r in client.snapshot(collection) if r["external_id"] == user_id]
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def some_user(client: SandboxClient) -> dict:
    """A seeded user that has a user_id."""
    return next(r for r in client.snapshot("users") if r["external_id"])


# -- the job object -------------------------------------------------------------------------------


def test_post_answers_202_with_a_running_job(v1: SandboxClient) -> None:
    """POST /bulk/users: 202, a running job closing 900 s after creation, one task, full links."""
    items = [item({"user_id": uid(), "email": f"{uid()}@example.com"}) for _ in range(2)]
    response = submit(v1, items)
    assert response.status_code == 202
    job = response.json()
    assert job["type"] == "job"
    assert job["id"].startswith("job_")
    assert job["name"] == "api_bulk_job"
    assert job["state"] == "running"
    assert job["completed_at"] is None
    assert job["closing_at"] == job["created_at"] + 900
    assert job["links"] == {"self": f"{v1.url}/jobs/{job['id']}",
                            "error": f"{v1.url}/jobs/{job['id']}/error"}
    [task] = job["tasks"]
    assert task["id"].startswith("task_")
    assert task["item_count"] == 2
    assert task["state"] in ("pending", "running")
    assert task["completed_at"] is None
    fetched = v1.get(job["links"]["self"])
    assert fetched.status_code == 200
    assert fetched.json()["id"] == job["id"]


def test_closing_at_follows_the_configured_close_time(v1: SandboxClient) -> None:
    """`closing_at` is created_at + job_close_after_s."""
    v1.settings(job_close_after_s=120)
    job = new_job(v1, [item({"user_id": uid()})])
    assert job["closing_at"] == job["created_at"] + 120


def test_task_moves_pending_running_completed(v1: SandboxClient) -> None:
    """A task is pending, then running, then completed, never going back."""
    v1.settings(job_task_delay_s=0.6)
    job = new_job(v1, [item({"user_id": uid()})])
    seen: list[str] = [job["tasks"][0]["state"]]

    def fetch() -> dict:
        current = v1.get(job["links"]["self"]).json()
        seen.append(current["tasks"][0]["state"])
        return current

    final = poll(fetch, tasks_done)
    states = list(dict.fromkeys(seen))
    assert states == ["pending", "running", "completed"], seen
    task = final["tasks"][0]
    assert task["created_at"] <= task["started_at"] <= task["completed_at"]
    assert final["state"] == "running"  # the job stays open until closing_at


def test_items_are_applied_only_after_the_task_delay(v1: SandboxClient) -> None:
    """The user appears (snapshot and GET /users?user_id=) once the task delay has passed."""
    v1.settings(job_task_delay_s=0.6)
    user_id = uid()
    started = time.monotonic()
    new_job(v1, [item({"user_id": user_id, "email": f"{user_id}@example.com"})])
    assert error_code(v1.get("/users", params={"user_id": user_id})) == "not_found"
    assert user_record(v1, user_id) is None
    # Nothing but the admin snapshot is asked: the task must be applied on its own.
    record = poll(lambda: user_record(v1, user_id), lambda r: r is not None)
    assert time.monotonic() - started >= 0.55
    assert record["email"] == f"{user_id}@example.com"
    response = v1.get("/users", params={"user_id": user_id})
    assert response.status_code == 200
    assert response.json()["user_id"] == user_id


def test_append_adds_a_task_to_the_same_job(v1: SandboxClient) -> None:
    """`{"job": {"id": ...}}` adds one task per POST to the same job."""
    first, second = uid(), [uid() for _ in range(3)]
    job = new_job(v1, [item({"user_id": first}), item({"user_id": uid()})])
    appended = new_job(v1, [item({"user_id": u}) for u in second], job_id=job["id"])
    assert appended["id"] == job["id"]
    assert [t["item_count"] for t in appended["tasks"]] == [2, 3]
    assert appended["tasks"][0]["id"] == job["tasks"][0]["id"]
    done = wait_job(v1, appended)
    assert len(done["tasks"]) == 2
    for user_id in [first, *second]:
        assert v1.get("/users", params={"user_id": user_id}).status_code == 200


# -- request validation ---------------------------------------------------------------------------


def test_at_most_100_items_per_request(v1: SandboxClient) -> None:
    """101 items are refused with parameter_invalid; 100 are accepted."""
    items = [item({"user_id": uid()}) for _ in range(101)]
    response = submit(v1, items)
    assert response.status_code == 400
    assert error_code(response) == "parameter_invalid"
    job = new_job(v1, items[:100])
    assert job["tasks"][0]["item_count"] == 100


@pytest.mark.parametrize(("resource", "bad_item"), [
    ("users", item({"user_id": "x"}, data_type="contact")),
    ("users", item({"user_id": "x"}, data_type="event")),
    ("users", item({"user_id": "x"}, method="put")),
    ("contacts", item({"user_id": "x"}, data_type="user")),
    ("events", item({"event_name": "x", "created_at": 1, "user_id": "x"}, method="delete",
                    data_type="event")),
    ("users", {"method": "post", "data_type": "user"}),
], ids=["users-contact", "users-event", "method-put", "contacts-user", "events-delete",
        "no-data"])
def test_wrong_data_type_or_method_is_400(v1: SandboxClient, resource: str,
                                          bad_item: dict) -> None:
    """The whole request is refused when one item does not fit the endpoint."""
    good = {"users": item({"user_id": uid()}),
            "contacts": item({"name": "Lead"}, data_type="contact"),
            "events": item({"event_name": "ok", "created_at": 1, "user_id": "x"},
                           data_type="event")}[resource]
    before = len(v1.snapshot("jobs"))
    response = submit(v1, [good, bad_item], resource)
    assert response.status_code == 400, response.text
    assert error_code(response) == "parameter_invalid"
    assert len(v1.snapshot("jobs")) == before


@pytest.mark.parametrize("body", [{}, {"items": []}, {"items": {"a": 1}}, [1, 2]],
                         ids=["no-items", "empty", "object", "list-body"])
def test_malformed_bulk_body_is_400(v1: SandboxClient, body: object) -> None:
    response = v1.post("/bulk/users", json=body)
    assert response.status_code == 400
    assert error_code(response) == "parameter_invalid"


def test_unknown_job_is_404(v1: SandboxClient) -> None:
    """GET /jobs/{id}, its error feed and appends to an unknown job answer 404 not_found."""
    for response in (v1.get("/jobs/job_v2_nope"), v1.get("/jobs/job_v2_nope/error"),
                     submit(v1, [item({"user_id": uid()})], job_id="job_v2_nope")):
        assert response.status_code == 404
        assert error_code(response) == "not_found"


def test_appending_to_a_job_of_another_type_is_400(v1: SandboxClient) -> None:
    job = new_job(v1, [item({"user_id": uid()})])
    response = submit(v1, [item({"name": "lead"}, data_type="contact")], "contacts", job["id"])
    assert response.status_code == 400
    assert error_code(response) == "parameter_invalid"


# -- closing ---------------------------------------------------------------------------------------


def test_appending_to_a_closed_job_is_job_closed(v1: SandboxClient) -> None:
    """After POST /_sandbox/jobs/{id}/close an append is 400 job_closed."""
    job = new_job(v1, [item({"user_id": uid()})])
    closed = v1.post(f"/_sandbox/jobs/{job['id']}/close")
    assert closed.status_code == 200
    response = submit(v1, [item({"user_id": uid()})], job_id=job["id"])
    assert response.status_code == 400
    assert error_code(response) == "job_closed"
    assert response.json()["errors"][0]["message"] == "The client should start a new bulk job"
    assert len(v1.get(job["links"]["self"]).json()["tasks"]) == 1


def test_job_closes_by_itself_after_the_close_time(v1: SandboxClient) -> None:
    """With a tiny job_close_after_s the job becomes completed and refuses appends."""
    v1.settings(job_close_after_s=0.3)
    job = new_job(v1, [item({"user_id": uid()})])
    done = wait_job(v1, job, lambda j: j["state"] != "running")
    assert done["state"] == "completed"
    assert done["completed_at"] is not None
    assert done["completed_at"] >= done["created_at"]
    assert tasks_done(done)
    response = submit(v1, [item({"user_id": uid()})], job_id=job["id"])
    assert error_code(response) == "job_closed"


def test_open_job_stays_running_when_its_tasks_are_done(v1: SandboxClient) -> None:
    job = wait_job(v1, new_job(v1, [item({"user_id": uid()})]))
    assert job["state"] == "running"
    assert job["completed_at"] is None


def test_closed_job_state_depends_on_its_error_feed(v1: SandboxClient) -> None:
    """A closed job is completed, or completed_with_errors when an item failed."""
    clean = new_job(v1, [item({"user_id": uid()})])
    failing = new_job(v1, [item({"user_id": uid()}), item({"user_id": uid(), "email": "nope"})])
    for job in (clean, failing):
        wait_job(v1, job)
        v1.post(f"/_sandbox/jobs/{job['id']}/close").raise_for_status()
    clean_state = v1.get(clean["links"]["self"]).json()
    failing_state = v1.get(failing["links"]["self"]).json()
    assert clean_state["state"] == "completed"
    assert failing_state["state"] == "completed_with_errors"
    assert clean_state["completed_at"] is not None
    assert failing_state["completed_at"] is not None
    assert error_feed(v1, clean) == []
    assert len(error_feed(v1, failing)) == 1


def test_closed_job_waits_for_its_last_task(v1: SandboxClient) -> None:
    """Closing a job whose task is still pending leaves it running until the task is done."""
    v1.settings(job_task_delay_s=0.6)
    job = new_job(v1, [item({"user_id": uid()})])
    v1.post(f"/_sandbox/jobs/{job['id']}/close").raise_for_status()
    assert v1.get(job["links"]["self"]).json()["state"] == "running"
    done = wait_job(v1, job, lambda j: j["state"] != "running")
    assert done["state"] == "completed"
    assert tasks_done(done)


# -- the error feed --------------------------------------------------------------------------------


def test_error_feed_echoes_failed_items_with_their_error(v1: SandboxClient) -> None:
    """Each failed item is in the feed with method, data_type, data and error code/message."""
    good = uid()
    failing = [
        (item({"user_id": uid(), "email": "serenity.io"}), "parameter_invalid", "email invalid"),
        (item({"name": "No Identifier"}), "parameter_not_found", "user_id or email required"),
        (item({"user_id": uid()}, method="delete"), "not_found", "User Not Found"),
        (item({}, method="delete"), "parameter_not_found", "user_id or email required"),
        (item({"user_id": uid(), "custom_attributes": {"seats": "many"}}), "parameter_invalid",
         None),
    ]
    job = new_job(v1, [item({"user_id": good})] + [f[0] for f in failing])
    wait_job(v1, job)
    feed = error_feed(v1, job)
    assert len(feed) == len(failing)
    for entry, (sent, code, message) in zip(feed, failing, strict=True):
        assert entry["type"] == "job_item"
        assert {k: entry[k] for k in ("method", "data_type", "data")} == sent
        assert entry["error"]["code"] == code, entry
        if message:
            assert entry["error"]["message"] == message
        else:
            assert "seats" in entry["error"]["message"]
    assert len({entry["id"] for entry in feed}) == len(feed)
    assert user_record(v1, good) is not None
    assert user_record(v1, failing[4][0]["data"]["user_id"]) is None


def test_error_feed_pages_follow_next_urls(v1: SandboxClient) -> None:
    """With a small page size, `pages.next` full URLs lead through every failed item once."""
    v1.settings(error_feed_page_size=3)
    bad = [uid() for _ in range(8)]
    job = new_job(v1, [item({"user_id": u, "email": f"bad-{i}"}) for i, u in enumerate(bad[:5])]
                  + [item({"user_id": uid()})])
    new_job(v1, [item({"user_id": u, "email": "also bad"}) for u in bad[5:]], job_id=job["id"])
    wait_job(v1, job)
    url: str | None = job["links"]["error"]
    pages: list[dict] = []
    while url:
        assert url.startswith(f"{v1.url}/jobs/{job['id']}/error")
        page = v1.get(url).json()
        pages.append(page)
        url = page["pages"]["next"]
    assert [len(p["items"]) for p in pages] == [3, 3, 2]
    assert all(p["pages"]["per_page"] == 3 for p in pages)
    failed = [entry["data"]["user_id"] for p in pages for entry in p["items"]]
    assert sorted(failed) == sorted(bad)
    assert error_feed(v1, job) == [entry for p in pages for entry in p["items"]]


# -- methods and resources -------------------------------------------------------------------------


def test_bulk_delete_archives_a_user(v1: SandboxClient) -> None:
    """`method: delete` archives the user: gone from lists, kept as archived."""
    user = some_user(v1)
    job = new_job(v1, [item({"user_id": user["external_id"]}, method="delete")])
    wait_job(v1, job)
    assert error_feed(v1, job) == []
    assert error_code(v1.get("/users", params={"user_id": user["external_id"]})) == "not_found"
    assert user_record(v1, user["external_id"]) is None
    archived = v1.get("/_sandbox/snapshot/users?archived=true").json()["data"]
    [record] = [r for r in archived if r["id"] == user["id"]]
    assert record["archived"] is True


def test_bulk_contacts_creates_and_updates_leads(v1: SandboxClient) -> None:
    """/bulk/contacts writes leads: a new one, then an update through its user_id."""
    email = f"{uid('lead')}@example.com"
    job = new_job(v1, [item({"email": email, "name": "Lead One"}, data_type="contact")],
                  "contacts")
    wait_job(v1, job)
    [lead] = [r for r in v1.snapshot("leads") if r["email"] == email]
    assert lead["role"] == "lead"
    assert lead["name"] == "Lead One"
    assert not [r for r in v1.snapshot("users") if r["email"] == email]
    update = new_job(v1, [item({"user_id": lead["external_id"], "name": "Lead Two"},
                               data_type="contact")], "contacts")
    wait_job(v1, update)
    assert error_feed(v1, update) == []
    [updated] = [r for r in v1.snapshot("leads") if r["email"] == email]
    assert updated["id"] == lead["id"]
    assert updated["name"] == "Lead Two"


def test_bulk_events_records_dedupes_and_reports_unknown_users(v1: SandboxClient) -> None:
    """Events are recorded once per (user, name, created_at); an unknown user is a failed item."""
    user = some_user(v1)
    name = uid("bulk-event")
    created_at = int(time.time()) - 60
    event = {"event_name": name, "created_at": created_at, "user_id": user["external_id"],
             "metadata": {"plan": "pro"}}
    later = {**event, "created_at": created_at + 1}
    unknown = {**event, "user_id": uid("nobody")}
    job = new_job(v1, [item(d, data_type="event") for d in (event, event, later, unknown)],
                  "events")
    new_job(v1, [item(event, data_type="event")], "events", job["id"])
    wait_job(v1, job)
    recorded = [e for e in v1.snapshot("events") if e["event_name"] == name]
    assert sorted(e["created_at"] for e in recorded) == [created_at, created_at + 1]
    assert {e["contact_id"] for e in recorded} == {user["id"]}
    assert recorded[0]["metadata"] == {"plan": "pro"}
    [failed] = error_feed(v1, job)
    assert failed["data"] == unknown
    assert failed["data_type"] == "event"
    assert failed["error"]["code"] == "not_found"


def test_plain_http_client_can_follow_a_job(v1: SandboxClient) -> None:
    """The 1.x flow needs nothing but HTTP: POST, poll `links.self`, read `links.error`."""
    headers = {"Authorization": f"Bearer {v1.sandbox.token}", "Accept": "application/json",
               "Intercom-Version": "1.4"}
    user_id = uid()
    response = requests.post(f"{v1.url}/bulk/users", headers=headers, timeout=10,
                             json={"items": [item({"user_id": user_id})]})
    assert response.ok
    job = response.json()
    deadline = time.monotonic() + 5
    while not tasks_done(job):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = requests.get(job["links"]["self"], headers=headers, timeout=10).json()
    errors = requests.get(job["links"]["error"], headers=headers, timeout=10).json()
    assert errors["items"] == []
    found = requests.get(f"{v1.url}/users", params={"user_id": user_id}, headers=headers,
                         timeout=10)
    assert found.status_code == 200
    assert found.json()["user_id"] == user_id
