"""Settings: only from the environment or `.env` (see .env.example)."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

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


def networks(csv: str) -> list[IPv4Network | IPv6Network]:
    """Comma-separated addresses or networks (`10.0.0.0/8, ::1`)."""
    return [ip_network(p.strip(), strict=False) for p in csv.split(",") if p.strip()]


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
    # A refresh token rotated less than this long ago is answered like its successor (its
    # answer may have been lost on a flaky network); later it is reuse and ends the session.
    refresh_reuse_grace_seconds: int = Field(default=60, ge=0, le=600)
    contract_signature_secret: str = DEV_SECRETS["CONTRACT_SIGNATURE_SECRET"]
    otp_hmac_secret: str = DEV_SECRETS["OTP_HMAC_SECRET"]
    # The activity chain's HMAC key. Empty: derived from CONTRACT_SIGNATURE_SECRET with a
    # label of its own (activity/service.py `chain_key`), so nothing new must be kept.
    activity_chain_secret: str = ""
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
    # GET /metrics (Prometheus): from these addresses (comma-separated networks), or with
    # `Authorization: Bearer <METRICS_TOKEN>` from anywhere when a token is set.
    metrics_allowed_ips: str = "127.0.0.1/32,::1/128"
    metrics_token: str = ""
    max_photo_mb: int = Field(default=10, ge=1, le=100)
    # Any request body but the local photo upload (which keeps MAX_PHOTO_MB): 413 above it.
    max_body_kb: int = Field(default=1024, ge=16, le=64 * 1024)
    public_base_url: str = "http://127.0.0.1:8000"
    spa_dist: Path = Field(default=Path("frontend-manager/dist"), alias="PRIVET_SPA_DIST")
    log_level: str = "INFO"
    # Response compression for clients that ask (bench/README.md, "Compression"): bodies below
    # COMPRESS_MIN_BYTES go as they are; zstd, then brotli, then gzip, whichever the client
    # accepts first in that order. A level of 0 turns that encoding off.
    compress_min_bytes: int = Field(default=1024, ge=0, le=1024 * 1024)
    gzip_level: int = Field(default=3, ge=0, le=9)
    zstd_level: int = Field(default=3, ge=0, le=22)
    brotli_quality: int = Field(default=0, ge=0, le=11)
    # OpenTelemetry traces to this OTLP/HTTP collector; empty: off (kit/tracing.py).
    otel_exporter_otlp_endpoint: str = ""
    cookie_secure: bool | None = None

    login_max_failures_per_account: int = 10
    login_max_failures_per_ip: int = 50
    login_lockout_minutes: int = 15
    # Public verification (/api/public): lookups per client address and minute, both endpoints
    # together; past it, 429 with Retry-After for the rest of the minute.
    public_requests_per_minute: int = Field(default=30, ge=1, le=10_000)

    company_name: str = "ООО «Привет Супер»"
    company_inn: str = "7700000000"
    company_ogrn: str = "1207700000000"
    company_address: str = "г. Москва, ул. Примерная, д. 1"
    company_kpp: str = "770001001"
    company_bank_name: str = "ПАО «Примерный банк», г. Москва"
    company_bank_bik: str = "044500000"
    company_bank_account: str = "40702810000000000000"
    company_bank_corr_account: str = "30101810000000000000"
    company_email: str = "support@privet-super.example"
    # Who signs for the company, and on what authority (the contract names them).
    company_signatory_name: str = "Иванов Иван Иванович"
    company_signatory_position: str = "генеральный директор"
    company_signatory_authority: str = "Устава"
    # The city named as the place of signing.
    contract_place: str = "г. Москва"
    # The subscription period of a tariff created without one (months).
    default_tariff_period_months: int = Field(default=12, ge=1, le=120)

    # The organisation's seal on signed contracts (PKCS#12). Empty outside production: an own
    # CA and seal under $PRIVET_DATA_DIR/seal/. Production refuses to start without it.
    seal_pkcs12_path: Path | None = None
    seal_pkcs12_password: str = ""
    # RFC 3161 timestamp authority: the seal gets a timestamp (PAdES-B-T, with the validation
    # data embedded: B-LT). Empty: no timestamp (`add-timestamps` adds them later).
    tsa_url: str = ""
    # A TSA slower than this is skipped and the contract sealed without the timestamp.
    tsa_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    # More trust roots (PEM) for the TSA's certificate, where the system's do not cover it.
    tsa_trust_roots_path: Path | None = None
    # Processes that make the seals after signing, off the API process's GIL (0: a thread of
    # the API process instead). The pool starts with the first seal.
    seal_workers: int = Field(default=1, ge=0, le=8)
    # How often each replica looks for signed contracts still waiting for their seal.
    seal_sweep_seconds: float = Field(default=60.0, gt=0, le=3600)

    @field_validator("metrics_allowed_ips")
    @classmethod
    def _networks(cls, v: str) -> str:
        networks(v)  # a ValueError stops the start
        return v

    @field_validator("privet_data_dir", "spa_dist")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @field_validator("seal_pkcs12_path", "tsa_trust_roots_path", mode="before")
    @classmethod
    def _empty_path(cls, v: object) -> object:
        return None if v == "" else v

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def s3_enabled(self) -> bool:
        return bool(self.s3_endpoint)

    @property
    def storage_public_origin(self) -> str | None:
        """The origin browsers fetch photos from and upload them to (S3 only), as the
        storage signs its URLs: S3_PUBLIC_ENDPOINT, else S3_ENDPOINT."""
        if not self.s3_enabled:
            return None
        url = self.s3_public_endpoint or self.s3_endpoint
        if "://" not in url:
            url = ("https://" if self.s3_secure else "http://") + url
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def max_photo_bytes(self) -> int:
        return self.max_photo_mb * 1024 * 1024

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_kb * 1024

    @property
    def https(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return networks(self.trusted_proxies)

    @property
    def metrics_networks(self) -> list[IPv4Network | IPv6Network]:
        return networks(self.metrics_allowed_ips)

    @property
    def secure_cookies(self) -> bool:
        # Production never sends the refresh cookie over plain HTTP, whatever COOKIE_SECURE says.
        if self.environment == "production":
            return True
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.https

    def insecure_secrets(self) -> list[str]:
        """Names of secrets that are empty, defaults, too short, or the same as another (one
        key for two purposes: a leaked code key would forge evidence)."""
        bad = []
        values = {name: getattr(self, name.lower()) for name in DEV_SECRETS}
        for name, default in DEV_SECRETS.items():
            value = values[name]
            if not value or value == default or len(value) < 32:
                bad.append(name)
        chain = self.activity_chain_secret
        if chain:  # optional: empty means derived from CONTRACT_SIGNATURE_SECRET
            if len(chain) < 32 or chain in DEV_SECRETS.values():
                bad.append("ACTIVITY_CHAIN_SECRET")
            values["ACTIVITY_CHAIN_SECRET"] = chain
        first: dict[str, str] = {}
        for name, value in values.items():
            if value and value in first and name not in bad:
                bad.append(f"{name} (same as {first[value]})")
            first.setdefault(value, name)
        if self.metrics_token and len(self.metrics_token) < 32:
            bad.append("METRICS_TOKEN")
        if self.s3_enabled and (not self.s3_access_key or not self.s3_secret_key):
            bad.append("S3_ACCESS_KEY/S3_SECRET_KEY")
        return bad

    def check_production(self) -> None:
        if self.environment != "production":
            return
        bad = self.insecure_secrets()
        if bad:
            raise RuntimeError(
                "Refusing to start in production with default or empty secrets: " + ", ".join(bad)
            )
        if not self.https:
            raise RuntimeError(
                "Refusing to start in production with a PUBLIC_BASE_URL that is not https "
                f"({self.public_base_url!r}): the refresh cookie is Secure there and the SPA "
                "would not keep a session"
            )

    def security_summary(self) -> dict[str, object]:
        """What start-up logs: the effective security settings, never a secret's value.
        (Key names avoid words the log scrubber redacts: cookie, token, secret.)"""
        return {
            "environment": self.environment,
            "public_base_url": self.public_base_url,
            "hsts": self.https,
            "refresh_secure": self.secure_cookies,
            "refresh_session_hours": self.manager_refresh_session_hours,
            "refresh_reuse_grace_seconds": self.refresh_reuse_grace_seconds,
            "access_ttl_minutes": self.manager_access_token_expire_minutes,
            "trusted_proxies": self.trusted_proxies or "none",
            "metrics_from": self.metrics_allowed_ips or "none",
            "metrics_bearer": bool(self.metrics_token),
            "max_body_kb": self.max_body_kb,
            "max_photo_mb": self.max_photo_mb,
            "login_limits": f"{self.login_max_failures_per_account}/account, "
            f"{self.login_max_failures_per_ip}/ip, {self.login_lockout_minutes} min",
            "storage": "s3" if self.s3_enabled else "local",
            "storage_public_origin": self.storage_public_origin,
            "seal": str(self.seal_pkcs12_path) if self.seal_pkcs12_path else "own CA",
            "tsa": self.tsa_url or "none",
            "dev_defaults_in_use": self.insecure_secrets(),
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
