"""Shared fixtures: an in-process sandbox over real HTTP, and a client for it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from intercom_sandbox import Sandbox, SandboxConfig, WorkspaceSize
from scripts.warehouse import Warehouse

SMALL = WorkspaceSize(users=300, leads=100, companies=40, conversations=60, tags=12, segments=8,
                      admins=6, teams=3, events=200, long_conversations=1)


class SandboxClient:
    """A requests session bound to one sandbox and one API version."""

    def __init__(self, sandbox: Sandbox, version: str = "2.11") -> None:
        self.sandbox = sandbox
        self.url = sandbox.url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {sandbox.token}",
                                     "Accept": "application/json",
                                     "Intercom-Version": version})

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        url = path if path.startswith("http") else self.url + path
        return self.session.request(method, url, timeout=kwargs.pop("timeout", 30), **kwargs)

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: object) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: object) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def snapshot(self, collection: str, dialect: str = "raw") -> list[dict]:
        response = self.get(f"/_sandbox/snapshot/{collection}?dialect={dialect}")
        response.raise_for_status()
        return response.json()["data"]

    def settings(self, **changes: object) -> dict:
        response = self.put("/_sandbox/settings", json=changes)
        response.raise_for_status()
        return response.json()

    def faults(self, rules: list) -> None:
        self.put("/_sandbox/faults", json={"faults": rules}).raise_for_status()

    def reset(self) -> None:
        self.post("/_sandbox/reset").raise_for_status()

    def fresh_workspace(self, **settings: object) -> None:
        """A fresh workspace, no faults, no statistics, test timings."""
        self.reset()
        self.faults([])
        self.settings(**{"latency_ms": 0, "job_task_delay_s": 0.2, "job_close_after_s": 900,
                         **settings})
        self.delete("/_sandbox/stats")


def start_sandbox(**settings: object) -> Sandbox:
    settings.setdefault("size", SMALL)
    return Sandbox(SandboxConfig(**settings)).start()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A small sandbox shared by one test module; reset it when a test changes data."""
    sb = start_sandbox(job_task_delay_s=0.2, scroll_page_size=50)
    yield sb
    sb.stop()


@pytest.fixture
def v2(sandbox: Sandbox) -> SandboxClient:
    return SandboxClient(sandbox, "2.11")


@pytest.fixture
def v1(sandbox: Sandbox) -> SandboxClient:
    return SandboxClient(sandbox, "1.4")


def fresh_client(sandbox: Sandbox, version: str) -> Iterator[SandboxClient]:
    """A client on a freshly reset workspace (see `fresh_workspace`); faults cleared afterwards."""
    client = SandboxClient(sandbox, version)
    client.fresh_workspace()
    yield client
    client.faults([])


@pytest.fixture
def fresh_v1(sandbox: Sandbox) -> Iterator[SandboxClient]:
    yield from fresh_client(sandbox, "1.4")


@pytest.fixture
def fresh_v2(sandbox: Sandbox) -> Iterator[SandboxClient]:
    yield from fresh_client(sandbox, "2.11")


@pytest.fixture
def warehouse_dir() -> Iterator[Path]:
    """An empty directory for scripts/warehouse.py that PostgreSQL's OS user can reach when we are root.

    pytest's tmp_path lives under a root-only directory, so this one is made directly in /tmp.
    """
    directory = Path(tempfile.mkdtemp(prefix="warehouse-test-"))
    yield directory
    Warehouse(directory).stop()
    shutil.rmtree(directory, ignore_errors=True)


def error_code(response: requests.Response) -> str:
    """The first error code of an Intercom error.list body."""
    body = response.json()
    assert body["type"] == "error.list", body
    return body["errors"][0]["code"]
