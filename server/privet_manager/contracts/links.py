"""Download links for contract PDFs."""

from __future__ import annotations

import time
from datetime import timedelta

from privet_manager.kit.security import constant_time_equals, hmac_sha256
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


# While a contract's seal is pending its signed_pdf_url is this route of ours, not a storage
# link: it seals first and then redirects to the sealed copy (signing/router.py), so no link
# ever hands out the unsealed copy. Signed like a storage link: an <a href> carries no token.
SEAL_FIRST_PATH = "/api/manager/contracts/{contract_id}/signed.pdf"


def _seal_first_signature(contract_id: int, exp: str) -> str:
    secret = get_settings().storage_signing_secret
    return hmac_sha256(secret, f"GET signed.pdf\n{contract_id}\n{exp}")


def seal_first_url(contract_id: int, ttl: timedelta) -> str:
    exp = str(int(time.time() + ttl.total_seconds()))
    path = SEAL_FIRST_PATH.format(contract_id=contract_id)
    return f"{path}?exp={exp}&sig={_seal_first_signature(contract_id, exp)}"


def seal_first_valid(contract_id: int, exp: str, sig: str) -> bool:
    if not exp.isdigit() or int(exp) < time.time():
        return False
    return constant_time_equals(sig, _seal_first_signature(contract_id, exp))
