"""Request id, access log and the request metrics, as plain ASGI middleware (no per-request
task overhead)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from privet_manager.kit import metrics, tracing
from privet_manager.kit.logging import request_id_var

log = logging.getLogger("privet_manager.access")
_VALID_ID = re.compile(r"^[A-Za-z0-9\-_.]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        # With tracing on, the request's span (FastAPI opens it around the whole stack) names
        # the request: its trace id is the request id, so a log line finds its trace.
        rid = (tracing.enabled() and tracing.current_trace_id()) or (
            incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            # The router has put the matched route into the scope by now.
            metrics.observe_request(scope, status["code"], elapsed)
            path = scope.get("path", "")
            # The record and its fields are built only when INFO is on (production runs
            # at WARNING too: the dict, the rounding and the record cost per request).
            if log.isEnabledFor(logging.INFO) and not path.startswith("/assets/"):
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": path,
                        "status": status["code"],
                        "duration_ms": round(elapsed * 1000, 2),
                        "manager_id": scope.get("state", {}).get("manager_id"),
                    },
                )
            request_id_var.reset(token)


class HeadAsGetMiddleware:
    """`HEAD` answered wherever `GET` is (uptime monitors and proxies probe with it).

    FastAPI routes declare GET only, and adding HEAD to them would put a second operation per
    path into the OpenAPI schema. Here a HEAD request runs as GET and the body is dropped, so
    the status and headers (Content-Length included) are exactly GET's. A stream (live
    updates) runs until the client goes, as its GET would.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        inner = {**scope, "method": "GET"}
        try:
            await self.app(inner, receive, send_without_body)
        finally:
            # The metrics label a HEAD by the route its GET matched.
            if "route" in inner:
                scope["route"] = inner["route"]
