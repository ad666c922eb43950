"""JSON responses and Intercom's error envelope."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from intercom_sandbox.model.errors import ApiError, invalid
from intercom_sandbox.model.query import as_timestamp

JSON = "application/json"


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON, headers=headers)


def error_body(status: int, code: str, message: str, field: str | None = None) -> bytes:
    item = {"code": code, "message": message}
    if field:
        item["field"] = field
    return orjson.dumps({"type": "error.list", "request_id": str(uuid.uuid4()),
                         "errors": [item]})


def error_response(exc: ApiError, headers: dict | None = None) -> Response:
    return Response(error_body(exc.status, exc.code, exc.message, exc.field),
                    status_code=exc.status, media_type=JSON, headers=headers)


def list_body(head: dict, key: str, items: Iterable[bytes], tail: dict | None = None) -> bytes:
    """A list envelope around already-encoded items: `head` fields, the items, `tail` fields."""
    parts = [orjson.dumps(head)[:-1], b',"' if head else b'"', key.encode(), b'":[',
             b",".join(items), b"]"]
    if tail:
        parts += [b",", orjson.dumps(tail)[1:-1]]
    parts.append(b"}")
    return b"".join(parts)


def raw_json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=JSON)


async def json_body(request: Request) -> Any:
    """The request body as JSON; an empty body is an empty object."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise invalid("Request body is not valid JSON") from None


def int_param(request: Request, name: str, default: int, low: int = 1,
              high: int | None = None) -> int:
    """An integer query parameter, clamped to [low, high]."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"{name} must be an integer", field=name) from None
    value = max(low, value)
    return min(high, value) if high is not None else value


def flag_param(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("true", "1", "yes")


def timestamp_param(params: Mapping[str, str], name: str) -> int:
    """A Unix timestamp query parameter; numeric strings with a fraction are accepted."""
    value = as_timestamp(params.get(name))
    if value is None:
        raise invalid(f"{name} must be a Unix timestamp", field=name)
    return value
