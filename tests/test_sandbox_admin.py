"""The sandbox's admin API, its CLI, determinism, concurrency and latency injection."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from intercom_sandbox import SandboxConfig, WorkspaceSize
from intercom_sandbox.model.generate import generate
from tests.conftest import SMALL, SandboxClient, start_sandbox

COLLECTIONS = ("contacts", "users", "leads", "companies", "conversations", "conversation_parts",
               "tags", "segments", "admins", "teams", "data_attributes", "events", "jobs")


def test_admin_api_needs_the_token(sandbox) -> None:
    assert requests.get(sandbox.url + "/_sandbox/stats").status_code == 401


def test_stats_count_requests_by_route_and_status(v2: SandboxClient) -> None:
    v2.delete("/_sandbox/stats")
    v2.get("/contacts?per_page=1")
    v2.get("/contacts?per_page=2")
    v2.get("/contacts/missing")
    v2.get("/nowhere")
    stats = v2.get("/_sandbox/stats").json()
    assert stats["routes"]["GET /contacts"] == {"200": 2}
    assert stats["routes"]["GET /contacts/{id}"] == {"404": 1}
    assert stats["routes"]["GET <unmatched>"] == {"404": 1}
    assert stats["total"] == 4


def test_snapshots_of_every_collection(v1: SandboxClient, v2: SandboxClient) -> None:
    for name in COLLECTIONS:
        response = v2.get(f"/_sandbox/snapshot/{name}")
        assert response.status_code == 200, name
        assert response.json()["count"] == len(response.json()["data"])
    users = v2.snapshot("users")
    assert {u["role"] for u in users} == {"user"}
    assert v2.snapshot("users", "2")[0]["type"] == "contact"
    assert v2.snapshot("users", "1")[0]["type"] == "user"
    parts = v2.snapshot("conversation_parts")
    assert len(parts) == sum(len(c["parts"]) for c in v2.snapshot("conversations"))
    assert all(p["conversation_id"] for p in parts)
    assert v2.get("/_sandbox/snapshot/nope").status_code == 404
    assert v2.get("/_sandbox/snapshot/users?dialect=3").status_code == 400


def test_mutate_changes_records_and_reset_restores(v2: SandboxClient) -> None:
    v2.reset()
    before = {c["id"]: c for c in v2.snapshot("contacts")}
    started = int(time.time())
    ids = v2.post("/_sandbox/mutate", json={"collection": "contacts", "count": 5}).json()["ids"]
    after = {c["id"]: c for c in v2.snapshot("contacts")}
    assert len(ids) == 5
    for contact_id in ids:
        assert after[contact_id]["updated_at"] >= started
        assert after[contact_id]["name"] != before[contact_id]["name"]
    assert all(after[i] == before[i] for i in before if i not in ids)
    conv = v2.snapshot("conversations")[0]
    v2.post("/_sandbox/mutate", json={"collection": "conversations", "ids": [conv["id"]],
                                      "parts": 3}).raise_for_status()
    changed = v2.get(f"/conversations/{conv['id']}").json()
    assert changed["conversation_parts"]["total_count"] == len(conv["parts"]) + 3
    assert changed["updated_at"] >= started
    assert v2.post("/_sandbox/mutate", json={"collection": "tags"}).status_code == 400
    v2.reset()
    assert {c["id"]: c for c in v2.snapshot("contacts")} == before


def test_settings_change_at_run_time(v2: SandboxClient) -> None:
    settings = v2.get("/_sandbox/settings").json()
    assert "token" not in settings and settings["latency_ms"] == 0
    try:
        v2.settings(latency_ms=250)
        started = time.monotonic()
        assert v2.get("/tags").status_code == 200
        assert time.monotonic() - started >= 0.25
    finally:
        v2.settings(latency_ms=0)
    assert v2.put("/_sandbox/settings", json={"token": "x"}).status_code == 400


def test_latency_does_not_hold_the_server(v2: SandboxClient) -> None:
    v2.delete("/_sandbox/stats")
    v2.settings(latency_ms=400)
    try:
        def call(_: int) -> int:
            client = SandboxClient(v2.sandbox)
            return client.get("/contacts?per_page=1").status_code
        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = list(pool.map(call, range(40)))
    finally:
        v2.settings(latency_ms=0)
    assert statuses == [200] * 40
    assert v2.get("/_sandbox/stats").json()["max_in_flight"] >= 32


def test_same_seed_same_workspace_other_seed_other() -> None:
    one = generate(SandboxConfig(seed=7, size=SMALL))
    two = generate(SandboxConfig(seed=7, size=SMALL))
    other = generate(SandboxConfig(seed=8, size=SMALL))
    assert one == two
    assert one["contacts"] != other["contacts"]
    sized = generate(SandboxConfig(size=WorkspaceSize(users=10, leads=3, companies=2,
                                                      conversations=4, long_conversations=1)))
    roles = [c["role"] for c in sized["contacts"]]
    assert roles.count("user") == 10 and roles.count("lead") == 3
    assert max(len(c["parts"]) for c in sized["conversations"]) > 500


def test_seeded_data_is_realistic() -> None:
    data = generate(SandboxConfig(size=SMALL))
    contacts = data["contacts"]
    assert any(c["email"] is None for c in contacts)
    assert any(not c["name"].isascii() for c in contacts if c["name"])
    assert any(c["company_ids"] for c in contacts)
    values = [v for c in contacts for v in c["custom_attributes"].values()]
    assert None in values and {bool, int, float, str} <= {type(v) for v in values}
    bodies = [p["body"] or "" for c in data["conversations"] for p in c["parts"]]
    assert max(map(len, bodies)) > 10_000
    counts = sorted(len(c["parts"]) for c in data["conversations"])
    assert counts[0] <= 1 and counts[len(counts) // 2] > 1 and counts[-1] > 500


def serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, dict, str]:
    ready = tmp_path / "ready.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "intercom_sandbox.cli", "serve", "--port", "0",
         "--ready-file", str(ready), "--users", "20", "--leads", "5", "--companies", "3",
         "--conversations", "4", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return process, json.loads(ready.read_text()), process.stdout.readline()


def test_cli_serves_and_announces(tmp_path: Path) -> None:
    process, ready, line = serve(tmp_path, "--token", "tok-123", "--default-version", "1.4")
    try:
        assert ready["token"] == "tok-123" and ready["url"].startswith("http://127.0.0.1:")
        assert ready["url"] in line and "tok-123" in line
        response = requests.get(ready["url"] + "/users?per_page=60",
                                headers={"Authorization": "Bearer tok-123"})
        assert response.json()["total_count"] == 20
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_bad_arguments_give_one_line(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = str(taken.getsockname()[1])
    for args in (["--timezone", "Mars/Olympus"], ["--users", "-3"], ["--faults", "boom"],
                 ["--port", busy], ["--rate-limit-per-minute", "x"]):
        result = subprocess.run([sys.executable, "-m", "intercom_sandbox.cli", "serve", *args],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, (args, result.stderr)
        assert lines[0].startswith("intercom-sandbox: ")
    taken.close()


def test_dedicated_sandboxes_are_independent() -> None:
    first, second = start_sandbox(seed=3), start_sandbox(seed=3)
    try:
        a, b = SandboxClient(first), SandboxClient(second)
        a.post("/contacts", json={"external_id": "only-in-a"})
        assert len(a.snapshot("contacts")) == len(b.snapshot("contacts")) + 1
    finally:
        first.stop()
        second.stop()
