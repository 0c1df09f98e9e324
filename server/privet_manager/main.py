"""create_app(): routers, error handlers, the SPA."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp
from starlette_compress import CompressMiddleware, remove_compress_type

from privet_manager import health
from privet_manager.admin.router import managers_router as admin_managers_router
from privet_manager.admin.router import router as admin_router
from privet_manager.admin.router import tariffs_router as admin_tariffs_router
from privet_manager.analytics.router import router as analytics_router
from privet_manager.auth.router import router as auth_router
from privet_manager.billing.router import router as billing_router
from privet_manager.card.router import router as card_router
from privet_manager.clients import sync
from privet_manager.clients.router import router as clients_router
from privet_manager.contracts import sealing
from privet_manager.devices.photos import refuse_upload
from privet_manager.devices.router import router as devices_router
from privet_manager.disputes.router import router as disputes_router
from privet_manager.events.hub import close_hub
from privet_manager.events.router import router as events_router
from privet_manager.kit import embedded_postgres, tracing
from privet_manager.kit.db import close_database, init_database
from privet_manager.kit.errors import install_error_handlers
from privet_manager.kit.headers import SecurityHeadersMiddleware
from privet_manager.kit.limits import BodySizeLimit
from privet_manager.kit.logging import configure_logging, security_log
from privet_manager.kit.middleware import HeadAsGetMiddleware, RequestContextMiddleware
from privet_manager.kit.security import prepare_password_checks
from privet_manager.kit.storage import init_storage, set_upload_guard
from privet_manager.kit.storage.router import UPLOAD_PREFIX
from privet_manager.kit.storage.router import router as storage_router
from privet_manager.public.router import router as public_router
from privet_manager.seal import load_seal
from privet_manager.settings import Settings, get_settings
from privet_manager.signing.router import router as contracts_router
from privet_manager.spa import mount_spa
from privet_manager.support.bridge import router as support_bridge_router
from privet_manager.tariffs.router import router as tariffs_router


def operation_id(route: APIRoute) -> str:
    """Stable ids for the generated SPA client: `{tag}-{function name}`."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def manager_api() -> APIRouter:
    """The manager API's routers. The router tries them in this order, route by route, on every
    request (FastAPI's matching is a measurable share of a list request's CPU): the list and
    the card first. No two routers' paths overlap, and the OpenAPI schema is written sorted, so
    the order changes neither which route answers nor the schema."""
    api = APIRouter(prefix="/api/manager")
    api.include_router(clients_router)
    api.include_router(card_router)
    api.include_router(auth_router)
    api.include_router(admin_managers_router)
    api.include_router(devices_router)
    api.include_router(events_router)
    api.include_router(tariffs_router)
    api.include_router(admin_tariffs_router)
    api.include_router(admin_router)
    api.include_router(analytics_router)
    api.include_router(contracts_router)
    api.include_router(disputes_router)
    api.include_router(billing_router)
    return api


class App(FastAPI):
    """FastAPI with the security headers outside everything, Starlette's error middleware
    included: a 500 carries them too."""

    def __init__(self, settings: Settings, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.settings = settings

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack(), self.settings)


# Live updates are never compressed: each event must reach the list at once, and a stream
# compressor per open list would hold its buffers for hours (nginx has `gzip off` there too).
remove_compress_type("text/event-stream")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    if settings.environment == "production":
        # Without a usable seal production stops here, like with a default secret.
        load_seal(settings)
    configure_logging(settings.log_level)
    # Before the engines exist: the psycopg instrumentation covers connections opened later.
    tracing.configure(settings)
    if security_log.isEnabledFor(logging.INFO):
        security_log.info("effective security settings", extra=settings.security_summary())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        init_database(settings)
        init_storage(settings)
        # The seal (outside production the own one, made on the first start): read once here,
        # not on the first signature.
        await asyncio.to_thread(load_seal, settings)
        await asyncio.to_thread(prepare_password_checks)
        # What start-up built (modules, the app, SQLAlchemy's mappers and compiled statements)
        # lives as long as the process: moved out of the collector's generations, so a full
        # collection walks only what requests allocate (they ran tens of milliseconds and
        # made the 99th percentile under load).
        gc.collect()
        gc.freeze()
        # New Привет Супер users become clients off the request path (clients/sync.py).
        syncing = asyncio.create_task(sync.run_forever(), name="clients-sync")
        # Signed contracts still waiting for their seal: at start-up, then every minute.
        sweeping = asyncio.create_task(sealing.run_forever(), name="seal-sweep")
        yield
        for task in (syncing, sweeping):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # The seals this process started finish before the database closes (else the
        # start-up sweep of the next process makes them).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sealing.settle(), timeout=10)
        await asyncio.to_thread(sealing.shutdown_pool)
        await close_hub()
        await close_database()
        if tracing.enabled():
            await asyncio.to_thread(tracing.shutdown)
        # uvicorn re-raises SIGTERM after shutdown, so atexit handlers never run: stop the
        # embedded server here (a no-op when this process did not start one).
        await asyncio.to_thread(embedded_postgres.stop)

    app = App(
        settings,
        title="Privet Manager API",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    # Only for clients that ask (browsers do; the benchmark's driver only when told). Levels
    # chosen by CPU per request against bytes (bench/README.md, "Compression").
    app.add_middleware(
        CompressMiddleware,
        minimum_size=settings.compress_min_bytes,
        zstd=settings.zstd_level > 0,
        zstd_level=settings.zstd_level,
        brotli=settings.brotli_quality > 0,
        brotli_quality=settings.brotli_quality,
        gzip=settings.gzip_level > 0,
        gzip_level=settings.gzip_level,
    )
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(
        BodySizeLimit,
        max_body_bytes=settings.max_body_bytes,
        overrides=((UPLOAD_PREFIX, settings.max_photo_bytes),),
    )
    # Outermost of ours: the 413 above and every answer below carry the request id.
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    # The local backend asks the devices domain before storing a browser's upload.
    set_upload_guard(refuse_upload)
    app.include_router(manager_api())
    app.include_router(health.router)
    app.include_router(storage_router)
    app.include_router(support_bridge_router)
    app.include_router(public_router)
    mount_spa(app, settings)
    return app
