"""kit/security.py helpers no request reaches on its own: the cheap refusal of an over-long
password before any bcrypt work, the SHA-256 of text (what the idempotency fingerprints
hash) being that of its UTF-8 bytes, and a refused token's error saying why (every caller
answers its own 401, so only a caller debugging sees the text)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from privet_manager.kit import security
from privet_manager.kit.security import (
    TokenError,
    create_jwt,
    decode_jwt,
    hash_password,
    sha256_hex,
)

SECRET = "s" * 40


def test_sha256_hex_of_text_is_that_of_its_utf8_bytes() -> None:
    text = "договор №1"
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert sha256_hex(text) == expected
    assert sha256_hex(text.encode("utf-8")) == expected


def test_passwords_and_the_dummy_check_use_the_production_cost() -> None:
    """The tests log in with cheap hashes; what the code makes is at cost 12, the dummy
    hash of an unknown email's check too (else its time would tell the email is unknown)."""
    assert hash_password("пароль-из-теста").startswith("$2b$12$")
    assert security._dummy_hash().startswith(b"$2b$12$")


def test_an_over_long_password_is_refused_before_hashing() -> None:
    with pytest.raises(ValueError, match=r"^password longer than 72 bytes$"):
        hash_password("ю" * 37)  # 74 bytes


def test_a_refused_token_says_why() -> None:
    token, _ = create_jwt(SECRET, subject="1", token_type="refresh", ttl=timedelta(minutes=5))
    with pytest.raises(TokenError, match=r"^wrong token type$"):
        decode_jwt(SECRET, token, token_type="access")
    old = datetime.now(UTC) - timedelta(hours=1)
    expired, _ = create_jwt(
        SECRET, subject="1", token_type="access", ttl=timedelta(1), now=old - timedelta(1)
    )
    with pytest.raises(TokenError, match=r"^Signature has expired$"):
        decode_jwt(SECRET, expired, token_type="access")


def test_each_token_has_its_own_id_and_an_aware_expiry() -> None:
    """Two tokens with the same claims in the same second still differ (`jti`), and the
    expiry returned is in UTC, comparable with the other aware times."""
    now = datetime.now(UTC)
    a, _ = create_jwt(SECRET, subject="1", token_type="access", ttl=timedelta(minutes=5), now=now)
    b, _ = create_jwt(SECRET, subject="1", token_type="access", ttl=timedelta(minutes=5), now=now)
    ids = [decode_jwt(SECRET, t, token_type="access")["jti"] for t in (a, b)]
    assert a != b and ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    _, exp = create_jwt(SECRET, subject="1", token_type="access", ttl=timedelta(minutes=5))
    assert exp.utcoffset() == timedelta(0)
    assert timedelta(minutes=4) < exp - datetime.now(UTC) <= timedelta(minutes=5)
