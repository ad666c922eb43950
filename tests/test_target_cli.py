"""`target-intercom` on the command line: one clear error line, exit codes, no secrets, dry runs."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SandboxClient, start_sandbox
from tests.target_support import (
    read_errors,
    record,
    run_cli,
    schema,
    singer_text,
    state,
    target_config,
    user,
    users_messages,
)

SECRET = "tok-Very-Secret-123"


@pytest.fixture(scope="module")
def secret_sandbox():
    sb = start_sandbox(job_task_delay_s=0.2, token=SECRET)
    yield sb
    sb.stop()


@pytest.fixture
def client(secret_sandbox) -> SandboxClient:
    c = SandboxClient(secret_sandbox, "1.4")
    c.fresh_workspace()
    return c


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("target-intercom: ")]


def assert_one_clear_error(result, *fragments: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [line] = error_lines(result.stderr)
    for fragment in fragments:
        assert fragment in line, line
    assert SECRET not in result.stderr + result.stdout


def test_a_run_writes_emits_state_and_logs_a_summary(secret_sandbox, client, tmp_path):
    text = singer_text([*users_messages(30, "cli"), state({"bookmark": 30}),
                        record("users", {"name": "no identifier"})])
    result = run_cli(target_config(secret_sandbox, "1.4", tmp_path), text, tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"bookmark": 30}]
    assert "summary: users -> users: 31 records: 30 sent, 30 accepted, 0 failed, 1 invalid" \
        in result.stderr
    assert "written to" in result.stderr
    assert SECRET not in result.stderr + result.stdout + (tmp_path / "errors.jsonl").read_text()


@pytest.mark.parametrize(("text", "fragment"), [
    (singer_text(users_messages(1)) + "{not json\n", "input line 3 is not a JSON Singer message"),
    (singer_text([record("users", user(1))]), "before a corresponding schema"),
    (singer_text([schema("tickets"), record("tickets", {"id": 1})]), "stream 'tickets' names no"),
    ('{"type": "RECORD"}\n', "missing required"),
])
def test_bad_input_is_one_error_line_and_confirms_nothing(secret_sandbox, client, tmp_path, text,
                                                          fragment):
    result = run_cli(target_config(secret_sandbox, "1.4", tmp_path), text + singer_text(
        [state({"never": "emitted"})]), tmp_path)
    assert_one_clear_error(result, fragment)
    assert result.stdout == ""


def test_row_problems_are_row_outcomes_and_the_run_goes_on(secret_sandbox, client, tmp_path):
    """Rows without their key or not matching the SCHEMA are invalid rows, not a broken input."""
    rows = [user(i, "rp") for i in range(180)]
    rows += [user(i, "rpbad", email=f"not-an-email-{i}") for i in range(10)]
    rows += [{k: v for k, v in user(i, "rpnokey").items() if k != "user_id"} for i in range(5)]
    rows.append({**user(999, "rp"), "user_id": 7})
    text = singer_text([schema("users", keys=["user_id"]),
                        *(record("users", r) for r in rows), state({"n": len(rows)})])
    result = run_cli(target_config(secret_sandbox, "1.4", tmp_path, max_failure_rate=0.1), text,
                     tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"n": 196}]
    assert "196 records: 190 sent, 180 accepted, 10 failed, 6 invalid" in result.stderr
    errors = read_errors(tmp_path / "errors.jsonl")
    invalid = {e["row"]: e["message"] for e in errors if e["outcome"] == "invalid"}
    assert list(invalid) == [190, 191, 192, 193, 194, 195]
    assert all(m == "missing key property user_id" for m in list(invalid.values())[:5])
    assert "does not match the SCHEMA of stream 'users'" in invalid[195]
    assert sorted(e["row"] for e in errors if e["outcome"] == "failed") == list(range(180, 190))
    assert {e["code"] for e in errors if e["outcome"] == "failed"} == {"parameter_invalid"}


def test_a_rejected_token_is_named_but_never_shown(secret_sandbox, tmp_path):
    config = {**target_config(secret_sandbox, "2.11", tmp_path), "access_token": SECRET + "-wrong"}
    result = run_cli(config, singer_text([*users_messages(3), state({"n": 3})]), tmp_path)
    assert_one_clear_error(result, "rejected the access token", "check access_token")
    assert SECRET + "-wrong" not in result.stderr
    assert result.stdout == ""


def test_max_failure_rate_fails_the_run(secret_sandbox, client, tmp_path):
    rows = [user(i, "mf") for i in range(10)]
    for row in rows[:3]:
        row["email"] = "broken"
    text = singer_text([schema("users"), *(record("users", r) for r in rows), state({"n": 10})])
    config = target_config(secret_sandbox, "1.4", tmp_path, max_failure_rate=0.2)
    result = run_cli(config, text, tmp_path)
    assert_one_clear_error(result, "30.0% of records failed or were invalid (3 of 10)",
                           "max_failure_rate 20.0%")
    assert len(read_errors(tmp_path / "errors.jsonl")) == 3
    assert run_cli({**config, "max_failure_rate": 0.5}, text, tmp_path).returncode == 0


def test_dry_run_validates_and_sends_nothing(secret_sandbox, client, tmp_path):
    text = singer_text([*users_messages(20, "dry"), record("users", {"name": "nobody"}),
                        state({"n": 21})])
    result = run_cli(target_config(secret_sandbox, "1.4", tmp_path, dry_run=True), text, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "20 would be sent, 1 invalid (dry run, nothing sent)" in result.stderr
    assert client.get("/_sandbox/stats").json()["total"] == 0
    assert [e["code"] for e in read_errors(tmp_path / "errors.jsonl")] == ["parameter_not_found"]
