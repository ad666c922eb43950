"""`intercom-sandbox serve`: run a local Intercom API for the tap, the target and the tests."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from dataclasses import fields
from typing import NoReturn
from zoneinfo import ZoneInfo

from intercom_sandbox.config import SandboxConfig, WorkspaceSize
from intercom_sandbox.model.errors import ApiError
from intercom_sandbox.model.faults import parse_rules
from intercom_sandbox.server import bind_socket, make_server, run_server, url_of


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line, without the usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"intercom-sandbox: {message} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="intercom-sandbox", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the sandbox API until interrupted")
    defaults = SandboxConfig()
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port")
    s.add_argument("--token", default=defaults.token, help="the access token it accepts")
    s.add_argument("--seed", type=int, default=defaults.seed)
    s.add_argument("--ready-file", help="write {url, token} here once requests are accepted")
    for f in fields(WorkspaceSize):
        s.add_argument(f"--{f.name.replace('_', '-')}", type=int, default=f.default,
                       help=f"how many {f.name.replace('_', ' ')} to generate")
    s.add_argument("--timezone", default=defaults.timezone,
                   help="workspace time zone for day-granular search on dates")
    s.add_argument("--default-version", default=defaults.default_version,
                   help="Intercom-Version used when a request sends none")
    s.add_argument("--rate-limit-per-minute", type=int, default=defaults.rate_limit_per_minute)
    s.add_argument("--scroll-timeout-s", type=float, default=defaults.scroll_timeout_s)
    s.add_argument("--scroll-page-size", type=int, default=defaults.scroll_page_size)
    s.add_argument("--job-close-after-s", type=float, default=defaults.job_close_after_s)
    s.add_argument("--job-task-delay-s", type=float, default=defaults.job_task_delay_s)
    s.add_argument("--latency-ms", type=float, default=0.0)
    s.add_argument("--jitter-ms", type=float, default=0.0)
    s.add_argument("--faults", default="",
                   help="JSON list of rules or short forms like '503:0.1@/contacts*,drop:0.01'")
    s.add_argument("--no-counts-v2", action="store_true", help="answer /counts 404 on 2.x")
    s.add_argument("--log-level", default="warning")
    return p


def config_from(args: argparse.Namespace) -> SandboxConfig:
    size = WorkspaceSize(**{f.name: getattr(args, f.name) for f in fields(WorkspaceSize)})
    for name, value in vars(args).items():
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ValueError(f"--{name.replace('_', '-')} must not be negative")
    return SandboxConfig(
        seed=args.seed, token=args.token, default_version=args.default_version,
        timezone=args.timezone, size=size, rate_limit_per_minute=args.rate_limit_per_minute,
        scroll_timeout_s=args.scroll_timeout_s, scroll_page_size=args.scroll_page_size,
        job_close_after_s=args.job_close_after_s, job_task_delay_s=args.job_task_delay_s,
        latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, faults=parse_rules(args.faults),
        counts_v2=not args.no_counts_v2,
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        ZoneInfo(args.timezone)
        config = config_from(args)
        sock = bind_socket(args.host, args.port)
    except ApiError as exc:
        print(f"intercom-sandbox: {exc.message}", file=sys.stderr)
        return 2
    except (ValueError, OSError, KeyError) as exc:
        print(f"intercom-sandbox: {exc}", file=sys.stderr)
        return 2
    url = url_of(sock, args.host)
    server, _state = make_server(config, args.log_level)

    def announce() -> None:
        print(f"intercom-sandbox serving {url} access token {config.token}", flush=True)
        if args.ready_file:
            tmp = f"{args.ready_file}.tmp"
            with open(tmp, "w") as fh:
                json.dump({"url": url, "token": config.token}, fh)
            os.replace(tmp, args.ready_file)

    with contextlib.suppress(KeyboardInterrupt):
        run_server(server, sock, announce)
    return 0


if __name__ == "__main__":
    sys.exit(main())
