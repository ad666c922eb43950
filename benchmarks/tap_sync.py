"""How fast the tap syncs from the sandbox, with no latency and with 100 ms of injected latency.

Phase 3 reads conversations (2.11 and 1.4) with their parts, phase 6 tickets (2.11) with theirs.

Run: .venv/bin/python benchmarks/tap_sync.py [--users 100000] [--window-users 30000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from support import (
    BIN,
    NO_THROTTLE,
    Row,
    Sandbox,
    pick_cores,
    process_cpu_s,
    sandbox,
    start_pinned,
    stop,
    table,
)

GOAL_USERS_PER_S = 25_000  # no latency, tap on one core
GOAL_WINDOW_SPEEDUP = 4.0  # day windows with max_workers 8 against one cursor, at 100 ms
GOAL_DETAIL_SHARE = 0.8  # conversation details/s as a share of max_workers / latency
METRIC = re.compile(r"METRIC: (\{.*\})\s*$")
WINDOWS = re.compile(r"(\w+): reading (\d+) day windows")
RULE_WIDTH = 110


# -- processes --------------------------------------------------------------------------------------


class Processes:
    """Every subprocess this script starts, so that all of them can be stopped at the end."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], core: set[int] | None, **kwargs: object) -> subprocess.Popen:
        """Start `args` pinned to `core`, and remember it."""
        proc = start_pinned(args, core, **kwargs)
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            stop(proc)


def children_cpu_s() -> float:
    """CPU seconds of the waited-for children so far (a finished tap run adds its own)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- the sandbox --------------------------------------------------------------------------------


@dataclass
class Server(Sandbox):
    """A running sandbox subprocess, with the catalogs discovered from it so far."""

    catalogs: dict[str, dict] = field(default_factory=dict)

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        """A call to the sandbox's admin API."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_sandbox/{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as resp:
            return json.loads(resp.read())

    def set_latency(self, latency_ms: float) -> None:
        self.admin("PUT", "settings", {"latency_ms": latency_ms})

    def cpu_s(self) -> float:
        return process_cpu_s(self.proc.pid)


class InFlightSampler(threading.Thread):
    """Polls the sandbox's count of API requests in flight (admin calls are not counted)."""

    def __init__(self, server: Server, every_s: float = 0.05) -> None:
        super().__init__(daemon=True, name="in-flight-sampler")
        self.server, self.every_s = server, every_s
        self.samples: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every_s):
            try:
                self.samples.append(int(self.server.admin("GET", "stats")["in_flight"]))
            except OSError:
                return

    def mean(self) -> float:
        """Mean requests in flight from the first busy sample to the last (start-up excluded)."""
        busy = [i for i, n in enumerate(self.samples) if n]
        if not busy:
            return 0.0
        span = self.samples[busy[0]:busy[-1] + 1]
        return sum(span) / len(span)


def tap_sandbox(procs: Processes, core: set[int], sizes: dict[str, int]) -> AbstractContextManager[Server]:
    """A sandbox of these sizes that never throttles, pinned to `core`; always stopped afterwards."""
    return sandbox(Server, {**sizes, "rate-limit-per-minute": NO_THROTTLE}, core, start=procs.start)


# -- the tap ------------------------------------------------------------------------------------


@dataclass
class TapRun:
    """What one tap run reported: per-stream counts and sync durations, wall and CPU time."""

    records: dict[str, int]
    sync_s: dict[str, float]
    windows: dict[str, int]
    wall_s: float
    tap_cpu_s: float
    server_cpu_s: float
    requests: int
    throttled: int
    max_in_flight: int
    mean_in_flight: float | None

    def rate(self, stream: str, clock: str | None = None) -> float:
        """Records of `stream` per second of `clock`'s sync_duration (the stream's own by default)."""
        seconds = self.sync_s.get(clock or stream) or float("nan")
        return self.records.get(stream, 0) / seconds

    def load(self) -> str:
        return (f"tap CPU {self.tap_cpu_s / self.wall_s:.0%}, sandbox CPU "
                f"{self.server_cpu_s / self.wall_s:.0%} of a core")


def tap_command() -> list[str]:
    exe = BIN / "tap-intercom"
    return [str(exe)] if exe.exists() else [sys.executable, "-c",
                                            "from tap_intercom.tap import main; main()"]


def tap_config(server: Server, version: str, workers: int) -> dict:
    return {"access_token": server.token, "api_url": server.url, "api_version": version,
            "max_workers": workers, "page_size": 150, "request_timeout": 60}


def catalog(server: Server, version: str, workdir: Path) -> dict:
    """The discovered catalog of this server and version, kept for later runs."""
    if version not in server.catalogs:
        path = workdir / "discover.json"
        path.write_text(json.dumps(tap_config(server, version, 1)))
        out = subprocess.run([*tap_command(), "--config", str(path), "--discover"],
                             capture_output=True, text=True, check=True, timeout=120)
        server.catalogs[version] = json.loads(out.stdout)
    return server.catalogs[version]


def selecting(full: dict, streams: set[str]) -> dict:
    """A copy of a catalog with only `streams` selected (on their root breadcrumb)."""
    chosen = json.loads(json.dumps(full))
    for entry in chosen["streams"]:
        for meta in entry["metadata"]:
            if not meta["breadcrumb"]:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return chosen


def read_metrics(stderr: str) -> tuple[dict[str, int], dict[str, float], dict[str, int]]:
    """Summed record_count and sync_duration per stream, and day windows per stream."""
    records: dict[str, int] = defaultdict(int)
    sync_s: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        found = METRIC.search(line)
        if not found:
            continue
        metric = json.loads(found.group(1))
        stream = (metric.get("tags") or {}).get("stream")
        if metric["metric"] == "record_count":
            records[stream] += int(metric["value"])
        elif metric["metric"] == "sync_duration":
            sync_s[stream] += float(metric["value"])
    windows = {m.group(1): int(m.group(2)) for m in WINDOWS.finditer(stderr)}
    return dict(records), dict(sync_s), windows


def request_stats(stats: dict) -> tuple[int, int]:
    """API requests and 429 answers in a /_sandbox/stats answer."""
    throttled = sum(statuses.get("429", 0) for statuses in stats["routes"].values())
    return stats["total"], throttled


def run_tap(procs: Processes, server: Server, core: set[int], version: str, workers: int,
            streams: set[str], sample: bool = False, timeout_s: float = 300) -> TapRun:
    """One tap run with `streams` selected; Singer messages are discarded, metrics are read.

    With `sample`, the sandbox's requests in flight are polled 20 times a second meanwhile.
    """
    with tempfile.TemporaryDirectory(prefix="tap-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "config.json").write_text(json.dumps(tap_config(server, version, workers)))
        (workdir / "catalog.json").write_text(json.dumps(
            selecting(catalog(server, version, workdir), streams)))
        args = [*tap_command(), "--config", str(workdir / "config.json"),
                "--catalog", str(workdir / "catalog.json")]
        server.admin("DELETE", "stats")
        sampler = InFlightSampler(server)
        server0, cpu0, t0 = server.cpu_s(), children_cpu_s(), time.perf_counter()
        with (workdir / "stderr.txt").open("w+") as err:
            proc = procs.start(args, core, stdout=subprocess.DEVNULL, stderr=err)
            if sample:
                sampler.start()
            try:
                code = proc.wait(timeout=timeout_s)
            finally:
                stop(proc)
                sampler.done.set()
            wall = time.perf_counter() - t0
            err.seek(0)
            stderr = err.read()
    if code != 0:
        raise RuntimeError(f"the tap exited with {code}: {stderr[-2000:]}")
    if sample:
        sampler.join()
    stats = server.admin("GET", "stats")
    requests, throttled = request_stats(stats)
    records, sync_s, windows = read_metrics(stderr)
    return TapRun(records, sync_s, windows, wall, children_cpu_s() - cpu0,
                  server.cpu_s() - server0, requests, throttled, stats["max_in_flight"],
                  sampler.mean() if sample else None)


# -- report -------------------------------------------------------------------------------------


def verdict(ratio: float) -> str:
    return "met" if ratio >= 1 else "MISSED"


def requests_note(run: TapRun) -> str:
    mean = "" if run.mean_in_flight is None else f"{run.mean_in_flight:.1f} on average, "
    return (f"{run.requests:,} requests, {run.throttled} throttled (429); in flight: {mean}"
            f"at most {run.max_in_flight}")


# -- phase 1: no latency ------------------------------------------------------------------------


def users_row(phase: str, label: str, run: TapRun, expected: int) -> list[Row]:
    """The users rate of one no-latency run, against the 25k goal."""
    count, rate = run.records.get("users", 0), run.rate("users")
    per_cpu = count / run.tap_cpu_s if run.tap_cpu_s else float("nan")
    check = "" if count == expected else f" (EXPECTED {expected:,})"
    windows = run.windows.get("users")
    return [
        Row(phase, f"{label}: users records/s", f"{rate:,.0f}",
            f"{rate / GOAL_USERS_PER_S:.2f}x the {GOAL_USERS_PER_S // 1000}k goal, "
            f"{verdict(rate / GOAL_USERS_PER_S)}; {count:,} records{check} in "
            f"{run.sync_s.get('users', float('nan')):.2f} s sync_duration"
            + (f", {windows} day windows" if windows else "")),
        Row(phase, f"{label}: wall / tap CPU", f"{run.wall_s:.2f} s",
            f"tap CPU {run.tap_cpu_s:.2f} s = {per_cpu:,.0f} records per tap CPU-s; {run.load()}"),
    ]


def no_latency_rows(procs: Processes, cores: tuple[set[int], set[int]],
                    args: argparse.Namespace) -> list[Row]:
    """Phase 1: users on 2.11 and 1.4, each run twice (cold, then warm sandbox cache)."""
    server_core, tap_core = cores
    sizes = {"users": args.users, "leads": 0, "companies": 10, "conversations": 10,
             "events": 10}
    with tap_sandbox(procs, server_core, sizes) as server:
        rows = [Row("1: no latency", "sandbox start-up", f"{server.startup_s:.1f} s",
                    f"{args.users:,} users, rate limit {NO_THROTTLE:,}/min (never throttles)")]
        # 1.x reads users with one scroll whatever max_workers is: one worker count is enough.
        plans = {"2.11": runs_of(args.workers_no_latency), "1.4": runs_of(args.workers_no_latency[:1])}
        for version, plan in plans.items():
            for label, workers in plan:
                run = run_tap(procs, server, tap_core, version, workers, {"users"})
                rows += users_row(f"1: no latency, {version}", f"{label}, max_workers {workers}",
                                  run, args.users)
    return rows


def runs_of(workers: list[int]) -> list[tuple[str, int]]:
    """Run 1 (cold) and run 2 (warm) with the first worker count, then warm runs of the rest."""
    first = workers[0]
    return [("run 1 (cold)", first), ("run 2 (warm)", first),
            *((f"run {i} (warm)", n) for i, n in enumerate(workers[1:], start=3))]


# -- phases 2 and 3: 100 ms latency -------------------------------------------------------------


def window_rows(procs: Processes, server: Server, tap_core: set[int], latency_ms: float,
                expected: int) -> list[Row]:
    """Phase 2: users with one cursor (max_workers 1) against day windows (max_workers 8)."""
    phase = f"2: {latency_ms:.0f} ms, 2.11 users"
    one = run_tap(procs, server, tap_core, "2.11", 1, {"users"}, sample=True)
    many = run_tap(procs, server, tap_core, "2.11", 8, {"users"}, sample=True)
    rows = []
    for label, run in (("max_workers 1 (one cursor)", one), ("max_workers 8 (day windows)", many)):
        count = run.records.get("users", 0)
        check = "" if count == expected else f" (EXPECTED {expected:,})"
        rows.append(Row(phase, f"{label}: records/s", f"{run.rate('users'):,.0f}",
                        f"{count:,} records{check} in {run.sync_s.get('users', 0):.2f} s, "
                        f"{run.windows.get('users', 1)} window(s); {requests_note(run)}; "
                        f"{run.load()}"))
    speedup = many.rate("users") / one.rate("users")
    rows.append(Row(phase, "speed-up, 8 workers / 1", f"{speedup:.2f}x",
                    f"goal {GOAL_WINDOW_SPEEDUP:.0f}x: {speedup / GOAL_WINDOW_SPEEDUP:.2f} of it, "
                    f"{verdict(speedup / GOAL_WINDOW_SPEEDUP)}"))
    return rows


def parts_rows(procs: Processes, server: Server, tap_core: set[int], version: str, workers: int,
               latency_ms: float, parent: str = "conversations", number: str = "3") -> list[Row]:
    """Phases 3 and 6: conversations or tickets with their parts; details/s against
    max_workers / latency."""
    child = f"{parent[:-1]}_parts"
    phase = f"{number}: {latency_ms:.0f} ms, {version} {child}"
    run = run_tap(procs, server, tap_core, version, workers, {parent, child}, sample=True)
    # Parts are synced inside the parent's loop: both rates use the parent's duration.
    details_s = run.rate(parent)
    ideal = workers / (latency_ms / 1000)
    share = details_s / ideal
    label = f"max_workers {workers}"
    return [
        Row(phase, f"{label}: {parent}/s", f"{details_s:,.1f}",
            f"{share:.0%} of {workers}/{latency_ms / 1000:g} s = {ideal:,.0f}/s; goal "
            f"{GOAL_DETAIL_SHARE:.0%}: {verdict(share / GOAL_DETAIL_SHARE)}; "
            f"{run.records.get(parent, 0):,} in {run.sync_s.get(parent, 0):.2f} s"),
        Row(phase, f"{label}: parts records/s", f"{run.rate(child, parent):,.0f}",
            f"{run.records.get(child, 0):,} parts; wall {run.wall_s:.2f} s; "
            f"{requests_note(run)}; {run.load()}"),
    ]


def latency_rows(procs: Processes, cores: tuple[set[int], set[int]],
                 args: argparse.Namespace) -> list[Row]:
    """Phases 2 and 3 on one sandbox with injected latency."""
    server_core, tap_core = cores
    sizes = {"users": args.window_users, "leads": 0, "companies": 10,
             "conversations": args.conversations, "events": 10}
    with tap_sandbox(procs, server_core, sizes) as server:
        with tempfile.TemporaryDirectory(prefix="tap-bench-") as tmp:
            for version in ("2.11", "1.4"):  # discover before latency slows it down
                catalog(server, version, Path(tmp))
        server.set_latency(args.latency_ms)
        rows = [Row("2+3: latency", "sandbox start-up", f"{server.startup_s:.1f} s",
                    f"{args.window_users:,} users over two years, {args.conversations:,} "
                    f"conversations; latency {args.latency_ms:.0f} ms "
                    "via PUT /_sandbox/settings; "
                    f"rate limit {NO_THROTTLE:,}/min (never throttles)")]
        if "2" not in args.skip.split(","):
            rows += window_rows(procs, server, tap_core, args.latency_ms, args.window_users)
        for version in ("2.11", "1.4"):
            for workers in args.parts_workers:
                rows += parts_rows(procs, server, tap_core, version, workers, args.latency_ms)
    return rows


# -- phase 4: complete lists and relationship streams at 100 ms -------------------------------

SUBLIST_ROUTES = ("/contacts/{id}/tags", "/contacts/{id}/companies", "/contacts/{id}/notes",
                  "/contacts/{id}/segments")


def sublist_requests(server: Server) -> dict[str, int]:
    """Requests of the last run per contact sub-list route."""
    routes = server.admin("GET", "stats")["routes"]
    return {route: sum(routes.get(f"GET {route}", {}).values()) for route in SUBLIST_ROUTES}


def relation_rows(procs: Processes, cores: tuple[set[int], set[int]],
                  args: argparse.Namespace) -> list[Row]:
    """Phase 4: what complete lists and relationship streams cost, per 1,000 contacts."""
    server_core, tap_core = cores
    users = args.relation_users
    phase = f"4: {args.latency_ms:.0f} ms, 2.11 relations"
    sizes = {"users": users, "leads": 0, "companies": 200, "conversations": 10, "events": 10}
    per_k = 1000 / users
    with tap_sandbox(procs, server_core, sizes) as server:
        with tempfile.TemporaryDirectory(prefix="tap-bench-") as tmp:
            catalog(server, "2.11", Path(tmp))
        server.set_latency(args.latency_ms)
        rows = []
        plans = (("users (lists made whole)", {"users"}),
                 ("+ contact_tags, contact_companies", {"users", "contact_tags",
                                                        "contact_companies"}),
                 ("+ contact_segments", {"users", "contact_tags", "contact_companies",
                                         "contact_segments"}))
        baseline: TapRun | None = None
        for label, streams in plans:
            run = run_tap(procs, server, tap_core, "2.11", 8, streams, timeout_s=900)
            calls = sublist_requests(server)
            seconds = run.sync_s.get("users", run.wall_s)
            extra = "" if baseline is None else (
                f"; over the first row: {(run.requests - baseline.requests) * per_k:,.0f} calls "
                f"and {(seconds - baseline.sync_s.get('users', 0)) * per_k:.2f} s per 1,000")
            rows.append(Row(phase, f"{label}: s per 1,000 contacts", f"{seconds * per_k:.2f}",
                            f"{run.requests * per_k:,.0f} calls per 1,000 contacts, of which "
                            f"sub-lists: " + ", ".join(f"{route.rsplit('/', 1)[1]} "
                                                       f"{n * per_k:,.1f}"
                                                       for route, n in calls.items())
                            + f"{extra}; {run.records.get('contact_tags', 0):,} contact_tags rows; "
                            f"{requests_note(run)}"))
            baseline = baseline or run
    return rows


# -- phase 5: delete capture at 100 ms latency ---------------------------------------------------


def intercom_call(server: Server, method: str, path: str, version: str, body: dict | None = None
                  ) -> None:
    """One request to the sandbox's Intercom API (not the admin API)."""
    request = urllib.request.Request(
        server.url + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {server.token}", "Intercom-Version": version,
                 "Accept": "application/json", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30):
        pass


def delete_rows(procs: Processes, cores: tuple[set[int], set[int]],
                args: argparse.Namespace) -> list[Row]:
    """Phase 5: what reading deletions costs, per 1,000 deleted conversations and contacts,
    and what versioned companies cost (every company re-emitted, no extra call)."""
    server_core, tap_core = cores
    n = args.deletions
    sizes = {"users": n * 2, "leads": 0, "companies": n, "conversations": n + 100, "events": 10}
    phase = f"5: {args.latency_ms:.0f} ms, deletes"
    with tap_sandbox(procs, server_core, sizes) as server:
        with tempfile.TemporaryDirectory(prefix="tap-bench-") as tmp:
            catalog(server, "Preview", Path(tmp))
        for conversation in server.admin("GET", "snapshot/conversations")["data"][:n]:
            intercom_call(server, "DELETE", f"/conversations/{conversation['id']}", "2.16")
        for contact in server.admin("GET", "snapshot/contacts")["data"][:n]:
            intercom_call(server, "DELETE", f"/contacts/{contact['id']}", "Preview")
        server.set_latency(args.latency_ms)
        rows = []
        for stream in ("deleted_conversations", "deleted_contacts"):
            run = run_tap(procs, server, tap_core, "Preview", 1, {stream})
            per = 1000 / max(1, run.records.get(stream, 0))
            rows.append(Row(phase, f"{stream}: per 1,000 deleted",
                            f"{run.requests * per:.1f} calls",
                            f"{run.wall_s * per:.2f} s wall ({run.records.get(stream, 0):,} "
                            f"records, {run.requests} requests, {run.wall_s:.2f} s)"))
        run = run_tap(procs, server, tap_core, "Preview", 1, {"companies"})
        rows.append(Row(phase, "companies: the scroll, for comparison",
                        f"{run.requests} calls", f"{run.records.get('companies', 0):,} records, "
                        f"{run.wall_s:.2f} s wall"))
    return rows


# -- phase 6: tickets with their parts at 100 ms latency -----------------------------------------


def ticket_rows(procs: Processes, cores: tuple[set[int], set[int]],
                args: argparse.Namespace) -> list[Row]:
    """Phase 6: tickets (2.x only) with their parts, on a sandbox of tickets."""
    server_core, tap_core = cores
    sizes = {"users": 1000, "leads": 0, "companies": 10, "conversations": 10, "events": 10,
             "tickets": args.tickets}
    with tap_sandbox(procs, server_core, sizes) as server:
        with tempfile.TemporaryDirectory(prefix="tap-bench-") as tmp:
            catalog(server, "2.11", Path(tmp))
        server.set_latency(args.latency_ms)
        rows = [Row("6: latency", "sandbox start-up", f"{server.startup_s:.1f} s",
                    f"{args.tickets:,} tickets; latency {args.latency_ms:.0f} ms")]
        for workers in args.parts_workers:
            rows += parts_rows(procs, server, tap_core, "2.11", workers, args.latency_ms,
                               parent="tickets", number="6")
    return rows


# -- main ---------------------------------------------------------------------------------------


def int_list(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--users", type=int, default=100_000, help="users of the no-latency runs")
    p.add_argument("--workers-no-latency", type=int_list, default=[1, 8],
                   help="max_workers of the 2.11 no-latency runs: the first twice, then the rest")
    p.add_argument("--window-users", type=int, default=30_000, help="users of the latency runs")
    p.add_argument("--conversations", type=int, default=400)
    p.add_argument("--tickets", type=int, default=400)
    p.add_argument("--parts-workers", type=int_list, default=[8, 16],
                   help="max_workers of the conversation_parts runs")
    p.add_argument("--latency-ms", type=float, default=100.0)
    p.add_argument("--relation-users", type=int, default=2000,
                   help="users of the complete-lists and relationship runs (phase 4)")
    p.add_argument("--deletions", type=int, default=1000,
                   help="conversations and contacts deleted before the phase 5 runs")
    p.add_argument("--skip", default="",
                   help="phases to skip, e.g. '1' or '2+3,4,5' (tickets alone: '1,2+3,4,5')")
    return p.parse_args(argv)


def raise_on_term(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, raise_on_term)
    cores = pick_cores()
    if cores[0] == cores[1]:
        print("warning: only one core available; sandbox and tap share it", file=sys.stderr)
    os.sched_setaffinity(0, cores[0])  # this script mostly waits; keep it off the tap's core
    print(f"tap sync benchmark: sandbox on core {min(cores[0])}, tap on core {min(cores[1])}; "
          "Singer messages go to /dev/null, figures come from the tap's METRIC lines", flush=True)
    started = time.perf_counter()
    procs = Processes()
    rows: list[Row] = []
    try:
        if "1" not in args.skip.split(","):
            rows += no_latency_rows(procs, cores, args)
        if "2+3" not in args.skip.split(","):
            rows += latency_rows(procs, cores, args)
        if "4" not in args.skip.split(","):
            rows += relation_rows(procs, cores, args)
        if "5" not in args.skip.split(","):
            rows += delete_rows(procs, cores, args)
        if "6" not in args.skip.split(","):
            rows += ticket_rows(procs, cores, args)
    finally:
        procs.stop_all()
        if rows:
            print(table(rows, RULE_WIDTH))
            print("-" * RULE_WIDTH)
    print(f"total {time.perf_counter() - started:.0f} s. Goals: {GOAL_USERS_PER_S:,} users/s "
          f"without latency; with latency, {GOAL_WINDOW_SPEEDUP:.0f}x the one-cursor users rate "
          f"and {GOAL_DETAIL_SHARE:.0%} of max_workers / latency conversation and ticket details/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
