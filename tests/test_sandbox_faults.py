"""Fault injection over real HTTP: what a client sees for each kind, scoping, counting, seeds."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import SandboxClient, error_code, start_sandbox

ROOT = Path(__file__).resolve().parent.parent
RESTART_MESSAGE = ("Request failed due to an internal network error. "
                   "Please restart the scroll operation.")


@pytest.fixture(autouse=True)
def no_faults(v1: SandboxClient) -> Iterator[None]:
    """Every test starts and ends without fault rules."""
    v1.faults([])
    yield
    v1.faults([])


def statuses(client: SandboxClient, path: str, count: int) -> list[int]:
    return [client.get(path).status_code for _ in range(count)]


def rules_state(client: SandboxClient) -> list[dict]:
    response = client.get("/_sandbox/faults")
    response.raise_for_status()
    return response.json()["faults"]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "intercom_sandbox.cli", "serve", "--port", "0", *args]


# -- what each kind looks like to a client --------------------------------------------------------


@pytest.mark.parametrize(("kind", "status", "code"), [
    ("500", 500, "server_error"), ("503", 503, "service_unavailable")])
def test_server_errors_answer_an_error_list(v1: SandboxClient, kind: str, status: int,
                                            code: str) -> None:
    v1.faults([{"kind": kind, "route": "/tags"}])
    response = v1.get("/tags")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert error_code(response) == code


def test_502_answers_an_html_page(v1: SandboxClient) -> None:
    v1.faults([{"kind": "502", "route": "/tags"}])
    response = v1.get("/tags")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_429_is_rate_limit_exceeded_with_nothing_remaining(v1: SandboxClient) -> None:
    """A 429 fault looks like Intercom's rate limit answer but does not use up the real quota."""
    v1.faults([{"kind": "429", "route": "/tags"}])
    response = v1.get("/tags")
    assert response.status_code == 429
    assert error_code(response) == "rate_limit_exceeded"
    assert response.json()["errors"][0]["message"].startswith("Exceeded rate limit of ")
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > time.time() - 1
    other = v1.get("/admins")
    assert other.status_code == 200
    assert int(other.headers["X-RateLimit-Remaining"]) > 0


def test_slow_times_out_an_impatient_client_only(v1: SandboxClient) -> None:
    """`slow` delays the answer by delay_s: a short timeout raises, a patient client gets it."""
    v1.faults([{"kind": "slow", "route": "/tags", "delay_s": 1.0}])
    with pytest.raises(requests.Timeout):
        v1.get("/tags", timeout=0.3)
    started = time.monotonic()
    response = v1.get("/tags", timeout=10)
    assert time.monotonic() - started >= 0.9
    assert response.status_code == 200
    assert response.json()["type"] == "tag.list"
    started = time.monotonic()
    assert v1.get("/admins", timeout=10).status_code == 200
    assert time.monotonic() - started < 0.5


def test_drop_closes_the_connection(v1: SandboxClient) -> None:
    v1.faults([{"kind": "drop", "route": "/tags"}])
    with pytest.raises(requests.ConnectionError):
        v1.get("/tags")
    assert v1.get("/admins").status_code == 200


def test_truncate_breaks_off_the_body(v1: SandboxClient) -> None:
    """Headers promise a full JSON body; reading it fails with ChunkedEncodingError."""
    v1.faults([{"kind": "truncate", "route": "/tags"}])
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        v1.get("/tags")
    response = v1.get("/tags", stream=True)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _ = response.content
    assert v1.get("/admins").status_code == 200


def test_nonjson_answers_200_with_a_body_that_is_not_json(v1: SandboxClient) -> None:
    v1.faults([{"kind": "nonjson", "route": "/tags"}])
    response = v1.get("/tags")
    assert response.status_code == 200
    assert response.content
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_empty_answers_200_with_an_empty_body(v1: SandboxClient) -> None:
    v1.faults([{"kind": "empty", "route": "/tags"}])
    response = v1.get("/tags")
    assert response.status_code == 200
    assert response.content == b""
    with pytest.raises(requests.JSONDecodeError):
        response.json()


# -- scoping ---------------------------------------------------------------------------------------


def test_route_glob_scopes_a_fault(v1: SandboxClient, v2: SandboxClient) -> None:
    """Only paths matching the route glob fail, in both dialects."""
    v1.faults([{"kind": "503", "route": "/users*"}])
    user = next(r for r in v1.snapshot("users") if r["external_id"])
    assert v1.get("/users").status_code == 503
    assert v1.get(f"/users/{user['id']}").status_code == 503
    assert v1.get("/users", params={"user_id": user["external_id"]}).status_code == 503
    assert v1.get("/tags").status_code == 200
    assert v1.get("/contacts").status_code == 200
    assert v2.get("/contacts").status_code == 200
    assert v2.get("/admins").status_code == 200


def test_method_scopes_a_fault(v1: SandboxClient) -> None:
    """`method` (here in the short form 'kind:rate@METHOD route') limits a rule to one method."""
    v1.faults(["503:1@POST /users"])
    assert rules_state(v1)[0]["method"] == "POST"
    user = next(r for r in v1.snapshot("users") if r["external_id"])
    response = v1.post("/users", json={"user_id": user["external_id"], "name": "Faulted"})
    assert response.status_code == 503
    assert error_code(response) == "service_unavailable"
    found = v1.get("/users", params={"user_id": user["external_id"]})
    assert found.status_code == 200
    assert found.json()["name"] != "Faulted"


# -- rate, after, times ----------------------------------------------------------------------------


def test_rate_is_the_share_of_faulted_requests(v1: SandboxClient) -> None:
    v1.faults([{"kind": "503", "route": "/tags", "rate": 0.0}])
    assert set(statuses(v1, "/tags", 20)) == {200}
    v1.faults([{"kind": "503", "route": "/tags", "rate": 1.0}])
    assert set(statuses(v1, "/tags", 20)) == {503}
    v1.faults([{"kind": "503", "route": "/tags", "rate": 0.5}])
    seen = statuses(v1, "/tags", 200)
    faulted = seen.count(503)
    assert 60 <= faulted <= 140
    assert faulted + seen.count(200) == 200
    [rule] = rules_state(v1)
    assert (rule["seen"], rule["fired"]) == (200, faulted)


def test_after_lets_the_first_matching_requests_through(v1: SandboxClient) -> None:
    """`after: 3` spares the first three requests matching the rule (others do not count)."""
    v1.faults([{"kind": "503", "route": "/tags", "after": 3}])
    seen = []
    for _ in range(5):
        assert v1.get("/admins").status_code == 200
        seen.append(v1.get("/tags").status_code)
    assert seen == [200, 200, 200, 503, 503]


def test_times_caps_the_number_of_faults(v1: SandboxClient) -> None:
    v1.faults([{"kind": "503", "route": "/tags", "times": 2}])
    assert statuses(v1, "/tags", 5) == [503, 503, 200, 200, 200]
    v1.faults([{"kind": "503", "route": "/tags", "after": 2, "times": 1}])
    assert statuses(v1, "/tags", 5) == [200, 200, 503, 200, 200]
    [rule] = rules_state(v1)
    assert (rule["seen"], rule["fired"]) == (5, 1)


def test_first_matching_rule_that_fires_wins(v1: SandboxClient) -> None:
    v1.faults([{"kind": "500", "route": "/tags", "times": 1}, {"kind": "503", "route": "*"}])
    assert statuses(v1, "/tags", 3) == [500, 503, 503]


# -- determinism -----------------------------------------------------------------------------------


def outcomes(seed: int, rules: list[dict], count: int = 40) -> list[int]:
    """Statuses of `count` GET /tags on a fresh sandbox started with this seed and rules."""
    sb = start_sandbox(seed=seed, faults=rules)
    try:
        return statuses(SandboxClient(sb, "1.4"), "/tags", count)
    finally:
        sb.stop()


def test_same_seed_and_rules_give_the_same_faults() -> None:
    rules = [{"kind": "503", "rate": 0.5, "route": "/tags"}]
    first = outcomes(11, rules)
    assert set(first) == {200, 503}
    assert outcomes(11, rules) == first
    assert outcomes(12, rules) != first


def test_reset_replays_the_same_fault_sequence(v1: SandboxClient) -> None:
    """Rules set at run time restart their random streams when set again."""
    rules = [{"kind": "503", "rate": 0.5, "route": "/tags"}]
    v1.faults(rules)
    first = statuses(v1, "/tags", 30)
    v1.faults(rules)
    assert statuses(v1, "/tags", 30) == first


# -- faults given at start -------------------------------------------------------------------------


def test_faults_given_to_the_sandbox_config() -> None:
    sb = start_sandbox(faults=[{"kind": "503", "route": "/tags"}])
    try:
        client = SandboxClient(sb, "1.4")
        assert client.get("/tags").status_code == 503
        assert client.get("/admins").status_code == 200
        [rule] = rules_state(client)
        assert (rule["kind"], rule["route"], rule["fired"]) == ("503", "/tags", 1)
    finally:
        sb.stop()


def test_cli_serves_with_faults(tmp_path: Path) -> None:
    """`intercom-sandbox serve --faults '503:1@/tags'` starts with the rule in place."""
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen(
        cli("--ready-file", str(ready), "--faults", "503:1@/tags", "--users", "50",
            "--leads", "10", "--companies", "5", "--conversations", "5"),
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert proc.poll() is None, "the sandbox exited before it was ready"
            assert time.monotonic() < deadline, "the sandbox did not get ready"
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        headers = {"Authorization": f"Bearer {info['token']}", "Intercom-Version": "1.4"}
        tags = requests.get(f"{info['url']}/tags", headers=headers, timeout=10)
        assert tags.status_code == 503
        assert error_code(tags) == "service_unavailable"
        assert requests.get(f"{info['url']}/admins", headers=headers, timeout=10).ok
    finally:
        proc.terminate()
        try:
            _, stderr = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    # uvicorn shuts down, then re-raises the SIGTERM it caught
    assert proc.returncode in (0, -signal.SIGTERM)
    assert b"Traceback" not in stderr


BAD_SPECS = ["bogus:1@/tags", "503:often@/tags", "503:2", "[not json",
             '[{"kind": "503", "rate": [1]}]', '[{"kind": "503", "rate": "half"}]',
             '[{"kind": "503", "after": "x"}]', '[{"kind": "503", "times": -1}]',
             '[{"kind": "503", "route": 5}]', '[{"kind": "slow", "delay_s": "long"}]',
             '[{"kind": "503", "colour": "red"}]', "[1]"]


@pytest.mark.parametrize("spec", BAD_SPECS)
def test_cli_refuses_a_bad_fault_spec_in_one_line(spec: str) -> None:
    """A bad --faults value: exit code 2 and one clear line on stderr, no traceback."""
    done = subprocess.run(cli("--faults", spec), cwd=ROOT, capture_output=True, text=True,
                          timeout=15)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("intercom-sandbox: ")
    assert "fault" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("spec", BAD_SPECS[:2] + [json.loads(s) for s in BAD_SPECS[4:]],
                         ids=str)
def test_admin_refuses_a_bad_fault_rule(v1: SandboxClient, spec: object) -> None:
    """PUT /_sandbox/faults answers 400 for a bad rule and keeps the rules it had."""
    v1.faults([{"kind": "503", "route": "/tags"}])
    specs = spec if isinstance(spec, list) else [spec]
    response = v1.put("/_sandbox/faults", json={"faults": specs})
    assert response.status_code == 400, response.text
    assert error_code(response) == "parameter_invalid"
    assert [r["kind"] for r in rules_state(v1)] == ["503"]
    assert v1.get("/tags").status_code == 503
    assert v1.get("/admins").status_code == 200


# -- scroll_restart --------------------------------------------------------------------------------


def test_scroll_restart_hits_continuation_pages_only(v1: SandboxClient) -> None:
    """A continuation page fails with the restart message; the scroll is gone, a new one starts."""
    v1.faults([{"kind": "scroll_restart", "route": "*"}])
    assert v1.get("/users").status_code == 200
    assert v1.get("/tags").status_code == 200
    first = v1.get("/users/scroll")
    assert first.status_code == 200
    param = first.json()["scroll_param"]
    assert first.json()["users"]
    broken = v1.get("/users/scroll", params={"scroll_param": param})
    assert broken.status_code == 500
    assert error_code(broken) == "server_error"
    assert broken.json()["errors"][0]["message"] == RESTART_MESSAGE
    v1.faults([])
    gone = v1.get("/users/scroll", params={"scroll_param": param})
    assert gone.status_code == 404
    assert error_code(gone) == "not_found"
    again = v1.get("/users/scroll")
    assert again.status_code == 200
    body, total = again.json(), 0
    while body["users"]:
        total += len(body["users"])
        body = v1.get("/users/scroll", params={"scroll_param": body["scroll_param"]}).json()
    assert total == len(v1.snapshot("users"))


def test_scroll_restart_once_then_the_old_param_is_404(v1: SandboxClient) -> None:
    v1.faults([{"kind": "scroll_restart", "route": "/contacts/scroll", "times": 1}])
    param = v1.get("/contacts/scroll").json()["scroll_param"]
    assert v1.get("/contacts/scroll", params={"scroll_param": param}).status_code == 500
    gone = v1.get("/contacts/scroll", params={"scroll_param": param})
    assert gone.status_code == 404
    fresh = v1.get("/contacts/scroll")
    assert fresh.status_code == 200
    param = fresh.json()["scroll_param"]
    while (page := v1.get("/contacts/scroll", params={"scroll_param": param})).json()["contacts"]:
        assert page.status_code == 200


# -- statistics ------------------------------------------------------------------------------------


def test_stats_count_faulted_requests_by_route_and_status(v1: SandboxClient) -> None:
    """Faulted answers are counted under the route template with the status sent."""
    user = next(r for r in v1.snapshot("users") if r["external_id"])
    v1.delete("/_sandbox/stats").raise_for_status()
    v1.faults([{"kind": "503", "route": "/tags", "times": 2},
               {"kind": "429", "route": "/users/*"},
               {"kind": "drop", "route": "/segments"}])
    assert statuses(v1, "/tags", 3) == [503, 503, 200]
    assert v1.get(f"/users/{user['id']}").status_code == 429
    with pytest.raises(requests.ConnectionError):
        v1.get("/segments")
    assert v1.get("/admins").status_code == 200
    stats = v1.get("/_sandbox/stats").json()
    assert stats["routes"]["GET /tags"] == {"503": 2, "200": 1}
    assert stats["routes"]["GET /users/{id}"] == {"429": 1}
    assert stats["routes"]["GET /segments"] == {"599": 1}  # the sandbox's "no answer" status
    assert stats["routes"]["GET /admins"] == {"200": 1}
    assert stats["total"] == 6


def test_stats_count_a_slow_request_once(v1: SandboxClient) -> None:
    """A slow request is counted once, with the status of its real answer."""
    v1.delete("/_sandbox/stats").raise_for_status()
    v1.faults([{"kind": "slow", "route": "/tags", "delay_s": 0.2}])
    assert v1.get("/tags").status_code == 200
    stats = v1.get("/_sandbox/stats").json()
    assert stats["routes"]["GET /tags"] == {"200": 1}
    assert stats["total"] == 1
