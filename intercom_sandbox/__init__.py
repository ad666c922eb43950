"""A local Intercom API server for the tap, the target and the tests."""

from intercom_sandbox.config import SandboxConfig, WorkspaceSize
from intercom_sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxConfig", "WorkspaceSize"]
