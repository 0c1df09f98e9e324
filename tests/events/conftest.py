"""Real API server processes (uvicorn) on the test database, for streaming tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.s3 import free_port


class ApiProcess:
    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log = log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_api(database_url: str, workdir: Path, **env: str) -> ApiProcess:
    port = free_port()
    log = workdir / f"api-{port}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "privet_manager.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "ENVIRONMENT": "test",
            "PRIVET_DATA_DIR": str(workdir / f"var-{port}"),
            **env,
        },
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    api = ApiProcess(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"API exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{api.base_url}/health", timeout=1).status_code == 200:
                return api
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    api.stop()
    raise RuntimeError(f"API did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture
def api_processes(database_url: str, tmp_path: Path) -> Iterator[Callable[[], ApiProcess]]:
    started: list[ApiProcess] = []

    def start() -> ApiProcess:
        api = start_api(database_url, tmp_path)
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()
