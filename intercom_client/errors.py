"""How an Intercom response is judged: fine, worth retrying, or fatal with a clear message.

The one error family of the tap and the target, classified once in `check_response`. Its classes
are also singer-sdk's `RetriableAPIError` and `FatalAPIError`, so the SDK's retry decorator and
the tap's streams treat them as the SDK's own.
"""

from __future__ import annotations

from urllib.parse import urlparse

import orjson
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504}
PERMISSIONS = (
    ("/conversations", "Read conversations"),
    ("/contacts", "Read and list users and companies"),
    ("/users", "Read and list users and companies"),
    ("/companies", "Read and list users and companies"),
    ("/admins", "Read admins"),
    ("/me", "Read admins"),
    ("/teams", "Read admins"),
    ("/tags", "Read tags"),
    ("/segments", "Read and list users and companies"),
    ("/counts", "Read counts"),
    ("/data_attributes", "Read data attributes"),
    ("/events", "Write events"),
    ("/bulk", "Write users and companies"),
    ("/jobs", "Write users and companies"),
)


class IntercomError(Exception):
    """An answer from Intercom that the caller did not want."""

    def __init__(self, message: str, response: requests.Response | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.response = response
        self.code = code

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None


class RetriableError(IntercomError, RetriableAPIError):
    """A transient failure: server errors, rate limits, broken or empty bodies."""


class FatalError(IntercomError, FatalAPIError):
    """A failure that retrying cannot fix: bad token, missing permission, bad request."""


class NotFoundError(FatalError):
    """The object does not exist (404)."""


def error_detail(response: requests.Response) -> tuple[str | None, str]:
    """Intercom's first error code and message from an error.list body, when there is one."""
    try:
        body = orjson.loads(response.content)
        first = body["errors"][0]
        return first.get("code"), first.get("message") or ""
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
        return None, response.reason or ""


def permission_for(path: str) -> str:
    for prefix, permission in PERMISSIONS:
        if path.startswith(prefix):
            return permission
    return "the permission this endpoint needs"


def parse_json(response: requests.Response) -> object:
    """The JSON body of a successful response; a broken, empty or non-JSON body is retriable."""
    cached = getattr(response, "_intercom_json", None)
    if cached is not None:
        return cached
    if not response.content.strip():
        raise RetriableError(f"Intercom sent an empty {response.status_code} body for "
                             f"{response.request.path_url if response.request else ''}", response)
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise RetriableError(f"Intercom sent a body that is not JSON ({response.status_code}, "
                             f"{response.headers.get('content-type', 'no content type')})",
                             response) from None
    response._intercom_json = body  # type: ignore[attr-defined]
    return body


def check_response(response: requests.Response, expect_body: bool = True) -> None:
    """Raise the right IntercomError for a response that is not a usable success."""
    status = response.status_code
    path = urlparse(response.url).path if response.url else ""
    if status < 300:
        if expect_body and status != 202:
            parse_json(response)
        return
    code, message = error_detail(response)
    where = f"{response.request.method if response.request else 'GET'} {path}"
    if status == 401:
        raise FatalError(f"Intercom rejected the access token (401 {code or 'unauthorized'}) "
                         f"on {where}: check access_token", response, code)
    if status == 403:
        raise FatalError(f"Intercom refused {where} (403 {code or 'forbidden'}: {message}): the "
                         f"access token needs the '{permission_for(path)}' permission",
                         response, code)
    if status == 404:
        raise NotFoundError(f"{where} not found (404 {code or 'not_found'}: {message})",
                            response, code)
    if status in RETRY_STATUSES and not (status == 409 and code == "conflict"):
        raise RetriableError(f"{where} answered {status} {code or ''} {message}".rstrip(),
                             response, code)
    if status >= 500:
        raise RetriableError(f"{where} answered {status}", response, code)
    raise FatalError(f"{where} answered {status} {code or ''}: {message}", response, code)
