"""target-intercom: the Singer target (sinks arrive with the target issue)."""

from __future__ import annotations

from singer_sdk import Target
from singer_sdk import typing as th


class TargetIntercom(Target):
    """Intercom target; sinks are not implemented yet."""

    name = "target-intercom"
    config_jsonschema = th.PropertiesList(
        th.Property("access_token", th.StringType, required=True, secret=True,
                    description="Intercom access token"),
        th.Property("api_url", th.StringType, description="Base URL of the Intercom API"),
        th.Property("api_version", th.StringType, default="2.11",
                    description="Intercom-Version header"),
    ).to_dict()


if __name__ == "__main__":
    TargetIntercom.cli()
