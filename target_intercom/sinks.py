"""The sink: one input stream written to one Intercom object, batch by batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks import BatchSink
from typing_extensions import override

from intercom_client.http import IntercomHttp
from target_intercom.attributes import data_type
from target_intercom.mapping import RecordMapper
from target_intercom.writers import Writer, make_writer

if TYPE_CHECKING:
    from target_intercom.target import TargetIntercom


class IntercomSink(BatchSink):
    """Maps each record when it arrives and writes a batch at each drain; when `process_batch`
    returns, every record of the batch is settled, so the STATE that follows is safe to emit."""

    MAX_SIZE_DEFAULT = 10_000

    def __init__(self, target: TargetIntercom, stream_name: str, schema: dict,
                 key_properties: list[str] | None) -> None:
        self.target = target
        super().__init__(target, stream_name, schema, key_properties)

    @property
    @override
    def include_sdc_metadata_properties(self) -> bool:
        """Always on, so that `_sdc_deleted_at` reaches the sink; no metadata is sent anywhere."""
        return True

    @override
    def _validate_and_parse(self, record: dict) -> dict:
        """A record that does not match its SCHEMA is one row's problem, reported as invalid.

        Replaces the SDK's private hook, which logs a traceback and stops the run instead."""
        self.row_problem: tuple[str, str] | None = None
        try:
            if self._validator is not None:
                self._validator.validate(record)
            self._parse_timestamps_in_record(record=record, schema=self.schema,
                                             treatment=self.datetime_error_treatment)
            return record
        except (InvalidRecord, ValueError) as exc:
            detail = exc.error_message if isinstance(exc, InvalidRecord) else str(exc)
            self.row_problem = ("schema_mismatch", f"does not match the SCHEMA of stream "
                                                   f"{self.stream_name!r}: {detail}")
            return record

    @override
    def _singer_validate_message(self, record: dict) -> None:
        """A record without its key properties is one row's problem, reported as invalid.

        Overrides the SDK's private hook, which stops the run instead."""
        missing = [k for k in self.key_properties or () if record.get(k) in (None, "")]
        if missing and self.row_problem is None:
            self.row_problem = ("parameter_not_found",
                                f"missing key propert{'ies' if len(missing) > 1 else 'y'} "
                                f"{', '.join(missing)}")

    @override
    def setup(self) -> None:
        settings = self.target.settings
        stream = settings.stream(self.stream_name)
        self.outcomes = self.target.outcomes.stream(self.stream_name, stream.object)
        self.calls_before = self.outcomes.api_calls  # of earlier sinks of this stream
        self.mapper = RecordMapper(stream, settings.generation, settings.send_nulls, self.logger,
                                   settings.merge_leads, settings.merge_leads_column)
        self.http = IntercomHttp(self.config, user_agent=self.target.user_agent)
        self.writer: Writer = make_writer(settings, stream, self.http, self.outcomes,
                                          self.target.job_slots, self.logger,
                                          self.target.directory, self.target.attributes,
                                          self.attribute_types)

    def attribute_types(self) -> dict[str, str]:
        """The Intercom data type of each custom attribute, from its column's SCHEMA."""
        properties = self.schema.get("properties") or {}
        return {name: data_type(properties.get(column) or {})
                for name, column in self.mapper.sources.items()}

    @override
    def process_record(self, record: dict, context: dict) -> None:
        row = self.outcomes.next_row()
        problem: tuple[str, str] | None = getattr(self, "row_problem", None)
        if problem is not None:
            self.outcomes.reject(self.mapper.invalid(row, record, *problem))
            return
        item = self.mapper.item(row, record)
        if item.problem is not None:
            self.outcomes.reject(item)
            return
        context.setdefault("items", []).append(item)

    @override
    def process_batch(self, context: dict[str, Any]) -> None:
        items = context.get("items") or []
        if items:
            self.logger.info("%s: writing %d records to %s", self.stream_name, len(items),
                             self.outcomes.object)
            try:
                self.writer.write(items)
            finally:
                self._count_calls()
        unsettled = [i.row for i in items if i.status is None]
        if unsettled:
            raise RuntimeError(f"{self.stream_name}: rows {unsettled[:5]} were not settled")

    @override
    def clean_up(self) -> None:
        self.writer.close()
        self._count_calls()
        self.http.close()
        super().clean_up()

    def _count_calls(self) -> None:
        self.outcomes.api_calls = self.calls_before + self.http.calls
