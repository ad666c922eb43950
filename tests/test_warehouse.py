"""The private PostgreSQL of scripts/warehouse.py: real servers, real connections, no mocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psycopg
import pytest
import sqlalchemy

from scripts.warehouse import Warehouse, debian_bindir, pypi_bindir

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "warehouse.py"
BINDIRS = {"debian": debian_bindir(), "pypi": pypi_bindir()}


@pytest.mark.parametrize("kind", sorted(BINDIRS))
def test_start_connect_create_read_stop(kind: str, warehouse_dir: Path) -> None:
    if BINDIRS[kind] is None:
        pytest.skip(f"no {kind} PostgreSQL binaries here")
    warehouse = Warehouse(warehouse_dir, bindir=BINDIRS[kind])
    with warehouse as settings, psycopg.connect(settings.url) as connection:
        assert connection.execute("SELECT current_user, current_database()").fetchone() == (
            "warehouse", "warehouse")
        connection.execute("CREATE SCHEMA analytics")
        connection.execute("CREATE TABLE analytics.t (id int PRIMARY KEY, name text)")
        connection.execute("INSERT INTO analytics.t VALUES (1, 'ada'), (2, 'grace')")
        connection.commit()
        rows = connection.execute("SELECT id, name FROM analytics.t ORDER BY id").fetchall()
        assert rows == [(1, "ada"), (2, "grace")]
        engine = sqlalchemy.create_engine(settings.sqlalchemy_url)
        frame = pd.read_sql("SELECT * FROM analytics.t ORDER BY id", engine)
        engine.dispose()
        assert frame.to_dict("list") == {"id": [1, 2], "name": ["ada", "grace"]}
    assert not warehouse.running()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(settings.url, connect_timeout=3)


def test_restart_keeps_data_and_password_and_leaves_a_running_server_running(warehouse_dir: Path) -> None:
    first = Warehouse(warehouse_dir)
    settings = first.start()
    try:
        with psycopg.connect(settings.url) as connection:
            connection.execute("CREATE TABLE kept (n int)")
            connection.execute("INSERT INTO kept VALUES (42)")
        with Warehouse(warehouse_dir) as again:  # already running: not stopped on exit
            assert again == settings
        assert first.running()
    finally:
        assert first.stop()
    assert not first.stop()
    restarted = Warehouse(warehouse_dir).start()
    try:
        assert restarted.password == settings.password
        with psycopg.connect(restarted.url) as connection:
            assert connection.execute("SELECT n FROM kept").fetchone() == (42,)
    finally:
        Warehouse(warehouse_dir).stop()


def test_wrong_password_is_refused(warehouse_dir: Path) -> None:
    with (Warehouse(warehouse_dir) as settings,
          pytest.raises(psycopg.OperationalError, match="password authentication failed")):
        psycopg.connect(host=settings.host, port=settings.port, user=settings.user,
                        password="wrong", dbname=settings.database)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_cli_start_status_stop(warehouse_dir: Path) -> None:
    started = cli("start", "--dir", str(warehouse_dir))
    assert started.returncode == 0, started.stderr
    settings = json.loads(started.stdout)
    assert set(settings) == {"host", "port", "user", "password", "database", "url"}
    assert json.loads((warehouse_dir / "connection.json").read_text()) == settings
    assert (warehouse_dir / "connection.json").stat().st_mode & 0o077 == 0
    status = cli("status", "--dir", str(warehouse_dir))
    assert status.returncode == 0 and json.loads(status.stdout)["port"] == settings["port"]
    exported = cli("start", "--dir", str(warehouse_dir), "--format", "env")
    assert f"export PGPORT={settings['port']}" in exported.stdout.splitlines()
    assert settings["password"] not in started.stderr + exported.stderr
    assert cli("stop", "--dir", str(warehouse_dir)).returncode == 0
    assert cli("status", "--dir", str(warehouse_dir)).returncode == 3


def test_cli_errors_are_one_line(warehouse_dir: Path) -> None:
    bad_name = cli("start", "--dir", str(warehouse_dir), "--user", "Robert'); DROP")
    assert bad_name.returncode == 1
    assert bad_name.stderr.strip().count("\n") == 0 and "SQL identifier" in bad_name.stderr
    no_binaries = cli("start", "--dir", str(warehouse_dir), "--bindir", str(warehouse_dir))
    assert no_binaries.returncode == 1 and no_binaries.stderr.startswith("warehouse: ")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another OS user")
def test_a_directory_the_server_account_cannot_reach_is_one_clear_error(warehouse_dir: Path) -> None:
    warehouse_dir.chmod(0o700)  # root's own: the postgres OS user cannot go through it
    result = cli("start", "--dir", str(warehouse_dir / "inside"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "cannot reach" in result.stderr
