"""Download links for contract PDFs."""

from __future__ import annotations

from datetime import timedelta

from privet_manager.kit.storage import get_storage
from privet_manager.settings import get_settings

MANAGER_LINK_TTL = timedelta(minutes=30)
# The link in the client's chat must outlive the code by far: the client may open it later.
CLIENT_LINK_TTL = timedelta(hours=24)


async def download_url(key: str, ttl: timedelta, *, absolute: bool = False) -> str:
    """A signed, short-lived URL; made absolute with PUBLIC_BASE_URL for the local backend."""
    url = await get_storage().presign_download(key, ttl)
    if absolute and url.startswith("/"):
        url = get_settings().public_base_url.rstrip("/") + url
    return url
