"""Which Intercom-Version a request resolved to, and what it is new enough for."""

from __future__ import annotations

from starlette.requests import Request

from intercom_sandbox.model.errors import not_found

PREVIEW = "Preview"


def version_order(version: str) -> tuple[int, int]:
    """A sort key of a valid version: numbered ones by number, Preview after every one."""
    if version == PREVIEW:
        return (99, 0)
    major, minor = version.split(".")
    return (int(major), int(minor))


def require(request: Request, needed: str) -> None:
    """404, as for a path Intercom does not know, when the request's version is older."""
    if version_order(request.scope["intercom_version"]) < version_order(needed):
        raise not_found("Resource Not Found")


def described_2_11(request: Request) -> bool:
    """Whether the asked version is described by 2.11 (2.0-2.11) rather than a newer
    description (2.12-2.16, and Preview after them)."""
    return version_order(request.scope.get("intercom_version", "2.11")) < (2, 12)
