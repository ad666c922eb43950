"""The base stream: Intercom's URL, headers, auth, pacing and retries, and record conversion.

Records do not come from the SDK's paginators (`get_records` → `request_records` →
`parse_response`): each stream's `get_records` asks its API generation (generations.py), which
walks pages with readers.py through `fetch()`, one request through the SDK's retry decorator.
The SDK's paginators cannot restart a scroll after a failed page while skipping what was sent,
split a search into day windows read concurrently, or fall back to a scroll when a 1.x page
list reaches its 10,000-record cap.
"""

from __future__ import annotations

import threading
import typing as t
from functools import cached_property

import requests
from singer_sdk import RESTStream
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.catalog import SelectionMask
from typing_extensions import override

from intercom_client.errors import check_response, parse_json
from intercom_client.http import MAX_TRIES, PacedSession, retry_waits
from intercom_client.pacing import pacer_for
from intercom_client.settings import base_url
from tap_intercom.convert import RecordConverter

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_intercom.generations import Generation
    from tap_intercom.tap import TapIntercom


class RememberingMask(SelectionMask):
    """The SDK's selection mask, remembering what it worked out for nested properties."""

    @override
    def __missing__(self, breadcrumb: tuple[str, ...]) -> bool:
        selected = self[breadcrumb[:-2]] if len(breadcrumb) >= 2 else True
        self[breadcrumb] = selected
        return selected


class IntercomStream(RESTStream):
    """Shared behaviour of every Intercom stream."""

    # Records are JSON from Intercom and the converter types them by schema: skip the SDK's pass.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    backoff_max_tries_setting = MAX_TRIES
    _sessions = threading.local()

    @property
    @override
    def path(self) -> str:  # type: ignore[override]  # a plain attribute in the SDK
        """The endpoint named in request metrics."""
        return f"/{self.name}"

    @property
    @override
    def url_base(self) -> str:
        return base_url(self.config)

    @property
    def generation(self) -> Generation:
        """The API generation (1.x or 2.x) this run speaks, as the tap settled it."""
        return t.cast("TapIntercom", self._tap).generation

    @property
    @override
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["access_token"])

    @property
    @override
    def http_headers(self) -> dict:
        return {"Accept": "application/json", "User-Agent": self.user_agent,
                "Intercom-Version": self.config["api_version"]}

    @property
    @override
    def user_agent(self) -> str:
        return self.config.get("user_agent") or "tap-intercom (singer-sdk)"

    @property
    @override
    def requests_session(self) -> requests.Session:
        """One paced session per thread: worker threads share the process-wide pacer."""
        session = getattr(self._sessions, "session", None)
        if session is None:
            session = self._sessions.session = PacedSession(pacer_for(self.config))
        return session

    @property
    @override
    def timeout(self) -> int:
        return self.config["request_timeout"]

    @override
    def backoff_max_tries(self) -> int:
        return self.backoff_max_tries_setting

    @override
    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        """The shared jittered exponential waits; a 429 also waits for the reset in the pacer."""
        return retry_waits()

    @override
    def validate_response(self, response: requests.Response) -> None:
        """Intercom's answers judged once, as errors the SDK retries or fails on."""
        check_response(response)

    # -- requests outside the paginator ----------------------------------------------------------

    def fetch(self, method: str, path: str, params: dict | None = None,
              body: dict | None = None, retry: bool = True) -> dict:
        """One request, retried by the SDK's decorator unless `retry` is off; the parsed body."""
        url = path if path.startswith("http") else self.url_base + path
        prepared = self.build_prepared_request(method=method, url=url, params=params or {},
                                               headers=self.http_headers, json=body)
        send = self._retrying_request if retry else self._request
        return parse_json(send(prepared, None))  # type: ignore[return-value]

    @cached_property
    def _retrying_request(self) -> t.Callable[..., requests.Response]:
        """`_request` wrapped once in the SDK's retry decorator."""
        return self.request_decorator(self._request)

    # -- records ---------------------------------------------------------------------------------

    @property
    @override
    def mask(self) -> SelectionMask:
        """Property selection; nested look-ups are remembered (records repeat the same keys)."""
        if self._mask is None:
            self._mask = RememberingMask(self.metadata.resolve_selection())
        return self._mask

    @cached_property
    def converter(self) -> RecordConverter:
        return RecordConverter(self.schema)

    @cached_property
    def _every_property_selected(self) -> bool:
        return all(self.mask.values())

    @override
    def _generate_record_messages(self, record: dict) -> t.Generator[RecordMessage, None, None]:
        """The SDK's record messages, minus its walk for deselected properties when there are none.

        That walk is about a quarter of the tap's CPU per record; with nothing deselected it
        removes nothing, and the conformance level is NONE, so the record goes straight to the
        stream maps as the SDK would send it.
        """
        if not self._every_property_selected:
            yield from super()._generate_record_messages(record)
            return
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(stream=stream_map.stream_alias, record=mapped,
                                    version=self._stream_version, time_extracted=utc_now())

    @override
    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Epoch seconds become RFC 3339 strings; custom attributes take their declared types."""
        return self.converter.convert(row)
