"""Reverse-ETL from notebooks: push a pandas DataFrame through the target, get per-row outcomes."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from target_intercom.errors import FailureRateExceeded
from target_intercom.mapping import Item
from target_intercom.target import TargetIntercom

OUTCOME_COLUMNS = ("status", "code", "message", "job_id", "operation")


def push_dataframe(frame: pd.DataFrame, object: str, config: Mapping[str, Any], *,
                   stream: str | None = None, columns: Mapping[str, str] | None = None,
                   custom_attributes: str | Sequence[str] = "all",
                   delete_column: str | None = None) -> pd.DataFrame:
    """Write each row of `frame` as one Intercom `object` (users, leads, companies, events) with the
    target's settings in `config`; returns one outcome per row, indexed like `frame`.

    `status` is accepted, failed, invalid, unchanged, skipped or dry_run; `code` and `message`
    say why a row was not written; `job_id` names the 1.x bulk job. If `max_failure_rate` is
    exceeded the error raised carries the outcomes as its `outcomes` attribute.
    """
    stream = stream or object
    stream_settings: dict[str, Any] = {"object": object, "columns": dict(columns or {}),
                                       "custom_attributes": custom_attributes
                                       if isinstance(custom_attributes, str) else list(custom_attributes)}
    if delete_column:
        stream_settings["delete_column"] = delete_column
    settings = {**config, "streams": {**(config.get("streams") or {}), stream: stream_settings}}
    settled: dict[int, Item] = {}

    def remember(stream_name: str, item: Item) -> None:
        if stream_name == stream:
            settled[item.row] = item

    target = TargetIntercom(config=settings, outcome_listener=remember)
    try:
        target.listen(io.StringIO(singer_messages(frame, stream)))
    except FailureRateExceeded as exc:
        exc.outcomes = outcome_frame(frame, settled)  # type: ignore[attr-defined]
        raise
    return outcome_frame(frame, settled)


def outcome_frame(frame: pd.DataFrame, settled: Mapping[int, Item]) -> pd.DataFrame:
    rows = [settled.get(position) for position in range(len(frame))]
    data = {name: [getattr(item, name) if item else None for item in rows] for name in OUTCOME_COLUMNS}
    return pd.DataFrame(data, index=frame.index, dtype=object)


def singer_messages(frame: pd.DataFrame, stream: str) -> str:
    """A SCHEMA and one RECORD per row, as Singer JSON lines."""
    properties = {str(name): column_schema(frame[name]) for name in frame.columns}
    lines = [json.dumps({"type": "SCHEMA", "stream": stream, "key_properties": [],
                         "schema": {"type": "object", "properties": properties}})]
    names = [str(name) for name in frame.columns]
    for values in frame.itertuples(index=False, name=None):
        record = {name: plain(value) for name, value in zip(names, values, strict=True)}
        lines.append(json.dumps({"type": "RECORD", "stream": stream, "record": record},
                                default=str))
    return "\n".join(lines) + "\n"


def column_schema(column: pd.Series) -> dict:
    """The JSON schema of a column from its dtype; object columns may hold anything."""
    if pd.api.types.is_bool_dtype(column):
        return {"type": ["boolean", "null"]}
    if pd.api.types.is_integer_dtype(column):
        return {"type": ["integer", "null"]}
    if pd.api.types.is_float_dtype(column):
        return {"type": ["number", "null"]}
    if pd.api.types.is_datetime64_any_dtype(column):
        return {"type": ["string", "null"], "format": "date-time"}
    return {}


def plain(value: Any) -> Any:
    """A cell as plain JSON: missing values become null, timestamps RFC 3339 strings."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return plain(value.item())
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value
