"""One-line failures for the singer-sdk command lines of the tap and the target, and the one
place where settings, catalogs, states and input files are checked before a run starts."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import IO, Any, ClassVar, NoReturn

import click
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from intercom_client.validation import InputError, problems

OWN_MODULES = ("tap_intercom", "target_intercom", "intercom_client", "singer_sdk")
FILE_OPTIONS = {"catalog": "--catalog", "state": "--state", "file_input": "--input"}


def one_line(exc: BaseException, plugin_env: str) -> str:
    """What went wrong, in one line."""
    if isinstance(exc, ConfigValidationError):
        text = "invalid config: " + "; ".join(str(e) for e in (exc.errors or [str(exc)]))
    elif type(exc).__module__.startswith(OWN_MODULES) or isinstance(exc, ValueError | OSError):
        text = (exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)) \
            or type(exc).__name__
    else:
        text = (f"unexpected {type(exc).__name__}: {exc} "
                f"(set {plugin_env}_LOGLEVEL=DEBUG for details)")
    return " ".join(text.split())


def config_secrets(config: Any, plugin_env: str) -> list[str]:
    """Access tokens the run may know: from --config files, parsed config and the environment."""
    found = [os.environ.get(f"{plugin_env}_ACCESS_TOKEN", "")]
    config = getattr(config, "config", config)  # the SDK's parsed --config input
    for item in config if isinstance(config, list | tuple) else [config]:
        if isinstance(item, str) and item != "ENV" and Path(item).is_file():
            try:
                found.append(str(json.loads(Path(item).read_text()).get("access_token") or ""))
            except (ValueError, OSError, AttributeError):
                continue
        elif isinstance(item, dict):
            found.append(str(item.get("access_token") or ""))
    return [secret for secret in found if len(secret) >= 4]


def fail(name: str, message: str, secrets: list[str]) -> NoReturn:
    """Write `name: message` to stderr, secrets masked, and exit 1."""
    for secret in secrets:
        message = message.replace(secret, "***")
    sys.stderr.write(f"{name}: {message}\n")
    sys.stderr.flush()
    sys.exit(1)


def read_json_file(option: str, path: str, schema: dict) -> Any:
    """A --catalog or --state file parsed and checked; InputError names the file and the problem."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {option} {path}: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{option} {path} is not JSON: {exc}") from None
    found = problems(value, schema)
    if found:
        raise InputError(f"{option} {path}: {found[0]}")
    return value


class CheckedFile(click.ParamType):
    """A file option read when the command line is parsed: a JSON file (--catalog, --state) is
    also checked against its schema, so a bad one stops the run before anything is emitted."""

    name = "file"

    def __init__(self, option: str, schema: dict | None, on_error: Callable[[Exception], None]):
        self.option = option
        self.schema = schema
        self.on_error = on_error

    @override
    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> IO[str]:
        if not isinstance(value, str):
            return value
        try:
            if self.schema is None:
                try:
                    return sys.stdin if value == "-" else open(value)
                except OSError as exc:
                    raise InputError(f"cannot read {self.option} {value}: "
                                     f"{exc.strerror or exc}") from None
            return io.StringIO(json.dumps(read_json_file(self.option, value, self.schema)))
        except InputError as exc:
            self.on_error(exc)
            raise


class OneLineFailures:
    """Mixin for a singer-sdk Tap or Target: settings, catalog and state are checked up front,
    and any failure ends in one error line and exit code 1."""

    name: str
    config_jsonschema: ClassVar[dict]
    catalog_jsonschema: dict | None = None
    state_jsonschema: dict | None = None

    @classmethod
    def get_plugin_version(cls) -> str:
        """The version of the one distribution that ships every plugin here (the SDK would look
        for a distribution named after the plugin)."""
        try:
            return metadata.version("intercom-connectors")
        except metadata.PackageNotFoundError:
            return "unknown"

    @classmethod
    def _env_prefix(cls) -> str:
        return cls.name.upper().replace("-", "_")

    @classmethod
    def _fail(cls, exc: BaseException, config: Any = None) -> NoReturn:
        cls.logger.debug("the run failed", exc_info=True)  # type: ignore[attr-defined]
        prefix = cls._env_prefix()
        fail(cls.name, one_line(exc, prefix), config_secrets(config, prefix))

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().invoke(*args, **kwargs)  # type: ignore[misc]
        except (SystemExit, KeyboardInterrupt, click.exceptions.Exit):
            raise
        except Exception as exc:
            cls._fail(exc, kwargs.get("config"))

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """Read --config files; an unreadable one is one error line, not a traceback."""
        try:
            for path in value:
                if path != "ENV":
                    read_json_file("--config", path, {"type": "object"})
            return super().cb_config(ctx, param, value)  # type: ignore[misc]
        except InputError as exc:
            fail(cls.name, str(exc), [])
        except Exception as exc:
            fail(cls.name, f"cannot read --config {' '.join(value)}: "
                           f"{one_line(exc, cls._env_prefix())}", [])

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command, with --catalog, --state and --input read by CheckedFile (the SDK's
        click.File gives a three-line usage error for a missing file) and every option callback
        (--discover, --test) failing in one line."""
        command: click.Command = super().get_singer_command()  # type: ignore[misc]
        schemas = {"catalog": cls.catalog_jsonschema, "state": cls.state_jsonschema}
        for param in command.params:
            if param.name in FILE_OPTIONS:
                param.type = CheckedFile(FILE_OPTIONS[param.name], schemas.get(param.name),
                                         cls._fail)
            if param.callback is not None and param.name != "config":
                param.callback = cls._guarded(param.callback)
        return command

    @classmethod
    def _guarded(cls, callback: Callable[..., Any]) -> Callable[..., Any]:
        def run(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
            try:
                return callback(ctx, param, value)
            except (SystemExit, KeyboardInterrupt, click.exceptions.Exit):
                raise
            except Exception as exc:
                cls._fail(exc, ctx.params.get("config"))
        return run

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Check the settings against `config_jsonschema`, filling in defaults as the SDK does.

        Bypasses the SDK's check, which neither checks formats (a `start_date` of "yesterday")
        nor says a problem in one line, and only warns when validation is off (discovery): here
        every problem stops the run before anything is read or sent. A null or empty setting
        counts as not set (Meltano passes an unset variable as one)."""
        self._config = {k: v for k, v in self._config.items()  # type: ignore[has-type]
                        if v is not None and v != ""}
        schema = self.config_jsonschema
        self.append_builtin_config(schema)  # type: ignore[attr-defined]
        found = problems(self._config, schema, fill_defaults=True)
        if found:
            raise InputError(f"invalid setting{'s' if len(found) > 1 else ''}: {'; '.join(found)}")
        return []
