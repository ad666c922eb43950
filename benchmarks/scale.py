"""A full load of a large workspace: 1,000,000 contacts, 50,000 companies and 100,000
conversations with parts, on API 2.11 and 1.4. Reports the sandbox's generation time, wall time,
records/s and the peak RSS of the tap, the sandbox and target-postgres.

Run: .venv/bin/python benchmarks/scale.py                 # the full size (needs make meltano warehouse)
     .venv/bin/python benchmarks/scale.py --scale 0.1     # a tenth, for a quick run
     .venv/bin/python benchmarks/scale.py --no-target     # the tap alone, to /dev/null
Not part of `make test` or `make bench`. Figures are within one run (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from support import (
    BIN,
    NO_THROTTLE,
    Finished,
    Row,
    Sandbox,
    peak_rss_mib,
    sandbox,
    table,
    wait_usage,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import pipeline  # noqa: E402
from scripts.warehouse import ConnectionSettings, Warehouse  # noqa: E402

FULL = {"users": 800_000, "leads": 200_000, "companies": 50_000, "conversations": 100_000}
STREAMS = ("users", "contacts", "companies", "conversations", "conversation_parts")
METRIC = re.compile(r"METRIC: (\{.*\})\s*$")
TARGET = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
SANDBOX_RSS_GOAL_MIB = 4096
GENERATION_GOAL_S = 60.0


def records_by_stream(stderr: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in stderr.splitlines():
        match = METRIC.search(line)
        if match and '"record_count"' in line:
            metric = json.loads(match.group(1))
            stream = metric.get("tags", {}).get("stream")
            if metric.get("metric") == "record_count" and stream:
                totals[stream] = totals.get(stream, 0) + int(metric["value"])
    return totals


def selected_catalog(config: Path, workdir: Path) -> Path:
    """The tap's discovered catalog with STREAMS selected and every other stream not."""
    out = subprocess.run([str(BIN / "tap-intercom"), "--config", str(config), "--discover"],
                         capture_output=True, text=True, check=True).stdout
    catalog = json.loads(out)
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] in STREAMS
    path = workdir / f"catalog-{config.stem}.json"
    path.write_text(json.dumps(catalog))
    return path


def target_config(settings: ConnectionSettings, workdir: Path, schema: str) -> Path:
    """target-postgres with meltano.yml's settings for it, loading into `schema`."""
    meltano = pipeline.Meltano(settings, extra_env={
        "MELTANO_DATABASE_URI": f"sqlite:///{workdir}/meltano.db"})
    out = meltano.run("invoke", "--dump=config", "target-postgres").stdout
    config = {**json.loads(out[out.index("{"):]), "default_target_schema": schema}
    path = workdir / f"target-{schema}.json"
    path.write_text(json.dumps(config))
    return path


def run_tap(box: Sandbox, version: str, workdir: Path, target: Path | None,
            env: dict[str, str]) -> tuple[Finished, Finished | None, dict[str, int]]:
    config = workdir / f"tap-{version}.json"
    config.write_text(json.dumps({"access_token": box.token, "api_url": box.url,
                                  "api_version": version}))
    catalog = selected_catalog(config, workdir)
    err = workdir / f"tap-{version}.err"
    target_err = workdir / f"target-{version}.err"
    tap_args = [str(BIN / "tap-intercom"), "--config", str(config), "--catalog", str(catalog)]
    started = time.perf_counter()
    with err.open("w") as fh, target_err.open("w") as target_fh:
        if target is None:
            tap = wait_usage(subprocess.Popen(tap_args, stdout=subprocess.DEVNULL, stderr=fh),
                             started)
            loaded = None
        else:
            tap_proc = subprocess.Popen(tap_args, stdout=subprocess.PIPE, stderr=fh)
            target_proc = subprocess.Popen([str(TARGET), "--config", str(target)],
                                           stdin=tap_proc.stdout, stdout=subprocess.DEVNULL,
                                           stderr=target_fh, env=env)
            assert tap_proc.stdout is not None
            tap_proc.stdout.close()
            tap = wait_usage(tap_proc, started)
            loaded = wait_usage(target_proc, started)
    for done, what, log in ((tap, "tap-intercom", err), (loaded, "target-postgres", target_err)):
        if done is not None and done.returncode != 0:
            tail = "\n".join(log.read_text().strip().splitlines()[-10:])
            raise SystemExit(f"{what} ({version}) failed with exit code {done.returncode}:\n{tail}")
    return tap, loaded, records_by_stream(err.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the full size (1,000,000 contacts ...); 0.1 is a tenth")
    parser.add_argument("--versions", default="2.11,1.4")
    parser.add_argument("--no-target", action="store_true",
                        help="the tap to /dev/null, without target-postgres")
    args = parser.parse_args()
    sizes = {name: max(1, round(n * args.scale)) for name, n in FULL.items()}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode as a user's machine keeps it
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        workdir = Path(tmp)
        warehouse_dir = Path(tempfile.mkdtemp(prefix="warehouse-scale-"))
        warehouse = None if args.no_target else Warehouse(warehouse_dir)
        try:
            settings = warehouse.start() if warehouse else None
            env = {**os.environ, **(settings.env() if settings else {})}
            for version in args.versions.split(","):
                with sandbox(Sandbox, {**sizes, "rate-limit-per-minute": NO_THROTTLE},
                             timeout_s=900) as box:
                    target = None
                    if settings is not None:
                        schema = "scale_v" + version.replace(".", "_")
                        target = target_config(settings, workdir, schema)
                    tap, loaded, records = run_tap(box, version, workdir, target, env)
                    served_rss = peak_rss_mib(box.proc.pid)
                rows += version_rows(version, box.startup_s, served_rss, tap, loaded, records)
        finally:
            if warehouse:
                warehouse.stop()
            shutil.rmtree(warehouse_dir, ignore_errors=True)
    print(", ".join(f"{n:,} {name}" for name, n in sizes.items()) +
          ("; tap to /dev/null" if args.no_target else "; tap | target-postgres"))
    print(table(rows))


def version_rows(version: str, startup_s: float, served_rss: float, tap: Finished,
                 loaded: Finished | None, records: dict[str, int]) -> list[Row]:
    phase = f"API {version}"
    total = sum(records.values())
    wall = loaded.wall_s if loaded else tap.wall_s
    rows = [
        Row(phase, "sandbox generate + start, s", f"{startup_s:.1f}",
            f"goal < {GENERATION_GOAL_S:.0f} s"),
        Row(phase, "sandbox peak RSS, MiB", f"{served_rss:,.0f}",
            f"goal <= {SANDBOX_RSS_GOAL_MIB:,} MiB: "
            f"{'met' if served_rss <= SANDBOX_RSS_GOAL_MIB else 'MISSED'}"),
        Row(phase, "records", f"{total:,}",
            ", ".join(f"{stream} {n:,}" for stream, n in sorted(records.items()))),
        Row(phase, "wall, s", f"{wall:.1f}"),
        Row(phase, "records/s", f"{total / wall:,.0f}"),
        Row(phase, "tap CPU, s", f"{tap.cpu_s:.1f}"),
        Row(phase, "tap peak RSS, MiB", f"{tap.peak_rss_mib:,.0f}"),
    ]
    if loaded is not None:
        rows += [Row(phase, "target-postgres CPU, s", f"{loaded.cpu_s:.1f}"),
                 Row(phase, "target-postgres peak RSS, MiB", f"{loaded.peak_rss_mib:,.0f}")]
    return rows


if __name__ == "__main__":
    main()
