"""What the benchmark scripts share: the sandbox subprocess, cores and CPU time, the results table.

Not run on its own: the scripts beside it import it as `support` (a script's own folder comes
first on `sys.path` when it is run as `.venv/bin/python benchmarks/<name>.py`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

NO_THROTTLE = 100_000_000  # requests per minute: the sandbox never answers 429
TICKS = os.sysconf("SC_CLK_TCK")
BIN = Path(sys.executable).parent

# -- cores and CPU time -------------------------------------------------------------------------


def pick_cores() -> tuple[set[int], set[int]]:
    """One core for the server and another for its client (the same one if only one)."""
    cores = sorted(os.sched_getaffinity(0))
    return {cores[0]}, {cores[-1]}


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a running process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as fh:
        after_name = fh.read().rsplit(")", 1)[1].split()
    return int(after_name[11]) / TICKS, int(after_name[12]) / TICKS


def process_cpu_s(pid: int) -> float:
    """User plus system CPU seconds of a running process."""
    return sum(cpu_times(pid))


# -- processes ----------------------------------------------------------------------------------


def start_pinned(args: list[str], core: set[int] | None, **kwargs: object) -> subprocess.Popen:
    """Start `args` as a subprocess, pinned to `core` unless it is None."""
    pin = None if core is None else (lambda: os.sched_setaffinity(0, core))
    return subprocess.Popen(args, preexec_fn=pin, **kwargs)  # type: ignore[call-overload]


def stop(proc: subprocess.Popen) -> None:
    """Interrupt a process, then kill it if it lingers."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- the sandbox --------------------------------------------------------------------------------


@dataclass
class Sandbox:
    """A running `intercom-sandbox serve` subprocess, its address and how long it took to start."""

    proc: subprocess.Popen
    url: str
    token: str
    startup_s: float


S = TypeVar("S", bound=Sandbox)


def sandbox_cli() -> list[str]:
    """The `intercom-sandbox` command of this virtualenv, or its module run by this Python."""
    exe = BIN / "intercom-sandbox"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "intercom_sandbox.cli"]


def serve_command(ready_file: str, options: dict[str, object]) -> list[str]:
    """`intercom-sandbox serve` on a free port, with `--name value` for each of `options`."""
    flags = [part for name, value in options.items() for part in (f"--{name}", str(value))]
    return [*sandbox_cli(), "serve", "--port", "0", "--ready-file", ready_file, *flags]


def wait_ready(proc: subprocess.Popen, ready_file: Path, timeout_s: float) -> dict:
    """The ready file's content, once the server writes it."""
    deadline = time.monotonic() + timeout_s
    while not ready_file.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"the sandbox exited with status {proc.returncode} before ready")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the sandbox was not ready after {timeout_s:.0f}s")
        time.sleep(0.05)
    return json.loads(ready_file.read_text())


@contextmanager
def sandbox(kind: type[S], options: dict[str, object], core: set[int] | None = None, *,
            start: Callable[..., subprocess.Popen] = start_pinned,
            timeout_s: float = 300) -> Iterator[S]:
    """A sandbox served with `options`, pinned to `core`, as a `kind`; always stopped afterwards.

    `start(args, core, **popen_kwargs)` launches it, so a caller can keep track of its processes.
    """
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        ready = Path(tmp) / "ready.json"
        started = time.perf_counter()
        proc = start(serve_command(str(ready), options), core, stdout=subprocess.DEVNULL)
        try:
            info = wait_ready(proc, ready, timeout_s)
            yield kind(proc, info["url"], info["token"], time.perf_counter() - started)
        finally:
            stop(proc)


# -- the results table --------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    phase: str
    figure: str
    value: str
    note: str = ""


def table(rows: list[Row], rule_width: int = 100) -> str:
    """Rows as aligned columns under a rule, a blank line between phases."""
    head = Row("phase", "figure", "value", "note")
    widths = [max(len(getattr(r, f)) for r in [head, *rows]) for f in ("phase", "figure", "value")]

    def line(r: Row) -> str:
        return (f"{r.phase:<{widths[0]}}  {r.figure:<{widths[1]}}  {r.value:>{widths[2]}}  "
                f"{r.note}").rstrip()

    out, last = [line(head), "-" * rule_width], None
    for r in rows:
        if last is not None and r.phase != last:
            out.append("")
        out.append(line(r))
        last = r.phase
    return "\n".join(out)


# -- one process's own figures --------------------------------------------------------------------


@dataclass
class Finished:
    """How a child process ended: exit code, wall seconds, CPU seconds and peak RSS (its own
    and its waited-for descendants', as wait4 reports them)."""

    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float


def wait_usage(proc: subprocess.Popen, started: float) -> Finished:
    """Reap `proc` with wait4, so its own CPU time and peak RSS are known (Popen.wait drops them)."""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Finished(proc.returncode, time.perf_counter() - started,
                    usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def peak_rss_mib(pid: int) -> float:
    """The peak resident set (VmHWM) of a running process, in MiB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0
