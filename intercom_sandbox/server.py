"""Running the sandbox: a uvicorn server in the foreground, or in a thread for tests."""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType

import uvicorn

from intercom_sandbox.api.app import SandboxApp
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.config import SandboxConfig


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run_server(server: uvicorn.Server, sock: socket.socket, on_started=None) -> None:
    """Serve on a bound socket until asked to stop, on uvicorn's preferred event loop."""

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started and on_started:
            on_started()
        await task

    with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
        runner.run(main())


def make_server(config: SandboxConfig, log_level: str = "warning") -> tuple[uvicorn.Server,
                                                                               SandboxState]:
    state = SandboxState(config)
    uv_config = uvicorn.Config(SandboxApp(state), log_level=log_level, access_log=False,
                               lifespan="off", timeout_keep_alive=75, backlog=2048)
    return uvicorn.Server(uv_config), state


class Sandbox:
    """An in-process sandbox on a free port, for tests: `with Sandbox() as sb: sb.url`."""

    def __init__(self, config: SandboxConfig | None = None, host: str = "127.0.0.1") -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.server, self.state = make_server(self.config)
        self.sock = bind_socket(host, 0)
        self.url = url_of(self.sock, host)
        self._thread: threading.Thread | None = None

    @property
    def token(self) -> str:
        return self.config.token

    def start(self) -> Sandbox:
        self._thread = threading.Thread(
            target=run_server, args=(self.server, self.sock),
            name="intercom-sandbox", daemon=True)
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server did not start")
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread:
            self._thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
