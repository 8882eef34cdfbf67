"""``qa serve`` over an index directory in a subprocess, on a free loopback port: the real
server as a user starts it, for the benchmark and the end-to-end tests."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli_command(*args: str) -> list[str]:
    """The ``qa`` command with these arguments, run by this interpreter."""
    return [sys.executable, "-m", "cli", *args]


class ServedIndex:
    def __init__(
        self,
        index_dir: Path,
        log: Path,
        *,
        seeds: Path | None = None,
        environment: dict[str, str] | None = None,
        qa: Sequence[str] = (),
    ) -> None:
        """``qa``: the command that runs qa, another install's for instance (default: this
        interpreter's)."""
        self.index_dir = index_dir
        self.qa = list(qa)
        self.log_path = log
        # Without seeds, a directory that does not exist: an empty index stays empty.
        self.seeds = seeds if seeds is not None else index_dir / "no-seeds"
        self.environment = environment
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def start(self) -> ServedIndex:
        arguments = ["serve", "--index", str(self.index_dir), "--seed", str(self.seeds)]
        command = [*self.qa, *arguments] if self.qa else cli_command(*arguments)
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.started = time.perf_counter()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, env=self.environment, stdout=log, stderr=log)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, "start the server first"
        return self.process.pid

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Seconds from the start until /readyz answered 200; RuntimeError with the end of
        the server's log when it exits or is not ready in time."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            assert self.process is not None, "start the server first"
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self._log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"the server was not ready in {timeout:.0f} s:\n{self._log_tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]
