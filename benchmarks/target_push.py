"""How fast target-intercom pushes 10,000 users and 10,000 events, on the 1.x bulk path, the 2.x
upsert path and the Preview bulk path (users in bulk jobs, events per record), into a sandbox
that adds 100 ms to every request; then what a re-push of the same, unchanged rows costs (the sync
store leaves them unsent).

Run: .venv/bin/python benchmarks/target_push.py [--records 10000] [--latency-ms 100] [--max-workers 32]
     [--rate-limit-per-minute 10000] [--links]   (--links: users also carry two teams as companies
     and two tags, both replaced)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import requests
from support import BIN, Sandbox, sandbox

BASE_TIME = 1767225600
SUMMARY = re.compile(r"summary: (?P<stream>\w+) -> \w+: (\d+) records: (?P<sent>\d+) sent, "
                     r"(\d+) accepted, (\d+) failed, (\d+) invalid \(not sent\)"
                     r"(?:, (?P<unchanged>\d+) unchanged \(not sent\))?(?:, (\d+) skipped \(sync mode\))?"
                     r"(?:, (\d+) jobs?)?, (?P<calls>\d+) API calls")
WRITE_METHODS = ("POST", "PUT", "DELETE")


class Server(Sandbox):
    """A running sandbox subprocess, spoken to with `requests`."""

    def api(self, method: str, path: str, **kwargs: object) -> dict:
        response = requests.request(method, self.url + path, timeout=60,
                                    headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        response.raise_for_status()
        return response.json()


@dataclass
class PathResult:
    """One path's run: time, records and the API calls it took."""

    name: str
    seconds: float
    records: int
    calls: dict[str, int]  # by stream, as the target counted them
    routes: dict[str, int]  # by route, as the sandbox counted them
    users_written: int
    events_written: int
    unchanged: int = 0  # records the sync store left unsent

    @property
    def writes(self) -> int:
        """Requests that change something (searches and job reads excluded)."""
        return sum(n for route, n in self.routes.items()
                   if route.split(" ")[0] in WRITE_METHODS and "search" not in route)

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds


def tool(name: str) -> str:
    exe = BIN / name
    if not exe.exists():
        raise SystemExit(f"{name} is not installed in this virtualenv (pip install -e .)")
    return str(exe)


def latency_sandbox(latency_ms: float, per_minute: int) -> AbstractContextManager[Server]:
    """`intercom-sandbox serve` with injected latency and a rate limit; always stopped
    afterwards."""
    return sandbox(Server, {"latency-ms": latency_ms, "users": 2000,
                            "rate-limit-per-minute": per_minute}, timeout_s=60)


def allowed_per_s(per_minute: int) -> float:
    """Requests a second the limit allows: `per_minute // 6` in each 10-second window."""
    return max(1, per_minute // 6) / 10


TEAMS, TAGS = 20, 5


def links_of(i: int) -> dict:
    """User i's two teams (of TEAMS, as companies) and two tags (of TAGS)."""
    return {"companies": [f"team-{i % TEAMS}", f"team-{(i * 7 + 3) % TEAMS}"],
            "tags": [f"tag-{i % TAGS}", f"tag-{(i + 2) % TAGS}"]}


def singer_input(records: int, prefix: str, links: bool = False) -> str:
    """`records` users (with memberships and tags when `links`), then one event per user, then a
    STATE."""
    users = {"type": "object", "properties": {
        "companies": {"type": "array", "items": {"type": "string"}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "user_id": {"type": "string"}, "email": {"type": "string"}, "name": {"type": "string"},
        "plan_name": {"type": "string"}, "seats": {"type": "integer"},
        "signed_up_at": {"type": "string", "format": "date-time"}}}
    events = {"type": "object", "properties": {
        "event_name": {"type": "string"}, "created_at": {"type": "integer"},
        "user_id": {"type": "string"}, "order_id": {"type": "string"}, "amount": {"type": "number"}}}
    lines = [{"type": "SCHEMA", "stream": "users", "schema": users, "key_properties": ["user_id"]}]
    lines += [{"type": "RECORD", "stream": "users", "record": {
        "user_id": f"{prefix}{i}", "email": f"{prefix}{i}@example.com", "name": f"Bench User {i}",
        "plan_name": "pro", "seats": i % 50, "signed_up_at": "2025-06-01T12:00:00Z",
        **(links_of(i) if links else {})}} for i in range(records)]
    lines.append({"type": "SCHEMA", "stream": "events", "schema": events, "key_properties": []})
    lines += [{"type": "RECORD", "stream": "events", "record": {
        "event_name": "placed-order", "created_at": BASE_TIME + i, "user_id": f"{prefix}{i}",
        "order_id": f"o-{i}", "amount": 19.99}} for i in range(records)]
    lines.append({"type": "STATE", "value": {"pushed": records}})
    return "".join(json.dumps(line) + "\n" for line in lines)


def push(server: Server, name: str, version: str, records: int, max_workers: int,
         tmp: Path, links: bool = False, again: bool = False) -> PathResult:
    """Reset the sandbox (unless pushing `again`), run the target CLI over the input, and count
    what it did."""
    if not again:
        server.api("POST", "/_sandbox/reset")
    prefix = f"bench-{version}-"
    config = {"access_token": server.token, "api_url": server.url, "api_version": version,
              "max_workers": max_workers, "errors_path": str(tmp / f"errors-{version}.jsonl"),
              **({"companies_mode": "replace", "tags_mode": "replace"} if links else {})}
    config_path = tmp / f"config-{version}.json"
    config_path.write_text(json.dumps(config))
    text = singer_input(records, prefix, links)
    server.api("DELETE", "/_sandbox/stats")
    started = time.monotonic()
    run = subprocess.run([tool("target-intercom"), "--config", str(config_path)], input=text,
                         capture_output=True, text=True)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        raise RuntimeError(f"target-intercom failed on {name}: {run.stderr[-2000:]}")
    summaries = list(SUMMARY.finditer(run.stderr))
    calls = {m["stream"]: int(m["calls"]) for m in summaries}
    unchanged = sum(int(m["unchanged"] or 0) for m in summaries)
    routes = {route: sum(statuses.values())
              for route, statuses in server.api("GET", "/_sandbox/stats")["routes"].items()}
    users = {c["id"] for c in server.api("GET", "/_sandbox/snapshot/users")["data"]
             if (c.get("external_id") or "").startswith(prefix)}
    events = [e for e in server.api("GET", "/_sandbox/snapshot/events")["data"]
              if e["contact_id"] in users and e["event_name"] == "placed-order"]
    return PathResult(name, seconds, 2 * records, calls, routes, len(users), len(events),
                      unchanged)


def report(results: list[PathResult], records: int, latency_ms: float, max_workers: int,
           per_minute: int) -> None:
    allowed = allowed_per_s(per_minute)
    print(f"\ntarget-intercom: {records:,} users + {records:,} events per path, sandbox latency "
          f"{latency_ms:g} ms per request, max_workers {max_workers} (2.x), rate limit "
          f"{per_minute:,}/min ({allowed:g} requests/s)\n")
    print(f"{'path':<38}{'seconds':>9}{'records/s':>11}{'API calls':>11}{'writes':>9}"
          f"{'calls/100 rec':>15}{'unchanged':>11}{'held (users, events)':>23}")
    for r in results:
        total = sum(r.calls.values())
        print(f"{r.name:<38}{r.seconds:>9.1f}{r.records_per_s:>11.0f}{total:>11,}{r.writes:>9,}"
              f"{100 * total / r.records:>15.2f}{r.unchanged:>11,}"
              f"{f'{r.users_written:,}, {r.events_written:,}':>23}")
    workers_could = (f"; {max_workers} workers at {latency_ms:g} ms could send "
                     f"{1000 * max_workers / latency_ms:.0f}/s" if latency_ms else "")
    print()
    for r in results:
        calls_per_s = sum(r.calls.values()) / r.seconds
        print(f"{r.name}: {r.records_per_s:.0f} records/s, {r.records_per_s / allowed:.0%} of "
              f"the rate limit's {allowed:g} requests/s ({calls_per_s:.0f} API calls/s, "
              f"{calls_per_s / allowed:.0%}{workers_could})")
    for r in results:
        per_record = {stream: round(n / (r.records / 2), 2) for stream, n in r.calls.items()}
        print(f"\n{r.name}: API calls by stream {r.calls}, per record {per_record}; "
              "by route (sandbox):")
        for route, count in sorted(r.routes.items(), key=lambda kv: -kv[1]):
            print(f"  {count:>7,}  {route}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=10_000, help="users, and as many events")
    p.add_argument("--latency-ms", type=float, default=100.0)
    p.add_argument("--max-workers", type=int, default=32, help="concurrent requests on 2.x")
    p.add_argument("--rate-limit-per-minute", type=int, default=10_000,
                   help="the sandbox's rate limit (its default), enforced in 10-second windows")
    p.add_argument("--paths", default="1.4,2.11,Preview",
                   help="API versions to run, comma-separated")
    p.add_argument("--links", action="store_true",
                   help="users carry two companies and two tags each (companies_mode and "
                        "tags_mode replace)")
    p.add_argument("--no-repush", dest="repush", action="store_false",
                   help="skip the second push of the same rows")
    args = p.parse_args(argv)
    extra = " + links" if args.links else ""
    names = {"1.4": f"1.x bulk jobs (1.4){extra}", "2.11": f"2.x upserts (2.11){extra}",
             "Preview": f"2.x bulk jobs (Preview){extra}"}
    results = []
    with latency_sandbox(args.latency_ms, args.rate_limit_per_minute) as server, \
            tempfile.TemporaryDirectory() as tmp:
        for version in args.paths.split(","):
            print(f"pushing through {names.get(version, version)}...", flush=True)
            name = names.get(version, version)
            results.append(push(server, name, version, args.records, args.max_workers, Path(tmp),
                                args.links))
            if args.repush:
                print(f"pushing the same rows again through {name}...", flush=True)
                results.append(push(server, f"{name}, unchanged again", version, args.records,
                                    args.max_workers, Path(tmp), args.links, again=True))
    report(results, args.records, args.latency_ms, args.max_workers, args.rate_limit_per_minute)
    return 0


if __name__ == "__main__":
    sys.exit(main())
