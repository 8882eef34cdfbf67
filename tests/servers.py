"""Starting the real server in a subprocess on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

READY_TIMEOUT_SECONDS = 180


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment_without_settings() -> dict[str, str]:
    """This process's environment without QA_ settings, for a child that must see only
    defaults, but sharing the session's ONNX export of the model."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("QA_") or key == "QA_ENCODER_CACHE"
    }


def cli_command(*args: str) -> list[str]:
    """The ``qa`` command with these arguments, run by this test run's interpreter."""
    return [sys.executable, "-m", "cli", *args]


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``qa ARGS`` as a user runs it, with default settings; its output captured."""
    return subprocess.run(
        cli_command(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment_without_settings(),
        cwd=cwd,
        check=False,
    )


class RunningServer:
    """``qa serve`` over an index directory, as a user would start it."""

    def __init__(
        self,
        index_dir: Path,
        seeds: Path | None,
        token: str | None,
        log: Path,
        environment: dict[str, str] | None = None,
    ) -> None:
        self.environment = environment or {}
        self.index_dir = index_dir
        self.seeds = seeds
        self.token = token
        self.log_path = log
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RunningServer:
        env = environment_without_settings()
        env.update(self.environment)
        if self.token is not None:
            env["QA_API_TOKEN"] = self.token
        command = cli_command("serve", "--index", str(self.index_dir))
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += [
            "--seed",
            str(self.seeds if self.seeds is not None else self.index_dir / "none"),
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise RuntimeError(
            f"the server was not ready in time:\n{self.log_path.read_text()[-3000:]}"
        )

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
