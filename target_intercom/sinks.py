"""The sink: one input stream written to one Intercom object, batch by batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import JSONSchemaValidator
from typing_extensions import override

from intercom_client.http import IntercomHttp
from target_intercom.errors import BadRecord
from target_intercom.mapping import RecordMapper
from target_intercom.writers import Writer, make_writer

if TYPE_CHECKING:
    from target_intercom.target import TargetIntercom


class SchemaCheck(JSONSchemaValidator):
    """Schema validation that stops the run with one clear line instead of a logged traceback."""

    def __init__(self, schema: dict, stream: str) -> None:
        super().__init__(schema)
        self.stream = stream

    @override
    def validate(self, record: dict) -> None:
        try:
            super().validate(record)
        except InvalidRecord as exc:
            raise BadRecord(f"a record of stream {self.stream!r} does not match its schema: "
                            f"{exc.error_message}") from None


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
    def get_validator(self) -> SchemaCheck | None:
        return SchemaCheck(self.schema, self.stream_name) if self.validate_schema else None

    @override
    def setup(self) -> None:
        settings = self.target.settings
        stream = settings.stream(self.stream_name)
        self.outcomes = self.target.outcomes.stream(self.stream_name, stream.object)
        self.calls_before = self.outcomes.api_calls  # of earlier sinks of this stream
        self.mapper = RecordMapper(stream, settings.generation, settings.send_nulls, self.logger)
        self.http = None if settings.dry_run else IntercomHttp(
            self.config, user_agent=self.target.user_agent)
        self.writer: Writer = make_writer(settings, stream, self.http, self.outcomes,
                                          self.target.job_slots, self.logger)

    @override
    def process_record(self, record: dict, context: dict) -> None:
        item = self.mapper.item(self.outcomes.next_row(), record)
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
        if self.http is not None:
            self.http.close()
        super().clean_up()

    def _count_calls(self) -> None:
        if self.http is not None:
            self.outcomes.api_calls = self.calls_before + self.http.calls
