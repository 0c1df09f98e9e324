"""A live API process for tests that must own its event loop, settings or network path
(fuzzing over real HTTP, fault injection between the API and its services)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.server import free_port, until_stopped
from tests.conftest import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def live_server(env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Start `uvicorn privet_manager.main:create_app` with the test environment plus `env`;
    stop it (by its own PID) on exit."""
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="pm-live-", suffix=".log")[1])
    full_env = {**os.environ, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", **(env or {})}
    cmd = [
        str(Path(sys.executable).parent / "uvicorn"), "privet_manager.main:create_app",
        "--factory", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=full_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        with until_stopped(proc, server.url + "/health", server.log):
            yield server
    finally:
        log_path.unlink(missing_ok=True)


def login(url: str, email: str) -> dict[str, str]:
    """Bearer headers for a test manager (password `TEST_PASSWORD`) on a live server."""
    r = httpx.post(
        f"{url}/api/manager/auth/login",
        json={"email": email, "password": TEST_PASSWORD},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
