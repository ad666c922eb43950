"""Record conversion driven by a stream's schema: epoch seconds to RFC 3339, typed custom values."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

Convert = Callable[[Any], Any]
ATTRIBUTE_MAPS = ("custom_attributes", "ticket_attributes")  # values may come as strings


def rfc3339(value: Any) -> Any:
    """Unix seconds (int, float or digit string) as `YYYY-MM-DDTHH:MM:SS+00:00`, else as is.

    The offset form matches the SDK's own timestamps, so bookmarks compare correctly as strings.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        if not value.lstrip("-").isdigit():
            return value
        value = int(value)
    if isinstance(value, int | float):
        return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(value))
    return value


def _number(kind: type) -> Convert:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return kind(value)
            except ValueError:
                return value
        return value
    return convert


def _boolean(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _types(node: dict) -> set[str]:
    kinds = node.get("type", [])
    return {kinds} if isinstance(kinds, str) else set(kinds)


def compile_node(node: dict, coerce: bool = False) -> Convert | None:
    """A converter for values of this schema node, or None when values pass unchanged.

    Numbers and booleans are coerced from strings only with `coerce` (inside custom_attributes,
    which Intercom may send as strings); elsewhere JSON types already match the schema.
    """
    if node.get("format") == "date-time":
        return rfc3339
    kinds = _types(node)
    if "object" in kinds and node.get("properties"):
        fields = {key: conv for key, sub in node["properties"].items()
                  if (conv := compile_node(sub, coerce or key in ATTRIBUTE_MAPS))
                  is not None}
        if not fields:
            return None

        def convert_object(value: Any) -> Any:
            if isinstance(value, dict):
                for key, conv in fields.items():
                    if key in value:
                        value[key] = conv(value[key])
            return value
        return convert_object
    if "array" in kinds and isinstance(node.get("items"), dict):
        item = compile_node(node["items"], coerce)
        if item is None:
            return None
        return lambda value: [item(v) for v in value] if isinstance(value, list) else value
    if "string" in kinds or not coerce:
        return None
    if "integer" in kinds:
        return _number(int)
    if "number" in kinds:
        return _number(float)
    if "boolean" in kinds:
        return _boolean
    return None


class RecordConverter:
    """Applies a schema's conversions to a record in place."""

    def __init__(self, schema: dict) -> None:
        self.convert_record = compile_node({**schema, "type": "object"})

    def convert(self, record: dict) -> dict:
        return self.convert_record(record) if self.convert_record else record
