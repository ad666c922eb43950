"""Connection settings: base URL by region, API version and its generation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from singer_sdk import typing as th

REGIONS = {"us": "https://api.intercom.io", "eu": "https://api.eu.intercom.io",
           "au": "https://api.au.intercom.io"}
DEFAULT_VERSION = "2.11"
VERSION_RE = re.compile(r"^(1)\.[0-4]$|^(2)\.([0-9]|1[0-6])$")


def connection_properties(version_note: str, workers_note: str) -> list[th.Property]:
    """The settings the tap and the target share, so one Meltano config block serves both."""
    return [
        th.Property("access_token", th.StringType, required=True, secret=True,
                    description="Intercom access token (Developer Hub or OAuth)"),
        th.Property("api_url", th.StringType,
                    description="API root, e.g. a sandbox's URL; overrides region"),
        th.Property("region", th.StringType, default="us", allowed_values=list(REGIONS),
                    description="Intercom region when api_url is not set"),
        th.Property("api_version", th.StringType, default=DEFAULT_VERSION,
                    description=f"Intercom-Version: {version_note}"),
        th.Property("request_timeout", th.IntegerType, default=300,
                    description="Seconds before a request is abandoned and retried"),
        th.Property("max_workers", th.IntegerType, default=8, description=workers_note),
        th.Property("user_agent", th.StringType, description="User-Agent header"),
    ]


class SettingsError(ValueError):
    """A setting that cannot work; its message is the one line shown to the user."""


def api_generation(version: str) -> int:
    """1 for versions 1.0-1.4, 2 for 2.0-2.16; anything else is a settings error."""
    match = VERSION_RE.match(str(version).strip())
    if not match:
        raise SettingsError(f"api_version {version!r} is not an Intercom API version "
                            "(1.0-1.4 or 2.0-2.16)")
    return 1 if match.group(1) else 2


def base_url(config: Mapping[str, Any]) -> str:
    """The API root from `api_url`, else from `region` (us, eu, au)."""
    if config.get("api_url"):
        url = str(config["api_url"]).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"api_url {url!r} must start with http:// or https://")
        return url
    region = str(config.get("region") or "us").lower()
    if region not in REGIONS:
        raise SettingsError(f"region {region!r} is not one of {', '.join(REGIONS)}")
    return REGIONS[region]


def check(config: Mapping[str, Any]) -> None:
    """Raise SettingsError for the first connection setting that cannot work."""
    token = config.get("access_token")
    if not token or not isinstance(token, str) or not token.strip():
        raise SettingsError("access_token is required (an Intercom access token)")
    base_url(config)
    api_generation(config.get("api_version") or DEFAULT_VERSION)
    for name, low in (("request_timeout", 1), ("max_workers", 1)):
        value = config.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or value < low):
            raise SettingsError(f"{name} must be a number of at least {low}, not {value!r}")
