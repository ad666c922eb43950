"""The one interface both API generations write through, and the choice of implementation."""

from __future__ import annotations

import logging
from typing import Protocol

from intercom_client.http import IntercomHttp
from target_intercom.bulk import BULK_RESOURCES, BulkWriter, JobSlots
from target_intercom.mapping import Item
from target_intercom.outcomes import StreamOutcomes
from target_intercom.settings import StreamSettings, TargetSettings
from target_intercom.upsert import UpsertWriter


class Writer(Protocol):
    """Sends items to Intercom and settles every one (accepted or failed) before returning."""

    def write(self, items: list[Item]) -> None: ...

    def close(self) -> None: ...


class DryRunWriter:
    """Sends nothing: every valid item is reported as one that would be sent."""

    def __init__(self, outcomes: StreamOutcomes) -> None:
        self.outcomes = outcomes

    def write(self, items: list[Item]) -> None:
        for item in items:
            self.outcomes.skip_dry_run(item)

    def close(self) -> None:
        pass


def make_writer(settings: TargetSettings, stream: StreamSettings, http: IntercomHttp | None,
                outcomes: StreamOutcomes, slots: JobSlots, logger: logging.Logger) -> Writer:
    """The writer for a stream, chosen once: dry run, 1.x bulk jobs, or per-record upserts."""
    if settings.dry_run or http is None:
        return DryRunWriter(outcomes)
    if settings.generation == 1 and stream.object in BULK_RESOURCES:
        return BulkWriter(http, stream.object, slots.slot(stream.object), settings, outcomes, logger)
    return UpsertWriter(http, stream.object, settings, outcomes, logger)
