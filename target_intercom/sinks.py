"""The sink: one input stream written to one Intercom object, batch by batch."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks import BatchSink
from typing_extensions import override

from intercom_client.http import IntercomHttp
from intercom_client.settings import base_url
from target_intercom import presence
from target_intercom.attributes import data_type
from target_intercom.mapping import Invalid, Item, RecordMapper
from target_intercom.store import digest, row_key, workspace_fingerprint
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
        self.stream = stream = settings.stream(self.stream_name)
        self.destination = (f"{base_url(self.config)} API {settings.generation}.x {stream.object}"
                            f" workspace {workspace_fingerprint(self.config['access_token'])}")
        self.outcomes = self.target.outcomes.stream(self.stream_name, stream.object,
                                                    self.destination)
        self.calls_before = self.outcomes.api_calls  # of earlier sinks of this stream
        self.mapper = RecordMapper(stream, settings.generation, settings.send_nulls, self.logger,
                                   settings.merge_leads, settings.merge_leads_column)
        self.http = IntercomHttp(self.config, user_agent=self.target.user_agent)
        self.writer: Writer = make_writer(settings, stream, self.http, self.outcomes,
                                          self.target.job_slots, self.logger,
                                          self.target.directory, self.target.attributes,
                                          self.attribute_types)
        self.presence = presence.Presence(self.http, settings, stream.object)

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
            self.outcomes.note_seen(self._key_of(record))
            self.outcomes.reject(self.mapper.invalid(row, record, *problem))
            return
        item = self.mapper.item(row, record)
        if item.problem is not None:
            self.outcomes.note_seen(self._key_of(record))
            self.outcomes.reject(item)
            return
        item.key, item.digest = row_key(self.stream.object, item.payload), digest(item)
        self.outcomes.note_seen(item.key)
        context.setdefault("items", []).append(item)

    def _key_of(self, record: dict) -> str | None:
        """The key of an invalid record, when its identifiers can be read (mirror keeps it)."""
        try:
            return row_key(self.stream.object, self.mapper.place(record))
        except Invalid:
            return None

    @override
    def process_batch(self, context: dict[str, Any]) -> None:
        items = context.get("items") or []
        try:
            self._write(self._changed(items))
        finally:
            self._count_calls()
            self.target.store.commit()
        unsettled = [i.row for i in items if i.status is None]
        if unsettled:
            raise RuntimeError(f"{self.stream_name}: rows {unsettled[:5]} were not settled")

    def _changed(self, items: list[Item]) -> list[Item]:
        """The items to send: those whose payload differs from what Intercom last accepted (or
        that failed then); the others are settled as unchanged. A key met twice in one batch is
        always sent, so that its last row wins."""
        if self.target.settings.full_resync or not items:
            return items
        keys = Counter(i.key for i in items if i.key is not None)
        twice = {k for k, n in keys.items() if n > 1}
        known = self.target.store.known(self.stream_name, self.destination, keys)
        changed: list[Item] = []
        for item in items:
            last = known.get(item.key or "")
            if last is not None and item.key not in twice and last.state == "written" \
                    and last.digest == item.digest:
                self.outcomes.keep_unchanged(item)
            else:
                changed.append(item)
        return changed

    def _write(self, items: list[Item]) -> None:
        """Write the items that the stream's sync mode lets through (a dry run looks up which,
        too: lookups only read)."""
        if items:
            items = presence.screen(items, self.stream, self.presence, self.outcomes)
        if items:
            self.logger.info("%s: writing %d records to %s", self.stream_name, len(items),
                             self.outcomes.object)
            self.writer.write(items)

    def mirror(self) -> None:
        """mirror mode: archive (or delete) what earlier runs wrote and this run's input lacks."""
        if self.outcomes.received == 0 or None in self.outcomes.seen:
            self.logger.warning("%s: mirror removes nothing this run: %s", self.stream_name,
                                "no records arrived" if self.outcomes.received == 0 else
                                "some invalid records have no identifiers")
            return
        gone = {k: ids for k, ids in self.target.store.present(self.stream_name,
                                                               self.destination).items()
                if k not in self.outcomes.seen}
        if not gone:
            return
        self.logger.info("%s: mirror: %d objects written earlier are no longer in the input",
                         self.stream_name, len(gone))
        items: list[Item] = []
        for key, identifiers in sorted(gone.items()):
            item = self.mapper.removal(self.outcomes.next_row(), identifiers)
            if item.problem is not None:
                self.outcomes.reject(item)
                continue
            item.key, item.digest = key, digest(item)
            items.append(item)
        self.process_batch({"items": items})

    @override
    def clean_up(self) -> None:
        self.writer.close()
        self._count_calls()
        self.http.close()
        super().clean_up()

    def _count_calls(self) -> None:
        self.outcomes.api_calls = self.calls_before + self.http.calls
