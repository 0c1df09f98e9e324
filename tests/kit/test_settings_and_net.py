from __future__ import annotations

from typing import Any

import pytest
from privet_manager.kit.net import client_ip
from privet_manager.settings import DEV_SECRETS, Settings, get_settings
from starlette.requests import Request


def test_production_refuses_default_secrets() -> None:
    settings = Settings(environment="production", database_url="postgresql://x/y")
    with pytest.raises(RuntimeError) as exc:
        settings.check_production()
    for name in DEV_SECRETS:
        assert name in str(exc.value)


def test_production_names_only_the_bad_secret() -> None:
    good: dict[str, Any] = {
        name.lower(): f"{name}-a-long-random-production-value-000" for name in DEV_SECRETS
    }
    good["manager_jwt_secret"] = ""
    good["public_base_url"] = "https://manager.example.ru"
    settings = Settings(environment="production", **good)
    with pytest.raises(RuntimeError, match="MANAGER_JWT_SECRET") as exc:
        settings.check_production()
    assert "CONTRACT_SIGNATURE_SECRET" not in str(exc.value)
    good["manager_jwt_secret"] = "x" * 40
    Settings(environment="production", **good).check_production()


def test_production_refuses_one_key_for_two_purposes() -> None:
    good: dict[str, Any] = {
        name.lower(): f"{name}-a-long-random-production-value-000" for name in DEV_SECRETS
    }
    good["public_base_url"] = "https://manager.example.ru"
    Settings(environment="production", **good).check_production()
    same = {**good, "otp_hmac_secret": good["contract_signature_secret"]}
    with pytest.raises(
        RuntimeError, match=r"OTP_HMAC_SECRET \(same as CONTRACT_SIGNATURE_SECRET\)"
    ):
        Settings(environment="production", **same).check_production()
    for chain in ("short", good["contract_signature_secret"], DEV_SECRETS["OTP_HMAC_SECRET"]):
        with pytest.raises(RuntimeError, match="ACTIVITY_CHAIN_SECRET"):
            Settings(
                environment="production", activity_chain_secret=chain, **good
            ).check_production()
    chain = "an-activity-chain-key-of-its-own-0123456789"
    Settings(environment="production", activity_chain_secret=chain, **good).check_production()


def test_development_starts_with_defaults() -> None:
    Settings(environment="development").check_production()


def test_app_refuses_to_start_in_production_with_defaults() -> None:
    from privet_manager.main import create_app

    with pytest.raises(RuntimeError, match="Refusing to start"):
        create_app(Settings(environment="production"))


def _request(peer: str, xff: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", xff.encode())] if xff else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_forwarded_for_ignored_without_trusted_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "trusted_proxies", "")
    assert client_ip(_request("198.51.100.9", "1.2.3.4")) == "198.51.100.9"


def test_forwarded_for_from_a_trusted_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "trusted_proxies", "10.0.0.0/8")
    assert client_ip(_request("10.0.0.2", "1.2.3.4")) == "1.2.3.4"
    # A spoofed first hop does not help: the nearest untrusted hop wins.
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.3")) == "1.2.3.4"
    # From an untrusted peer the header is ignored.
    assert client_ip(_request("198.51.100.9", "1.2.3.4")) == "198.51.100.9"
    # Garbage in the header falls back to the peer.
    assert client_ip(_request("10.0.0.2", "not-an-ip")) == "10.0.0.2"
