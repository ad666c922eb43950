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
