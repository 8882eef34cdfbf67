"""The real server for end-to-end tests, and the qa command as a user runs it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

__all__ = ["RunningServer", "cli_command", "environment_without_settings", "run_cli"]

# Another install's qa to serve with (.ci/plain-install: the wheel with no extras).
INSTALLED_QA = [os.environ["QA_TEST_QA"]] if os.environ.get("QA_TEST_QA") else []


def cli_command(*args: str) -> list[str]:
    """The ``qa`` command with these arguments, run by this interpreter."""
    return [sys.executable, "-m", "cli", *args]


def environment_without_settings() -> dict[str, str]:
    """This process's environment without QA_ settings, for a child that must see only
    defaults, but sharing the session's ONNX export of the model."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("QA_") or key == "QA_ENCODER_CACHE"
    }


def run_cli(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 300,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``qa ARGS`` as a user runs it, with default settings but ``environment``; its
    output captured."""
    return subprocess.run(
        cli_command(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**environment_without_settings(), **(environment or {})},
        cwd=cwd,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningServer:
    """``qa serve`` on a free loopback port, with default settings but ``environment`` and
    a write token if given; without seeds, an empty index stays empty."""

    READY_TIMEOUT_SECONDS = 180.0

    def __init__(
        self,
        index_dir: Path,
        seeds: Path | None,
        token: str | None,
        log: Path,
        environment: dict[str, str] | None = None,
    ) -> None:
        self.environment = {**environment_without_settings(), **(environment or {})}
        if token is not None:
            self.environment["QA_API_TOKEN"] = token
        self.token = token
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        arguments = ["serve", "--index", str(index_dir)]
        arguments += ["--seed", str(seeds if seeds is not None else index_dir / "no-seeds")]
        arguments += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.command = [*INSTALLED_QA, *arguments] if INSTALLED_QA else cli_command(*arguments)
        self.log_path = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RunningServer:
        """Start it and wait until /readyz answers 200; RuntimeError with the end of its
        log when it exits or is not ready in time."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command, env=self.environment, stdout=log, stderr=log
            )
        deadline = time.monotonic() + self.READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self._log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server was not ready in time:\n{self._log_tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]
