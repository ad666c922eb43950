"""Bad settings, catalogs, states and input files, for both command lines: each is refused up front
with exit code 1 and one line naming what is wrong, no traceback, and nothing read, sent or
emitted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SandboxClient, start_sandbox
from tests.target_support import singer_text, state, users_messages

SECRET = "tok-Bad-Inputs-987"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \| ")
BIN = Path(sys.executable).parent
NOT_JSON = "{not json"
MISSING = object()  # a file option naming a file that does not exist

# (settings changed, fragment of the one error line)
TAP_SETTINGS = [
    ({"lookback_window_days": -1}, "lookback_window_days must be at least 0, not -1"),
    ({"page_size": -5}, "page_size must be at least 1, not -5"),
    ({"page_size": 151}, "page_size must be at most 150, not 151"),
    ({"page_size": "many"}, 'page_size must be an integer, not "many"'),
    ({"start_date": "yesterday"}, "start_date must be a date-time such as"),
    ({"start_date": "2024-02-30T00:00:00Z"}, "start_date must be a date-time"),
    ({"api_version": "3.0"}, "api_version is not valid (Intercom-Version: 1.0-1.4"),
    ({"api_version": "2.17"}, "api_version is not valid (Intercom-Version: 1.0-1.4"),
    ({"api_version": "preview"}, "api_version is not valid (Intercom-Version: 1.0-1.4"),
    ({"api_version": 2.11}, "api_version must be a string, not 2.11"),
    ({"api_url": "ftp://example"}, "api_url is not valid (API root starting with http"),
    ({"region": "mars"}, 'region must be one of us, eu, au, not "mars"'),
    ({"access_token": None}, "access_token is required"),
    ({"access_token": "   "}, "access_token must not be blank"),
    ({"request_timeout": 0}, "request_timeout must be at least 1, not 0"),
    ({"max_workers": 0}, "max_workers must be at least 1, not 0"),
    ({"rate_limit_share": 0}, "rate_limit_share must be more than 0, not 0"),
    ({"rate_limit_share": 1.5}, "rate_limit_share must be at most 1, not 1.5"),
    ({"scroll_wait_seconds": -1}, "scroll_wait_seconds must be at least 0, not -1"),
    ({"companies_source": "pages"}, 'companies_source must be one of scroll, list, not "pages"'),
    ({"flattening_enabled": "yes"}, 'flattening_enabled must be true or false, not "yes"'),
    ({"page_size": 0, "lookback_window_days": -2},
     "invalid settings: lookback_window_days must be at least 0, not -2; page_size must be"),
]

USERS = {"tap_stream_id": "users", "schema": {"type": "object"}, "metadata": []}
# (option, file content or MISSING, fragment); the file is named FILE in the fragment
TAP_FILES = [
    ("--catalog", [], "--catalog FILE: must be an object, not []"),
    ("--catalog", {"streams": "users"}, '--catalog FILE: streams must be an array, not "users"'),
    ("--catalog", {}, "--catalog FILE: streams is required"),
    ("--catalog", NOT_JSON, "--catalog FILE is not JSON: Expecting property name"),
    ("--catalog", MISSING, "cannot read --catalog FILE: No such file or directory"),
    ("--catalog", {"streams": [{**USERS, "tap_stream_id": "news_items"}]},
     "--catalog FILE: streams[0].tap_stream_id must be one of activity_logs, admins"),
    ("--catalog", {"streams": [{**USERS, "metadata": [{"breadcrumb": "users", "metadata": {}}]}]},
     '--catalog FILE: streams[0].metadata[0].breadcrumb must be an array, not "users"'),
    ("--catalog", {"streams": [{"tap_stream_id": "users"}]},
     "--catalog FILE: streams[0].schema is required"),
    ("--state", [], "--state FILE: must be an object, not []"),
    ("--state", {"bookmarks": []}, "--state FILE: bookmarks must be an object, not []"),
    ("--state", "hello", '--state FILE: must be an object, not "hello"'),
    ("--state", NOT_JSON, "--state FILE is not JSON: Expecting property name"),
    ("--state", MISSING, "cannot read --state FILE: No such file or directory"),
    ("--state", {"bookmarks": {"users": "2024-01-01"}},
     '--state FILE: bookmarks.users must be an object, not "2024-01-01"'),
    ("--state", {"bookmarks": {"users": {"replication_key_value": "soon"}}},
     "--state FILE: bookmarks.users.replication_key_value must be a date-time"),
    ("--state", {"bookmarks": {"conversation_parts": {"partitions": {}}}},
     "--state FILE: bookmarks.conversation_parts.partitions must be an array"),
    ("--config", MISSING, "cannot read --config FILE: No such file or directory"),
    ("--config", NOT_JSON, "--config FILE is not JSON: Expecting property name"),
]

TARGET_SETTINGS = [
    ({"access_token": None}, "access_token is required"),
    ({"api_version": "3.0"}, "api_version is not valid (Intercom-Version: 1.0-1.4"),
    ({"region": "mars"}, 'region must be one of us, eu, au, not "mars"'),
    ({"batch_size": 500}, "batch_size must be at most 100, not 500"),
    ({"batch_size": 0}, "batch_size must be at least 1, not 0"),
    ({"max_failure_rate": 2}, "max_failure_rate must be at most 1, not 2"),
    ({"max_failure_rate": -0.1}, "max_failure_rate must be at least 0, not -0.1"),
    ({"job_timeout_s": -1}, "job_timeout_s must be at least 0, not -1"),
    ({"job_poll_interval_s": "fast"}, 'job_poll_interval_s must be a number, not "fast"'),
    ({"lost_submit_wait_s": -5}, "lost_submit_wait_s must be at least 0, not -5"),
    ({"delete_mode": "purge"}, 'delete_mode must be one of archive, delete, not "purge"'),
    ({"dry_run": "yes"}, 'dry_run must be true or false, not "yes"'),
    ({"request_timeout": -3}, "request_timeout must be at least 1, not -3"),
    ({"streams": {"users": {"object": "tickets"}}},
     'streams.users.object must be one of users, leads, companies, events, not "tickets"'),
    ({"streams": {"users": {"columns": {"customer_id": 5}}}},
     "streams.users.columns.customer_id must be a string, not 5"),
    ({"streams": {"users": {"custom_attributes": "some"}}},
     'streams.users.custom_attributes is not valid (Other columns sent as custom attributes '
     '(event metadata): "all" or a list), not "some"'),
    ({"streams": {"users": {"objekt": "users"}}}, "streams.users Additional properties"),
    ({"object_mapping": {"people": "persons"}},
     'object_mapping.people must be one of users, leads, companies, events, not "persons"'),
]

TARGET_INPUTS = [
    ("--input", MISSING, "cannot read --input FILE: No such file or directory"),
    ("--config", MISSING, "cannot read --config FILE: No such file or directory"),
    ("--config", [], "--config FILE: must be an object, not []"),
]


@pytest.fixture(scope="module")
def secret_sandbox():
    sb = start_sandbox(token=SECRET)
    yield sb
    sb.stop()


@pytest.fixture
def client(secret_sandbox) -> SandboxClient:
    c = SandboxClient(secret_sandbox)
    c.delete("/_sandbox/stats")
    return c


def run(program: str, config: object, tmp_path: Path, *args: str, stdin: str = "",
        ) -> subprocess.CompletedProcess:
    path = tmp_path / "config.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    return subprocess.run([str(BIN / program), "--config", str(path), *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def assert_refused(result: subprocess.CompletedProcess, client: SandboxClient, program: str,
                   fragment: str) -> None:
    """Exit 1, one line that is not a log line, naming the problem; nothing sent or emitted."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not LOG_LINE.match(line)]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{program}: "), lines
    assert fragment in lines[0], lines[0]
    assert "| ERROR" not in result.stderr, result.stderr  # no second line from the SDK
    assert result.stdout == ""
    assert SECRET not in result.stderr
    assert client.get("/_sandbox/stats").json()["total"] == 0


def tap_config(sandbox) -> dict:
    return {"access_token": sandbox.token, "api_url": sandbox.url, "request_timeout": 10}


def target_config(sandbox, tmp_path: Path) -> dict:
    return {"access_token": sandbox.token, "api_url": sandbox.url, "api_version": "1.4",
            "errors_path": str(tmp_path / "errors.jsonl")}


def changed(config: dict, change: dict) -> dict:
    return {k: v for k, v in {**config, **change}.items() if v is not None}


def file_arguments(option: str, content: object, tmp_path: Path) -> tuple[list[str], str]:
    """The arguments naming a file of this content (or a missing one), and the file's name."""
    path = tmp_path / f"given{option.replace('-', '_')}.json"
    if content is not MISSING:
        path.write_text(content if content == NOT_JSON else json.dumps(content))
    return [option, str(path)], str(path)


@pytest.mark.parametrize(("change", "fragment"), TAP_SETTINGS)
@pytest.mark.parametrize("mode", ["sync", "discover"])
def test_tap_bad_settings(secret_sandbox, client, tmp_path, change, fragment, mode):
    args = ["--discover"] if mode == "discover" else []
    result = run("tap-intercom", changed(tap_config(secret_sandbox), change), tmp_path, *args)
    assert_refused(result, client, "tap-intercom", fragment)


@pytest.mark.parametrize(("option", "content", "fragment"), TAP_FILES)
def test_tap_bad_files(secret_sandbox, client, tmp_path, option, content, fragment):
    args, name = file_arguments(option, content, tmp_path)
    if option == "--config":
        result = subprocess.run([str(BIN / "tap-intercom"), *args], capture_output=True,
                                text=True, timeout=120)
    else:
        result = run("tap-intercom", tap_config(secret_sandbox), tmp_path, *args)
    assert_refused(result, client, "tap-intercom", fragment.replace("FILE", name))


@pytest.mark.parametrize(("change", "fragment"), TARGET_SETTINGS)
def test_target_bad_settings(secret_sandbox, client, tmp_path, change, fragment):
    config = changed(target_config(secret_sandbox, tmp_path), change)
    result = run("target-intercom", config, tmp_path,
                 stdin=singer_text([*users_messages(2), state({"never": "emitted"})]))
    assert_refused(result, client, "target-intercom", fragment)
    assert not (tmp_path / "errors.jsonl").exists()


@pytest.mark.parametrize(("option", "content", "fragment"), TARGET_INPUTS)
def test_target_bad_files(secret_sandbox, client, tmp_path, option, content, fragment):
    args, name = file_arguments(option, content, tmp_path)
    if option == "--config":
        result = subprocess.run([str(BIN / "target-intercom"), *args], capture_output=True,
                                text=True, timeout=120, input=singer_text(users_messages(1)))
    else:
        result = run("target-intercom", target_config(secret_sandbox, tmp_path), tmp_path, *args)
    assert_refused(result, client, "target-intercom", fragment.replace("FILE", name))


def test_target_stream_mapped_to_nothing_is_one_line(secret_sandbox, client, tmp_path):
    text = singer_text([*users_messages(3), *users_messages(2, stream="tickets"),
                        state({"never": "emitted"})])
    result = run("target-intercom", target_config(secret_sandbox, tmp_path), tmp_path, stdin=text)
    assert_refused(result, client, "target-intercom", "stream 'tickets' names no Intercom object")


def test_empty_settings_count_as_unset(secret_sandbox, client, tmp_path):
    """Meltano passes an unset variable as an empty string: the setting's default applies."""
    config = {**tap_config(secret_sandbox), "region": "", "user_agent": "", "start_date": None}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"streams": []}))
    result = run("tap-intercom", config, tmp_path, "--catalog", str(path))
    assert result.returncode == 0, result.stderr
