"""kit/security.py helpers no request reaches on its own: the cheap refusal of an over-long
password before any bcrypt work, and the SHA-256 of text (what the idempotency fingerprints
hash) being that of its UTF-8 bytes."""

from __future__ import annotations

import hashlib

import pytest
from privet_manager.kit.security import hash_password, sha256_hex


def test_sha256_hex_of_text_is_that_of_its_utf8_bytes() -> None:
    text = "договор №1"
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert sha256_hex(text) == expected
    assert sha256_hex(text.encode("utf-8")) == expected


def test_an_over_long_password_is_refused_before_hashing() -> None:
    with pytest.raises(ValueError, match=r"^password longer than 72 bytes$"):
        hash_password("ю" * 37)  # 74 bytes
