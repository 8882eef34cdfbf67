"""The real server for end-to-end tests, and the qa command as a user runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx

from eval.served import ServedIndex, cli_command

__all__ = ["RunningServer", "cli_command", "environment_without_settings", "run_cli"]

# Another install's qa to serve with (.ci/plain-install: the wheel with no extras).
INSTALLED_QA = [os.environ["QA_TEST_QA"]] if os.environ.get("QA_TEST_QA") else []


def environment_without_settings() -> dict[str, str]:
    """This process's environment without QA_ settings, for a child that must see only
    defaults, but sharing the session's ONNX export of the model."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("QA_") or key == "QA_ENCODER_CACHE"
    }


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


class RunningServer(ServedIndex):
    """``qa serve`` with default settings but these, a write token if given."""

    def __init__(
        self,
        index_dir: Path,
        seeds: Path | None,
        token: str | None,
        log: Path,
        environment: dict[str, str] | None = None,
    ) -> None:
        env = {**environment_without_settings(), **(environment or {})}
        if token is not None:
            env["QA_API_TOKEN"] = token
        super().__init__(index_dir, log, seeds=seeds, environment=env, qa=INSTALLED_QA)
        self.token = token

    def start(self) -> RunningServer:
        super().start()
        self.wait_ready()
        return self

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}
