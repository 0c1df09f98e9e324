"""A live API process for tests that must own its event loop, settings or network path
(fuzzing over real HTTP, fault injection between the API and its services)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.s3 import free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def live_server(env: dict[str, str] | None = None, timeout: float = 30) -> Iterator[LiveServer]:
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
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the API exited:\n{server.log()[-3000:]}")
            try:
                if httpx.get(server.url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start:\n{server.log()[-3000:]}")
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_path.unlink(missing_ok=True)
