"""How long a whole load takes against the tap alone: tap to /dev/null, tap | target-postgres,
and `meltano run tap-intercom target-postgres`, full and incremental, on the demo's data.

Run: .venv/bin/python benchmarks/pipeline.py [--users 20000] [--target-defaults]
Needs `make meltano warehouse`. Figures are ratios within one run (the machine may be shared).
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
from dataclasses import dataclass
from pathlib import Path

from support import NO_THROTTLE, Finished, Row, Sandbox, sandbox, table, wait_usage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import pipeline  # noqa: E402
from scripts.warehouse import ConnectionSettings, Warehouse  # noqa: E402

GOAL_RATIO = 1.5  # a full load through Meltano at most this many times the tap alone
METRIC = re.compile(r"METRIC: (\{.*\})\s*$")
TAP = ROOT / ".venv" / "bin" / "tap-intercom"
TARGET = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
PAIR = "tap-intercom target-postgres"
# The loader's own defaults, for the comparison run (meltano.yml's tuning switched off).
TARGET_DEFAULTS = {"validate_records": True, "batch_size_rows": 10000}


@dataclass
class Run:
    """One measured phase: how long, how much CPU, how many records."""

    name: str
    wall_s: float
    records: int
    processes: dict[str, Finished]


def records_from(stderr: str) -> int:
    """Records the tap emitted, summed over its record_count METRIC lines."""
    total = 0
    for line in stderr.splitlines():
        match = METRIC.search(line)
        if match and '"record_count"' in line:
            metric = json.loads(match.group(1))
            if metric.get("metric") == "record_count" and "stream" in metric.get("tags", {}):
                total += int(metric["value"])
    return total


class Bench:
    """The sandbox, the warehouse and Meltano of one benchmark run."""

    def __init__(self, box: Sandbox, settings: ConnectionSettings, workdir: Path) -> None:
        self.box, self.settings, self.workdir = box, settings, workdir
        self.meltano = pipeline.Meltano(settings, pipeline.Sandbox(box.url, box.token, box.proc),
                                        extra_env={"MELTANO_DATABASE_URI":
                                                   f"sqlite:///{workdir}/meltano.db"})
        # Bytecode as a user's machine keeps it, or every start compiles Meltano and the loader.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([str(TARGET), "--about"], capture_output=True, check=True)
        self.tap_config = self.dump("config", "tap-intercom")
        self.catalog = self.dump("catalog", "tap-intercom")
        self.target_config = self.dump("config", "target-postgres")

    def dump(self, what: str, plugin: str) -> Path:
        """The file Meltano would hand `plugin` (its resolved config or catalog)."""
        out = self.meltano.run("invoke", f"--dump={what}", plugin).stdout
        path = self.workdir / f"{plugin}.{what}.json"
        path.write_text(out[out.index("{"):])
        return path

    def tap_args(self) -> list[str]:
        return [str(TAP), "--config", str(self.tap_config), "--catalog", str(self.catalog)]

    def clear(self) -> None:
        self.meltano.fresh_start()

    def tap_alone(self) -> Run:
        err = self.workdir / "tap.err"
        started = time.perf_counter()
        with err.open("w") as fh:
            proc = subprocess.Popen(self.tap_args(), stdout=subprocess.DEVNULL, stderr=fh)
            tap = wait_usage(proc, started)
        check(tap, "tap-intercom", err)
        return Run("tap to /dev/null", tap.wall_s, records_from(err.read_text()), {"tap": tap})

    def tap_to_target(self, overrides: dict[str, object] | None = None,
                      name: str = "tap | target-postgres") -> Run:
        config = self.target_config
        if overrides:
            config = self.workdir / "target-postgres.overridden.json"
            config.write_text(json.dumps({**json.loads(self.target_config.read_text()),
                                          **overrides}))
        self.clear()
        tap_err, target_err = self.workdir / "tap.err", self.workdir / "target.err"
        started = time.perf_counter()
        with tap_err.open("w") as t_fh, target_err.open("w") as g_fh:
            tap_proc = subprocess.Popen(self.tap_args(), stdout=subprocess.PIPE, stderr=t_fh)
            target_proc = subprocess.Popen([str(TARGET), "--config", str(config)],
                                           stdin=tap_proc.stdout, stdout=subprocess.DEVNULL,
                                           stderr=g_fh, env=self.meltano.env())
            assert tap_proc.stdout is not None
            tap_proc.stdout.close()  # the target holds the pipe's only reading end
            tap = wait_usage(tap_proc, started)
            target = wait_usage(target_proc, started)
        check(tap, "tap-intercom", tap_err)
        check(target, "target-postgres", target_err)
        return Run(name, target.wall_s, records_from(tap_err.read_text()),
                   {"tap": tap, "target": target})

    def meltano_run(self, name: str, full: bool) -> Run:
        if full:
            self.clear()
        started = time.perf_counter()
        proc = subprocess.Popen([str(pipeline.MELTANO), "run", *PAIR.split()], cwd=ROOT,
                                env=self.meltano.env(), stdout=subprocess.DEVNULL,
                                stderr=(self.workdir / "meltano.err").open("w"))
        done = wait_usage(proc, started)
        check(done, "meltano run", self.workdir / "meltano.err")
        log = (self.workdir / "meltano.err").read_text()
        records = sum(pipeline.records_per_stream(log).values())
        return Run(name, done.wall_s, records, {"meltano, tap and target": done})

    def mutate(self) -> None:
        for collection, count in (("users", 50), ("conversations", 20), ("companies", 10)):
            self.meltano.sandbox.admin("POST", "mutate",  # type: ignore[union-attr]
                                       json={"collection": collection, "count": count})


def check(done: Finished, what: str, err: Path) -> None:
    if done.returncode != 0:
        tail = "\n".join(err.read_text().strip().splitlines()[-10:])
        raise SystemExit(f"{what} failed with exit code {done.returncode}:\n{tail}")


def rows_for(runs: list[Run], base: Run) -> list[Row]:
    rows = []
    for run in runs:
        rate = run.records / run.wall_s if run.wall_s else 0.0
        ratio = run.wall_s / base.wall_s
        note = ""
        if run.name.startswith("meltano run") and "full" in run.name:
            note = f"goal <= {GOAL_RATIO:.1f}x: {'met' if ratio <= GOAL_RATIO else 'MISSED'}"
        rows.append(Row(run.name, "records", f"{run.records:,}"))
        rows.append(Row(run.name, "records/s", f"{rate:,.0f}"))
        rows.append(Row(run.name, "wall vs tap alone", f"{ratio:.2f}x", note))
        for label, done in run.processes.items():
            rows.append(Row(run.name, f"CPU ({label}) vs tap alone's CPU",
                            f"{done.cpu_s / base.processes['tap'].cpu_s:.2f}x"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--companies", type=int, default=800)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--target-defaults", action="store_true",
                        help="also pipe the tap into target-postgres with its own defaults "
                             f"({TARGET_DEFAULTS}) instead of meltano.yml's settings")
    args = parser.parse_args()
    if not pipeline.MELTANO.exists() or not TARGET.exists():
        raise SystemExit("Meltano and target-postgres are not installed: run `make meltano`")
    options = {"users": args.users, "leads": args.leads, "companies": args.companies,
               "conversations": args.conversations, "rate-limit-per-minute": NO_THROTTLE}
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
        workdir = Path(tmp)
        warehouse_dir = Path(tempfile.mkdtemp(prefix="warehouse-bench-"))
        warehouse = Warehouse(warehouse_dir)
        settings = warehouse.start()
        try:
            with sandbox(Sandbox, options) as box:
                bench = Bench(box, settings, workdir)
                bench.tap_alone()  # the sandbox renders each record once: warm its cache first
                base = bench.tap_alone()
                runs = [base, bench.tap_to_target()]
                if args.target_defaults:
                    runs.append(bench.tap_to_target(TARGET_DEFAULTS,
                                                    "tap | target-postgres, loader defaults"))
                runs.append(bench.meltano_run("meltano run, full", full=True))
                bench.mutate()
                runs.append(bench.meltano_run("meltano run, incremental", full=False))
        finally:
            warehouse.stop()
            shutil.rmtree(warehouse_dir, ignore_errors=True)
    print(f"{args.users + args.leads:,} contacts, {args.companies:,} companies, "
          f"{args.conversations:,} conversations; every figure is relative to the tap alone "
          f"({base.wall_s:.1f} s wall) in this run")
    print(table(rows_for(runs, base)))


if __name__ == "__main__":
    main()
