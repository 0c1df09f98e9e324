"""Start one uvicorn process on a database, watch its memory and CPU, stop it by its PID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from bench.db import sqlalchemy_url

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    data_dir: Path

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def until_stopped(
    proc: subprocess.Popen[bytes], health_url: str, log_tail: Callable[[], str], timeout: float = 90
) -> Iterator[None]:
    """Wait until `health_url` answers 200 (the process's log tail in the error if it exits or
    the time runs out), run the block, then stop the process by its own PID (terminate, kill
    after 10 s). Shared by the benchmarks and the tests that start a live API. A start takes
    tens of seconds on a busy 2-core machine (imports, migrations' check, the pool), so the
    default `timeout` only bounds a server that never comes up."""
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited:\n{log_tail()[-3000:]}")
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not start in {timeout:.0f} s:\n{log_tail()[-3000:]}"
                )
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def serve(
    database_url: str,
    extra_env: dict[str, str] | None = None,
    app: str = "privet_manager.main:create_app",
) -> Iterator[Server]:
    """One uvicorn process (what `privet-manager serve` runs) on `database_url`."""
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="pm-bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("S3_", "DATABASE_"))},
        "DATABASE_URL": sqlalchemy_url(database_url),
        "LOG_LEVEL": "WARNING",
        "ENVIRONMENT": "development",
        "PRIVET_DATA_DIR": str(data_dir),
        "PRIVET_SPA_DIST": str(data_dir / "no-spa"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    cmd = [
        str(VENV_BIN / "uvicorn"), app, "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
        "--no-server-header",
    ]  # fmt: skip
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, data_dir)
    try:
        with until_stopped(proc, server.base_url + "/health", (data_dir / "server.log").read_text):
            yield server
    finally:
        log.close()


@dataclass
class Usage:
    """What a process used while a measurement ran."""

    peak_rss: int = 0
    cpu_seconds: float = 0.0
    machine_cpu_seconds: float = 0.0
    samples: list[int] = field(default_factory=list)


@contextmanager
def watch(pid: int, interval: float = 0.05) -> Iterator[Usage]:
    """Sample RSS of `pid` and the CPU time it and the whole machine spend meanwhile."""
    proc = psutil.Process(pid)
    usage = Usage()
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                rss = proc.memory_info().rss
            except psutil.Error:
                return
            usage.peak_rss = max(usage.peak_rss, rss)
            usage.samples.append(rss)
            stop.wait(interval)

    t0 = proc.cpu_times()
    m0 = psutil.cpu_times()
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield usage
    finally:
        stop.set()
        thread.join()
        t1 = proc.cpu_times()
        m1 = psutil.cpu_times()
        usage.cpu_seconds = (t1.user - t0.user) + (t1.system - t0.system)
        busy0 = m0.user + m0.system + m0.nice + getattr(m0, "softirq", 0) + getattr(m0, "irq", 0)
        busy1 = m1.user + m1.system + m1.nice + getattr(m1, "softirq", 0) + getattr(m1, "irq", 0)
        usage.machine_cpu_seconds = busy1 - busy0
