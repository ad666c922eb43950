"""The ASGI application: auth, version, pacing, faults and statistics around the two dialects."""

from __future__ import annotations

import asyncio
import base64
import re

from starlette.routing import Match, Route
from starlette.types import Message, Receive, Scope, Send

from intercom_sandbox.api import admin, links, v1, v2
from intercom_sandbox.api.responses import error_body
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.model.faults import FaultRule

VERSION_RE = re.compile(r"^(1)\.([0-4])$|^(2)\.([0-9]|1[0-6])$|^(Preview)$")
JSON_HEADERS = [(b"content-type", b"application/json")]


def dialect_of(version: str) -> int | None:
    """1 or 2 for a supported Intercom-Version value, None for an unknown one."""
    match = VERSION_RE.match(version.strip())
    if not match:
        return None
    return 1 if match.group(1) else 2


class SandboxApp:
    """Routes each request to the 1.x or 2.x API, or to the sandbox's admin API."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.routes = {1: v1.routes(state) + links.routes_v1(state),
                       2: v2.routes(state) + links.routes_v2(state)}
        self.admin_routes = admin.routes(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not self._authorised(headers.get("authorization", "")):
            await self._error(send, 401, "unauthorized", "Access Token Invalid")
            return
        if scope["path"].startswith("/_sandbox/"):
            await self._dispatch(self.admin_routes, scope, receive, send, count=False)
            return
        state = self.state
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            await self._serve_api(scope, receive, send, headers)
        finally:
            state.in_flight -= 1

    async def _serve_api(self, scope: Scope, receive: Receive, send: Send,
                         headers: dict[str, str]) -> None:
        """One Intercom API request, after authentication."""
        accept = headers.get("accept", "")
        if accept and not any(t in accept for t in ("json", "*/*", "application/*")):
            await self._error(send, 406, "media_type_not_acceptable",
                              "The Accept header should send a media type of application/json")
            return
        version = headers.get("intercom-version", self.state.config.default_version).strip()
        dialect = dialect_of(version)
        if dialect is None:
            await self._error(send, 400, "intercom_version_invalid",
                              f"The requested version {version!r} is not valid")
            return
        scope["intercom_version"] = version  # the resolved version, read by version-aware handlers
        if len(scope["path"]) > 1 and scope["path"].endswith("/"):
            # Intercom answers `/users/` as `/users`, and its SDKs send some paths that way.
            scope["path"] = scope["path"].rstrip("/") or "/"
            scope["raw_path"] = scope["path"].encode()
        delay = self.state.latency_s()
        if delay:
            await asyncio.sleep(delay)
        allowed, limit_headers = self.state.limiter.take()
        rate_headers = [(k.lower().encode(), v.encode()) for k, v in limit_headers.items()]
        route = f"{scope['method']} {scope['path']}"
        if not allowed:
            limit = self.state.limiter.limit
            await self._error(send, 429, "rate_limit_exceeded",
                              f"Exceeded rate limit of {limit} in 10_seconds", rate_headers)
            self.state.record(self._template(dialect, scope) or route, 429)
            return
        fault = self.state.faults.pick(scope["method"], scope["path"],
                                       scope["path"].endswith("/scroll")
                                       and b"scroll_param=" in scope["query_string"])
        reply = self._with_headers(send, rate_headers)
        if fault is not None and fault.kind == "slow":
            # The request is applied at once; only its answer comes late (or never reaches a
            # client that gave up), as when Intercom is slow to respond.
            reply = self._delayed(reply, fault.delay_s)
        elif fault is not None:
            self.state.record(self._template(dialect, scope) or route,
                              await self._inject(fault, send, rate_headers))
            return
        self.state.workspace.jobs.process_due()
        self.state.workspace.bulk_jobs.process_due()
        await self._dispatch(self.routes[dialect], scope, receive, reply, count=True)

    # -- helpers ------------------------------------------------------------------------------

    def _authorised(self, value: str) -> bool:
        scheme, _, credentials = value.partition(" ")
        token = self.state.config.token
        if scheme.lower() == "bearer":
            return credentials.strip() == token
        if scheme.lower() == "basic":
            try:
                user, _, _password = base64.b64decode(credentials.strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return user == token
        return False

    def _template(self, dialect: int, scope: Scope) -> str | None:
        for route in self.routes[dialect]:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return f"{scope['method']} {route.path}"
        return None

    @staticmethod
    def _delayed(send: Send, delay_s: float) -> Send:
        """A send that holds the response back for `delay_s` seconds."""
        async def delayed(message: Message) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(delay_s)
            await send(message)
        return delayed

    def _with_headers(self, send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)
        return wrapped

    async def _dispatch(self, routes: list[Route], scope: Scope, receive: Receive, send: Send,
                        count: bool) -> None:
        partial: Route | None = None
        for route in routes:
            match, child = route.matches(scope)
            if match == Match.FULL:
                scope.update(child)
                status = 500

                async def counting_send(message: Message) -> None:
                    nonlocal status
                    if message["type"] == "http.response.start":
                        status = message["status"]
                    await send(message)

                try:
                    await route.handle(scope, receive, counting_send)
                finally:
                    if count:
                        self.state.record(f"{scope['method']} {route.path}", status)
                return
            if match == Match.PARTIAL and partial is None:
                partial = route
        if partial is not None:
            await self._error(send, 405, "method_not_allowed",
                              f"{scope['method']} is not allowed on {scope['path']}")
        else:
            await self._error(send, 404, "not_found", "Resource Not Found")
        if count:
            self.state.record(f"{scope['method']} <unmatched>", 405 if partial else 404)

    async def _error(self, send: Send, status: int, code: str, message: str,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
        body = error_body(status, code, message)
        await send({"type": "http.response.start", "status": status,
                    "headers": JSON_HEADERS + [(b"content-length", str(len(body)).encode())]
                    + (headers or [])})
        await send({"type": "http.response.body", "body": body})

    async def _inject(self, fault: FaultRule, send: Send,
                      rate_headers: list[tuple[bytes, bytes]]) -> int:
        """Answer with the fault instead of the request; returns the status sent."""
        kind = fault.kind
        if kind in ("500", "503"):
            code, message = (("server_error", "Server Error") if kind == "500"
                             else ("service_unavailable",
                                   "Sorry, the API service is temporarily unavailable"))
            await self._error(send, int(kind), code, message, rate_headers)
            return int(kind)
        if kind == "403":  # the token lacks a permission, or the plan lacks the API
            await self._error(send, 403, "api_plan_restricted", "Active subscription needed.",
                              rate_headers)
            return 403
        if kind == "404":  # the object is gone, e.g. a conversation deleted mid-sync
            await self._error(send, 404, "not_found", "Resource Not Found", rate_headers)
            return 404
        if kind == "scroll_restart":
            self.state.workspace.scrolls.kill()
            await self._error(send, 500, "server_error",
                              "Request failed due to an internal network error. "
                              "Please restart the scroll operation.", rate_headers)
            return 500
        if kind == "429":
            exhausted = [(k.lower().encode(), v.encode())
                         for k, v in self.state.limiter.exhaust().items()]
            await self._error(send, 429, "rate_limit_exceeded",
                              f"Exceeded rate limit of {self.state.limiter.limit} in 10_seconds",
                              exhausted)
            return 429
        if kind == "502":
            await self._raw(send, 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                            b"text/html")
            return 502
        if kind == "nonjson":
            await self._raw(send, 200, b"<html><body>Maintenance</body></html>", b"text/html",
                            rate_headers)
            return 200
        if kind == "empty":
            await self._raw(send, 200, b"", b"application/json", rate_headers)
            return 200
        if kind == "truncate":
            body = b'{"type":"list","data":[{"type":"contact","id":"' + b"0" * 256 + b'"}]}'
            await send({"type": "http.response.start", "status": 200,
                        "headers": JSON_HEADERS + rate_headers
                        + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body[: len(body) // 2],
                        "more_body": True})
        drop_connection(send)
        return 599

    async def _raw(self, send: Send, status: int, body: bytes, content_type: bytes,
                   headers: list[tuple[bytes, bytes]] | None = None) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type),
                                (b"content-length", str(len(body)).encode())] + (headers or [])})
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def drop_connection(send: Send) -> None:
    """Close the client's connection without (finishing) a response; needs uvicorn's cycle."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("dropping a connection needs uvicorn's HTTP protocol")
    transport.close()
    cycle.disconnected = True
