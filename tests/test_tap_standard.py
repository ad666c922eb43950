"""singer-sdk's standard tap tests, on both API generations (and 2.16), against a live sandbox."""

from __future__ import annotations

import atexit

from singer_sdk.testing import get_tap_test_class

from tap_intercom.tap import TapIntercom
from tests.conftest import SandboxClient, start_sandbox
from tests.tap_support import tap_config

# The SDK's tests stop some syncs early, leaving a scroll open; let it expire quickly.
SANDBOX = start_sandbox(scroll_timeout_s=1)
atexit.register(SANDBOX.stop)
# One conversation deleted, so that 2.16's deleted_conversations has a record to return.
_V216 = SandboxClient(SANDBOX, "2.16")
_V216.delete(f"/conversations/{SANDBOX.state.workspace.conversations.ordered()[-1]['id']}"
             ).raise_for_status()

TestTapIntercomV2 = get_tap_test_class(TapIntercom, config=tap_config(SANDBOX, "2.11"))
# 2.16 adds ticket states, office hours schedules and conversation statistics.
TestTapIntercomV216 = get_tap_test_class(TapIntercom, config=tap_config(SANDBOX, "2.16"))
TestTapIntercomV1 = get_tap_test_class(TapIntercom, config=tap_config(SANDBOX, "1.4"))
