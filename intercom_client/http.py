"""HTTP to Intercom: auth and version headers, pacing on every send, retries with backoff."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Mapping
from typing import Any

import backoff
import requests
from typing_extensions import override

from intercom_client.errors import RetriableError, check_response, parse_json
from intercom_client.pacing import RateLimitPacer, pacer_for, shared_pacer
from intercom_client.settings import base_url

TRANSIENT = (RetriableError, requests.exceptions.ConnectionError, requests.exceptions.Timeout,
             requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
             ConnectionResetError)
MAX_TRIES = 8  # tries of one request, for the tap's streams and IntercomHttp alike
MAX_WAIT_S = 30.0  # the longest pause between two tries


def retry_waits() -> Generator[float, None, None]:
    """Exponential pauses (1, 2, 4 ... capped at MAX_WAIT_S) before jitter, for backoff."""
    return backoff.expo(factor=1, max_value=MAX_WAIT_S)


def wait_before_retry(attempt: int) -> None:
    """Sleep before try `attempt + 1`, as the shared backoff policy does (full jitter)."""
    time.sleep(backoff.full_jitter(min(MAX_WAIT_S, 2.0 ** attempt)))


def intercom_headers(config: Mapping[str, Any], user_agent: str) -> dict[str, str]:
    """The headers every Intercom request carries, authorisation included."""
    return {
        "Authorization": f"Bearer {config['access_token']}",
        "Accept": "application/json",
        "Intercom-Version": config["api_version"],
        "User-Agent": config.get("user_agent") or user_agent,
    }


class PacedSession(requests.Session):
    """A requests session whose every send waits for rate-limit budget and reports the answer."""

    def __init__(self, pacer: RateLimitPacer | None = None) -> None:
        super().__init__()
        self.pacer = pacer or shared_pacer()
        self.calls = 0

    @override
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.pacer.before_request()
        self.calls += 1
        try:
            response = super().send(request, **kwargs)
        except BaseException:
            self.pacer.no_answer()
            raise
        self.pacer.after_response(response.status_code, response.headers)
        return response


class IntercomHttp:
    """Requests with retries for code outside singer-sdk streams (the target, discovery)."""

    def __init__(self, config: Mapping[str, Any], user_agent: str,
                 max_tries: int = MAX_TRIES, pacer: RateLimitPacer | None = None) -> None:
        self.base = base_url(config)
        self.headers = intercom_headers(config, user_agent)
        self.timeout = float(config["request_timeout"])
        self.max_tries = max_tries
        self.pacer = pacer or pacer_for(config)
        self._local = threading.local()
        self._sessions: list[PacedSession] = []
        self._lock = threading.Lock()

    @property
    def session(self) -> PacedSession:
        """One session per thread, all sharing the pacer."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = PacedSession(self.pacer)
            session.headers.update(self.headers)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    @property
    def calls(self) -> int:
        """API calls sent so far, retries included."""
        return sum(s.calls for s in self._sessions)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base + path

    def request(self, method: str, path: str, *, applied_status: int | None = None,
                retry: bool = True, **kwargs: Any) -> requests.Response:
        """Send a request; transient failures are retried with jittered exponential backoff.

        A success must carry a JSON body, or with `applied_status` be exactly that status (for
        writes Intercom answers without a body): any other answer does not prove the request was
        applied and is retried like a failure."""
        def send() -> requests.Response:
            response = self.session.request(method, self.url(path), timeout=self.timeout,
                                            **kwargs)
            check_response(response, expect_body=applied_status is None)
            if applied_status is not None and response.status_code != applied_status:
                raise RetriableError(f"{method} {path} answered {response.status_code}, not "
                                     f"{applied_status}: not proven applied", response)
            return response
        if not retry:
            return send()
        return backoff.on_exception(retry_waits, TRANSIENT, max_tries=self.max_tries,
                                    jitter=backoff.full_jitter, logger=None)(send)()

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return parse_json(self.request(method, path, **kwargs))

    def close(self) -> None:
        for session in self._sessions:
            session.close()
