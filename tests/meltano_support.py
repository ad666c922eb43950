"""A private PostgreSQL, a sandbox and Meltano pointed at both: the end-to-end tests' setting."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from scripts import pipeline
from scripts.warehouse import ConnectionSettings, Warehouse


class Story(NamedTuple):
    """What an end-to-end test works with; `workdir` holds Meltano's database and logs."""

    sandbox: pipeline.Sandbox
    settings: ConnectionSettings
    meltano: pipeline.Meltano
    workdir: Path


@contextmanager
def meltano_story(name: str, sizes: tuple[str, ...],
                  env: Callable[[Path], dict[str, str]] = lambda _workdir: {}) -> Iterator[Story]:
    """A fresh warehouse (its own directory: postgres owns it) and sandbox, and a Meltano with
    its own system database; `env(workdir)` adds environment variables. Everything is removed
    afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix=f"intercom-{name}-"))
    warehouse_dir = Path(tempfile.mkdtemp(prefix=f"warehouse-{name}-"))
    warehouse = Warehouse(warehouse_dir)
    settings = warehouse.start()
    try:
        with pipeline.sandbox(*sizes) as sandbox:
            meltano = pipeline.Meltano(settings, sandbox, extra_env={
                "MELTANO_DATABASE_URI": f"sqlite:///{workdir}/meltano.db", **env(workdir)},
                log=workdir / "meltano.log")
            yield Story(sandbox, settings, meltano, workdir)
    finally:
        warehouse.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(warehouse_dir, ignore_errors=True)
