"""Every endpoint of the clients, devices and storage routers, fed wrong types, missing
fields, huge strings and unknown ids: never a 500, always problem+json."""

from __future__ import annotations

from typing import Any

import httpx

from tests.clients.arrange import fill_path, filled_client
from tests.conftest import Factory, login

TAGS = {"clients", "devices", "storage"}
HUGE = "я" * 100_000
BAD_IDS = ["999999999", "0", "-1", "abc", str(2**63), "1e3", "%00"]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _wrong(schema: dict[str, Any]) -> list[Any]:
    kinds = {s.get("type") for s in schema.get("anyOf", [schema])}
    wrong: list[Any] = [None, HUGE, -(2**70), {"nested": [1]}, [], True, 1.5]
    if "string" in kinds:
        wrong += [12345, "", " ", "\x00", "'; DROP TABLE users; --"]
    if "integer" in kinds:
        wrong += ["abc", 2**70, "1"]
    return wrong


def bodies(spec: dict[str, Any], op: dict[str, Any]) -> list[Any]:
    content = (op.get("requestBody") or {}).get("content", {}).get("application/json")
    if content is None:
        return []
    schema = _resolve(spec, content["schema"])
    props = schema.get("properties", {})
    out: list[Any] = [{}, [], "text", 42, None, {k: HUGE for k in props}]
    for name, prop in props.items():
        for value in _wrong(_resolve(spec, prop)):
            out.append({"version": 1, name: value})
        sub = _resolve(spec, prop)
        for variant in sub.get("anyOf", [sub]):
            inner = _resolve(spec, variant)
            for sub_name in inner.get("properties", {}):
                out.append({"version": 1, name: {sub_name: HUGE}})
                out.append({"version": 1, name: {sub_name: 7}})
    return out


def check(r: httpx.Response, what: str) -> None:
    assert r.status_code < 500, (what, r.status_code, r.text[:500])
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), (
            what,
            r.text[:200],
        )
        body = r.json()
        assert {"type", "title", "status", "detail", "code"} <= set(body), body


async def test_bad_input_never_500(client: httpx.AsyncClient, factory: Factory, clean_db, app):
    me = await factory.manager()
    headers = await login(client, me)
    filled = await filled_client(client, clean_db, me, headers)
    spec = app.openapi()
    count = 0
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if not TAGS & set(op.get("tags", [])):
                continue
            url = fill_path(path, filled).replace("{key}", filled.file_key)
            for body in bodies(spec, op):
                r = await client.request(method.upper(), url, json=body, headers=headers)
                check(r, f"{method} {path} {str(body)[:80]}")
                count += 1
            # Malformed JSON and the wrong media type.
            for raw, ctype in (
                (b"{", "application/json"),
                (b"\xff\xfe", "application/json"),
                (b"a=1", "text/plain"),
            ):
                r = await client.request(
                    method.upper(), url, content=raw, headers={**headers, "Content-Type": ctype}
                )
                check(r, f"{method} {path} raw {raw!r}")
                count += 1
            # Unknown and malformed ids in every path parameter.
            for param in ("{client_id}", "{device_id}", "{photo_id}"):
                if param not in path:
                    continue
                for bad in BAD_IDS:
                    bad_url = fill_path(path.replace(param, bad), filled)
                    r = await client.request(
                        method.upper(), bad_url, json={"version": 1}, headers=headers
                    )
                    check(r, f"{method} {bad_url}")
                    if bad == "999999999":
                        assert r.status_code in (404, 422), (bad_url, r.status_code)
                    count += 1
    # Query strings of the list, and odd headers.
    for params in (
        {"tab": "bogus"},
        {"limit": "0"},
        {"limit": "abc"},
        {"limit": "100000"},
        {"cursor": HUGE[:5000]},
        {"cursor": "eyJpIjogLTF9"},
        {"cursor": "eyJpIjoiYSJ9"},
        {"q": HUGE[:5000]},
        {"q": "%"},
        {"q": "\\"},
        {"q": "\x00"},
    ):
        r = await client.get("/api/manager/clients", params=params, headers=headers)
        check(r, f"list {str(params)[:60]}")
        count += 1
    for key in ("x" * 300, "ключ".encode(), " "):
        r = await client.post(
            f"/api/manager/clients/{filled.client_id}/devices",
            json={"kind": "phone", "brand": "A", "model": "B", "declared_value": "1"},
            headers={**headers, "Idempotency-Key": key},  # type: ignore[arg-type]  # bytes on purpose
        )
        check(r, f"idempotency key {key[:10]!r}")
    # Storage routes with unsigned, forged or odd queries.
    for url in (
        "/api/storage/objects/x",
        "/api/storage/objects/../../etc/passwd?exp=1&sig=x",
        "/api/storage/objects/a?exp=99999999999999999999&sig=x",
        f"/api/storage/objects/{filled.file_key}?exp=abc&sig=" + "f" * 64,
    ):
        for method in ("GET", "PUT"):
            r = await client.request(
                method, url, content=b"x", headers={"Content-Type": "image/jpeg"}
            )
            check(r, f"{method} {url}")
    assert count > 300
