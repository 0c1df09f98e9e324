"""Settings: only from the environment or `.env` (see .env.example)."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults. Production refuses to start while any of these is in use.
DEV_SECRETS = {
    "JWT_SECRET": "dev-jwt-secret-change-me-0123456789abcdef",
    "MANAGER_JWT_SECRET": "dev-manager-jwt-secret-change-me-0123456789",
    "CONTRACT_SIGNATURE_SECRET": "dev-contract-signature-secret-change-me-01",
    # 32 bytes, urlsafe base64
    "PASSPORT_ENCRYPTION_KEY": "ZGV2LXBhc3Nwb3J0LWtleS1jaGFuZ2UtbWUtMDEyMzQ=",
    "OTP_HMAC_SECRET": "dev-otp-hmac-secret-change-me-0123456789abc",
    "STORAGE_SIGNING_SECRET": "dev-storage-signing-secret-change-me-012345",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    # Kept as a plain string: the embedded server's URI is a unix socket (`?host=/dir`).
    database_url: str = ""
    database_pool_size: int = 10
    privet_data_dir: Path = Path("./var")

    jwt_secret: str = DEV_SECRETS["JWT_SECRET"]
    manager_jwt_secret: str = DEV_SECRETS["MANAGER_JWT_SECRET"]
    manager_access_token_expire_minutes: int = Field(default=120, ge=1, le=24 * 60)
    manager_refresh_session_hours: int = Field(default=12, ge=1, le=24)
    contract_signature_secret: str = DEV_SECRETS["CONTRACT_SIGNATURE_SECRET"]
    otp_hmac_secret: str = DEV_SECRETS["OTP_HMAC_SECRET"]
    # Comma-separated `kid:base64key` pairs, or one bare key (kid "k1"); the first is current.
    passport_encryption_key: str = DEV_SECRETS["PASSPORT_ENCRYPTION_KEY"]
    storage_signing_secret: str = DEV_SECRETS["STORAGE_SIGNING_SECRET"]

    s3_endpoint: str = ""
    s3_public_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "privet-manager"
    s3_region: str = "us-east-1"
    s3_secure: bool = False

    trusted_proxies: str = ""
    max_photo_mb: int = Field(default=10, ge=1, le=100)
    public_base_url: str = "http://127.0.0.1:8000"
    spa_dist: Path = Field(default=Path("frontend-manager/dist"), alias="PRIVET_SPA_DIST")
    log_level: str = "INFO"
    cookie_secure: bool | None = None

    login_max_failures_per_account: int = 10
    login_max_failures_per_ip: int = 50
    login_lockout_minutes: int = 15

    company_name: str = "ООО «Привет Супер»"
    company_inn: str = "7700000000"
    company_ogrn: str = "1207700000000"
    company_address: str = "г. Москва, ул. Примерная, д. 1"

    @field_validator("privet_data_dir", "spa_dist")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def s3_enabled(self) -> bool:
        return bool(self.s3_endpoint)

    @property
    def max_photo_bytes(self) -> int:
        return self.max_photo_mb * 1024 * 1024

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return [
            ip_network(p.strip(), strict=False)
            for p in self.trusted_proxies.split(",")
            if p.strip()
        ]

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.public_base_url.startswith("https://")

    def insecure_secrets(self) -> list[str]:
        """Names of secrets that are empty, defaults or too short."""
        bad = []
        for name, default in DEV_SECRETS.items():
            value = getattr(self, name.lower())
            if not value or value == default or len(value) < 32:
                bad.append(name)
        if self.s3_enabled and (not self.s3_access_key or not self.s3_secret_key):
            bad.append("S3_ACCESS_KEY/S3_SECRET_KEY")
        return bad

    def check_production(self) -> None:
        if self.environment == "production":
            bad = self.insecure_secrets()
            if bad:
                raise RuntimeError(
                    "Refusing to start in production with default or empty secrets: "
                    + ", ".join(bad)
                )


@lru_cache
def get_settings() -> Settings:
    return Settings()
