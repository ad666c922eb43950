"""The main job: Intercom (the sandbox) into PostgreSQL with Meltano, incrementally, dbt models
over the tables, back again through reverse-ETL, and a pandas analysis of the models; everything
it starts, it stops."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from scripts import pipeline
from scripts.warehouse import ConnectionSettings, Warehouse, WarehouseError

T = TypeVar("T")

OUTPUT = pipeline.ROOT / "output"
SIZES = ("--users", "20000", "--leads", "5000", "--companies", "800", "--conversations", "2000",
         "--job-task-delay-s", "0.5")


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def timed(label: str, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    started = time.monotonic()
    result = fn(*args, **kwargs)
    print(f"    {label}: {time.monotonic() - started:.1f} s", flush=True)
    return result


def show_counts(settings: ConnectionSettings, sandbox: pipeline.Sandbox | None) -> None:
    expected = {}
    if sandbox is not None:
        expected = {"users": len(sandbox.snapshot("users")),
                    "contacts": len(sandbox.snapshot("leads")),
                    "companies": len(sandbox.snapshot("companies")),
                    "conversations": len(sandbox.snapshot("conversations"))}
    for table, count in pipeline.row_counts(settings).items():
        note = f"  (Intercom has {expected[table]})" if table in expected else ""
        print(f"    intercom.{table:<20} {count:>8} rows{note}")


def changes(before: frozenset[str], after: frozenset[str]) -> str:
    """`-left +joined =kept`, in name order; past six names, how many more."""
    names = ([f"-{n}" for n in sorted(before - after)] + [f"+{n}" for n in sorted(after - before)]
             + [f"={n}" for n in sorted(before & after)])
    more = f" (+{len(names) - 6} more)" if len(names) > 6 else ""
    return " ".join(names[:6]) + more or "(none)"


def push_story(app_users: list[dict], before: dict[str, list[pipeline.Person]],
               after: dict[str, list[pipeline.Person]]) -> None:
    """What the push did to each app user in Intercom: companies, tags, the lead merged."""
    print("    app_users in Intercom (companies, tags: -removed +added =kept):")
    for row in app_users:
        email = row["email"]
        old = next((p for p in before[email] if p.role == "user"), None)
        new = next((p for p in after[email] if p.role == "user"), None)
        if new is None:
            print(f"      {row['user_id']:<10} not written (see the failures below)")
            continue
        old = old or pipeline.Person("user", frozenset(), frozenset())
        print(f"      {row['user_id']:<10} companies {changes(old.companies, new.companies)};"
              f" tags {changes(old.tags, new.tags)}")
        leads = [p for p in before[email] if p.role == "lead"]
        if leads and not [p for p in after[email] if p.role == "lead"]:
            print(f"      {'':<10} the lead with email {email} was merged into this user")


def push_summary(meltano_output: str, errors_file: Path) -> None:
    """The target's created attributes and per-stream summary, and each failed record's reason."""
    for line in meltano_output.splitlines():
        if "target-intercom " in line and ("summary: " in line or "creating custom attribute" in line):
            print("    " + line.split("target-intercom ", 1)[1].split("] ", 1)[-1].strip())
    if errors_file.exists():
        failures = [json.loads(line) for line in errors_file.read_text().splitlines() if line]
        print(f"    {len(failures)} records not written, in {errors_file.relative_to(pipeline.ROOT)}:")
        for failure in failures:
            key = failure["record"].get("user_id") or failure["record"].get("email") or "(no id)"
            print(f"      {failure['stream']} row {failure['row']} ({key}): {failure['outcome']}, "
                  f"{failure['code']}: {failure['message'][:100]}")


def load_and_transform(meltano: pipeline.Meltano, settings: ConnectionSettings,
                       sandbox: pipeline.Sandbox | None, note: str = "") -> subprocess.CompletedProcess:
    """The `load-and-transform` job: load, then build the dbt models and run their tests."""
    step(f"meltano run tap-intercom target-postgres dbt-postgres:retire dbt-postgres:run "
         f"dbt-postgres:test ({note}"
         f"then the dbt models)")
    result = timed("load and dbt", meltano.run, "run", "load-and-transform")
    show_counts(settings, sandbox)
    for line in (result.stdout + result.stderr).splitlines():
        if "dbt-postgres" in line and "Done. PASS=" in line:
            print("    dbt " + line.split("Done. ", 1)[1].strip())
    return result


def run_story(sandbox: pipeline.Sandbox | None, settings: ConnectionSettings) -> None:
    meltano = pipeline.Meltano(settings, sandbox, log=OUTPUT / "meltano.log")
    step("Forgetting any earlier demo run (Meltano state, loaded schemas)")
    meltano.fresh_start()
    if sandbox is None:
        load_and_transform(meltano, settings, sandbox)
        return
    step("meltano run tap-intercom target-postgres dbt-postgres:retire (first, full load)")
    timed("load", meltano.run, "run", "load")
    show_counts(settings, sandbox)
    step("Changing records in Intercom: 50 users, 20 conversations (new parts), 10 companies")
    for collection, count in (("users", 50), ("conversations", 20), ("companies", 10)):
        sandbox.admin("POST", "mutate", json={"collection": collection, "count": count})
    result = load_and_transform(meltano, settings, sandbox, "incremental: only what changed, ")
    for stream, count in sorted(pipeline.records_per_stream(result.stderr).items()):
        print(f"    {stream:<20} {count:>6} records")
    step("Building analytics.user_traits (200 users, plus 3 deliberately bad rows) and "
         "analytics.app_users (users with their teams and tags) with SQL")
    traits = pipeline.make_user_traits(settings)
    app_users = pipeline.make_app_users(settings)
    print(f"    user_traits: {len(traits)} rows; app_users: {len(app_users)} rows")
    step("meltano run tap-postgres target-intercom (reverse-ETL on API 2.11: memberships, tags, "
         "lead merges, new attributes)")
    errors_file = OUTPUT / "target-intercom-errors.jsonl"
    errors_file.unlink(missing_ok=True)
    emails = {row["email"] for row in app_users}
    before = pipeline.people_by_email(sandbox, emails)
    result = timed("push", meltano.run, "run", "push",
                   extra={"TARGET_INTERCOM_API_VERSION": "2.11"})
    push_story(app_users, before, pipeline.people_by_email(sandbox, emails))
    push_summary(result.stdout + result.stderr, errors_file)
    outcomes = pipeline.read_table(settings, pipeline.LAST_PUSH_SQL)
    print("    analytics.intercom_sync_log, the push just made: "
          + ", ".join(f"{row.outcome} {row.records}" for row in outcomes.itertuples()))


def analyse(settings: ConnectionSettings) -> None:
    step(f"pandas on the dbt models in schema {pipeline.MODELS_SCHEMA}")
    weekly = pipeline.weekly_team_metrics(settings)
    chart = pipeline.save_chart(weekly, OUTPUT / "support_times_per_week.png")
    print(f"    chart of response and close times per week by team, next to volume: "
          f"{chart.relative_to(pipeline.ROOT)}")
    print("    intercom__admin_metrics (times in minutes, of conversations each admin closed last):")
    print("\n".join("    " + line for line in pipeline.admin_table(settings).to_string().splitlines()))


def main() -> int:
    OUTPUT.mkdir(exist_ok=True)
    real = bool(os.environ.get("TAP_INTERCOM_ACCESS_TOKEN"))
    step("Starting a private PostgreSQL")
    try:
        warehouse = Warehouse(pipeline.warehouse_directory())
        settings = warehouse.start()
    except WarehouseError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    print(f"    {settings.url.replace(settings.password, '***')}")
    try:
        if real:
            step("Using the Intercom workspace of TAP_INTERCOM_ACCESS_TOKEN (no sandbox, no push)")
            run_story(None, settings)
        else:
            step("Starting the Intercom sandbox (25,000 contacts, 2,000 conversations)")
            with pipeline.sandbox(*SIZES) as sandbox:
                print(f"    {sandbox.url}")
                run_story(sandbox, settings)
        analyse(settings)
    except RuntimeError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    finally:
        step("Stopping what the demo started")
        warehouse.stop()
    print("\nDone. Meltano's log: output/meltano.log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
