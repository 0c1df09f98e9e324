"""`privet-manager serve` on the embedded database stops that database when it stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from bench.server import free_port

CLI = Path(sys.executable).with_name("privet-manager")


def _serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "S3_ENDPOINT")}
    env.update(PRIVET_DATA_DIR=str(data_dir), ENVIRONMENT="development", LOG_LEVEL="WARNING")
    port = free_port()
    proc = subprocess.Popen(
        [str(CLI), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail("serve did not become ready")


def _postmaster(data_dir: Path) -> psutil.Process | None:
    pidfile = data_dir / "pg" / "postmaster.pid"
    if not pidfile.exists():
        return None
    pid = int(pidfile.read_text().split()[0])
    return psutil.Process(pid) if psutil.pid_exists(pid) else None


@pytest.mark.timeout(180)
@pytest.mark.services
def test_sigterm_stops_the_embedded_database_even_after_a_crash(tmp_path: Path) -> None:
    # A first server is killed outright: its database stays up and its pid stays registered.
    crashed, _ = _serve(tmp_path)
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(10)
    leftover = _postmaster(tmp_path)
    assert leftover is not None and leftover.is_running()

    # The next one reuses that database and, on an ordinary SIGTERM, stops it.
    proc, _ = _serve(tmp_path)
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    try:
        leftover.wait(15)
    except psutil.TimeoutExpired:
        leftover.kill()
        pytest.fail("the embedded PostgreSQL outlived the server")
    assert _postmaster(tmp_path) is None
