from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi import FastAPI
from privet_manager.kit.errors import install_error_handlers
from privet_manager.kit.logging import JsonFormatter, scrub
from privet_manager.kit.middleware import RequestContextMiddleware


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/item/{n}")
    async def item(n: int) -> dict[str, int]:
        return {"n": n}

    return app


async def test_unhandled_error_is_a_bare_500_with_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/boom", headers={"X-Request-ID": "req-123"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["request_id"] == "req-123"
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    assert r.headers["x-request-id"] == "req-123"


async def test_validation_errors_have_loc_and_msg() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as c:
        r = await c.get("/item/abc")
    assert r.status_code == 422
    body = r.json()
    assert body["errors"] == [{"loc": ["path", "n"], "msg": "Ожидается целое число"}]
    assert "request_id" not in body


def test_json_log_lines_redact_secrets() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "auth Bearer abc.def.ghi", (), None)
    record.password = "hunter2"
    record.token = "t0k3n"
    record.payload = {"code": "123456", "name": "Иван"}
    line = json.loads(JsonFormatter().format(record))
    assert line["password"] == "[redacted]" and line["token"] == "[redacted]"
    assert line["payload"] == {"code": "[redacted]", "name": "Иван"}
    assert "abc.def.ghi" not in line["msg"]
    assert scrub("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig") == "[jwt]"
