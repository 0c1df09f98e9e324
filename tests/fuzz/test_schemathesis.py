"""Schemathesis against the app's own /openapi.json, over real HTTP to a live uvicorn process
on the test database, as an authenticated manager (admin endpoints as an admin).

For every operation, a bounded number of generated requests (valid and invalid): no 500
anywhere, every error body is RFC 9457 problem+json, every response matches the schema
(status code documented, content type, body). Path ids point at a seeded client that the
manager holds, with a device, a photo and a tariff, so client-scoped endpoints do real work
instead of answering 404.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import truncate_all
from tests.fuzz import world as world_mod
from tests.live import LiveServer, live_server, login

MAX_EXAMPLES = int(os.environ.get("PM_FUZZ_EXAMPLES", "25"))
# Streaming, and the operations that end the caller's own sessions (they run under a
# throw-away identity, see `_headers_for`).
EXCLUDED_PATHS = {"/api/manager/events"}
SESSION_ENDING = {"/api/manager/auth/logout", "/api/manager/auth/password"}
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


@schemathesis.check
def problem_json_errors(ctx: Any, response: Any, case: Case[Any]) -> bool | None:
    """Every 4xx/5xx answer is application/problem+json with the RFC 9457 members."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} with content type {content_type!r}"
    )
    body = json.loads(response.content)
    missing = PROBLEM_KEYS - body.keys()
    assert not missing, f"problem body without {sorted(missing)}: {body}"
    assert body["status"] == response.status_code, body
    assert "Traceback" not in response.content.decode("utf-8", "replace")
    return None


CHECKS = [
    not_a_server_error,
    problem_json_errors,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@dataclass
class Identities:
    manager: dict[str, str]
    admin: dict[str, str]
    throwaway: dict[str, str]


@pytest.fixture(scope="module")
async def world(database) -> world_mod.World:
    await truncate_all(database)
    return await world_mod.build(database)


@pytest.fixture(scope="module")
def live(world: world_mod.World) -> Iterator[LiveServer]:
    with live_server({"LOGIN_MAX_FAILURES_PER_IP": "100000"}) as server:
        yield server


@pytest.fixture(scope="module")
def identities(live: LiveServer, world: world_mod.World) -> Identities:
    return Identities(
        manager=login(live.url, world.manager_email),
        admin=login(live.url, world.admin_email),
        throwaway=login(live.url, world.throwaway_email),
    )


@pytest.fixture
async def scene(
    request, database, live: LiveServer, identities: Identities, world: world_mod.World
) -> world_mod.Scene:
    path = request.node.callspec.params["label"].split(" ", 1)[1]
    return await world_mod.scene(
        database, live.url, identities.manager, world, world_mod.level_for(path)
    )


def _openapi() -> dict[str, Any]:
    from privet_manager.main import create_app

    return create_app().openapi()


RAW_SCHEMA = _openapi()
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, ops in RAW_SCHEMA["paths"].items()
    if path not in EXCLUDED_PATHS
    for method in ops
    if method in {"get", "post", "put", "patch", "delete"}
]


@pytest.fixture(scope="module")
def api_schema(live: LiveServer) -> Any:
    raw = httpx.get(f"{live.url}/openapi.json", timeout=30).json()
    config = SchemathesisConfig.from_dict(
        # Credentials are ours (see the test); invalid inputs go into parameters and bodies.
        {"generation": {"max-examples": MAX_EXAMPLES, "with-security-parameters": False}}
    )
    return schemathesis.openapi.from_dict(raw, config=config)


def _headers_for(path: str, identities: Identities, scene: world_mod.Scene) -> dict[str, str]:
    if path.startswith("/api/support/"):
        return scene.app_headers
    if path in SESSION_ENDING:
        return identities.throwaway
    if "/admin/" in path or path.startswith("/api/manager/analytics"):
        return identities.admin
    return identities.manager


def _strategy(operation: Any, ids: dict[str, int]) -> Any:
    """Valid requests with real ids, and invalid ones (with real and with random ids)."""
    names = {p.name for p in operation.path_parameters}
    fixed = {k: v for k, v in ids.items() if k in names}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed or None),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if fixed and (operation.query or operation.body or len(fixed) < len(names)):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed))
    return st.one_of(strategies)


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_answers_within_its_contract(
    label: str, api_schema: Any, live: LiveServer, identities: Identities, scene: world_mod.Scene
) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    headers = _headers_for(path, identities, scene)
    seen: dict[int, int] = {}

    @given(case=_strategy(operation, scene.ids))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Case[Any]) -> None:
        # Our identity replaces whatever credentials the generator put in (bad tokens are the
        # auth tests' business; here every operation should get past authentication).
        if case.headers:
            case.headers.pop("Authorization", None)  # case-insensitive: any spelling
        sent = {**dict(case.headers or {}), **headers}
        response = case.call(base_url=live.url, headers=sent, timeout=30)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            # Name the failing input precisely; the server log has the traceback.
            print(f"\n{case.method} {case.formatted_path} -> {response.status_code}")
            print(case.as_curl_command(headers=sent))
            print(live.log()[-4000:])
        case.validate_response(response, checks=CHECKS, headers=sent)

    run()
    print(f"{label}: {dict(sorted(seen.items()))}")
