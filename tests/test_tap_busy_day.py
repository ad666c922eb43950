"""A busy day: one day holding many changed contacts is read as several cursors over ranges of
ids, merged back in order, every record once."""

from __future__ import annotations

from intercom_sandbox import WorkspaceSize
from tap_intercom.readers import id_cuts
from tests.conftest import SandboxClient, start_sandbox
from tests.tap_support import run_tap, tap_config


def test_id_cuts_follow_the_ids_notation() -> None:
    assert id_cuts("10000000", "10000100", 4) == ["10000025", "10000050", "10000075"]
    first, last = "64" + "0" * 22, "64" + "f" * 22
    cuts = id_cuts(first, last, 4)
    assert len(cuts) == 3 and all(len(c) == 24 for c in cuts)
    assert first < cuts[0] < cuts[1] < cuts[2] < last
    assert id_cuts("abc-1", "abc-9", 4) == []  # neither numbers nor hex: one cursor
    assert id_cuts("10", "11", 4) == []


def test_a_busy_day_reads_as_id_ranges_every_record_once_in_order() -> None:
    size = WorkspaceSize(users=2500, leads=10, companies=5, conversations=5, tags=3,
                         segments=2, admins=3, teams=1, events=0, long_conversations=0)
    sb = start_sandbox(size=size, latency_ms=50)
    try:
        client = SandboxClient(sb)
        changed = client.post("/_sandbox/mutate", json={"collection": "users",
                                                        "count": 1600}).json()["ids"]
        client.delete("/_sandbox/stats")
        run = run_tap(tap_config(sb, max_workers=6), streams={"users"})
        expected = {r["id"] for r in client.snapshot("users")}

    finally:
        sb.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    assert "reading it as 6 ranges of ids" in run.stderr
    records = run.records["users"]
    assert len(records) == len(expected) and run.ids("users") == expected
    assert set(changed) <= run.ids("users")
    stamps = [r["updated_at"] for r in records]
    assert stamps == sorted(stamps)  # merged back in order: checkpoints stay valid
    assert run.state["bookmarks"]["users"]["replication_key_value"] == stamps[-1]
