"""Idempotency-Key (draft-ietf-httpapi-idempotency-key-header semantics), for writes a flaky
tablet may retry.

- first request with a key: the effect runs, and its response is stored in the same
  transaction as the effect (so either both commit or neither does);
- same key, same request body: the stored response is replayed, the effect does not run again;
- same key, another body or another endpoint: 422;
- same key while the first request is still running: 409 (the client retries later).

Usage in a route (the response must be JSON-ready: `model.model_dump(mode="json")`)::

    async def create_thing(body: ThingIn, session: SessionDep, manager: CurrentManager,
                           idempotency_key: IdempotencyKeyHeader = None) -> JSONResponse:
        async def effect() -> tuple[int, object]:
            thing = await service.create(session, body)
            return 201, ThingOut.model_validate(thing).model_dump(mode="json")

        result = await run_idempotent(
            session, manager.id, idempotency_key, request, request_hash(body), effect
        )
        return result.to_response()
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import DateTime, ForeignKey, Integer, String, delete, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base
from privet_manager.kit.errors import Conflict, Unprocessable
from privet_manager.kit.security import hmac_sha256, sha256_hex

# A stored response is replayed for a day; after that the key may be used afresh.
KEY_TTL = timedelta(hours=24)
# First key of the two-key advisory lock: "PMIK".
_LOCK_NAMESPACE = 0x504D494B


class IdempotencyKey(Base):
    __tablename__ = "manager_idempotency_keys"

    manager_id: Mapped[int] = mapped_column(
        ForeignKey("manager_users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    scope: Mapped[str] = mapped_column(String(255), nullable=False)  # method + path
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while in progress
    response_body: Mapped[Any] = mapped_column(JSONB, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


# The header as a typed optional dependency; keys are opaque strings (the SPA sends UUIDs).
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Retries with the same key and body replay the first response.",
    ),
]


@dataclass(frozen=True)
class IdempotentResult:
    status_code: int
    body: Any
    replayed: bool

    def to_response(self) -> JSONResponse:
        headers = {"Idempotent-Replayed": "true"} if self.replayed else None
        return JSONResponse(self.body, status_code=self.status_code, headers=headers)


Body = BaseModel | dict[str, Any] | list[Any] | None


def _canonical(body: Body, extra: tuple[object, ...]) -> str:
    data = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return json.dumps(
        [data, [str(e) for e in extra]], sort_keys=True, separators=(",", ":"), default=str
    )


def request_hash(body: Body, *extra: object) -> str:
    """A stable fingerprint of a request body (and any extra parts, e.g. path ids)."""
    return sha256_hex(_canonical(body, extra))


def private_request_hash(body: BaseModel, secret: str, *extra: object) -> str:
    """The fingerprint of a body with personal data a plain hash would give away to anyone
    with the table and time to guess (a passport number is ten digits): keyed, with a server
    secret that is not in the database."""
    return hmac_sha256(secret, "idempotency\0" + _canonical(body, extra))


def scope_of(request: Request) -> str:
    """What a key is bound to: the method and path of the request that first used it."""
    return f"{request.method} {request.url.path}"


async def run_idempotent(
    session: AsyncSession,
    manager_id: int,
    key: str | None,
    request: Request,
    body_hash: str,
    fn: Callable[[], Awaitable[tuple[int, Any]]],
) -> IdempotentResult:
    """Run `fn` once per (manager, key); see the module docstring for the rules.

    `fn` returns (status code, JSON-ready body) and does its work in `session`; the stored
    response commits with it. If `fn` raises, nothing is stored and a retry runs it again.
    Without a key, `fn` simply runs. The key is bound to the request's method and path.
    """
    if key is None:
        status, body = await fn()
        return IdempotentResult(status, body, replayed=False)

    # Held until this transaction ends: a concurrent duplicate does not wait, it gets 409.
    locked = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:ns, hashtext(:k))"),
        {"ns": _LOCK_NAMESPACE, "k": f"{manager_id}:{key}"},
    )
    if not locked:
        raise Conflict(
            "Запрос с этим ключом идемпотентности ещё выполняется, повторите позже",
            code="idempotency_in_progress",
        )
    scope = scope_of(request)
    stored = await session.get(IdempotencyKey, (manager_id, key), populate_existing=True)
    if stored is not None and stored.created_at < datetime.now(UTC) - KEY_TTL:
        await session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.manager_id == manager_id, IdempotencyKey.key == key
            )
        )
        session.expunge(stored)
        stored = None
    if stored is not None:
        if stored.scope != scope or stored.request_hash != body_hash:
            raise Unprocessable(
                "Ключ идемпотентности уже использован для другого запроса",
                code="idempotency_key_reused",
            )
        if stored.status_code is None:  # written by an older in-progress protocol; be safe
            raise Conflict(
                "Запрос с этим ключом идемпотентности ещё выполняется, повторите позже",
                code="idempotency_in_progress",
            )
        return IdempotentResult(stored.status_code, stored.response_body, replayed=True)

    status, body = await fn()
    session.add(
        IdempotencyKey(
            manager_id=manager_id,
            key=key,
            scope=scope[:255],
            request_hash=body_hash,
            status_code=status,
            response_body=body,
        )
    )
    await session.flush()
    return IdempotentResult(status, body, replayed=False)


async def purge_expired(session: AsyncSession) -> int:
    """Delete keys past their TTL (for a periodic job)."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < datetime.now(UTC) - KEY_TTL)
    )
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "KEY_TTL",
    "IdempotencyKey",
    "IdempotencyKeyHeader",
    "IdempotentResult",
    "private_request_hash",
    "purge_expired",
    "request_hash",
    "run_idempotent",
]
