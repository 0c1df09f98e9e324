"""A TCP proxy we control, between the API and a service (PostgreSQL, S3), for fault tests.

It runs its own event loop in a thread. Faults:
- `refuse()`: new connections are closed at once (the service is down);
- `cut_on(pattern)`: a connection is dropped, both ways, when the client sends bytes that
  contain `pattern` (that chunk is not forwarded): the service goes away in the middle of a
  request, at a chosen point (an SQL statement, an S3 method);
- `cut_all()`: every open connection is dropped;
- `heal()`: back to passing everything through.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field


@dataclass
class _State:
    refuse: bool = False
    patterns: list[bytes] = field(default_factory=list)
    cuts: int = 0  # connections dropped by a pattern
    refused: int = 0
    seen: list[bytes] = field(default_factory=list)  # patterns that matched, in order


class FaultProxy:
    def __init__(self, upstream: tuple[str, int] | str) -> None:
        """`upstream`: (host, port) or the path of a unix socket."""
        self.upstream = upstream
        self.state = _State()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # -- control (from the test's thread) --------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = fut.result(10)
        return self

    def stop(self) -> None:
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def refuse(self) -> None:
        with self._lock:
            self.state.refuse = True
        self.cut_all()

    def cut_on(self, *patterns: bytes) -> None:
        with self._lock:
            self.state.patterns = list(patterns)

    def heal(self) -> None:
        with self._lock:
            self.state.refuse = False
            self.state.patterns = []

    def cut_all(self) -> None:
        asyncio.run_coroutine_threadsafe(self._cut_all(), self._loop).result(10)

    # -- the proxy itself --------------------------------------------------------------------
    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        await self._cut_all()
        if self._server is not None:
            self._server.close()

    async def _cut_all(self) -> None:
        for w in list(self._writers):
            _abort(w)
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            refuse = self.state.refuse
            if refuse:
                self.state.refused += 1
        if refuse:
            _abort(writer)
            return
        try:
            if isinstance(self.upstream, str):
                up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
            else:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _abort(writer)
            return
        self._writers.update((writer, up_writer))
        pair = (writer, up_writer)
        await asyncio.gather(
            self._pipe(reader, up_writer, pair, inspect=True),
            self._pipe(up_reader, writer, pair, inspect=False),
        )
        self._writers.difference_update(pair)

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
        *,
        inspect: bool,
    ) -> None:
        try:
            while data := await reader.read(65536):
                if inspect and self._should_cut(data):
                    for w in pair:
                        _abort(w)
                    return
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError, RuntimeError):
            pass
        finally:
            for w in pair:
                with contextlib.suppress(Exception):
                    w.close()

    def _should_cut(self, data: bytes) -> bool:
        with self._lock:
            for pattern in self.state.patterns:
                if pattern in data:
                    self.state.cuts += 1
                    self.state.seen.append(pattern)
                    return True
        return False


def _abort(writer: asyncio.StreamWriter) -> None:
    """Drop the connection (RST where possible), not a polite close."""
    transport = writer.transport
    with contextlib.suppress(Exception):
        transport.abort()
