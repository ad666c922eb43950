"""tap-intercom: users, leads, companies, conversations and more from Intercom API 1.x and 2.x."""

from __future__ import annotations

from functools import cached_property

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from typing_extensions import override

from intercom_client.cli import OneLineFailures
from intercom_client.errors import IntercomError
from intercom_client.http import IntercomHttp
from intercom_client.settings import connection_properties
from intercom_client.validation import STATE_SCHEMA, catalog_schema
from tap_intercom.deletes import DELETE_STREAM_TYPES
from tap_intercom.generations import V2, Generation, for_version
from tap_intercom.schema_files import load_schema, with_custom_attributes
from tap_intercom.streams import STREAM_TYPES, SchemaStream
from tap_intercom.tickets import with_ticket_attributes


class TapIntercom(OneLineFailures, Tap):
    """Singer tap for Intercom."""

    name = "tap-intercom"
    # Several times faster than the default JSON writer.
    message_writer_class: type[GenericSingerWriter] = MsgSpecWriter
    config_jsonschema = th.PropertiesList(
        *connection_properties(
            "1.0-1.4 (users and leads) or 2.0-2.16 or Preview (unified contacts)",
            "Concurrent requests for conversation details and search windows (windows are used "
            "only when Intercom's answers take 40 ms or more: without latency one cursor is "
            "faster)"),
        th.Property("start_date", th.DateTimeType,
                    description="Earliest updated_at a first run reads (an RFC 3339 date-time)"),
        th.Property("lookback_window_days", th.IntegerType(minimum=0), default=0,
                    description="Days re-read before the bookmark, once, in the request"),
        th.Property("page_size", th.IntegerType(minimum=1, maximum=V2.max_page_size),
                    default=V2.max_page_size,
                    description="Records a page, 1-150 (1.x page lists take at most 60)"),
        th.Property("scroll_wait_seconds", th.IntegerType(minimum=0), default=90,
                    description="Seconds to wait while another client holds the app's only scroll"),
        th.Property("companies_source", th.StringType, default="scroll",
                    allowed_values=["scroll", "list"],
                    description="scroll reads every company; list uses the 10,000-capped list"),
        th.Property("companies_replication", th.StringType, default="incremental",
                    allowed_values=["incremental", "full_table"],
                    description="incremental emits changed companies; full_table emits every "
                                "company each run as a new table version (ACTIVATE_VERSION), so "
                                "companies deleted in Intercom leave the warehouse"),
        th.Property("reconcile_deleted_contacts", th.BooleanType, default=False,
                    description="2.x: also list every contact id each run (contact_ids, about "
                                "one call per 150 contacts), so the load job's retire step "
                                "marks contacts deleted in Intercom on any version"),
    ).to_dict()
    catalog_jsonschema = catalog_schema(s.name for s in (*STREAM_TYPES, *DELETE_STREAM_TYPES))
    state_jsonschema = STATE_SCHEMA

    @cached_property
    def generation(self) -> Generation:
        """The API generation of `api_version`."""
        return for_version(self.config["api_version"])

    def definitions(self, stream_name: str, what: str) -> list[dict]:
        """The records of a small list that types other streams; none when it cannot be read."""
        http = IntercomHttp(self.config, "tap-intercom", max_tries=2)
        found: list[dict] = []
        try:
            for request in self.generation.list_requests(stream_name):
                body = http.json("GET", request.path, params=request.params)
                model = request.params.get("model")
                found += [{**a, "model": a.get("model") or model}
                          for a in self.generation.records(stream_name, body)]
        except (IntercomError, OSError) as exc:
            self.logger.warning("%s stay untyped: /%s could not be read (%s)", what, stream_name,
                                str(exc).splitlines()[0][:200])
            return []
        finally:
            http.close()
        return found

    def included(self, stream_type: type[SchemaStream]) -> bool:
        """Whether discovery lists the stream: the generation has it, its opt-in setting is on
        and the configured api_version reaches it (one log line when it does not)."""
        name = stream_type.name  # type: ignore[misc]  # a class attribute on every stream here
        if not self.generation.offers(name):
            return False
        if stream_type.opt_in_setting and not self.config.get(stream_type.opt_in_setting):
            return False
        if not self.generation.reaches(stream_type.min_api_version):
            self.logger.info("%s: left out; it needs api_version %s or newer (configured: %s)",
                             name, stream_type.min_api_version, self.config["api_version"])
            return False
        return True

    @override
    def discover_streams(self) -> list[SchemaStream]:
        included = [s for s in (*STREAM_TYPES, *DELETE_STREAM_TYPES) if self.included(s)]
        definitions = self.definitions("data_attributes", "custom attributes")
        ticket_types = (self.definitions("ticket_types", "ticket attributes")
                        if any(s.name == "tickets" for s in included) else [])
        streams: list[SchemaStream] = []
        for stream_type in included:
            schema = load_schema(self.generation.number, stream_type.name)
            model = self.generation.attribute_models.get(stream_type.name)
            if model and definitions:
                schema = with_custom_attributes(schema, definitions, model)
            if stream_type.name == "tickets" and ticket_types:
                schema = with_ticket_attributes(schema, ticket_types)
            streams.append(stream_type(tap=self, schema=schema))
        return streams


if __name__ == "__main__":
    TapIntercom.cli()
