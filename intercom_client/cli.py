"""Console entry points: the singer-sdk CLI, with any failure reported in one line."""

from __future__ import annotations

import logging
import sys
from typing import Any


def run(command: Any, name: str) -> None:
    """Run a singer-sdk plugin's click command; an exception becomes `name: message`, exit 1."""
    try:
        command.main(prog_name=name)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write(f"{name}: interrupted\n")
        sys.exit(130)
    except Exception as exc:
        logging.getLogger(name).debug("failure details", exc_info=True)
        message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        first_line = (message or type(exc).__name__).strip().splitlines()[0]
        sys.stderr.write(f"{name}: {first_line}\n")
        sys.exit(1)


class OneLineConfigErrors:
    """Mixin for singer-sdk plugins: invalid config ends in one line and exit code 1."""

    name: str

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        from singer_sdk.exceptions import ConfigValidationError

        try:
            return super()._validate_config(raise_errors=raise_errors)  # type: ignore[misc]
        except ConfigValidationError as exc:
            errors = "; ".join(str(e) for e in (exc.errors or [str(exc)]))
            secret = str(getattr(self, "config", {}).get("access_token") or "")
            if secret:
                errors = errors.replace(secret, "<access_token>")
            raise SystemExit(f"{self.name}: invalid config: {errors}") from None
