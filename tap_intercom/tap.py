"""tap-intercom: the Singer tap (streams arrive with the tap issue)."""

from __future__ import annotations

from singer_sdk import Tap
from singer_sdk import typing as th


class TapIntercom(Tap):
    """Intercom tap; streams are not implemented yet."""

    name = "tap-intercom"
    config_jsonschema = th.PropertiesList(
        th.Property("access_token", th.StringType, required=True, secret=True,
                    description="Intercom access token"),
        th.Property("api_url", th.StringType, description="Base URL of the Intercom API"),
        th.Property("api_version", th.StringType, default="2.11",
                    description="Intercom-Version header"),
    ).to_dict()

    def discover_streams(self) -> list:
        return []


if __name__ == "__main__":
    TapIntercom.cli()
