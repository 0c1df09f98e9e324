from __future__ import annotations

import asyncio
import hmac
import logging
from ipaddress import ip_address

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import Gauge
from sqlalchemy import text

from privet_manager.kit import metrics
from privet_manager.kit.db import get_database
from privet_manager.kit.errors import Forbidden
from privet_manager.kit.net import client_ip, via_untrusted_proxy
from privet_manager.settings import get_settings

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


READY = Gauge(
    "privet_manager_ready",
    "1 when the dependency answered the readiness check made at this scrape, else 0",
    ("check",),
    multiprocess_mode="max",
)


@router.get("/health/ready", responses={503: {"description": "A dependency is unreachable"}})
async def ready() -> JSONResponse:
    """The database and the object store answer."""
    checks = await readiness()
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )


async def readiness() -> dict[str, str]:
    """Each dependency: "ok" or "unreachable" (within 3 s each)."""
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
    return checks


def _may_scrape(request: Request) -> bool:
    settings = get_settings()
    if settings.metrics_token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), settings.metrics_token.encode()
        ):
            return True
    # Behind a proxy the app was not told about, the peer is the proxy (often 127.0.0.1):
    # its address would let the whole internet in.
    if via_untrusted_proxy(request):
        return False
    try:
        addr = ip_address(client_ip(request))
    except ValueError:
        return False
    return any(addr in network for network in settings.metrics_networks)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    """Prometheus text: from METRICS_ALLOWED_IPS, or with the METRICS_TOKEN bearer; else 403."""
    if not _may_scrape(request):
        raise Forbidden("Метрики недоступны с этого адреса", code="metrics_forbidden")
    # Readiness as Prometheus sees it: checked now, so an alert needs no other prober.
    for check, state in (await readiness()).items():
        READY.labels(check).set(1 if state == "ok" else 0)
    body, content_type = metrics.render()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
