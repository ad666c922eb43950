"""Reading streams straight into pandas DataFrames."""

from __future__ import annotations

import pandas as pd
import pytest

from tap_intercom.frames import read_frames
from tests.conftest import SandboxClient
from tests.tap_support import tap_config


def test_streams_become_flat_frames_with_datetimes(sandbox, v2: SandboxClient) -> None:
    frames = read_frames(tap_config(sandbox), ["users", "conversations", "conversation_parts"])
    users, conversations = frames["users"], frames["conversations"]
    assert len(users) == len(v2.snapshot("users"))
    assert set(users["id"]) == {u["id"] for u in v2.snapshot("users")}
    assert len(conversations) == len(v2.snapshot("conversations"))
    assert isinstance(users["created_at"].dtype, pd.DatetimeTZDtype)
    assert isinstance(conversations["statistics.first_admin_reply_at"].dtype, pd.DatetimeTZDtype)
    assert "location.country" in users.columns and "custom_attributes.plan_name" in users.columns
    assert {"conversation_id", "id", "body"} <= set(frames["conversation_parts"].columns)
    assert set(frames["conversation_parts"]["conversation_id"]) <= set(conversations["id"])


def test_1x_frames_and_unknown_streams(sandbox, v1: SandboxClient) -> None:
    frames = read_frames(tap_config(sandbox, "1.4"), ["contacts", "tags"])
    assert len(frames["contacts"]) == len(v1.snapshot("leads"))
    assert "location_data.city_name" in frames["contacts"].columns
    assert len(frames["tags"]) == len(v1.snapshot("tags"))
    with pytest.raises(ValueError, match="unknown streams"):
        read_frames(tap_config(sandbox), ["nope"])
