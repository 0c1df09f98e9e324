"""Browser tests: a real uvicorn serving the built SPA on a fresh migrated database, driven by
Debian's Chromium through Python playwright (never `playwright install`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from filelock import FileLock

from bench.server import free_port, until_stopped
from tests.conftest import RUN_DIR
from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JWT_SECRET,
    MAX_PHOTO_MB,
    ROOT,
    SPA,
    VIEWPORTS,
)


def _ensure_spa_built() -> Path:
    """Builds the SPA when dist/ is missing or older than the sources (npm ci if needed), once
    for all the xdist workers of the run."""
    with FileLock(RUN_DIR / "spa-build.lock"):
        return _build_spa()


def _build_spa() -> Path:
    dist = SPA / "dist"
    index = dist / "index.html"
    sources = [p for p in (SPA / "src").rglob("*") if p.is_file()] + [SPA / "index.html"]
    newest = max(p.stat().st_mtime for p in sources)
    if index.exists() and index.stat().st_mtime >= newest and not os.environ.get("PM_E2E_REBUILD"):
        return dist
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot build the SPA")
    if not (SPA / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=SPA, check=True)
    subprocess.run([npm, "run", "build"], cwd=SPA, check=True)
    return dist


@dataclass
class LiveServer:
    url: str
    database_url: str
    env: dict[str, str]

    def api(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=20)

    def login(self, email: str, password: str) -> str:
        with self.api() as c:
            r = c.post("/api/manager/auth/login", json={"email": email, "password": password})
            assert r.status_code == 200, r.text
            return str(r.json()["access_token"])

    def cli(self, *args: str, stdin: str | None = None) -> str:
        exe = Path(sys.executable).with_name("privet-manager")
        cmd = (
            [str(exe), *args]
            if exe.exists()
            else [sys.executable, "-m", "privet_manager.cli", *args]
        )
        out = subprocess.run(
            cmd, env=self.env, input=stdin, capture_output=True, text=True, check=True
        )
        return out.stdout


@pytest.fixture(scope="session")
def live_server(pg_server) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    dist = _ensure_spa_built()
    database_url = pg_server.migrated_database(prefix="pm_e2e")
    data_dir = Path(tempfile.mkdtemp(prefix="pm-e2e-"))
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "PRIVET_DATA_DIR": str(data_dir),
        "PRIVET_SPA_DIST": str(dist),
        "JWT_SECRET": JWT_SECRET,
        "MAX_PHOTO_MB": str(MAX_PHOTO_MB),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": os.environ.get("PM_E2E_LOG_LEVEL", "WARNING"),
    }
    env.pop("S3_ENDPOINT", None)
    server = LiveServer(url=f"http://127.0.0.1:{port}", database_url=database_url, env=env)
    server.cli("seed-demo", "--clients", "30")  # every test claims its own
    log = (data_dir / "uvicorn.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "privet_manager.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        log_tail = (data_dir / "uvicorn.log").read_text
        with until_stopped(proc, f"{server.url}/health/ready", log_tail):
            yield server
    finally:
        log.close()
        pg_server.drop_database(database_url)
        shutil.rmtree(data_dir, ignore_errors=True)


# Package scope: the sync Playwright API runs its own event loop in this thread; it must be
# gone before the asyncio tests of the following packages start theirs.
@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


# Reports every Content-Security-Policy violation to the test: the listener is injected before
# any page script (CDP, so the page's own policy does not apply to it) and the binding
# survives navigations.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__pmCspViolation({directive: e.effectiveDirective, blocked: e.blockedURI,
    source: e.sourceFile, line: e.lineNumber, sample: e.sample, page: location.pathname});
});
"""


@pytest.fixture
def csp_violations() -> list[dict[str, object]]:
    return []


@pytest.fixture
def new_page(browser, live_server, csp_violations):
    """Factory of pages in fresh contexts (own cookies), at a named viewport. Every page
    collects CSP violations, and the test fails if there was any (the SPA runs under the
    strict policy the server sends)."""
    contexts = []

    def make(viewport: str = "desktop"):
        width, height = VIEWPORTS[viewport]
        ctx = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            locale="ru-RU",
            timezone_id="Europe/Moscow",
        )
        ctx.set_default_timeout(15_000)
        ctx.expose_function("__pmCspViolation", lambda v: csp_violations.append(v))
        ctx.add_init_script(CSP_LISTENER)
        contexts.append(ctx)
        page = ctx.new_page()

        def console(message):
            # Chromium also logs each refusal: a second net, should the event be missed.
            if "Content Security Policy" in message.text:
                csp_violations.append({"console": message.text, "page": page.url})

        page.on("console", console)
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not csp_violations, f"CSP violations: {csp_violations}"
