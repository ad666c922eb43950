"""Singer target for Intercom; `push_dataframe` writes a pandas DataFrame through it."""

from __future__ import annotations

from typing import Any

__all__ = ["TargetIntercom", "push_dataframe"]


def __getattr__(name: str) -> Any:
    """Import lazily, so the CLI does not load pandas."""
    if name == "push_dataframe":
        from target_intercom.dataframe_push import push_dataframe

        return push_dataframe
    if name == "TargetIntercom":
        from target_intercom.target import TargetIntercom

        return TargetIntercom
    raise AttributeError(f"module 'target_intercom' has no attribute {name!r}")
