"""The target's settings: their JSON schema, and a typed view checked once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from singer_sdk import typing as th

from intercom_client import settings as connection
from target_intercom.errors import StreamNotMapped, TargetError

OBJECTS = ("users", "leads", "companies", "events")
STREAM_OBJECTS = {"users": "users", "leads": "leads", "contacts": "leads", "companies": "companies",
                  "events": "events"}
MAX_BULK_ITEMS = 100
DELETE_COLUMN = "_sdc_deleted_at"
LINK_MODES = ("add", "replace")
SYNC_MODES = ("upsert", "update_only", "create_only", "mirror")
STORE_NAME = "target-intercom-sync.sqlite"

STREAM_SCHEMA = th.ObjectType(
    th.Property("object", th.StringType, allowed_values=list(OBJECTS),
                description="Intercom object the stream writes: users, leads, companies or events"),
    th.Property("columns", th.ObjectType(additional_properties=th.StringType),
                description="Input column -> Intercom field, e.g. {\"customer_id\": \"user_id\", "
                            "\"tier\": \"custom_attributes.plan_tier\"}"),
    # oneOf, not anyOf: the SDK appends "null" to an anyOf as a bare string, which is no schema
    th.Property("custom_attributes", th.CustomType({"oneOf": [
        {"type": "string", "enum": ["all"]}, {"type": "array", "items": {"type": "string"}}]}),
        description="Other columns sent as custom attributes (event metadata): \"all\" or a list"),
    th.Property("delete_column", th.StringType,
                description="A column whose truthy value makes the record a delete/archive "
                            "(besides _sdc_deleted_at)"),
    th.Property("sync_mode", th.StringType, allowed_values=list(SYNC_MODES),
                description="upsert (the default), update_only (rows whose object does not exist "
                            "are skipped), create_only (rows whose object exists are skipped) or "
                            "mirror (also archive/delete what earlier runs wrote and the input no "
                            "longer has)"),
    additional_properties=False,
)

CONFIG_SCHEMA = th.PropertiesList(
    *connection.connection_properties(
        "1.0-1.4 and Preview write through bulk jobs, 2.0-2.16 by upserts",
        "Concurrent requests on the 2.x upsert path (and 1.x companies); 1.x bulk jobs "
        "open at once"),
    th.Property("object_mapping",
                th.ObjectType(additional_properties=th.StringType(allowed_values=list(OBJECTS))),
                description="Stream name -> Intercom object (users, leads, companies, events)"),
    th.Property("streams", th.ObjectType(additional_properties=STREAM_SCHEMA),
                description="Per input stream: object, columns, custom_attributes, delete_column, "
                            "sync_mode"),
    th.Property("errors_path", th.StringType(min_length=1), default="target-intercom-errors.jsonl",
                description="JSON Lines file that every failed or invalid record is appended to"),
    th.Property("batch_size", th.IntegerType(minimum=1, maximum=MAX_BULK_ITEMS), default=MAX_BULK_ITEMS,
                description="Items per bulk request, 1.x and Preview (at most 100)"),
    th.Property("job_poll_interval_s", th.NumberType(minimum=0), default=2.0,
                description="Seconds between polls of a bulk job (1.x, Preview)"),
    th.Property("job_timeout_s", th.NumberType(minimum=0), default=900.0,
                description="Seconds to wait for a bulk job's tasks before giving up"),
    th.Property("lost_submit_wait_s", th.NumberType(minimum=0), default=5.0,
                description="After a bulk submit's answer is lost: seconds to wait for it to "
                            "appear in the job before resending it"),
    th.Property("max_failure_rate", th.NumberType(minimum=0, maximum=1),
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
    th.Property("sync_store_path", th.StringType(min_length=1),
                description="SQLite file remembering what Intercom accepted, row by row, and the "
                            f"sync log (default: {STORE_NAME} beside errors_path)"),
    th.Property("full_resync", th.BooleanType, default=False,
                description="Send every row, even those unchanged since Intercom last accepted "
                            "them"),
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
    sync_mode: str = "upsert"


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
    sync_store_path: str
    full_resync: bool
    max_workers: int
    streams: Mapping[str, Mapping[str, Any]]
    object_mapping: Mapping[str, str]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TargetSettings:
        """The settings of a config already checked against CONFIG_SCHEMA, defaults filled in."""
        rate = config.get("max_failure_rate")
        return cls(
            generation=connection.api_generation(config["api_version"]),
            api_version=config["api_version"], errors_path=config["errors_path"],
            batch_size=config["batch_size"],
            job_poll_interval_s=float(config["job_poll_interval_s"]),
            job_timeout_s=float(config["job_timeout_s"]),
            lost_submit_wait_s=float(config["lost_submit_wait_s"]),
            max_failure_rate=None if rate is None else float(rate),
            dry_run=config["dry_run"], send_nulls=config["send_nulls"],
            delete_mode=config["delete_mode"], companies_mode=config["companies_mode"],
            tags_mode=config["tags_mode"], merge_leads=config["merge_leads"],
            merge_leads_column=config.get("merge_leads_column") or None,
            create_attributes=config["create_attributes"],
            sync_store_path=config.get("sync_store_path")
            or str(Path(config["errors_path"]).with_name(STORE_NAME)),
            full_resync=config["full_resync"], max_workers=config["max_workers"],
            streams=config.get("streams") or {}, object_mapping=config.get("object_mapping") or {},
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
        if obj == "events" and given.get("sync_mode", "upsert") != "upsert":
            raise TargetError(f"streams.{name}.sync_mode {given['sync_mode']!r} is for users, "
                              "leads and companies: events are only ever added")
        return StreamSettings(
            name=name, object=obj, columns=dict(given.get("columns") or {}),
            custom_attributes=None if selection == "all" else tuple(selection),
            delete_column=given.get("delete_column"),
            sync_mode=given.get("sync_mode") or StreamSettings.sync_mode)
