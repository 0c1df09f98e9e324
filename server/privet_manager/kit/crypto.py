"""AES-GCM for passport fields, with key ids so keys can be rotated.

`PASSPORT_ENCRYPTION_KEY` holds comma-separated `kid:base64key` pairs, or one bare key (kid
"k1"); the first key is the current one, the others only decrypt. A ciphertext is
`nonce (12 bytes) || AES-GCM(ciphertext + tag)`; the key id is stored beside it.
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from privet_manager.settings import get_settings

NONCE_BYTES = 12
# Binds every ciphertext to its purpose: a blob copied from elsewhere does not decrypt here.
_AAD = b"privet-manager/passport/v1"


class CryptoError(Exception):
    """A key is missing or malformed, or a ciphertext does not authenticate."""


def _decode_key(raw: str) -> bytes:
    raw = raw.strip()
    padded = raw + "=" * (-len(raw) % 4)
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            key = decode(padded)
        except (binascii.Error, ValueError):
            continue
        if len(key) in (16, 24, 32):
            return key
    raise CryptoError("a passport key must be base64 of 16, 24 or 32 bytes")


@lru_cache(maxsize=8)
def parse_keys(spec: str) -> tuple[tuple[str, bytes], ...]:
    """`kid:key,kid:key` or one bare key → ((kid, key), ...), current first."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        raise CryptoError("PASSPORT_ENCRYPTION_KEY is empty")
    if len(parts) == 1 and ":" not in parts[0]:
        return (("k1", _decode_key(parts[0])),)
    keys: list[tuple[str, bytes]] = []
    for part in parts:
        kid, sep, raw = part.partition(":")
        kid = kid.strip()
        if not sep or not kid or len(kid) > 32:
            raise CryptoError("each passport key must be written as kid:base64key")
        if any(k == kid for k, _ in keys):
            raise CryptoError(f"duplicate passport key id {kid!r}")
        keys.append((kid, _decode_key(raw)))
    return tuple(keys)


def _keys() -> tuple[tuple[str, bytes], ...]:
    return parse_keys(get_settings().passport_encryption_key)


def current_key_id() -> str:
    """The id new ciphertexts are written under."""
    return _keys()[0][0]


def encrypt(plaintext: str) -> tuple[bytes, str]:
    """Encrypt under the current key; returns (ciphertext, key id)."""
    kid, key = _keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _AAD), kid


def decrypt(ciphertext: bytes, kid: str) -> str:
    """Decrypt with the key `kid`; CryptoError if that key is gone or the data was altered."""
    key = dict(_keys()).get(kid)
    if key is None:
        raise CryptoError(f"passport key {kid!r} is not configured")
    if len(ciphertext) <= NONCE_BYTES:
        raise CryptoError("ciphertext too short")
    try:
        plain = AESGCM(key).decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], _AAD)
    except InvalidTag as exc:
        raise CryptoError("ciphertext does not authenticate") from exc
    return plain.decode("utf-8")
