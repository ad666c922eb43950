"""Running the real tap CLI against a sandbox and reading what it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from intercom_sandbox import Sandbox

TAP = [sys.executable, "-c", "from tap_intercom.tap import TapIntercom; TapIntercom.cli()"]


@dataclass
class TapRun:
    """What one run of the tap wrote: records by stream, states, exit code and stderr."""

    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    states: list[dict] = field(default_factory=list)
    schemas: dict[str, dict] = field(default_factory=dict)
    activated: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    returncode: int | None = None
    stderr: str = ""

    @property
    def state(self) -> dict | None:
        return self.states[-1] if self.states else None

    def ids(self, stream: str, key: str = "id") -> set[str]:
        return {r[key] for r in self.records[stream]}

    def keys(self, stream: str, *names: str) -> set[tuple]:
        return {tuple(r[n] for n in names) for r in self.records[stream]}


def tap_config(sandbox: Sandbox, version: str = "2.11", **settings: object) -> dict:
    return {"access_token": sandbox.token, "api_url": sandbox.url, "api_version": version,
            "max_workers": 4, "request_timeout": 10, **settings}


def catalog_for(config: dict, streams: set[str] | None, workdir: Path) -> Path | None:
    """A catalog selecting only `streams` (all of them when None)."""
    if streams is None:
        return None
    config_path = workdir / "discover.json"
    config_path.write_text(json.dumps(config))
    out = subprocess.run([*TAP, "--config", str(config_path), "--discover"],
                         capture_output=True, text=True, check=True)
    catalog = json.loads(out.stdout)
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        for meta in entry["metadata"]:
            if not meta["breadcrumb"]:
                meta["metadata"]["selected"] = chosen
    path = workdir / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def run_tap(config: dict, state: dict | None = None, streams: set[str] | None = None,
            stop_after: tuple[str, int] | None = None, timeout: float = 300) -> TapRun:
    """Run the tap CLI; with `stop_after=(stream, n)` it is killed after n records of the stream."""
    run = TapRun()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config_path = workdir / "config.json"
        config_path.write_text(json.dumps(config))
        args = [*TAP, "--config", str(config_path)]
        catalog = catalog_for(config, streams, workdir)
        if catalog:
            args += ["--catalog", str(catalog)]
        if state is not None:
            state_path = workdir / "state.json"
            state_path.write_text(json.dumps(state))
            args += ["--state", str(state_path)]
        stderr_path = workdir / "stderr.txt"
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)
            assert process.stdout is not None
            for line in process.stdout:
                message = json.loads(line)
                kind = message["type"]
                if kind == "RECORD":
                    run.records[message["stream"]].append(message["record"])
                    if stop_after and message["stream"] == stop_after[0] and \
                            len(run.records[stop_after[0]]) >= stop_after[1]:
                        process.kill()
                        break
                elif kind == "STATE":
                    run.states.append(message["value"])
                elif kind == "SCHEMA":
                    run.schemas[message["stream"]] = message["schema"]
                elif kind == "ACTIVATE_VERSION":
                    run.activated[message["stream"]].append(message["version"])
            run.returncode = process.wait(timeout=timeout)
        run.stderr = stderr_path.read_text()
    return run
