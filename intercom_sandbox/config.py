"""Settings of one sandbox workspace and server."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

# 2026-01-01T00:00:00Z: seeded data is anchored here so that a seed always gives the same bytes.
DEFAULT_ANCHOR = 1767225600


@dataclass
class WorkspaceSize:
    """How many objects of each kind the generator creates."""

    users: int = 2000
    leads: int = 500
    companies: int = 200
    conversations: int = 400
    tags: int = 25
    segments: int = 10
    admins: int = 12
    teams: int = 4
    events: int = 1000
    long_conversations: int = 3
    tickets: int = 150
    long_tickets: int = 1
    articles: int = 40


@dataclass
class SandboxConfig:
    """Everything that shapes a sandbox: data, dialect defaults, limits, faults and timings."""

    seed: int = 1
    token: str = "sandbox-token"
    app_id: str = "sandbox"
    default_version: str = "2.11"
    timezone: str = "Europe/Dublin"
    anchor: int = DEFAULT_ANCHOR
    size: WorkspaceSize = field(default_factory=WorkspaceSize)
    rate_limit_per_minute: int = 10_000
    scroll_timeout_s: float = 60.0
    scroll_page_size: int = 100
    job_close_after_s: float = 900.0
    job_task_delay_s: float = 1.0
    error_feed_page_size: int = 50
    counts_v2: bool = True
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    faults: list[dict] = field(default_factory=list)

    def update(self, **changes: object) -> None:
        """Change settings by name, refusing unknown ones."""
        names = {f.name for f in fields(self)}
        for key, value in changes.items():
            if key not in names:
                raise ValueError(f"unknown setting {key!r}")
            setattr(self, key, value)
