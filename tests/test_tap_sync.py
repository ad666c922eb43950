"""The tap against live sandboxes: complete, incremental, resumable, fault-tolerant, paced."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from intercom_sandbox import Sandbox, WorkspaceSize
from tests.conftest import SandboxClient, start_sandbox
from tests.tap_support import TAP, TapRun, run_tap, tap_config

VERSIONS = ("2.11", "1.4")
SIZE = WorkspaceSize(users=700, leads=150, companies=40, conversations=80, tags=8, segments=6,
                     admins=5, teams=2, events=50, long_conversations=1)
CHANGING = {"users", "contacts", "companies", "conversations", "conversation_parts"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = start_sandbox(size=SIZE, scroll_timeout_s=1)
    yield sb
    sb.stop()


@pytest.fixture
def admin(sandbox: Sandbox) -> SandboxClient:
    client = SandboxClient(sandbox)
    client.reset()
    return client


def epoch(value: str) -> int:
    return int(dt.datetime.fromisoformat(value).timestamp())


def bookmark(run: TapRun, stream: str) -> int:
    return epoch(run.state["bookmarks"][stream]["replication_key_value"])


def expected_parts(admin: SandboxClient, version: str, conversation_ids: set[str]) -> set[tuple]:
    """(conversation_id, part id) pairs the tap should emit: 2.x has the 500 most recent."""
    keys = set()
    for conversation in admin.snapshot("conversations"):
        if conversation["id"] in conversation_ids:
            parts = conversation["parts"][-500:] if version.startswith("2") else conversation["parts"]
            keys |= {(conversation["id"], p["id"]) for p in parts}
    return keys


@pytest.mark.parametrize("version", VERSIONS)
def test_full_sync_matches_the_sandbox(admin: SandboxClient, sandbox: Sandbox, version: str) -> None:
    run = run_tap(tap_config(sandbox, version))
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.ids("users") == {c["id"] for c in admin.snapshot("users")}
    assert run.ids("contacts") == {c["id"] for c in admin.snapshot("leads")}
    assert run.ids("companies") == {c["id"] for c in admin.snapshot("companies")}
    assert run.ids("conversations") == {c["id"] for c in admin.snapshot("conversations")}
    for stream in ("users", "contacts", "companies", "conversations"):
        assert len(run.records[stream]) == len(run.ids(stream)), f"{stream} repeated a record"
    parts = run.keys("conversation_parts", "conversation_id", "id")
    assert parts == expected_parts(admin, version, run.ids("conversations"))
    assert len(parts) == len(run.records["conversation_parts"])
    longest = max(run.records["conversations"], key=lambda c: c["parts_total_count"])
    assert longest["parts_total_count"] > 500
    assert longest["parts_returned_count"] == (500 if version.startswith("2") else
                                               longest["parts_total_count"])
    assert run.ids("tags") == {t["id"] for t in admin.snapshot("tags")}
    assert run.ids("admins") == {a["id"] for a in admin.snapshot("admins")}
    assert run.ids("teams") == {t["id"] for t in admin.snapshot("teams")}
    segments = {s["id"] for s in admin.snapshot("segments")
                if version.startswith("1") or s["kind"] == "user"}
    assert run.ids("segments") == segments
    assert {r["segment_type"] for r in run.records["segments"]} <= {"user", "company"}
    assert {r["model"] for r in run.records["data_attributes"]}
    assert {r["entity"] for r in run.records["counts"]} >= {"user", "lead", "company"}
    user = run.records["users"][0]
    assert isinstance(user["created_at"], str) and user["created_at"].endswith("+00:00")
    typed = run.schemas["users"]["properties"]["custom_attributes"]["properties"]
    assert "integer" in typed["seats"]["type"] and typed["trial_ends_at"]["format"] == "date-time"
    states = run.state["bookmarks"]
    assert all(states[s]["replication_key_value"] for s in ("users", "contacts", "companies",
                                                            "conversations"))


@pytest.mark.parametrize("version", VERSIONS)
def test_incremental_run_reads_only_changes(admin: SandboxClient, sandbox: Sandbox,
                                            version: str) -> None:
    config = tap_config(sandbox, version)
    first = run_tap(config, streams=CHANGING)
    assert first.returncode == 0, first.stderr[-2000:]
    changed_users = admin.post("/_sandbox/mutate", json={"collection": "users", "count": 7}).json()
    changed_convs = admin.post("/_sandbox/mutate", json={"collection": "conversations", "count": 4,
                                                         "parts": 2}).json()
    changed_companies = admin.post("/_sandbox/mutate",
                                   json={"collection": "companies", "count": 3}).json()
    for lookback in (0, 2):
        second = run_tap({**config, "lookback_window_days": lookback}, state=first.state,
                         streams=CHANGING)
        assert second.returncode == 0, second.stderr[-2000:]
        for stream, collection, changed in (("users", "users", changed_users["ids"]),
                                            ("conversations", "conversations",
                                             changed_convs["ids"]),
                                            ("companies", "companies", changed_companies["ids"])):
            # Searches read the bookmark's whole day (Intercom matches days), but records before
            # the bookmark were sent by the first run and are not sent again.
            lower = bookmark(first, stream) - lookback * 86400
            expected = {r["id"] for r in admin.snapshot(collection) if r["updated_at"] >= lower}
            assert set(changed) <= expected
            assert second.ids(stream) == expected, (stream, lookback)
        assert second.keys("conversation_parts", "conversation_id", "id") == expected_parts(
            admin, version, second.ids("conversations"))
        assert bookmark(second, "users") >= bookmark(first, "users")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("stop_after", [("users", 600), ("conversation_parts", 800)])
def test_interrupted_run_resumes_without_loss(admin: SandboxClient, sandbox: Sandbox, version: str,
                                              stop_after: tuple[str, int]) -> None:
    config = tap_config(sandbox, version)
    streams = {"users", "conversations", "conversation_parts"}
    clean = run_tap(config, streams=streams)
    killed = run_tap(config, streams=streams, stop_after=stop_after)
    assert killed.returncode != 0
    stream = "users" if stop_after[0] == "users" else "conversations"
    if version.startswith("2"):  # sorted streams checkpoint while they run
        assert killed.state["bookmarks"][stream].get("replication_key_value"), killed.state
    resumed = run_tap(config, state=killed.state, streams=streams)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    for stream, key in (("users", ("id",)), ("conversations", ("id",)),
                        ("conversation_parts", ("conversation_id", "id"))):
        union = killed.keys(stream, *key) | resumed.keys(stream, *key)
        assert union == clean.keys(stream, *key), stream


@pytest.mark.parametrize("version", VERSIONS)
def test_injected_faults_change_nothing(version: str) -> None:
    kinds = ["500", "502", "503", "429", "slow", "drop", "truncate", "nonjson", "empty",
             "scroll_restart"]
    faults = [{"kind": kind, "rate": 0.01 if kind != "scroll_restart" else 0.1, "route": "/*",
               "delay_s": 2.5} for kind in kinds]
    clean_box = start_sandbox(size=SIZE, scroll_timeout_s=1, seed=5)
    faulty_box = start_sandbox(size=SIZE, scroll_timeout_s=1, seed=5, faults=faults)
    # The streams checked below, tickets with their parts on 2.x; the others read like them.
    streams = {"users", "contacts", "companies", "conversations", "conversation_parts", "tags",
               "admins", "teams", "segments",
               *(("tickets", "ticket_parts") if version.startswith("2") else ())}
    try:
        clean = run_tap(tap_config(clean_box, version), streams=streams)
        faulty = run_tap(tap_config(faulty_box, version, request_timeout=1), streams=streams)
        assert clean.returncode == 0 and faulty.returncode == 0, faulty.stderr[-2000:]
        stats = SandboxClient(faulty_box).get("/_sandbox/faults").json()["faults"]
        assert sum(rule["fired"] for rule in stats) >= 5  # faults really happened
        for stream in ("users", "contacts", "companies", "conversations", "tags", "admins",
                       "teams", "segments"):
            assert faulty.ids(stream) == clean.ids(stream), stream
            assert len(faulty.records[stream]) == len(faulty.ids(stream)), f"{stream} doubled"
        assert faulty.keys("conversation_parts", "conversation_id", "id") == \
            clean.keys("conversation_parts", "conversation_id", "id")
        if version.startswith("2"):
            assert faulty.ids("tickets") == clean.ids("tickets")
            assert len(faulty.records["tickets"]) == len(clean.ids("tickets")), "tickets doubled"
            assert faulty.keys("ticket_parts", "ticket_id", "id") == \
                clean.keys("ticket_parts", "ticket_id", "id")
    finally:
        clean_box.stop()
        faulty_box.stop()


def test_scroll_held_by_another_client_is_waited_out(admin: SandboxClient,
                                                     sandbox: Sandbox) -> None:
    admin.settings(scroll_timeout_s=8)  # outlives the tap's start-up on a busy machine
    try:
        SandboxClient(sandbox, "1.4").get("/users/scroll").raise_for_status()
        run = run_tap(tap_config(sandbox, "1.4"), streams={"companies"})
    finally:
        admin.settings(scroll_timeout_s=1)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "scroll_exists" in run.stderr
    assert run.ids("companies") == {c["id"] for c in admin.snapshot("companies")}


def test_scroll_held_too_long_is_a_clear_error(admin: SandboxClient, sandbox: Sandbox) -> None:
    admin.settings(scroll_timeout_s=30)
    try:
        SandboxClient(sandbox, "1.4").get("/users/scroll").raise_for_status()
        run = run_tap(tap_config(sandbox, "1.4", scroll_wait_seconds=1), streams={"companies"})
    finally:
        admin.settings(scroll_timeout_s=1)
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-intercom: ") and "another client holds" in last
    assert "Traceback" not in run.stderr


def test_a_vanished_conversation_is_skipped(admin: SandboxClient, sandbox: Sandbox) -> None:
    gone = admin.snapshot("conversations")[3]["id"]
    admin.faults([{"kind": "404", "route": f"/conversations/{gone}"}])
    try:
        run = run_tap(tap_config(sandbox), streams={"conversations", "conversation_parts"})
    finally:
        admin.faults([])
    assert run.returncode == 0, run.stderr[-2000:]
    assert gone not in run.ids("conversations")
    assert gone not in {p["conversation_id"] for p in run.records["conversation_parts"]}
    assert len(run.ids("conversations")) == len(admin.snapshot("conversations")) - 1
    assert f"conversation {gone} is gone" in run.stderr


def test_pacing_keeps_429s_rare() -> None:
    sb = start_sandbox(size=SIZE, rate_limit_per_minute=240)  # 40 requests per 10 s
    try:
        run = run_tap(tap_config(sb, max_workers=8),
                      streams={"conversations", "conversation_parts", "tags"})
        assert run.returncode == 0, run.stderr[-2000:]
        stats = SandboxClient(sb).get("/_sandbox/stats").json()
        sent = stats["total"]
        limited = sum(s.get("429", 0) for s in stats["routes"].values())
        assert sent > 80  # the run needed several windows
        assert limited <= 2, stats["routes"]
        assert len(run.ids("conversations")) == SIZE.conversations
    finally:
        sb.stop()


def test_missing_permission_names_it(admin: SandboxClient, sandbox: Sandbox) -> None:
    admin.faults([{"kind": "403", "route": "/conversations*"}])
    try:
        run = run_tap(tap_config(sandbox), streams={"conversations"})
    finally:
        admin.faults([])
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert "403" in last and "'Read conversations' permission" in last
    assert "Traceback" not in run.stderr and sandbox.token not in run.stderr


def test_discovery_offline_leaves_custom_attributes_free_form(sandbox: Sandbox,
                                                              tmp_path: Path) -> None:
    config = tmp_path / "config.json"  # nothing listens on port 9
    config.write_text(json.dumps({**tap_config(sandbox), "api_url": "http://127.0.0.1:9"}))
    out = subprocess.run([*TAP, "--config", str(config), "--discover"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    streams = {s["tap_stream_id"]: s for s in json.loads(out.stdout)["streams"]}
    custom = streams["users"]["schema"]["properties"]["custom_attributes"]
    assert custom["additionalProperties"] is True and not custom.get("properties")
    assert "custom attributes stay untyped" in out.stderr


def test_counts_are_derived_where_counts_is_gone() -> None:
    sb = start_sandbox(size=SIZE, counts_v2=False)
    try:
        run = run_tap(tap_config(sb), streams={"counts"})
        admin = SandboxClient(sb)
        assert admin.get("/counts").status_code == 404
    finally:
        sb.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    totals = {r["entity"]: r["count"] for r in run.records["counts"]}
    assert totals["user"] == SIZE.users and totals["lead"] == SIZE.leads
    assert totals["conversation"] == SIZE.conversations and totals["tag"] == SIZE.tags
    assert {r["breakdown"] for r in run.records["counts"]} == {"total"}
    assert len({r["taken_at"] for r in run.records["counts"]}) == 1


@pytest.mark.parametrize("stream", ["users", "conversations"])
def test_day_windows_read_everything_once_in_order(stream: str) -> None:
    size = WorkspaceSize(users=2500, leads=10, companies=5, conversations=1400, tags=3,
                         segments=2, admins=3, teams=1, events=0, long_conversations=0)
    sb = start_sandbox(size=size, latency_ms=50)  # latency is what windows are for
    try:
        run = run_tap(tap_config(sb, max_workers=6), streams={stream})
        expected = {r["id"] for r in SandboxClient(sb).snapshot(stream)}
    finally:
        sb.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    assert "day windows" in run.stderr
    records = run.records[stream]
    assert len(records) == len(expected) and run.ids(stream) == expected
    stamps = [r["updated_at"] for r in records]
    assert stamps == sorted(stamps)  # windows are emitted in order: checkpoints stay valid
    assert run.state["bookmarks"][stream]["replication_key_value"] == stamps[-1]
