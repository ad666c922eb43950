"""One-line failures for the singer-sdk command lines of the tap and the target."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from singer_sdk.exceptions import ConfigValidationError

OWN_MODULES = ("tap_intercom", "target_intercom", "intercom_client", "singer_sdk")


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
    """Access tokens the run may know: from --config files and the environment."""
    found = [os.environ.get(f"{plugin_env}_ACCESS_TOKEN", "")]
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


class OneLineFailures:
    """Mixin for a singer-sdk Tap or Target: any failure ends in one error line and exit code 1."""

    name: str

    @classmethod
    def _env_prefix(cls) -> str:
        return cls.name.upper().replace("-", "_")

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().invoke(*args, **kwargs)  # type: ignore[misc]
        except (SystemExit, KeyboardInterrupt, click.exceptions.Exit):
            raise
        except Exception as exc:
            cls.logger.debug("the run failed", exc_info=True)  # type: ignore[attr-defined]
            prefix = cls._env_prefix()
            fail(cls.name, one_line(exc, prefix), config_secrets(kwargs.get("config"), prefix))

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """Read --config files; an unreadable one is one error line, not a traceback."""
        try:
            return super().cb_config(ctx, param, value)  # type: ignore[misc]
        except Exception as exc:
            fail(cls.name, f"cannot read --config {' '.join(value)}: "
                           f"{one_line(exc, cls._env_prefix())}", [])
