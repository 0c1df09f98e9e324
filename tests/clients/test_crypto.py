"""Passport encryption: AES-GCM, key ids, rotation, tampering."""

from __future__ import annotations

import base64
import os

import pytest
from privet_manager.kit import crypto
from privet_manager.settings import get_settings


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_bare_key_is_k1_and_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "passport_encryption_key", key())
    blob, kid = crypto.encrypt("4506")
    assert kid == "k1" and b"4506" not in blob
    assert crypto.decrypt(blob, kid) == "4506"
    # A fresh nonce each time: equal passports do not look equal at rest.
    assert crypto.encrypt("4506")[0] != blob


def test_rotation_keeps_old_ciphertexts_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = key(), key()
    settings = get_settings()
    monkeypatch.setattr(settings, "passport_encryption_key", f"2025:{old}")
    blob, kid = crypto.encrypt("739215")
    assert kid == "2025"
    monkeypatch.setattr(settings, "passport_encryption_key", f"2026:{new}, 2025:{old}")
    assert crypto.current_key_id() == "2026"
    assert crypto.decrypt(blob, "2025") == "739215"
    fresh, fresh_kid = crypto.encrypt("739215")
    assert fresh_kid == "2026"
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(fresh, "2025")  # the wrong key does not authenticate
    monkeypatch.setattr(settings, "passport_encryption_key", f"2026:{new}")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(blob, "2025")  # a retired key is a clear error


def test_tampering_and_bad_keys_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "passport_encryption_key", key())
    blob, kid = crypto.encrypt("739215")
    flipped = bytes([blob[0]]) + bytes([blob[1] ^ 1]) + blob[2:]
    for bad in (flipped, blob[:-1], blob[:12], b""):
        with pytest.raises(crypto.CryptoError):
            crypto.decrypt(bad, kid)
    for spec in ("", "short", "k1:" + key() + ",k1:" + key(), ":" + key(), "k1:not base64!"):
        with pytest.raises(crypto.CryptoError):
            crypto.parse_keys(spec)
