from __future__ import annotations

import httpx


async def test_json_is_gzipped_only_when_asked(client: httpx.AsyncClient) -> None:
    url = "/openapi.json"
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    zipped = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()
