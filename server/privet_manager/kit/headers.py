"""Security headers on every answer, from one place.

Plain ASGI (like kit/middleware.py): the header lines are built once at start-up and only
appended per response, so the hot list path pays a prefix test and a list extend. A header the
route set itself (the storage download's own CSP, an explicit Cache-Control) is left alone.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from privet_manager.settings import Settings

Header = tuple[bytes, bytes]

# JSON, problem+json and the live-update stream: nothing in them may run or be framed, and
# none may be kept by a cache (most need a token; the rest are cheap to answer again).
API_PREFIXES = ("/api/", "/health", "/openapi.json")
# Swagger UI and ReDoc load their scripts from a CDN and run inline ones: no SPA policy.
DOCS_PREFIXES = ("/docs", "/redoc")

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
NO_STORE: Header = (b"cache-control", b"no-store")


def spa_csp(storage_origin: str | None) -> str:
    """The SPA's policy: its own hashed files only, no inline script or style, no eval (wasm
    included). Images may also be blob: (a photo's preview before upload) and data: (the
    resizer, pica, probes the browser with a 2-pixel data: JPEG at start; an image cannot
    run anything). With S3 the browser reads photos from and uploads them to the storage's
    public endpoint."""
    storage = f" {storage_origin}" if storage_origin else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' blob: data:{storage}",
            f"connect-src 'self'{storage}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def common_headers(settings: Settings) -> list[Header]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        # The camera for the app itself (device photos); nothing else a tablet could offer.
        (
            b"permissions-policy",
            b"camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
        ),
        (b"x-frame-options", b"DENY"),
    ]
    if settings.https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        common = common_headers(settings)
        self.api = [*common, (b"content-security-policy", API_CSP.encode())]
        self.docs = common
        csp = spa_csp(settings.storage_public_origin).encode()
        self.spa = [*common, (b"content-security-policy", csp)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(API_PREFIXES):
            extra, no_store = self.api, True
        elif path.startswith(DOCS_PREFIXES):
            extra, no_store = self.docs, False
        else:
            extra, no_store = self.spa, False

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                if no_store and b"cache-control" not in present:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
