"""S3 specifics: URLs for the browser are signed for the public endpoint."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from privet_manager.kit.storage.s3 import S3Storage

from tests.s3 import SeaweedFS


async def test_browser_urls_use_the_public_endpoint(seaweedfs: SeaweedFS) -> None:
    internal = S3Storage(seaweedfs.endpoint, seaweedfs.access_key, seaweedfs.secret_key, "pm-test")
    public = S3Storage(
        seaweedfs.endpoint,
        seaweedfs.access_key,
        seaweedfs.secret_key,
        "pm-test",
        public_endpoint="https://files.privet.example",
    )
    key = "clients/1/devices/1/" + "b" * 32 + ".png"
    target = await public.presign_upload(key, "image/png", 1000, timedelta(minutes=10))
    assert target.method == "POST" and target.url == "https://files.privet.example/pm-test"
    assert target.fields["key"] == key and target.fields["Content-Type"] == "image/png"
    url = await public.presign_download(key, timedelta(minutes=15))
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "files.privet.example")
    assert parse_qs(parts.query)["X-Amz-Expires"] == ["900"]
    # Signed for the internal host, the same request works against the real store.
    await internal.put(key, b"\x89PNG\r\n\x1a\n", "image/png")
    direct = await internal.presign_download(key, timedelta(minutes=1))
    async with httpx.AsyncClient() as c:
        assert (await c.get(direct)).content == b"\x89PNG\r\n\x1a\n"
    await internal.delete(key)
    assert await internal.stat(key) is None
