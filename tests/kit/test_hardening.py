"""Security headers, body limits, HEAD and the production defaults (issue 13, section 1)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from privet_manager.kit.db import Database
from privet_manager.kit.logging import configure_logging
from privet_manager.main import App, create_app
from privet_manager.seal.keys import OWN_P12, own_seal
from privet_manager.settings import DEV_SECRETS, Settings, get_settings
from typer.testing import CliRunner

from tests.clients.factories import make_client
from tests.conftest import TEST_PASSWORD, Factory, login

C = "/api/manager/clients"
PRODUCTION_SECRETS: dict[str, Any] = {
    n.lower(): f"{n}-a-long-random-production-value-000" for n in DEV_SECRETS
}
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


@pytest.fixture
def spa_dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>'
    )
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    return dist


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def spa_client(spa_dist: Path, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    settings = get_settings().model_copy(update={"spa_dist": spa_dist})
    async with _client(create_app(settings)) as c:
        yield c


def assert_common(r: httpx.Response) -> None:
    for name, value in COMMON.items():
        assert r.headers.get(name) == value, (r.url, name, r.headers.get(name))
    assert r.headers["permissions-policy"].startswith("camera=(self), microphone=()")


def directives(csp: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in csp.split("; ")}


async def test_the_spa_and_its_assets_carry_the_strict_policy(spa_client) -> None:
    for path in ("/", "/clients/12/step/3"):
        r = await spa_client.get(path)
        assert r.status_code == 200 and "index-abc123.js" in r.text
        assert_common(r)
        assert r.headers["cache-control"] == "no-store"
        csp = directives(r.headers["content-security-policy"])
        assert csp["default-src"] == "'self'"
        assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
        assert csp["style-src"] == "'self'"
        assert csp["img-src"] == "'self' blob: data:"
        assert csp["connect-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        assert csp["base-uri"] == "'none'"
        assert csp["form-action"] == "'self'"
        assert "strict-transport-security" not in r.headers  # PUBLIC_BASE_URL is http here
    asset = await spa_client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert_common(asset)
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-security-policy" in asset.headers


async def test_api_answers_and_errors_are_not_stored_and_cannot_run(
    client: httpx.AsyncClient, manager_headers: dict[str, str]
) -> None:
    answers = [
        await client.get("/api/manager/auth/me", headers=manager_headers),
        await client.get(f"{C}?tab=new", headers=manager_headers),
        await client.get("/api/manager/auth/me"),  # 401
        await client.get("/api/manager/nothing-here", headers=manager_headers),  # 404
        await client.post("/api/manager/auth/login", json={"email": 1}),  # 422
        await client.get("/health"),
    ]
    assert [r.status_code for r in answers] == [200, 200, 401, 404, 422, 200]
    for r in answers:
        assert_common(r)
        assert r.headers["cache-control"] == "no-store", r.url
        assert directives(r.headers["content-security-policy"])["default-src"] == "'none'"
    # A header a route sets itself wins: the login answer's own no-store is not doubled.
    assert answers[0].headers.get_list("cache-control") == ["no-store"]


async def test_an_unhandled_error_carries_the_headers_too() -> None:
    app = App(get_settings())

    @app.get("/api/boom")
    async def boom() -> None:
        raise RuntimeError("internals")

    from privet_manager.kit.errors import install_error_handlers

    install_error_handlers(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/api/boom")
    assert r.status_code == 500
    assert_common(r)
    assert r.headers["cache-control"] == "no-store"


async def test_hsts_and_the_storage_origin_follow_the_settings(spa_dist: Path) -> None:
    settings = get_settings().model_copy(
        update={
            "spa_dist": spa_dist,
            "public_base_url": "https://manager.example.ru",
            "s3_endpoint": "http://minio:9000",
            "s3_public_endpoint": "https://files.example.ru",
        }
    )
    async with _client(create_app(settings)) as c:
        spa, health = await c.get("/"), await c.get("/health")
    for r in (spa, health):
        assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    csp = directives(spa.headers["content-security-policy"])
    assert csp["img-src"] == "'self' blob: data: https://files.example.ru"
    assert csp["connect-src"] == "'self' https://files.example.ru"


async def test_head_is_answered_wherever_get_is(
    spa_client: httpx.AsyncClient, client: httpx.AsyncClient, manager_headers: dict[str, str]
) -> None:
    for c, path, headers in [
        (spa_client, "/", {}),
        (spa_client, "/clients?tab=new", {}),
        (spa_client, "/assets/index-abc123.js", {}),
        (client, "/health", {}),
        (client, "/api/manager/auth/me", manager_headers),
    ]:
        get = await c.get(path, headers=headers)
        head = await c.head(path, headers=headers)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"]
        assert head.headers["content-type"] == get.headers["content-type"]
    # A path without GET answers HEAD as it answers GET.
    login_path = "/api/manager/auth/login"
    assert (await client.head(login_path)).status_code == (await client.get(login_path)).status_code


async def test_an_oversized_body_is_refused_before_the_route_runs(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    me = await factory.manager()
    headers = await login(client, me)
    target = await make_client(clean_db)
    limit = get_settings().max_body_bytes
    # Claim reads no body: without the declared-length check its effect would commit.
    r = await client.post(f"{C}/{target.id}/claim", content=b"x" * (limit + 1), headers=headers)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "payload_too_large"
    assert r.headers["x-request-id"] and r.headers["cache-control"] == "no-store"
    card = (await client.get(f"{C}/{target.id}", headers=headers)).json()
    assert card["assigned_manager"] is None

    # A chunked body (no Content-Length) is counted as it streams.
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    r = await client.patch(
        f"{C}/{target.id}/profile",
        content=chunks(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "payload_too_large"


async def test_a_photo_upload_keeps_its_own_limit(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database, tmp_path: Path
) -> None:
    from privet_manager.kit import storage as kit_storage
    from privet_manager.kit.storage.local import LocalStorage

    settings = get_settings()
    assert settings.max_photo_mb > 1 and settings.max_body_kb == 1024
    previous = kit_storage._storage
    kit_storage.set_storage(LocalStorage(tmp_path / "store", settings.storage_signing_secret))
    try:
        me = await factory.manager()
        headers = await login(client, me)
        c = await make_client(clean_db, manager=me)
        device = await client.post(
            f"{C}/{c.id}/devices",
            json={"kind": "phone", "brand": "Apple", "model": "X", "declared_value": "100.00"},
            headers=headers,
        )
        photo = b"\xff\xd8\xff\xe0" + b"\x00" * (1536 * 1024)  # 1.5 MB: over the JSON limit
        r = await client.post(
            f"{C}/{c.id}/devices/{device.json()['id']}/photos/upload-url",
            json={"content_type": "image/jpeg", "size": len(photo)},
            headers=headers,
        )
        upload = r.json()["upload"]
        put = await client.put(
            upload["url"],
            content=photo,
            headers={**upload["headers"], "Content-Type": "image/jpeg"},
        )
        assert put.status_code == 201, put.text
    finally:
        kit_storage.set_storage(previous)


async def test_a_flood_of_unknown_keys_gets_a_bounded_422(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    me = await factory.manager()
    headers = await login(client, me)
    mine = await make_client(clean_db, manager=me)
    body = {f"unknown_key_{i:06d}": i for i in range(30_000)}
    body["k" * 50_000] = 1  # one key as long as a body may allow
    raw = json.dumps(body).encode()
    assert 900_000 < len(raw) < get_settings().max_body_bytes
    r = await client.patch(
        f"{C}/{mine.id}/profile",
        content=raw,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    problem = r.json()
    assert len(problem["errors"]) == 20
    assert problem["errors_omitted"] == 30_001 + 1 - 20  # every key, and `version` missing
    assert len(r.content) < 4096


def test_production_refuses_an_http_base_url_and_always_sends_secure_cookies() -> None:
    settings = Settings(environment="production", **PRODUCTION_SECRETS)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        settings.check_production()
    ok = Settings(
        environment="production",
        public_base_url="https://manager.example.ru",
        cookie_secure=False,  # ignored in production
        **PRODUCTION_SECRETS,
    )
    ok.check_production()
    assert ok.secure_cookies is True
    assert Settings(environment="development", cookie_secure=False).secure_cookies is False


def test_start_up_logs_the_effective_security_settings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    own_seal(tmp_path, "ООО «Тест»")  # production starts only with an organisation's seal
    settings = Settings(
        environment="production",
        public_base_url="https://manager.example.ru",
        seal_pkcs12_path=tmp_path / OWN_P12,
        **PRODUCTION_SECRETS,
    )
    create_app(settings.model_copy(update={"log_level": "INFO"}))
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    logged = next(e for e in lines if e["msg"] == "effective security settings")
    assert logged["logger"] == "privet_manager.security"
    assert logged["refresh_secure"] is True and logged["hsts"] is True
    assert logged["dev_defaults_in_use"] == []
    assert not any(secret in json.dumps(logged) for secret in PRODUCTION_SECRETS.values())
    configure_logging(get_settings().log_level)


async def test_the_production_refresh_cookie_is_secure(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = await factory.manager()
    # The development default PUBLIC_BASE_URL is http: production sends Secure regardless.
    monkeypatch.setattr(get_settings(), "environment", "production")
    monkeypatch.setattr(get_settings(), "cookie_secure", False)
    assert get_settings().public_base_url.startswith("http://")
    r = await client.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": TEST_PASSWORD}
    )
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert "pm_refresh=" in cookie and "Secure" in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize("args", [["seed-demo"], ["serve", "--demo"]])
def test_demo_data_is_refused_in_production(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from privet_manager import cli

    monkeypatch.setattr(get_settings(), "environment", "production")
    touched: list[str] = []
    monkeypatch.setattr(cli, "run_in_session", lambda fn: touched.append("db"))
    monkeypatch.setattr(cli, "migrate", lambda *a, **k: touched.append("migrate"))
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 2
    assert "refuses to run with ENVIRONMENT=production" in result.output
    assert touched == []
