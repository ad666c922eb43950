"""Intercom streams straight into pandas DataFrames, for notebooks (no warehouse needed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

import pandas as pd
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from typing_extensions import override

from tap_intercom.tap import TapIntercom


class _RecordCollector(GenericSingerWriter):
    """A Singer writer that keeps RECORD messages in memory and drops the rest."""

    def __init__(self) -> None:
        self.records: dict[str, list[dict]] = defaultdict(list)

    @override
    def serialize_message(self, message: Any) -> Any:
        return message

    @override
    def write_message(self, message: Any) -> None:
        if isinstance(message, RecordMessage):
            self.records[message.stream].append(message.record)


class _CollectingTap(TapIntercom):
    """The tap, keeping records in memory instead of writing Singer messages."""

    message_writer_class = _RecordCollector


def _selected_catalog(config: Mapping[str, Any], streams: set[str]) -> dict:
    catalog = TapIntercom(config=dict(config), parse_env_config=False).catalog_dict
    known = {entry["tap_stream_id"] for entry in catalog["streams"]}
    unknown = streams - known
    if unknown:
        raise ValueError(f"unknown streams {sorted(unknown)}; choose from {sorted(known)}")
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if not meta["breadcrumb"]:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def _date_columns(schema: dict, prefix: str = "") -> set[str]:
    """Flattened column names whose schema says date-time."""
    found = set()
    for name, node in (schema.get("properties") or {}).items():
        column = f"{prefix}{name}"
        if node.get("format") == "date-time":
            found.add(column)
        elif node.get("properties"):
            found |= _date_columns(node, f"{column}.")
    return found


def read_frames(config: Mapping[str, Any], streams: Iterable[str],
                state: Mapping[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """One DataFrame per chosen stream: nested objects flattened to `a.b` columns, times as UTC.

    `config` takes the tap's settings (`access_token`, `api_url` or `region`, `api_version`,
    `start_date`, ...); `state` continues from an earlier run's bookmarks.
    """
    wanted = set(streams)
    catalog = _selected_catalog(config, wanted)
    tap = _CollectingTap(config=dict(config), catalog=catalog, state=dict(state or {}),
                         parse_env_config=False)
    tap.sync_all()
    frames = {}
    for name in sorted(wanted):
        records = cast("_RecordCollector", tap.message_writer).records.get(name, [])
        frame = pd.json_normalize(records, sep=".") if records else pd.DataFrame()
        for column in _date_columns(tap.streams[name].schema) & set(frame.columns):
            frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce")
        frames[name] = frame
    return frames
