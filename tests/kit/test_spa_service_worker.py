"""How the server serves the offline app shell (issue 16): the service worker revalidated on
every load under the SPA's policy, index.html never cached by any path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from privet_manager.kit.db import Database
from privet_manager.main import create_app
from privet_manager.settings import get_settings


@pytest.fixture
async def spa(tmp_path: Path, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><script src="/assets/a-1.js"></script>')
    (dist / "assets" / "a-1.js").write_text("1")
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (dist / "favicon.svg").write_text("<svg/>")
    app = create_app(get_settings().model_copy(update={"spa_dist": dist}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_the_service_worker_is_revalidated_on_every_load(spa: httpx.AsyncClient) -> None:
    r = await spa.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert r.headers["cache-control"] == "no-cache"
    csp = dict(d.split(" ", 1) for d in r.headers["content-security-policy"].split("; "))
    # A worker falls back to script-src: same origin only, and nothing the API could serve.
    assert csp["script-src"] == "'self'" and "worker-src" not in csp
    assert (await spa.get("/favicon.svg")).headers["cache-control"] == "public, max-age=3600"


async def test_index_html_is_never_cached_even_by_its_own_name(spa: httpx.AsyncClient) -> None:
    for path in ("/", "/index.html", "/clients/3/step/2"):
        r = await spa.get(path)
        assert r.status_code == 200 and "a-1.js" in r.text
        assert r.headers["cache-control"] == "no-store", path
