"""Custom data attributes checked before a write (2.x refuses a record naming one it does not
know): an unknown one makes the record invalid, or with `create_attributes` is created first."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from intercom_client.errors import IntercomError
from intercom_client.http import IntercomHttp
from target_intercom.errors import failure_of, is_record_failure
from target_intercom.mapping import Item
from target_intercom.outcomes import StreamOutcomes

SCHEMA_TYPES = {"integer": "integer", "number": "float", "boolean": "boolean"}


def data_type(schema: dict) -> str:
    """The Intercom data type for a column's JSON schema (strings and anything else: string)."""
    types = schema.get("type") or []
    types = [types] if isinstance(types, str) else list(types)
    if "string" in types and schema.get("format") in ("date-time", "date"):
        return "date"
    for kind in types:
        if kind in SCHEMA_TYPES:
            return SCHEMA_TYPES[kind]
    return "string"


class AttributeCatalog:
    """The workspace's custom attributes by model, read once a run and shared by every stream."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.known: dict[str, set[str]] = {}

    def names(self, http: IntercomHttp, model: str) -> set[str]:
        with self.lock:
            if model not in self.known:
                answer = http.json("GET", "/data_attributes", params={"model": model})
                self.known[model] = {a["name"] for a in answer.get("data") or []
                                     if a.get("custom") and not a.get("archived")}
            return self.known[model]

    def create(self, http: IntercomHttp, model: str, name: str, kind: str) -> None:
        http.json("POST", "/data_attributes", json={"name": name, "model": model,
                                                    "data_type": kind})
        with self.lock:
            self.known[model].add(name)


class AttributeCheck:
    """Screens a batch: records naming an unknown custom attribute are invalid, unless it may be
    created (then it is, or in a dry run is listed as one that would be)."""

    def __init__(self, http: IntercomHttp, catalog: AttributeCatalog, model: str, create: bool,
                 types: Callable[[], dict[str, str]], dry_run: bool,
                 logger: logging.Logger) -> None:
        self.http = http
        self.catalog = catalog
        self.model = model
        self.create = create
        self.types = types
        self.dry_run = dry_run
        self.logger = logger
        self.would_create: set[str] = set()

    def screen(self, items: list[Item], outcomes: StreamOutcomes) -> list[Item]:
        """The items that may be sent; the others are settled as invalid."""
        if not any(item.payload.get("custom_attributes") for item in items):
            return items
        known = self.catalog.names(self.http, self.model)
        kept = []
        for item in items:
            unknown = sorted(set(item.payload.get("custom_attributes") or ()) - known
                             - self.would_create)
            if unknown and not self.create:
                item.problem = ("attribute_not_found", (
                    f"custom attribute{'s' if len(unknown) > 1 else ''} "
                    f"{', '.join(repr(n) for n in unknown)} not defined in Intercom "
                    f"({self.model} data): create {'them' if len(unknown) > 1 else 'it'}, or "
                    "set create_attributes"))
                outcomes.reject(item)
                continue
            try:
                for name in unknown:
                    self._create(name)
            except IntercomError as exc:
                if not is_record_failure(exc):
                    raise
                item.problem = failure_of(exc)
                outcomes.reject(item)
                continue
            kept.append(item)
        return kept

    def _create(self, name: str) -> None:
        kind = self.types().get(name, "string")
        if self.dry_run:
            self.would_create.add(name)
            self.logger.info("dry run: would create custom attribute %r (%s data, %s)", name,
                             self.model, kind)
            return
        self.logger.info("creating custom attribute %r (%s data, %s)", name, self.model, kind)
        self.catalog.create(self.http, self.model, name, kind)
