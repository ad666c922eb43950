"""The JSON Schemas shipped in the package, and custom attributes typed from /data_attributes."""

from __future__ import annotations

import copy
import typing as t
from importlib import resources

from singer_sdk import SchemaDirectory

from tap_intercom import schemas

TYPES: dict[str | None, dict[str, t.Any]] = {
    "string": {"type": ["string", "null"]}, "integer": {"type": ["integer", "null"]},
    "float": {"type": ["number", "null"]}, "boolean": {"type": ["boolean", "null"]},
    "date": {"type": ["string", "null"], "format": "date-time"}}
# One directory of stream schemas per API generation: schemas/v1, schemas/v2.
SOURCES = {version: SchemaDirectory(resources.files(schemas) / f"v{version}") for version in (1, 2)}


def load_schema(version: int, name: str) -> dict:
    """A fresh copy of the stream's schema for API generation `version`."""
    return copy.deepcopy(SOURCES[version].get_schema(name))


def with_custom_attributes(schema: dict, attributes: list[dict], model: str) -> dict:
    """The schema with `custom_attributes` typed by the model's custom data attributes."""
    typed = copy.deepcopy(schema)
    target = typed["properties"].setdefault(
        "custom_attributes", {"type": ["object", "null"], "additionalProperties": True})
    properties = target.setdefault("properties", {})
    for attribute in attributes:
        if attribute.get("model") == model and attribute.get("custom"):
            properties[attribute["name"]] = dict(TYPES.get(attribute.get("data_type"),
                                                           TYPES["string"]))
    target["additionalProperties"] = True
    return typed
