"""The one exception the model raises for anything Intercom answers with an error."""

from __future__ import annotations


class ApiError(Exception):
    """An Intercom error: HTTP status, error code, message and optional field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def not_found(message: str = "Resource Not Found", code: str = "not_found") -> ApiError:
    return ApiError(404, code, message)


def invalid(message: str, code: str = "parameter_invalid", field: str | None = None) -> ApiError:
    return ApiError(400, code, message, field)
