"""target-intercom: writes warehouse rows back to Intercom and accounts for every record."""

from __future__ import annotations

import json
import uuid
from typing import Any

from singer_sdk import Sink, Target
from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json
from typing_extensions import override

from intercom_client.cli import OneLineFailures
from intercom_client.settings import base_url
from target_intercom.attributes import AttributeCatalog
from target_intercom.bulk import JobSlots
from target_intercom.errors import FailureRateExceeded
from target_intercom.links import Directory
from target_intercom.outcomes import OutcomeListener, Outcomes
from target_intercom.settings import CONFIG_SCHEMA, TargetSettings
from target_intercom.sinks import IntercomSink
from target_intercom.store import SyncStore


class QuietSingerReader(SingerReader):
    """Reads Singer messages; a line that is not JSON is one clear error, not a logged traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0

    @override
    def deserialize_json(self, line: str) -> dict:
        self.line_number += 1
        try:
            return deserialize_json(line)
        except json.JSONDecodeError:
            text = line.strip()
            raise InvalidInputLine(f"input line {self.line_number} is not a JSON Singer message: "
                                   f"{text[:60]!r}{'...' if len(text) > 60 else ''}") from None


class TargetIntercom(OneLineFailures, Target):
    """Singer target for Intercom: 1.x bulk jobs or 2.x upserts, every record accounted for."""

    name = "target-intercom"
    config_jsonschema = CONFIG_SCHEMA
    default_sink_class = IntercomSink
    message_reader_class = QuietSingerReader

    def __init__(self, *, config: dict | str | list | None = None, parse_env_config: bool = False,
                 validate_config: bool = True, setup_mapper: bool = True,
                 message_reader: Any = None, outcome_listener: OutcomeListener | None = None) -> None:
        super().__init__(config=config, parse_env_config=parse_env_config,
                         validate_config=validate_config, setup_mapper=setup_mapper,
                         message_reader=message_reader)
        self.settings = TargetSettings.from_config(self.config)
        self.max_parallelism = 1  # streams drain in the order they arrived: users before events
        self.run_id = str(uuid.uuid4())
        self.store = SyncStore(self.settings.sync_store_path, self.run_id,
                               record_rows=not self.settings.dry_run)
        self.outcomes = Outcomes(self.settings.errors_path, outcome_listener, self.settings.dry_run,
                                 self.store)
        self.job_slots = JobSlots()
        self.directory = Directory()
        self.attributes = AttributeCatalog()
        self.user_agent = self.config.get("user_agent") or f"{self.name}/{self.plugin_version}"
        path = "bulk jobs" if self.settings.generation == 1 else "upserts"
        self.logger.info("writing to Intercom API %s (%s) at %s%s; run %s, sync store %s%s",
                         self.settings.api_version, path, base_url(self.config),
                         ", dry run: nothing is sent" if self.settings.dry_run else "", self.run_id,
                         self.settings.sync_store_path,
                         " (full resync: every row is sent)" if self.settings.full_resync else "")

    @override
    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """The sink class, once the stream is known to map to an object: a stream that maps to
        nothing stops the run here, before the SDK sets up (and logs about) a sink."""
        self.settings.stream(stream_name)
        return super().get_sink_class(stream_name)

    @override
    def process_endofpipe(self) -> None:
        """Drain every sink, log the summary, and fail the run past `max_failure_rate`."""
        try:
            self._mirror()
            super().process_endofpipe()
        finally:
            self.outcomes.log_summary(self.logger)
            self.outcomes.close()
        limit = self.settings.max_failure_rate
        share = self.outcomes.failure_share()
        if limit is not None and share > limit:
            raise FailureRateExceeded(
                f"{share:.1%} of records failed or were invalid ({self.outcomes.not_written} of "
                f"{self.outcomes.received}), more than max_failure_rate {limit:.1%}; see "
                f"{self.outcomes.errors.path}")

    def _mirror(self) -> None:
        """Before the last drain: the removals of every stream in mirror mode, once its own
        records are written."""
        mirrored = [sink for sink in self._sinks_active.values()
                    if isinstance(sink, IntercomSink) and sink.stream.sync_mode == "mirror"]
        if mirrored and not self.settings.dry_run:
            self.drain_all()
            for sink in mirrored:
                sink.mirror()


if __name__ == "__main__":
    TargetIntercom.cli()
