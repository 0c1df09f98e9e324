"""Serve the built SPA: index.html never cached, hashed assets cached for a year, the service
worker revalidated on every load, deep links answered with the SPA, unknown /api paths still
answered with problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from privet_manager.settings import Settings

NOT_SPA_PREFIXES = ("/api/", "/health", "/docs", "/openapi.json", "/redoc", "/assets/")
# The service worker (frontend-manager/src/sw.ts) is checked on every load, so that a new
# deployment's worker (and the assets it precaches) is found at once; it lives at the root,
# so its scope is the whole app without a Service-Worker-Allowed header.
SERVICE_WORKER = "sw.js"


def _cache_control(path: str) -> str:
    return "no-cache" if path == SERVICE_WORKER else "public, max-age=3600"


class ImmutableStatic(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount_spa(app: FastAPI, settings: Settings) -> None:
    dist = settings.spa_dist.resolve()
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", ImmutableStatic(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> Response:
        url_path = "/" + path
        if url_path.startswith(NOT_SPA_PREFIXES) or url_path == "/api":
            raise StarletteHTTPException(404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist) and candidate != index:
            return FileResponse(candidate, headers={"Cache-Control": _cache_control(path)})
        if not index.is_file():
            return Response(
                "Privet Manager API. The SPA is not built: run `make run`.",
                media_type="text/plain; charset=utf-8",
                headers={"Cache-Control": "no-store"},
            )
        return FileResponse(index, headers={"Cache-Control": "no-store"})


__all__ = ["mount_spa"]
