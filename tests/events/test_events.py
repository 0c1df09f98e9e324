"""Live events: NOTIFY on commit, one LISTEN per process, SSE to every connected manager."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
from privet_manager.events.service import publish
from privet_manager.kit.db import Database

from tests.clients.factories import make_client
from tests.conftest import TEST_PASSWORD, Factory


async def api_login(base_url: str, email: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url) as c:
        r = await c.post(
            "/api/manager/auth/login", json={"email": email, "password": TEST_PASSWORD}
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


class Stream:
    """Collects one SSE stream's events in the background."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url, self.headers = base_url, headers
        self.events: list[dict[str, Any]] = []
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async with (
            httpx.AsyncClient(base_url=self.base_url, timeout=None) as c,
            c.stream("GET", "/api/manager/events", headers=self.headers) as r,
        ):
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            async for line in r.aiter_lines():
                if line.startswith(": connected"):
                    self.connected.set()
                if line.startswith("data:"):
                    self.events.append(json.loads(line.removeprefix("data:").strip()))

    async def __aenter__(self) -> Stream:
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.connected.wait(), timeout=15)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task

    async def wait_for(self, kind: str, client_id: int, timeout: float = 10) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for e in self.events:
                if e.get("type") == kind and e.get("client_id") == client_id:
                    return e
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {kind} for {client_id}; got {self.events}")


async def test_an_event_through_one_process_reaches_the_other(
    api_processes, factory: Factory, clean_db: Database
):
    a, b = api_processes(), api_processes()
    m1 = await factory.manager()
    m2 = await factory.manager()
    c = await make_client(clean_db)
    h1 = await api_login(a.url, m1.email)
    h2 = await api_login(b.url, m2.email)
    async with Stream(b.url, h2) as on_b, Stream(a.url, h1) as on_a:
        async with httpx.AsyncClient(base_url=a.url) as api:
            r = await api.post(f"/api/manager/clients/{c.id}/claim", headers=h1)
            assert r.status_code == 200, r.text
            r = await api.patch(
                f"/api/manager/clients/{c.id}/profile",
                json={"version": r.json()["version"], "name": "Живой Поток"},
                headers=h1,
            )
            assert r.status_code == 200, r.text
        claimed = await on_b.wait_for("client.claimed", c.id)
        assert claimed["manager_id"] == m1.id and claimed["status"] == "in_progress"
        await on_b.wait_for("client.updated", c.id)
        await on_a.wait_for("client.claimed", c.id)
        # Events carry ids and state, never personal data.
        assert all("Живой" not in json.dumps(e, ensure_ascii=False) for e in on_b.events)
        # A rolled-back transaction publishes nothing; a committed one from anywhere does.
        async with clean_db.sessionmaker() as s:
            await publish(s, "client.processed", c.id)
            await s.rollback()
        async with clean_db.sessionmaker() as s, s.begin():
            await publish(s, "client.updated", 424242, version=9)
        await on_b.wait_for("client.updated", 424242)
        assert not any(e.get("type") == "client.processed" for e in on_b.events)


async def test_events_need_a_token(api_processes, clean_db):
    a = api_processes()
    async with httpx.AsyncClient(base_url=a.url) as c:
        r = await c.get("/api/manager/events")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        r = await c.get("/api/manager/events", params={"access_token": "x"})
        assert r.status_code == 401
        r = await c.get("/api/manager/events", headers={"Authorization": "Bearer forged"})
        assert r.status_code == 401


async def test_heartbeats_and_a_disabled_manager_loses_the_stream(
    app, factory: Factory, clean_db: Database, monkeypatch
):
    import uvicorn
    from privet_manager.auth.models import Manager
    from privet_manager.events import router as events_router
    from sqlalchemy import update

    from bench.server import free_port

    monkeypatch.setattr(events_router, "HEARTBEAT_SECONDS", 0.3)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        m = await factory.manager()
        headers = await api_login(base, m.email)
        lines: list[str] = []
        async with (
            httpx.AsyncClient(base_url=base, timeout=15) as c,
            c.stream("GET", "/api/manager/events", headers=headers) as r,
        ):
            assert r.status_code == 200
            async for line in r.aiter_lines():
                lines.append(line)
                if line == ": ping" and lines.count(": ping") == 2:
                    async with clean_db.sessionmaker() as s, s.begin():
                        await s.execute(
                            update(Manager).where(Manager.id == m.id).values(is_active=False)
                        )
        # The stream ended by itself after telling the client why.
        assert "event: unauthorized" in lines
        assert lines.count(": ping") >= 2
    finally:
        server.should_exit = True
        await serving
