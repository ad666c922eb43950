"""How fast the sandbox serves 2.x contact list pages of 150, and how it holds injected latency.

Run: .venv/bin/python benchmarks/sandbox_serving.py [--contacts 100000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from support import NO_THROTTLE, Row, Sandbox, cpu_times, pick_cores, process_cpu_s, sandbox, table

GOAL_PAGES_PER_CORE_S = 300
PER_PAGE = 150
VERSION = "2.11"
CONTACT_MARK = b'{"type":"contact",'
CURSOR_MARK = b'"starting_after":"'


class Server(Sandbox):
    """A running sandbox subprocess, spoken to over raw HTTP connections."""

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "127.0.0.1", parts.port or 80

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Intercom-Version": VERSION}


@dataclass
class Tally:
    """What the client threads of one run counted."""

    requests: int = 0
    contacts: int = 0
    busy_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, requests: int, contacts: int, busy_s: float) -> None:
        with self.lock:
            self.requests += requests
            self.contacts += contacts
            self.busy_s += busy_s


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status") as fh:
        line = next(ln for ln in fh if ln.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


# -- the server ---------------------------------------------------------------------------------


def serving_sandbox(contacts: int, core: set[int]) -> AbstractContextManager[Server]:
    """A sandbox of `contacts` (80% users, 20% leads) that never throttles, pinned to `core`."""
    users = contacts * 4 // 5
    return sandbox(Server, {"users": users, "leads": contacts - users,
                            "rate-limit-per-minute": NO_THROTTLE}, core)


# -- HTTP ---------------------------------------------------------------------------------------


def connect(server: Server) -> http.client.HTTPConnection:
    host, port = server.host_port
    return http.client.HTTPConnection(host, port, timeout=60)


def fetch(conn: http.client.HTTPConnection, server: Server, method: str, path: str,
          body: bytes | None = None) -> bytes:
    """One request on a keep-alive connection; the body, or an error for any status but 200."""
    headers = server.headers
    if body is not None:
        headers = {**headers, "Content-Type": "application/json"}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{method} {path} answered {resp.status}: {data[:200]!r}")
    return data


def page_path(cursor: str | None) -> str:
    path = f"/contacts?per_page={PER_PAGE}"
    return f"{path}&starting_after={quote(cursor, safe='')}" if cursor else path


def cheap_cursor(body: bytes) -> str | None:
    """The next cursor, found in the body's tail (`pages` comes last) without parsing JSON."""
    tail = body[-400:]
    start = tail.rfind(CURSOR_MARK)
    if start < 0:
        return None
    start += len(CURSOR_MARK)
    return tail[start:tail.index(b'"', start)].decode()


# -- phase A: a verified walk, then throughput ---------------------------------------------------


def verify_walk(server: Server, expected: int) -> tuple[int, float]:
    """Walk every page, parsing it fully; every contact must come exactly once. (pages, secs)."""
    conn = connect(server)
    seen: set[str] = set()
    pages, cursor, total = 0, None, None
    started = time.perf_counter()
    while True:
        body = fetch(conn, server, "GET", page_path(cursor))
        doc = json.loads(body)
        pages += 1
        total = doc["total_count"] if total is None else total
        ids = [c["id"] for c in doc["data"]]
        if body.count(CONTACT_MARK) != len(ids):
            raise AssertionError("the cheap contact count disagrees with the parsed page")
        if seen.intersection(ids) or len(set(ids)) != len(ids):
            raise AssertionError(f"page {pages} repeats contacts")
        seen.update(ids)
        cursor = (doc["pages"].get("next") or {}).get("starting_after")
        if cheap_cursor(body) != cursor:
            raise AssertionError("the cheap cursor disagrees with the parsed page")
        if not cursor:
            break
    elapsed = time.perf_counter() - started
    conn.close()
    if not total == len(seen) == expected:
        raise AssertionError(f"walk saw {len(seen)} contacts, total_count {total}, "
                             f"expected {expected}")
    return pages, elapsed


def walker(server: Server, deadline: float, tally: Tally) -> None:
    """Walk the cursor pages again and again until the deadline."""
    conn = connect(server)
    pages = contacts = 0
    busy = 0.0
    cursor: str | None = None
    try:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            body = fetch(conn, server, "GET", page_path(cursor))
            busy += time.perf_counter() - t0
            pages += 1
            contacts += body.count(CONTACT_MARK)
            cursor = cheap_cursor(body)
    except Exception as exc:
        tally.errors.append(repr(exc))
    finally:
        conn.close()
        tally.add(pages, contacts, busy)


def measured(server: Server, clients: int, seconds: float,
             work: Callable[[Server, float, Tally], None]) -> tuple[Tally, float, float, float]:
    """Run `clients` threads of `work` for `seconds`: tally, wall, server CPU and client CPU."""
    tally = Tally()
    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=work, args=(server, deadline, tally), daemon=True)
               for _ in range(clients)]
    cpu0, own0, t0 = process_cpu_s(server.proc.pid), time.process_time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    server_cpu = process_cpu_s(server.proc.pid) - cpu0
    if tally.errors:
        raise RuntimeError(f"{len(tally.errors)} client(s) failed, first: {tally.errors[0]}")
    return tally, wall, server_cpu, time.process_time() - own0


def first_walk_rows(server: Server, contacts: int) -> list[Row]:
    """The verified walk on a fresh server, where every contact is rendered for the first time."""
    pid = server.proc.pid
    (user0, sys0), rss0 = cpu_times(pid), rss_mb(pid)
    pages, walk_s = verify_walk(server, contacts)
    (user1, sys1), rss1 = cpu_times(pid), rss_mb(pid)
    cpu = user1 - user0 + sys1 - sys0
    per_core = pages / cpu if cpu else float("nan")
    name = "A0: first walk, cold cache"
    return [
        Row(name, "correctness", "ok", f"{pages} pages, {contacts:,} ids once each, "
            "total_count matches (1 client, full JSON parse)"),
        Row(name, "pages/s", f"{pages / walk_s:,.0f}", "the client parses every page"),
        Row(name, "pages per server CPU-s", f"{per_core:,.0f}", goal_note(per_core)),
        Row(name, "server user / sys CPU", f"{1000 * (user1 - user0) / pages:.2f} / "
            f"{1000 * (sys1 - sys0) / pages:.2f}", "ms per page"),
        Row(name, "server RSS", f"{rss1:,.0f} MB", f"{rss1 - rss0:+,.0f} MB during the walk"),
    ]


def goal_note(pages_per_core_s: float) -> str:
    ratio = pages_per_core_s / GOAL_PAGES_PER_CORE_S
    return (f"{ratio:.2f}x the goal of {GOAL_PAGES_PER_CORE_S}/core-s "
            f"({GOAL_PAGES_PER_CORE_S * PER_PAGE // 1000}k contacts)")


def throughput_rows(server: Server, clients: int, seconds: float) -> list[Row]:
    """Phase A: concurrent keep-alive walkers for a fixed time."""
    tally, wall, server_cpu, client_cpu = measured(server, clients, seconds, walker)
    pages_s = tally.requests / wall
    server_cpu = server_cpu or float("nan")
    per_core = tally.requests / server_cpu
    name = f"A: {clients} walkers, warm, {wall:.0f}s"
    return [
        Row(name, "pages/s", f"{pages_s:,.0f}", f"{tally.requests:,} pages"),
        Row(name, "contacts/s", f"{tally.contacts / wall:,.0f}", f"{tally.contacts:,} contacts"),
        Row(name, "pages per server CPU-s", f"{per_core:,.0f}", goal_note(per_core)),
        Row(name, "contacts per server CPU-s", f"{tally.contacts / server_cpu:,.0f}"),
        Row(name, "server / client CPU", f"{server_cpu / wall:.0%} / {client_cpu / wall:.0%}",
            "of one core each"),
        Row(name, "mean page latency", f"{1000 * tally.busy_s / max(tally.requests, 1):.1f} ms",
            "seen by a client"),
    ]


# -- phase B: injected latency under concurrency ------------------------------------------------


def small_requester(path: str) -> Callable[[Server, float, Tally], None]:
    """A client doing one small GET after another until the deadline."""
    def run(server: Server, deadline: float, tally: Tally) -> None:
        conn = connect(server)
        count, busy = 0, 0.0
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                fetch(conn, server, "GET", path)
                busy += time.perf_counter() - t0
                count += 1
        except Exception as exc:
            tally.errors.append(repr(exc))
        finally:
            conn.close()
            tally.add(count, 0, busy)
    return run


def set_latency(server: Server, latency_ms: float) -> None:
    conn = connect(server)
    fetch(conn, server, "PUT", "/_sandbox/settings",
          json.dumps({"latency_ms": latency_ms}).encode())
    conn.close()


def latency_rows(server: Server, latency_ms: float, levels: list[int], seconds: float,
                 path: str) -> list[Row]:
    """Phase B: `levels` concurrent clients doing small requests against injected latency."""
    set_latency(server, latency_ms)
    rows = []
    try:
        for clients in levels:
            tally, wall, server_cpu, _ = measured(server, clients, seconds, small_requester(path))
            rate = tally.requests / wall
            ideal = clients / (latency_ms / 1000)
            name = f"B: {clients} clients, {latency_ms:.0f} ms"
            mean_ms = 1000 * tally.busy_s / max(tally.requests, 1)
            rows += [
                Row(name, "requests/s", f"{rate:,.0f}",
                    f"{rate / ideal:.0%} of the ideal {ideal:,.0f}"),
                Row(name, "in flight (req/s x latency)", f"{rate * latency_ms / 1000:.1f}",
                    f"of {clients} clients"),
                Row(name, "mean request time", f"{mean_ms:.1f} ms",
                    f"{mean_ms - latency_ms:+.1f} ms over the injected"),
                Row(name, "server CPU", f"{server_cpu / wall:.0%}",
                    f"of one core, {1000 * server_cpu / max(tally.requests, 1):.2f} ms/request"),
            ]
    finally:
        set_latency(server, 0)
    return rows


# -- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--contacts", type=int, default=100_000, help="workspace size (80%% users)")
    p.add_argument("--seconds", type=float, default=10.0, help="duration of phase A")
    p.add_argument("--clients", type=int, default=4, help="concurrent walkers in phase A")
    p.add_argument("--latency-ms", type=float, default=100.0, help="latency injected in B")
    p.add_argument("--levels", default="32,64", help="concurrent clients in phase B")
    p.add_argument("--latency-seconds", type=float, default=8.0, help="duration of each level")
    p.add_argument("--small-path", default="/contacts?per_page=1", help="request of phase B")
    return p.parse_args(argv)


def run(args: argparse.Namespace) -> list[Row]:
    """Start the server, run both phases, and return the table's rows."""
    server_core, client_core = pick_cores()
    with serving_sandbox(args.contacts, server_core) as server:
        os.sched_setaffinity(0, client_core)
        rows = [Row("setup", "server start-up", f"{server.startup_s:.1f} s",
                    f"{args.contacts:,} contacts, server on core {min(server_core)}, "
                    f"client on core {min(client_core)}")]
        rows += first_walk_rows(server, args.contacts)
        rows += throughput_rows(server, args.clients, args.seconds)
        levels = [int(n) for n in args.levels.split(",") if n.strip()]
        rows += latency_rows(server, args.latency_ms, levels, args.latency_seconds,
                             args.small_path)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"sandbox serving benchmark: 2.x GET /contacts pages of {PER_PAGE} from a workspace of "
          f"{args.contacts:,} contacts, server pinned to one core", flush=True)
    if len(os.sched_getaffinity(0)) < 2:
        print("warning: only one core available; server and client share it", file=sys.stderr)
    started = time.perf_counter()
    rows = run(args)
    print(table(rows))
    print("-" * 100)
    print(f"total {time.perf_counter() - started:.0f} s; goal: {GOAL_PAGES_PER_CORE_S} pages "
          f"({GOAL_PAGES_PER_CORE_S * PER_PAGE:,} contacts) per second on one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
