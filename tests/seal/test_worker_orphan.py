"""A seal worker does not outlive the server that started it: a server killed with SIGKILL
never shuts its process pool down, and its worker used to stay for good (ppid 1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A stand-in for the API process: the same pool as contracts/sealing.py, one task so that
# the worker starts, its pid printed, then it waits to be killed.
SERVER = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from privet_manager.seal import worker_init

pool = ProcessPoolExecutor(
    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
    initializer=worker_init, initargs=("WARNING",),
)
print(pool.submit(os.getpid).result(), flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone too: it only waits for its (new) parent to reap it.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


@pytest.mark.timeout(300)
def test_a_worker_leaves_when_its_server_is_killed() -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        worker = int(server.stdout.readline())
        assert worker != server.pid and alive(worker)
        time.sleep(2)
        assert alive(worker), "the worker must stay while its server lives"
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        deadline = time.monotonic() + 120  # a loaded machine: seconds, not minutes
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(worker), f"seal worker {worker} outlived its server"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
