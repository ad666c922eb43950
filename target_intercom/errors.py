"""What stops a target-intercom run (each message is the one line the user sees), and how an
Intercom failure is judged: one record's fault, or the run's."""

from __future__ import annotations

from intercom_client.errors import FatalError, IntercomError, error_detail

RUN_FATAL_STATUSES = (401, 403)


class TargetError(Exception):
    """A problem that ends the run with a non-zero exit and a one-line message."""


class StreamNotMapped(TargetError):
    """An input stream that names no Intercom object and has no mapping in `streams`."""


class FailureRateExceeded(TargetError):
    """More records failed than `max_failure_rate` allows."""


class OutcomeUnknown(TargetError):
    """Intercom did not tell us in time what became of records already sent."""


def failure_of(exc: IntercomError) -> tuple[str, str]:
    """Intercom's error code and message for a refused request."""
    if exc.response is None:
        return exc.code or "error", str(exc)
    code, message = error_detail(exc.response)
    return code or exc.code or f"http_{exc.response.status_code}", message or str(exc)


def is_record_failure(exc: Exception) -> bool:
    """Whether Intercom refused this record itself (400, 404, 409, 422...), not the whole run."""
    return isinstance(exc, FatalError) and exc.status not in RUN_FATAL_STATUSES


def run_stopper(exc: Exception, what: str) -> TargetError:
    """The run-ending error for a failure that no single record is to blame for."""
    if isinstance(exc, FatalError):
        return TargetError(str(exc))
    return OutcomeUnknown(f"{what} kept failing ({exc}); the records of this batch are not "
                          "confirmed: run again (sending them again doubles nothing)")
