"""One-time codes: CSPRNG digits, stored only as an HMAC bound to one contract and PDF hash.

The code itself exists only in memory on its way into the client's support ticket: it is
never logged, never stored in clear, never returned to the manager.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from privet_manager.kit.security import constant_time_equals, hmac_sha256
from privet_manager.settings import get_settings

CODE_DIGITS = 6
TTL = timedelta(minutes=10)
RESEND_COOLDOWN = timedelta(seconds=60)
MAX_FAILURES = 5
MAX_CODES_PER_HOUR = 5
CODES_WINDOW = timedelta(hours=1)


def new_code() -> str:
    """Six uniformly random digits from the OS CSPRNG (what pyotp.random_base32 uses too)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hmac(code: str, *, contract_id: int, pdf_sha256: str) -> str:
    """HMAC-SHA256 (OTP_HMAC_SECRET) of the code bound to the contract and its PDF: the same
    digits for another contract, or after the PDF changed, give another value."""
    message = f"privet-manager/otp/v1|{contract_id}|{pdf_sha256}|{code}"
    return hmac_sha256(get_settings().otp_hmac_secret, message)


def code_matches(code: str, stored_hmac: str, *, contract_id: int, pdf_sha256: str) -> bool:
    """Constant-time comparison of a typed code with the stored HMAC."""
    candidate = code_hmac(code, contract_id=contract_id, pdf_sha256=pdf_sha256)
    return constant_time_equals(candidate, stored_hmac)


@dataclass(frozen=True)
class SendAllowance:
    allowed: bool
    retry_after: int = 0
    reason: str = ""


def may_send(
    now: datetime,
    last_sent_at: datetime | None,
    window_started_at: datetime | None,
    window_count: int,
) -> SendAllowance:
    """The cooldown (60 s since the last code) and the hourly cap (5 codes per contract)."""
    if last_sent_at is not None and now < last_sent_at + RESEND_COOLDOWN:
        wait = (last_sent_at + RESEND_COOLDOWN - now).total_seconds()
        return SendAllowance(False, max(1, int(wait) + 1), "cooldown")
    if (
        window_started_at is not None
        and now < window_started_at + CODES_WINDOW
        and window_count >= MAX_CODES_PER_HOUR
    ):
        wait = (window_started_at + CODES_WINDOW - now).total_seconds()
        return SendAllowance(False, max(1, int(wait) + 1), "hourly_cap")
    return SendAllowance(True)
