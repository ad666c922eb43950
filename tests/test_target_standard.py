"""singer-sdk's standard target tests, run against a live sandbox on the 2.x path.

Their streams have made-up names, so the config maps each to `users` and its id column to user_id;
records the target cannot write (nested objects, arrays) are reported in the errors file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from singer_sdk.testing import get_target_test_class

from target_intercom.target import TargetIntercom
from tests.conftest import start_sandbox

STREAMS = {
    "test_array_data": "id", "TestCamelcase": "Id", "ForecastingTypeToCategory": "Id",
    "test_duplicate_records": "id", "test_strings": "id", "test_invalid_schema": "id",
    "test_multiple_state_messages_a": "id", "test_multiple_state_messages_b": "id",
    "test_no_pk": "id", "test_optional_attributes": "id", "example_stream": "id",
    "test_record_before_schema": "id", "record_missing_fields": "id",
    "test_record_missing_key_property": "id", "test_record_missing_required_property": "id",
    "test_object_schema_with_properties": "id", "test_schema_updates": "id",
    "test:SpecialChars!in?attributes": "_id", "test_users": "id", "test_locations": "id",
    "test_object_schema_no_properties": "id", "test_strings_in_arrays": "id",
    "test_strings_in_objects": "id", "test_user_in_location": "id",
}
CONFIG: dict = {
    "access_token": "sandbox-token", "api_url": "http://127.0.0.1:9", "api_version": "2.11",
    "errors_path": str(Path(tempfile.mkdtemp(prefix="target-intercom-standard-")) / "errors.jsonl"),
    "streams": {name: {"object": "users", "columns": {column: "user_id"}}
                for name, column in STREAMS.items()},
}

StandardTargetTests = get_target_test_class(TargetIntercom, config=CONFIG)


@pytest.fixture(scope="module")
def standard_sandbox():
    sandbox = start_sandbox(job_task_delay_s=0.2)
    CONFIG["api_url"] = sandbox.url  # the runner reads this same dict when it runs the target
    yield sandbox
    sandbox.stop()


class TestTargetIntercomStandard(StandardTargetTests):
    """The SDK's standard target tests against the module's sandbox."""

    @pytest.fixture
    def resource(self, standard_sandbox):
        return standard_sandbox

    @pytest.mark.skip(reason="a record without its key is one row's problem here (outcome "
                      "invalid), not a failed run; test_target_cli.py tests that")
    def test_target_record_missing_key_property(self) -> None:
        """Replaces the SDK's test, which expects the run to stop."""
