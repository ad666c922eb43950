"""The one interface both API generations write through, and the choice of implementation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from intercom_client.http import IntercomHttp
from intercom_client.settings import version_order
from target_intercom.attributes import AttributeCatalog, AttributeCheck
from target_intercom.bulk import BulkWriter, JobSlots
from target_intercom.links import Directory, LinkedWriter
from target_intercom.mapping import RULES, Item
from target_intercom.outcomes import StreamOutcomes
from target_intercom.preview_bulk import PreviewBulkWriter
from target_intercom.settings import StreamSettings, TargetSettings
from target_intercom.upsert import UpsertWriter

BULK_WRITERS: dict[int, type[BulkWriter]] = {1: BulkWriter, 2: PreviewBulkWriter}


class Writer(Protocol):
    """Sends items to Intercom and settles every one (accepted or failed) before returning."""

    def write(self, items: list[Item]) -> None: ...

    def close(self) -> None: ...


class DryRunWriter:
    """Writes nothing: every valid item is reported as one that would be sent (custom attributes
    are still checked against Intercom's, which takes a read)."""

    def __init__(self, outcomes: StreamOutcomes, attributes: AttributeCheck | None,
                 logger: logging.Logger) -> None:
        self.outcomes = outcomes
        self.attributes = attributes
        self.logger = logger

    def write(self, items: list[Item]) -> None:
        if self.attributes is not None:
            items = self.attributes.screen(items, self.outcomes)
        merges = sum(1 for item in items if "merge_email" in item.links)
        if merges:
            self.logger.info("dry run: %d users would have the leads with their email merged "
                             "into them (merge_leads)", merges)
        for item in items:
            self.outcomes.skip_dry_run(item)

    def close(self) -> None:
        pass


def make_writer(settings: TargetSettings, stream: StreamSettings, http: IntercomHttp,
                outcomes: StreamOutcomes, slots: JobSlots, logger: logging.Logger,
                directory: Directory, catalog: AttributeCatalog,
                attribute_types: Callable[[], dict[str, str]]) -> Writer:
    """The writer for a stream, chosen once: dry run, bulk jobs (1.x, Preview), or per-record
    upserts; people and companies through a LinkedWriter that also writes their links."""
    attributes = None
    if stream.object != "events" and RULES[settings.generation].attributes_defined_first:
        model = "company" if stream.object == "companies" else "contact"
        attributes = AttributeCheck(http, catalog, model, settings.create_attributes,
                                    attribute_types, settings.dry_run, logger)
    if settings.dry_run:
        return DryRunWriter(outcomes, attributes, logger)

    def record_writer(held: StreamOutcomes) -> Writer:
        rules = RULES[settings.generation]
        if stream.object in rules.bulk_objects \
                and version_order(settings.api_version) >= version_order(rules.bulk_since):
            return BULK_WRITERS[settings.generation](
                http, stream.object, slots.slot(stream.object), settings, held, logger)
        return UpsertWriter(http, stream.object, settings, held, logger)

    if stream.object == "events":
        return record_writer(outcomes)
    return LinkedWriter(record_writer, http, stream.object, settings, outcomes, logger,
                        directory, attributes)
