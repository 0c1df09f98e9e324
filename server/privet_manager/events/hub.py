"""One LISTEN connection per API process, fanned out to the SSE subscribers of that process.

Started lazily by the first subscriber; if the connection drops it reconnects with back-off
(subscribers then get a `resync` event, since notifications sent meanwhile are lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from privet_manager.events.service import CHANNEL
from privet_manager.kit.db import get_database
from privet_manager.kit.metrics import Sample, live_gauge

log = logging.getLogger("privet_manager.events")

QUEUE_SIZE = 256
RESYNC = '{"type":"resync"}'


def libpq_url(sqlalchemy_url: str) -> str:
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


class Hub:
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[str]] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def subscribe(self) -> asyncio.Queue[str]:
        """A queue of JSON payloads; waits until the LISTEN is in place (so nothing committed
        after this returns is missed)."""
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        if self._task is None or self._task.done():
            self._ready.clear()
            self._task = asyncio.create_task(self._run(), name="events-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=10)
        return queue

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def unsubscribe(self, queue: asyncio.Queue[str]) -> None:
        self._subscribers.discard(queue)

    def _fan_out(self, payload: str) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(payload)
            except asyncio.QueueFull:
                # A stuck reader: drop its backlog and tell it to reload instead.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(RESYNC)

    async def _run(self) -> None:
        delay = 0.5
        first = True
        while self._subscribers:
            try:
                url = libpq_url(get_database().url)
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    if not first:
                        self._fan_out(RESYNC)
                    first, delay = False, 0.5
                    async for notify in conn.notifies():
                        self._fan_out(notify.payload)
                        if not self._subscribers:
                            return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # reconnect whatever broke
                log.warning("event listener lost its connection", extra={"error": str(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
            self._task = None


_hub: Hub | None = None


def get_hub() -> Hub:
    global _hub
    if _hub is None:
        _hub = Hub()
    return _hub


def _open_streams() -> list[Sample]:
    return [((), float(_hub.subscribers if _hub is not None else 0))]


live_gauge(
    "sse_connections", "Open live-update streams (GET /events) of this process", _open_streams
)


async def close_hub() -> None:
    global _hub
    if _hub is not None:
        await _hub.close()
        _hub = None


def parse(payload: str) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(payload)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
