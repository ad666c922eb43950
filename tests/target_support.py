"""Helpers for the target tests: Singer messages, runs of the real target, the errors file."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from intercom_sandbox import Sandbox
from target_intercom.target import TargetIntercom
from tests.conftest import SandboxClient

USERS_SCHEMA = {"type": "object", "properties": {
    "user_id": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
    "name": {"type": ["string", "null"]}, "plan_name": {"type": ["string", "null"]},
    "seats": {}, "signed_up_at": {"type": ["string", "null"], "format": "date-time"},
    "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"}}}
EVENTS_SCHEMA = {"type": "object", "properties": {
    "event_name": {"type": ["string", "null"]}, "created_at": {"type": ["integer", "string", "null"]},
    "user_id": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]}}}
COMPANIES_SCHEMA = {"type": "object", "properties": {
    "company_id": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]},
    "monthly_spend": {"type": ["number", "null"]}, "tier": {"type": ["string", "null"]},
    "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"}}}
BASE_TIME = 1767225600


def schema(stream: str, properties: dict | None = None, keys: Iterable[str] = ()) -> dict:
    props = properties or {"users": USERS_SCHEMA, "events": EVENTS_SCHEMA,
                           "companies": COMPANIES_SCHEMA}.get(stream, {"type": "object",
                                                                       "properties": {}})
    return {"type": "SCHEMA", "stream": stream, "schema": props, "key_properties": list(keys)}


def record(stream: str, row: dict) -> dict:
    return {"type": "RECORD", "stream": stream, "record": row}


def state(value: dict) -> dict:
    return {"type": "STATE", "value": value}


def user(i: int, prefix: str = "t", **extra: Any) -> dict:
    return {"user_id": f"{prefix}{i}", "email": f"{prefix}{i}@example.com", "name": f"User {i}",
            "plan_name": "pro", "signed_up_at": "2025-06-01T12:00:00Z", **extra}


def event(i: int, prefix: str = "t", **extra: Any) -> dict:
    return {"event_name": "ordered-item", "created_at": BASE_TIME + i, "user_id": f"{prefix}{i}",
            **extra}


def users_messages(count: int, prefix: str = "t", stream: str = "users") -> list[dict]:
    return [schema(stream, USERS_SCHEMA), *(record(stream, user(i, prefix)) for i in range(count))]


def events_messages(count: int, prefix: str = "t") -> list[dict]:
    return [schema("events"), *(record("events", event(i, prefix)) for i in range(count))]


def singer_text(messages: Iterable[dict]) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


def target_config(sandbox: Sandbox, version: str, tmp_path: Path, **extra: Any) -> dict:
    """Settings for a fast run against a sandbox (small poll interval and lost-answer wait)."""
    return {"access_token": sandbox.token, "api_url": sandbox.url, "api_version": version,
            "errors_path": str(tmp_path / "errors.jsonl"), "job_poll_interval_s": 0.05,
            "lost_submit_wait_s": 0.5, **extra}


class StateCapture(io.StringIO):
    """Standard output during a run: STATE lines, each with the records settled when written."""

    def __init__(self, target_box: list) -> None:
        super().__init__()
        self.target_box = target_box
        self.states: list[tuple[dict, int]] = []

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                outcomes = self.target_box[0].outcomes if self.target_box else None
                settled = sum(s.accepted + s.failed + s.invalid + s.dry_run + s.unchanged + s.skipped
                              for s in outcomes.streams.values()) if outcomes else 0
                self.states.append((json.loads(line), settled))
        return super().write(text)


def run_target(config: dict, messages: Iterable[dict], **kwargs: Any) -> tuple[TargetIntercom,
                                                                               list[tuple[dict, int]]]:
    """Feed Singer messages to the real target in-process; the STATE lines it wrote, each with the
    number of records that were settled when it was written."""
    box: list = []
    capture = StateCapture(box)
    with contextlib.redirect_stdout(capture):
        target = TargetIntercom(config=config, **kwargs)
        box.append(target)
        target.listen(io.StringIO(singer_text(messages)))
    return target, capture.states


def run_cli(config: dict, text: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `target-intercom --config` as a subprocess with `text` on standard input."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    exe = Path(sys.executable).with_name("target-intercom")
    return subprocess.run([str(exe), "--config", str(path), *args], input=text,
                          capture_output=True, text=True, timeout=120)


def read_errors(path: str | Path) -> list[dict]:
    file = Path(path)
    return [json.loads(line) for line in file.read_text().splitlines()] if file.exists() else []


def people(client: SandboxClient, prefix: str, role: str = "users", archived: bool = False) -> dict:
    """Sandbox contacts of a role whose external_id starts with `prefix`, by external_id."""
    rows = client.get(f"/_sandbox/snapshot/{role}?dialect=raw&archived={str(archived).lower()}")
    rows.raise_for_status()
    found: dict[str, dict] = {}
    for row in rows.json()["data"]:
        ext = row.get("external_id") or ""
        if ext.startswith(prefix):
            assert ext not in found, f"two {role} with external_id {ext}"
            found[ext] = row
    return found


def events_of(client: SandboxClient, event_name: str = "ordered-item") -> list[dict]:
    return [e for e in client.snapshot("events") if e["event_name"] == event_name]


def stats(client: SandboxClient) -> dict:
    return client.get("/_sandbox/stats").json()["routes"]


def calls(client: SandboxClient, route: str, status: str | None = None) -> int:
    statuses = stats(client).get(route, {})
    return statuses.get(status, 0) if status else sum(statuses.values())


class AnswerDroppingProxy:
    """A real HTTP hop in front of a sandbox that forwards every request, but for the chosen ones
    closes the client's connection once the sandbox has answered: the request is applied, its
    answer is lost. (The sandbox's own `drop` and `slow` faults act before a request is applied.)
    """

    def __init__(self, upstream: str, method: str, path: str, drop_nth: set[int]) -> None:
        self.upstream, self.method, self.path, self.drop_nth = upstream, method, path, drop_nth
        self.seen = 0
        self.dropped = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.request(self.command, proxy.upstream + self.path, data=body,
                                          headers=headers, timeout=30)
                drop = False
                if self.command == proxy.method and self.path.split("?")[0] == proxy.path:
                    with proxy.lock:
                        proxy.seen += 1
                        drop = proxy.seen in proxy.drop_nth
                        proxy.dropped += drop
                if drop:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                           "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = relay

        return Handler

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
