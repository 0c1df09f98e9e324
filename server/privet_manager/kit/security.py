"""JWT, bcrypt and HMAC helpers. No domain knowledge here."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import bcrypt
import jwt

JWT_ALGORITHM = "HS256"
BCRYPT_ROUNDS = 12
BCRYPT_MAX_BYTES = 72


class TokenError(Exception):
    """The token is malformed, forged, expired or of the wrong type."""


def create_jwt(
    secret: str,
    *,
    subject: str,
    token_type: str,
    ttl: timedelta,
    now: datetime | None = None,
    **claims: Any,
) -> tuple[str, datetime]:
    now = now or datetime.now(UTC)
    exp = now + ttl
    payload = {
        "sub": subject,
        "typ": token_type,
        "iat": int(now.timestamp()),
        "exp": int(exp.timestamp()),
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM), exp


def decode_jwt(secret: str, token: str, *, token_type: str | None) -> dict[str, Any]:
    """Decode an HS256 token; `exp`, `iat`, `sub` and (if asked) the type are required."""
    required = ["exp", "iat", "sub"] + (["typ"] if token_type else [])
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": required, "verify_signature": True},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    if token_type and payload.get("typ") != token_type:
        raise TokenError("wrong token type")
    return payload


def password_too_long(password: str) -> bool:
    return len(password.encode("utf-8")) > BCRYPT_MAX_BYTES


def hash_password(password: str) -> str:
    if password_too_long(password):
        raise ValueError("password longer than 72 bytes")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    """Constant-effort check; over-long passwords simply fail (never truncated)."""
    if password_too_long(password):
        # Spend the same time as a real check so length is not an oracle.
        bcrypt.checkpw(b"x", _dummy_hash())
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode())
    except ValueError:
        return False


@cache
def _dummy_hash() -> bytes:
    # Made once per process, not at import: a CLI call or a test worker need not pay for it.
    # The API makes it at start (main.py), so even the first unknown email costs a real check.
    return bcrypt.hashpw(b"dummy-password-for-timing", bcrypt.gensalt(BCRYPT_ROUNDS))


def prepare_password_checks() -> None:
    """Make the dummy hash now (off the event loop at start-up)."""
    _dummy_hash()


def burn_password_check() -> None:
    """Do the work of a password check for an unknown account."""
    bcrypt.checkpw(b"not-the-password", _dummy_hash())


def hmac_sha256(key: str | bytes, message: str | bytes) -> str:
    k = key.encode() if isinstance(key, str) else key
    m = message.encode() if isinstance(message, str) else message
    return hmac.new(k, m, hashlib.sha256).hexdigest()


def derive_key(secret: str, label: str) -> bytes:
    """A key of its own for one purpose, derived from `secret`: HMAC-SHA256(secret, label),
    the 32 raw bytes. Distinct labels give independent keys."""
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()
