from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from privet_manager.kit.db import get_database

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/health/ready", responses={503: {"description": "A dependency is unreachable"}})
async def ready() -> JSONResponse:
    """The database and the object store answer."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(3):
            async with get_database().engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        log.warning("readiness: database unreachable", extra={"error": type(exc).__name__})
        checks["database"] = "unreachable"
    try:
        from privet_manager.kit.storage import get_storage

        async with asyncio.timeout(3):
            await get_storage().check()
        checks["storage"] = "ok"
    except Exception as exc:
        log.warning("readiness: storage unreachable", extra={"error": type(exc).__name__})
        checks["storage"] = "unreachable"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )
