"""Request body limits that act before a body is read whole.

A declared Content-Length over the limit is refused before the route runs (so a route that
never reads its body cannot commit an effect and then be answered 413); a body without one
(chunked) or longer than declared is counted as it streams in, and the read past the limit
raises, which the route's body parsing passes on as the same 413 problem+json.

FastAPI's own `max_body_size` counts too, but it sits outside our middleware and would swap
any answer, ours included, for a plain-text 413 when the declared length is over.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from privet_manager.kit.errors import payload_too_large

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
LIMIT_SCOPE_KEY = "privet_manager.max_body_bytes"


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Content Too Large")


class BodySizeLimit:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, overrides: tuple[tuple[str, int], ...] = ()
    ) -> None:
        """`overrides`: (path prefix, limit) pairs for routes with a larger limit of their own
        (the local photo upload: MAX_PHOTO_MB)."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.overrides = overrides

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.overrides:
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        scope[LIMIT_SCOPE_KEY] = limit
        for name, value in scope["headers"]:
            # (A malformed length never gets here: the HTTP parser refuses it.)
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await payload_too_large(Request(scope), limit)(scope, receive, send)
                return
        received = 0

        async def receive_with_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, receive_with_limit, send)
