"""The target's settings: their JSON schema, and a typed view checked once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from singer_sdk import typing as th

from intercom_client import settings as connection
from intercom_client.settings import SettingsError
from target_intercom.errors import StreamNotMapped

OBJECTS = ("users", "leads", "companies", "events")
STREAM_OBJECTS = {"users": "users", "leads": "leads", "contacts": "leads", "companies": "companies",
                  "events": "events"}
MAX_BULK_ITEMS = 100
DELETE_COLUMN = "_sdc_deleted_at"
LINK_MODES = ("add", "replace")

STREAM_SCHEMA = th.ObjectType(
    th.Property("object", th.StringType, allowed_values=list(OBJECTS),
                description="Intercom object the stream writes: users, leads, companies or events"),
    th.Property("columns", th.ObjectType(additional_properties=th.StringType),
                description="Input column -> Intercom field, e.g. {\"customer_id\": \"user_id\", "
                            "\"tier\": \"custom_attributes.plan_tier\"}"),
    th.Property("custom_attributes", th.CustomType({"anyOf": [
        {"type": "string", "enum": ["all"]}, {"type": "array", "items": {"type": "string"}}]}),
        description="Other columns sent as custom attributes (event metadata): \"all\" or a list"),
    th.Property("delete_column", th.StringType,
                description="A column whose truthy value makes the record a delete/archive "
                            "(besides _sdc_deleted_at)"),
    additional_properties=False,
)

CONFIG_SCHEMA = th.PropertiesList(
    *connection.connection_properties(
        "1.0-1.4 write through bulk jobs, 2.0-2.16 by upserts",
        "Concurrent requests on the 2.x upsert path (and 1.x companies)"),
    th.Property("object_mapping", th.ObjectType(additional_properties=th.StringType),
                description="Stream name -> Intercom object (users, leads, companies, events)"),
    th.Property("streams", th.ObjectType(additional_properties=STREAM_SCHEMA),
                description="Per input stream: object, columns, custom_attributes, delete_column"),
    th.Property("errors_path", th.StringType, default="target-intercom-errors.jsonl",
                description="JSON Lines file that every failed or invalid record is appended to"),
    th.Property("batch_size", th.IntegerType, default=MAX_BULK_ITEMS,
                description="Items per 1.x bulk request (at most 100)"),
    th.Property("job_poll_interval_s", th.NumberType, default=2.0,
                description="Seconds between polls of a 1.x bulk job"),
    th.Property("job_timeout_s", th.NumberType, default=900.0,
                description="Seconds to wait for a 1.x bulk job's tasks before giving up"),
    th.Property("lost_submit_wait_s", th.NumberType, default=5.0,
                description="After a bulk submit's answer is lost: seconds to wait for it to "
                            "appear in the job before resending it"),
    th.Property("max_failure_rate", th.NumberType,
                description="Fail the run when more than this share (0-1) of records fail"),
    th.Property("dry_run", th.BooleanType, default=False,
                description="Validate and report what would be sent, without writing"),
    th.Property("send_nulls", th.BooleanType, default=False,
                description="Send null values (clearing fields) instead of leaving them out"),
    th.Property("delete_mode", th.StringType, default="archive", allowed_values=["archive", "delete"],
                description="2.x contacts: archive (reversible, as 1.x does) or delete permanently"),
    th.Property("companies_mode", th.StringType, default="add", allowed_values=list(LINK_MODES),
                description="A person's companies column: add memberships, or replace them "
                            "(also leave the companies not listed)"),
    th.Property("tags_mode", th.StringType, default="add", allowed_values=list(LINK_MODES),
                description="A tags column: add tags, or replace them (also untag the others)"),
    th.Property("merge_leads", th.BooleanType, default=False,
                description="Merge a lead with the user's email (or merge_leads_column) into "
                            "each user pushed"),
    th.Property("merge_leads_column", th.StringType,
                description="The column holding the email of the lead to merge (default: the "
                            "user's email)"),
    th.Property("create_attributes", th.BooleanType, default=False,
                description="2.x: create custom data attributes Intercom does not know yet, "
                            "typed from the SCHEMA, instead of reporting their rows invalid"),
).to_dict()


@dataclass(frozen=True)
class StreamSettings:
    """How one input stream is written: its object, column renames and attribute selection."""

    name: str
    object: str
    columns: Mapping[str, str] = field(default_factory=dict)
    custom_attributes: tuple[str, ...] | None = None  # None: every other column
    delete_column: str | None = None


@dataclass(frozen=True)
class TargetSettings:
    """Every setting the target uses, checked and typed."""

    generation: int
    api_version: str
    errors_path: str
    batch_size: int
    job_poll_interval_s: float
    job_timeout_s: float
    lost_submit_wait_s: float
    max_failure_rate: float | None
    dry_run: bool
    send_nulls: bool
    delete_mode: str
    companies_mode: str
    tags_mode: str
    merge_leads: bool
    merge_leads_column: str | None
    create_attributes: bool
    max_workers: int
    streams: Mapping[str, Mapping[str, Any]]
    object_mapping: Mapping[str, str]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TargetSettings:
        """Check the config; a SettingsError names the first setting that cannot work."""
        connection.check(config)
        version = str(config.get("api_version") or connection.DEFAULT_VERSION)
        batch_size = config.get("batch_size", MAX_BULK_ITEMS)
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) \
                or not 1 <= batch_size <= MAX_BULK_ITEMS:
            raise SettingsError(f"batch_size must be 1-{MAX_BULK_ITEMS}, not {batch_size!r}")
        rate = number(config, "max_failure_rate", None)
        if rate is not None and not 0 <= rate <= 1:
            raise SettingsError(f"max_failure_rate must be a share between 0 and 1, not {rate:g}")
        seconds = {name: number(config, name, default) for name, default in (
            ("job_poll_interval_s", 2.0), ("job_timeout_s", 900.0), ("lost_submit_wait_s", 5.0))}
        for name, value in seconds.items():
            if value is None or value < 0:
                raise SettingsError(f"{name} must be a number of seconds >= 0")
        streams = config.get("streams") or {}
        object_mapping = config.get("object_mapping") or {}
        named = {f"streams.{n}.object": s.get("object") for n, s in streams.items()}
        named.update({f"object_mapping.{n}": o for n, o in object_mapping.items()})
        for where, obj in named.items():
            if obj is not None and obj not in OBJECTS:
                raise SettingsError(f"{where} must be one of {', '.join(OBJECTS)}, not {obj!r}")
        modes = {name: str(config.get(name) or "add") for name in ("companies_mode", "tags_mode")}
        for name, mode in modes.items():
            if mode not in LINK_MODES:
                raise SettingsError(f"{name} must be add or replace, not {mode!r}")
        return cls(
            generation=connection.api_generation(version), api_version=version,
            errors_path=str(config.get("errors_path") or "target-intercom-errors.jsonl"),
            batch_size=batch_size,
            max_failure_rate=rate, **seconds,
            dry_run=bool(config.get("dry_run", False)),
            send_nulls=bool(config.get("send_nulls", False)),
            delete_mode=str(config.get("delete_mode") or "archive"), **modes,
            merge_leads=bool(config.get("merge_leads", False)),
            merge_leads_column=config.get("merge_leads_column") or None,
            create_attributes=bool(config.get("create_attributes", False)),
            max_workers=int(config.get("max_workers") or 8),
            streams=streams, object_mapping=object_mapping,
        )

    def stream(self, name: str) -> StreamSettings:
        """The settings of an input stream; a stream that maps to no object is an error.

        The object comes from `streams.<name>.object`, else `object_mapping`, else the name itself
        or its last `-` part (SQL taps name streams `<schema>-<table>`)."""
        given = self.streams.get(name) or {}
        obj = (given.get("object") or self.object_mapping.get(name) or STREAM_OBJECTS.get(name)
               or STREAM_OBJECTS.get(name.rsplit("-", 1)[-1]))
        if obj is None:
            raise StreamNotMapped(
                f"stream {name!r} names no Intercom object: call it users, leads, contacts, "
                f"companies or events, or map it in object_mapping or streams.{name}.object")
        selection = given.get("custom_attributes", "all")
        return StreamSettings(
            name=name, object=obj, columns=dict(given.get("columns") or {}),
            custom_attributes=None if selection == "all" else tuple(selection),
            delete_column=given.get("delete_column"))


def number(config: Mapping[str, Any], name: str, default: float | None) -> float | None:
    """A numeric setting as a float (JSON config files give Decimals); SettingsError if not a number."""
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise SettingsError(f"{name} must be a number, not {value!r}")
    return float(value)
