"""The help center streams against a live sandbox: full table, with versions for deletes."""

from __future__ import annotations

import pytest

from intercom_sandbox import Sandbox
from tests.conftest import SandboxClient
from tests.tap_support import run_tap, tap_config

STREAMS = {"help_centers", "collections", "articles"}


@pytest.fixture
def admin(sandbox: Sandbox) -> SandboxClient:
    client = SandboxClient(sandbox)
    client.fresh_workspace()
    return client


@pytest.mark.parametrize("version", ["2.11", "2.16"])
def test_help_center_streams_match_the_snapshot(admin: SandboxClient, sandbox: Sandbox,
                                                version: str) -> None:
    run = run_tap(tap_config(sandbox, version, page_size=7), streams=STREAMS)  # several pages
    assert run.returncode == 0, run.stderr[-2000:]
    for name in STREAMS:
        expected = admin.snapshot(name)
        assert len(run.records[name]) == len(expected), name
        assert run.ids(name) == {r["id"] for r in expected}, name
    articles = {a["id"]: a for a in admin.snapshot("articles")}
    for record in run.records["articles"]:
        assert record["title"] == articles[record["id"]]["title"]
        assert record["author_id"] == articles[record["id"]]["author_id"]
        assert record["parent_id"] == articles[record["id"]]["parent_id"]
    assert sorted(run.activated) == sorted(STREAMS)  # full tables: each read is a version


def test_edited_articles_are_read_again_and_versions_mark_the_full_table(
        admin: SandboxClient, sandbox: Sandbox) -> None:
    config = tap_config(sandbox)
    first = run_tap(config, streams={"articles"})
    edited = admin.post("/_sandbox/mutate", json={"collection": "articles",
                                                  "count": 2}).json()["ids"]
    second = run_tap(config, state=first.state, streams={"articles"})
    assert second.returncode == 0, second.stderr[-2000:]
    titles = {a["id"]: a["title"] for a in second.records["articles"]}
    assert all("(edited" in titles[i] for i in edited)
    assert second.ids("articles") == first.ids("articles")
    # A full table read ends with ACTIVATE_VERSION: a target drops rows of older versions.
    assert first.activated == ["articles"] and second.activated == ["articles"]
