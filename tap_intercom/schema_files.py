"""The JSON Schemas shipped in the package, and custom attributes typed from /data_attributes."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources

TYPES = {"string": {"type": ["string", "null"]}, "integer": {"type": ["integer", "null"]},
         "float": {"type": ["number", "null"]}, "boolean": {"type": ["boolean", "null"]},
         "date": {"type": ["string", "null"], "format": "date-time"}}


@cache
def _schema_text(version: int, name: str) -> str:
    return (resources.files("tap_intercom.schemas") / f"v{version}" / f"{name}.json").read_text()


def load_schema(version: int, name: str) -> dict:
    """A fresh copy of the stream's schema for API generation `version`."""
    return json.loads(_schema_text(version, name))


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
