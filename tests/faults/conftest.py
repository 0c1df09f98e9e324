"""Live API processes whose path to PostgreSQL or to S3 (SeaweedFS) runs through a proxy the
test controls, so a service can go away at a chosen moment of a request."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import truncate_all
from tests.faults.proxy import FaultProxy
from tests.fuzz import world as world_mod
from tests.live import LiveServer, live_server, login
from tests.s3 import SeaweedFS, s3_env


@dataclass
class Api:
    server: LiveServer
    proxy: FaultProxy
    headers: dict[str, str]
    http: httpx.AsyncClient
    bucket: str = ""

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
async def world(database) -> world_mod.World:
    await truncate_all(database)
    return await world_mod.build(database)


def _pg_upstream(url: str) -> tuple[str, int] | str:
    """Where the test database listens: (host, port), or the unix socket of the embedded one."""
    u = make_url(url)
    port = u.port or 5432
    socket_dir = u.query.get("host")
    if isinstance(socket_dir, tuple):
        socket_dir = socket_dir[0]
    if socket_dir and str(socket_dir).startswith("/"):
        return f"{socket_dir}/.s.PGSQL.{port}"
    return (u.host or "127.0.0.1", port)


@pytest.fixture
async def db_api(database_url: str, world: world_mod.World) -> AsyncIterator[Api]:
    """A fresh API process (fresh connections: no prepared statements yet, so every SQL text
    goes over the wire for the proxy to see) whose database connections pass the proxy."""
    proxy = FaultProxy(_pg_upstream(database_url)).start()
    u = make_url(database_url)
    via_proxy = u.set(host="127.0.0.1", port=proxy.port, query={"sslmode": "disable"})
    env = {"DATABASE_URL": via_proxy.render_as_string(hide_password=False)}
    try:
        with live_server(env) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                yield Api(server, proxy, login(server.url, world.manager_email), http)
    finally:
        proxy.stop()


@pytest.fixture(scope="module")
def s3_proxy(seaweedfs: SeaweedFS) -> Iterator[FaultProxy]:
    host, port = seaweedfs.endpoint.removeprefix("http://").split(":")
    proxy = FaultProxy((host, int(port))).start()
    yield proxy
    proxy.stop()


@pytest.fixture
async def s3_api(
    seaweedfs: SeaweedFS,
    s3_proxy: FaultProxy,
    world: world_mod.World,
) -> AsyncIterator[Api]:
    """An API process whose object store (SeaweedFS) is reached through the proxy."""
    s3_proxy.heal()
    bucket = f"pm-faults-{uuid.uuid4().hex[:6]}"
    env = {
        **s3_env(seaweedfs, bucket=bucket),
        "S3_ENDPOINT": f"http://127.0.0.1:{s3_proxy.port}",
    }
    with live_server(env) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            yield Api(server, s3_proxy, login(server.url, world.manager_email), http, bucket)
    s3_proxy.heal()


def assert_503_problem(r: httpx.Response, code: str) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 503 and body["code"] == code, body
    assert body["detail"] and "Traceback" not in r.text
    assert r.headers.get("retry-after")
