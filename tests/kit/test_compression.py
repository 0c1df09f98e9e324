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


async def test_zstd_where_the_browser_offers_it_and_gzip_elsewhere(
    client: httpx.AsyncClient,
) -> None:
    import zstandard

    url = "/openapi.json"
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    chrome = await client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert chrome.headers["content-encoding"] == "zstd"
    assert "accept-encoding" in chrome.headers["vary"].lower()
    # httpx decodes zstd only with its extra; read the raw bytes the way a browser would.
    async with client.stream("GET", url, headers={"Accept-Encoding": "zstd"}) as raw:
        body = b"".join([chunk async for chunk in raw.aiter_raw()])
    assert zstandard.ZstdDecompressor().decompress(body) == plain.content
    assert len(body) < len(plain.content) / 4
    safari = await client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert safari.headers["content-encoding"] == "gzip"  # brotli is off (bench/README.md)
    assert safari.content == plain.content


async def test_small_bodies_go_as_they_are(client: httpx.AsyncClient) -> None:
    r = await client.get("/health", headers={"Accept-Encoding": "gzip, zstd"})
    assert r.status_code == 200
    assert "content-encoding" not in r.headers
