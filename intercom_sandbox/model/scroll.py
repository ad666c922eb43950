"""The Scroll API's state machine: one open scroll per app, idle expiry, fixed page size."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from intercom_sandbox.config import SandboxConfig
from intercom_sandbox.model.errors import ApiError, not_found


@dataclass
class Scroll:
    """An open scroll over a snapshot of object ids."""

    param: str
    resource: str
    ids: list[str]
    position: int = 0
    last_used: float = 0.0
    pages_served: int = field(default=0)


class ScrollRegistry:
    """Holds the app's single scroll slot."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.current: Scroll | None = None

    def _live(self) -> Scroll | None:
        scroll = self.current
        if scroll and self.clock() - scroll.last_used > self.config.scroll_timeout_s:
            self.current = None
        return self.current

    def page(self, resource: str, param: str | None, snapshot: Callable[[], list[str]]
             ) -> tuple[str, list[str]]:
        """The next page of ids for a scroll, starting one when `param` is empty."""
        live = self._live()
        if not param:
            if live is not None:
                raise ApiError(400, "scroll_exists", "scroll already exists for this app")
            live = Scroll(param=str(uuid.uuid4()), resource=resource, ids=snapshot())
            self.current = live
        elif live is None or live.param != param or live.resource != resource:
            raise not_found("scroll parameter not found")
        start = live.position
        ids = live.ids[start:start + self.config.scroll_page_size]
        live.position = start + len(ids)
        live.last_used = self.clock()
        live.pages_served += 1
        if not ids:
            self.current = None  # the empty page ends the scroll and frees the slot
        return live.param, ids

    def kill(self) -> None:
        """Drop the open scroll, as Intercom does after an internal error mid-scroll."""
        self.current = None
