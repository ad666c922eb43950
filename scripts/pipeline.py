"""The whole story as steps: sandbox, private warehouse, Meltano load, dbt models and push, and
pandas analysis of the models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psycopg
import requests
import sqlalchemy

from scripts.warehouse import ConnectionSettings

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
MODELS_SCHEMA = "intercom_analytics"  # the dbt-postgres `schema` setting in meltano.yml
TRAITS_SQL = """
CREATE SCHEMA IF NOT EXISTS analytics;
DROP TABLE IF EXISTS analytics.user_traits;
CREATE TABLE analytics.user_traits AS
SELECT u.external_id AS user_id,
       u.email,
       (SELECT count(*) FROM intercom.conversations c
         WHERE c.contacts -> 'contacts' @> jsonb_build_array(jsonb_build_object('id', u.id)))
         AS conversation_count,
       NULL::text AS seats
  FROM intercom.users u
 WHERE u.external_id IS NOT NULL AND u.email IS NOT NULL AND u.email <> ''
 ORDER BY u.external_id
 LIMIT {good_rows};
-- Deliberately bad rows, to show how failures are reported.
INSERT INTO analytics.user_traits (user_id, email, conversation_count, seats) VALUES
  ('bad-email-1', 'not-an-email', 1, NULL),
  (NULL, NULL, 2, NULL),
  ('bad-seats-1', 'seats@example.com', 3, 'many');
"""

LAST_PUSH_SQL = """
SELECT outcome, count(*) AS records FROM analytics.intercom_sync_log
 WHERE run_id = (SELECT run_id FROM analytics.intercom_sync_log ORDER BY logged_at DESC LIMIT 1)
 GROUP BY outcome ORDER BY outcome
"""

# An app's users with the teams (companies) and tags they should have in Intercom: four users
# who left one of their companies and joined demo-team, and a new user whose email a lead has.
APP_USERS_SQL = """
CREATE SCHEMA IF NOT EXISTS analytics;
DROP TABLE IF EXISTS analytics.app_users;
CREATE TABLE analytics.app_users AS
WITH members AS (
  SELECT u.external_id AS user_id, u.email, u.name,
         array_agg(co.company_id::text ORDER BY co.company_id) AS teams
    FROM intercom.users u
    JOIN intercom.contact_companies cc ON cc.contact_id = u.id
    JOIN intercom.companies co ON co.id = cc.company_id
   WHERE u.external_id IS NOT NULL AND u.email <> ''
   GROUP BY 1, 2, 3
  HAVING count(*) BETWEEN 2 AND 3
   ORDER BY 1 DESC
   LIMIT 4),
lead AS (
  SELECT email FROM intercom.contacts
   WHERE role = 'lead' AND email <> '' ORDER BY id LIMIT 1)
SELECT user_id, email, name, teams[2:] || ARRAY['demo-team'] AS teams,
       ARRAY['customer'] AS tags
  FROM members
UNION ALL
SELECT 'app-new-1', email, 'New App User', ARRAY['demo-team'], ARRAY['trial'] FROM lead
 ORDER BY user_id;
"""


@dataclass
class Sandbox:
    """The sandbox CLI running in a child process."""

    url: str
    token: str
    process: subprocess.Popen

    def admin(self, method: str, path: str, **kwargs: object) -> dict:
        response = requests.request(method, f"{self.url}/_sandbox/{path}", timeout=60,
                                    headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        response.raise_for_status()
        return response.json()

    def snapshot(self, collection: str, dialect: str = "raw") -> list[dict]:
        return self.admin("GET", f"snapshot/{collection}?dialect={dialect}")["data"]


@contextmanager
def sandbox(*args: str) -> Iterator[Sandbox]:
    """Start `intercom-sandbox serve` with `args`; stop it on the way out."""
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready.json"
        process = subprocess.Popen([sys.executable, "-m", "intercom_sandbox.cli", "serve",
                                    "--port", "0", "--ready-file", str(ready), *args],
                                   stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while not ready.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the sandbox did not start")
                time.sleep(0.1)
            info = json.loads(ready.read_text())
            yield Sandbox(info["url"], info["token"], process)
        finally:
            process.terminate()
            process.wait(timeout=30)


def warehouse_directory() -> Path:
    """Where the private PostgreSQL keeps its data: under /tmp, which its OS user can reach."""
    path = Path(tempfile.gettempdir()) / f"intercom-demo-warehouse-{os.getuid()}"
    path.mkdir(exist_ok=True)
    return path


@dataclass
class Meltano:
    """The Meltano CLI of this project, pointed at a sandbox and a warehouse."""

    warehouse: ConnectionSettings
    sandbox: Sandbox | None = None  # None: the workspace named by TAP_INTERCOM_* variables
    extra_env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None

    def env(self) -> dict[str, str]:
        env = {**os.environ, **self.warehouse.env(), "MELTANO_ENVIRONMENT": "dev",
               **self.extra_env}
        if self.sandbox is not None:
            env.update(TAP_INTERCOM_API_URL=self.sandbox.url,
                       TAP_INTERCOM_ACCESS_TOKEN=self.sandbox.token)
        env.pop("VIRTUAL_ENV", None)
        return env

    def run(self, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """`meltano <args>` in the project; raises with the output's tail when it fails."""
        result = subprocess.run([str(MELTANO), *args], cwd=ROOT, env={**self.env(), **(extra or {})},
                                capture_output=True, text=True, timeout=1800)
        if self.log:
            with self.log.open("a") as fh:
                fh.write(f"$ meltano {' '.join(args)}\n{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            lines = (result.stdout + result.stderr).strip().splitlines()
            errors = [line for line in lines if " failed" in line or "tap-intercom:" in line
                      or "target-postgres:" in line or "| ERROR" in line]
            tail = "\n".join([*errors[-5:], *lines[-15:]])
            raise RuntimeError(f"meltano {' '.join(args)} failed:\n{tail}")
        return result

    def fresh_start(self) -> None:
        """Forget saved state and loaded tables, so a second demo run starts like the first."""
        self.run("state", "clear", "--force", "dev:tap-intercom-to-target-postgres")
        with psycopg.connect(self.warehouse.url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS intercom CASCADE")
            conn.execute("DROP SCHEMA IF EXISTS analytics CASCADE")
            conn.execute(f"DROP SCHEMA IF EXISTS {MODELS_SCHEMA} CASCADE")


def records_per_stream(log: str, plugin: str = "tap-intercom") -> dict[str, int]:
    """Records each stream of `plugin` emitted, from the singer-sdk METRIC lines of a Meltano log."""
    totals: dict[str, int] = {}
    for line in log.splitlines():
        if f"{plugin} METRIC: " in line and '"metric":"record_count"' in line:
            metric = json.loads(line.split("METRIC: ", 1)[1])
            stream = metric["tags"]["stream"]
            totals[stream] = totals.get(stream, 0) + int(metric["value"])
    return totals


def row_counts(settings: ConnectionSettings, schema: str = "intercom") -> dict[str, int]:
    with psycopg.connect(settings.url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "ORDER BY table_name", (schema,))]
        return {t: conn.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0]
                for t in tables}


def make_user_traits(settings: ConnectionSettings, good_rows: int = 200) -> list[dict]:
    """analytics.user_traits from the loaded tables, plus three bad rows; returns every row."""
    with psycopg.connect(settings.url, autocommit=True) as conn:
        conn.execute(TRAITS_SQL.format(good_rows=int(good_rows)).encode())  # several statements
        cursor = conn.execute("SELECT user_id, email, conversation_count, seats "
                              "FROM analytics.user_traits")
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


def make_app_users(settings: ConnectionSettings) -> list[dict]:
    """analytics.app_users from the loaded tables; returns every row."""
    with psycopg.connect(settings.url, autocommit=True) as conn:
        conn.execute(APP_USERS_SQL.encode())  # several statements
        cursor = conn.execute("SELECT user_id, email, name, teams, tags FROM analytics.app_users")
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


@dataclass(frozen=True)
class Person:
    """A person as Intercom holds them: role, companies (their company_id) and tag names."""

    role: str
    companies: frozenset[str]
    tags: frozenset[str]


def people_by_email(sandbox: Sandbox, emails: set[str]) -> dict[str, list[Person]]:
    """The live contacts with these emails in the sandbox, users and leads alike."""
    companies = {c["id"]: c["company_id"] for c in sandbox.snapshot("companies")}
    tags = {t["id"]: t["name"] for t in sandbox.snapshot("tags")}
    people: dict[str, list[Person]] = {email: [] for email in emails}
    for contact in sandbox.snapshot("contacts"):
        if contact["email"] in people:
            people[contact["email"]].append(Person(
                contact["role"], frozenset(companies[i] for i in contact["company_ids"]),
                frozenset(tags[i] for i in contact["tag_ids"])))
    return people


def read_table(settings: ConnectionSettings, query: str) -> pd.DataFrame:
    engine = sqlalchemy.create_engine(settings.sqlalchemy_url)
    try:
        return pd.read_sql(query, engine)
    finally:
        engine.dispose()


def conversation_analysis(settings: ConnectionSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Conversations per day by state, and median hours to the first admin reply per state."""
    frame = read_table(settings, """
        SELECT id, state, created_at,
               (statistics ->> 'first_admin_reply_at')::timestamptz AS first_admin_reply_at
          FROM intercom.conversations""")
    frame["day"] = pd.to_datetime(frame["created_at"], utc=True).dt.date
    per_day = frame.groupby(["day", "state"]).size().unstack(fill_value=0)
    waited = (pd.to_datetime(frame["first_admin_reply_at"], utc=True)
              - pd.to_datetime(frame["created_at"], utc=True)).dt.total_seconds() / 3600
    replies = frame.assign(hours=waited).groupby("state")["hours"].agg(
        conversations="size", median_hours_to_first_admin_reply="median").round(1)
    return per_day, replies


def weekly_team_metrics(settings: ConnectionSettings) -> pd.DataFrame:
    """Per week and team: conversations, and median hours to first response and to last close,
    from the dbt model intercom__conversation_metrics."""
    frame = read_table(settings, f"""
        SELECT date_trunc('week', conversation_created_at)::date AS week,
               team_assignee_name AS team,
               time_to_first_response_minutes / 60 AS hours_to_first_response,
               time_to_last_close_minutes / 60 AS hours_to_last_close
          FROM {MODELS_SCHEMA}.intercom__conversation_metrics""")
    for column in ("hours_to_first_response", "hours_to_last_close"):
        frame[column] = frame[column].astype(float)
    return frame.groupby(["week", "team"]).agg(
        conversations=("team", "size"),
        median_hours_to_first_response=("hours_to_first_response", "median"),
        median_hours_to_last_close=("hours_to_last_close", "median"))


def admin_table(settings: ConnectionSettings) -> pd.DataFrame:
    """The dbt model intercom__admin_metrics, as the demo prints it."""
    frame = read_table(settings, f"""
        SELECT admin_name AS admin, coalesce(team_name, '-') AS team,
               total_conversations_closed AS closed,
               round(average_conversation_rating::numeric, 2) AS rating,
               median_time_to_first_response_time_minutes AS median_first_response_min,
               median_time_to_last_close_minutes AS median_last_close_min,
               median_conversations_reopened AS median_reopens
          FROM {MODELS_SCHEMA}.intercom__admin_metrics
         ORDER BY total_conversations_closed DESC, admin_name, team_name""")
    return frame.set_index(["admin", "team"])


def save_chart(weekly: pd.DataFrame, path: Path) -> Path:
    """Conversations per week by team, above median hours to first response and to last close."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (volume, response, close) = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    by_team = {name: weekly[name].unstack("team") for name in weekly.columns}
    for team, series in by_team["conversations"].fillna(0).items():
        volume.plot(pd.to_datetime(series.index), series.to_numpy(), label=team, linewidth=1)
    for axes, name, title in (
            (response, "median_hours_to_first_response", "median hours to first response"),
            (close, "median_hours_to_last_close", "median hours to last close")):
        for team, series in by_team[name].items():
            axes.plot(pd.to_datetime(series.index), series.to_numpy(), marker=".",
                      linestyle="-", linewidth=0.8, label=team)
        axes.set_ylabel(title)
        axes.set_yscale("log")  # a few conversations wait months; most are answered in hours
    volume.set_ylabel("conversations")
    volume.set_title("Intercom conversations per week, by assigned team")
    volume.legend(loc="upper left", fontsize="small")
    close.set_xlabel("week")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close("all")
    return path
