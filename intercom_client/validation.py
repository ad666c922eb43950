"""Settings, catalogs and states checked against JSON schemas, each problem said in one line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from singer_sdk.typing import extend_validator_with_defaults

DATE_TIME_EXAMPLE = "2024-01-31T00:00:00Z"
FORMATS = FormatChecker(formats=())
SettingsValidator = extend_validator_with_defaults(Draft202012Validator)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """A date-time as the SDK reads start dates and bookmarks (ISO 8601, `Z` allowed)."""
    if isinstance(value, str):
        datetime.fromisoformat(value)
    return True


BOOKMARK_SCHEMA = {"type": "object", "properties": {
    "replication_key": {"type": "string"},
    "replication_key_value": {"type": ["string", "null"], "format": "date-time"},
    "starting_replication_value": {"type": ["string", "null"], "format": "date-time"},
    "progress_markers": {"type": "object"},
    "partitions": {"type": "array", "items": {"type": "object", "properties": {
        "context": {"type": "object"},
        "replication_key_value": {"type": ["string", "null"], "format": "date-time"}}}},
}}
STATE_SCHEMA = {"type": "object", "properties": {
    "bookmarks": {"type": "object", "additionalProperties": BOOKMARK_SCHEMA},
    "currently_syncing": {"type": ["string", "null"]},
}}
"""A Singer state whose bookmarks are date-times (every incremental stream here is on
`updated_at`)."""

def catalog_schema(stream_names: Iterable[str]) -> dict:
    """A Singer catalog, as the SDK reads it, of these streams only."""
    return {"type": "object", "required": ["streams"], "properties": {"streams": {
        "type": "array", "items": {"type": "object", "required": ["tap_stream_id", "schema"],
                                   "properties": {
            "tap_stream_id": {"type": "string", "enum": sorted(stream_names)},
            "stream": {"type": "string"},
            "schema": {"type": "object"},
            "key_properties": {"type": "array", "items": {"type": "string"}},
            "replication_key": {"type": ["string", "null"]},
            "replication_method": {"type": ["string", "null"]},
            "metadata": {"type": "array", "items": {
                "type": "object", "required": ["breadcrumb", "metadata"], "properties": {
                    "breadcrumb": {"type": "array", "items": {"type": "string"}},
                    "metadata": {"type": "object"}}}},
        }}}}}

NOT_BLANK = r"\S"  # the pattern of a string that is not empty or only spaces
TYPE_NAMES = {"integer": "an integer", "number": "a number", "string": "a string",
              "object": "an object", "array": "an array", "boolean": "true or false",
              "null": "null"}


class InputError(ValueError):
    """A setting, catalog, state or input that cannot work; its message is the line shown."""


def problems(instance: Any, schema: dict, *, fill_defaults: bool = False) -> list[str]:
    """What is wrong with `instance` under `schema`, one line each (`where: what`), in document
    order; with `fill_defaults`, missing settings get their schema defaults, as in the SDK."""
    validator = (SettingsValidator if fill_defaults else Draft202012Validator)(
        schema, format_checker=FORMATS)
    found = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    return [describe(error) for error in found]


def where(path: Iterable[Any]) -> str:
    """A JSON path as `streams[0].schema`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(error: ValidationError) -> str:
    """One validation error as `where what is wrong`, never showing a secret's value."""
    name = where(error.absolute_path)
    rule, value = error.validator, error.instance
    secret = bool(error.schema.get("writeOnly") or error.schema.get("secret")) \
        if isinstance(error.schema, dict) else False
    shown = "" if secret else f", not {short(value)}"
    if rule == "required":
        missing = [r for r in error.validator_value if r not in value]
        prefix = f"{name}." if name else ""
        return f"{prefix}{missing[0] if missing else error.validator_value[0]} is required"
    if rule == "type":
        kinds = error.validator_value if isinstance(error.validator_value, list) \
            else [error.validator_value]
        kinds = [k for k in kinds if k != "null"] or kinds  # null means "not set": not advice
        what = f"must be {' or '.join(TYPE_NAMES.get(k) or str(k) for k in kinds)}{shown}"
    elif rule in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most",
                 "exclusiveMaximum": "less than"}[rule]
        what = f"must be {bound} {error.validator_value}{shown}"
    elif rule == "enum":
        what = f"must be one of {', '.join(map(str, error.validator_value))}{shown}"
    elif rule == "format" and error.validator_value == "date-time":
        what = f"must be a date-time such as {DATE_TIME_EXAMPLE}{shown}"
    elif rule == "pattern" and error.validator_value == NOT_BLANK:
        what = "must not be blank"
    elif rule in ("pattern", "oneOf", "anyOf"):
        what = f"is not valid ({error.schema.get('description') or error.validator_value}){shown}"
    elif rule == "minLength":
        what = "must not be empty"
    else:
        what = error.message
    return f"{name} {what}" if name else what


def short(value: Any, limit: int = 60) -> str:
    """A value as it is written in JSON, cut short."""
    text = json.dumps(value, default=lambda o: float(o) if isinstance(o, Decimal) else str(o))
    return text if len(text) <= limit else text[:limit] + "..."
