"""Connection settings: their JSON schema, the base URL by region, the API generation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from singer_sdk import typing as th

from intercom_client.validation import NOT_BLANK

REGIONS = {"us": "https://api.intercom.io", "eu": "https://api.eu.intercom.io",
           "au": "https://api.au.intercom.io"}
DEFAULT_VERSION = "2.11"
PREVIEW = "Preview"  # Intercom's unnumbered newest version
VERSION_RE = re.compile(r"^(1)\.[0-4]$|^(2)\.([0-9]|1[0-6])$|^(Preview)$")
URL_PATTERN = r"^https?://[^\s/]+"


def connection_properties(version_note: str, workers_note: str) -> list[th.Property]:
    """The settings the tap and the target share, so one Meltano config block serves both."""
    return [
        th.Property("access_token", th.StringType(pattern=NOT_BLANK), required=True, secret=True,
                    description="Intercom access token (Developer Hub or OAuth)"),
        th.Property("api_url", th.StringType(pattern=URL_PATTERN),
                    description="API root starting with http:// or https://, e.g. a sandbox's URL; "
                                "overrides region"),
        th.Property("region", th.StringType, default="us", allowed_values=list(REGIONS),
                    description="Intercom region when api_url is not set"),
        th.Property("api_version", th.StringType(pattern=VERSION_RE.pattern), default=DEFAULT_VERSION,
                    description=f"Intercom-Version: {version_note}"),
        th.Property("request_timeout", th.IntegerType(minimum=1), default=300,
                    description="Seconds before a request is abandoned and retried"),
        th.Property("max_workers", th.IntegerType(minimum=1), default=8, description=workers_note),
        th.Property("rate_limit_share", th.NumberType(exclusive_minimum=0, maximum=1), default=1.0,
                    description="Share (above 0, at most 1) of the app's rate limit (X-RateLimit-Limit per "
                                "10 s window) this process may use; the rest is left to other "
                                "tools on the same app"),
        th.Property("user_agent", th.StringType, description="User-Agent header"),
    ]


def api_generation(version: str) -> int:
    """1 for versions 1.0-1.4, 2 for 2.0-2.16 and Preview (the `api_version` setting's pattern)."""
    match = VERSION_RE.match(version)
    if not match:
        raise ValueError(f"api_version {version!r} is not an Intercom API version")
    return 1 if match.group(1) else 2


def version_order(version: str) -> tuple[int, int]:
    """A sort key of an Intercom version: numbered ones by number, Preview after every one."""
    api_generation(version)  # refuses what is not a version
    if version == PREVIEW:
        return (99, 0)
    major, minor = version.split(".")
    return (int(major), int(minor))


def base_url(config: Mapping[str, Any]) -> str:
    """The API root from `api_url`, else from `region` (settings checked by their schema)."""
    if config.get("api_url"):
        return str(config["api_url"]).rstrip("/")
    return REGIONS[config["region"]]
