"""The organisation's PAdES seal on signed contracts (pyHanko). Knows no domain.

- `load_seal(settings)`: the seal (cached per process) from SEAL_PKCS12_PATH and
  SEAL_PKCS12_PASSWORD; without them outside production, our own small CA and seal made under
  `$PRIVET_DATA_DIR/seal/`; in production a missing or unreadable seal raises
  `SealUnavailable` (start-up refuses).
- `Seal.seal(pdf, stamp=SealStamp(...), tsa_url=...)` → `SealedPdf(data, timestamped)`;
  `Seal.chain_pem()`, `Seal.trust_roots` (PEM).
- `validate(pdf, trust_roots_pem)` → `SealCheck` (pure: no database, no network).
- `validate_extension(signed, sealed, trust_roots_pem)`: `sealed` is `signed` plus exactly
  the seal's revision (and document timestamps), and the seal holds.
- `add_document_timestamp(pdf, tsa_url)`: a later RFC 3161 document timestamp.
- `seal_in_worker(settings, pdf, stamp)`: `load_seal(settings).seal(...)` with the settings'
  TSA, a plain function a process pool can run (contracts/sealing.py).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from cryptography import x509

from privet_manager.seal.check import SealCheck, validate, validate_extension
from privet_manager.seal.keys import SealUnavailable, load_pkcs12, own_seal
from privet_manager.seal.sealer import Seal, SealedPdf, add_document_timestamp
from privet_manager.seal.stamp import SealStamp
from privet_manager.settings import Settings

__all__ = [
    "Seal",
    "SealCheck",
    "SealStamp",
    "SealUnavailable",
    "SealedPdf",
    "add_document_timestamp",
    "load_seal",
    "reset_seal",
    "seal_in_worker",
    "validate",
    "validate_extension",
    "worker_init",
]

_lock = threading.Lock()
_cache: dict[tuple[object, ...], Seal] = {}


def seal_folder(settings: Settings) -> Path:
    return settings.privet_data_dir / "seal"


def load_seal(settings: Settings) -> Seal:
    """The process's seal for these settings (made or read once)."""
    key = (
        str(settings.seal_pkcs12_path or ""),
        settings.seal_pkcs12_password,
        str(settings.privet_data_dir),
        settings.environment,
        settings.tsa_timeout_seconds,
        str(settings.tsa_trust_roots_path or ""),
    )
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = _load(settings)
        return found


def seal_in_worker(settings: Settings, pdf: bytes, stamp: SealStamp) -> SealedPdf:
    """Seal `pdf` as the settings say (the process's seal, their TSA). Picklable arguments
    and result: the seal is made in a worker process, off the API process's GIL."""
    return load_seal(settings).seal(pdf, stamp=stamp, tsa_url=settings.tsa_url or None)


# The worker's CPU priority below the API's: where cores are short, requests win, and the
# seal (nobody waits for it) takes the time that is left.
WORKER_NICENESS = 10


def worker_init(log_level: str) -> None:
    """Start of a seal worker process: JSON log lines like the server's, a lower priority,
    and an exit of its own when the server that started it is gone."""
    from privet_manager.kit.logging import configure_logging

    configure_logging(log_level)
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    threading.Thread(
        target=_exit_with_parent, args=(os.getppid(),), name="seal-parent-watch", daemon=True
    ).start()


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """A server killed with SIGKILL (an OOM kill, a crash) never shuts its pool down: its
    worker would stay, orphaned, for good. It leaves within a second of its parent instead."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def reset_seal() -> None:
    """Forget the loaded seals (tests that change the settings)."""
    with _lock:
        _cache.clear()


def _load(settings: Settings) -> Seal:
    if settings.seal_pkcs12_path:
        material = load_pkcs12(settings.seal_pkcs12_path, settings.seal_pkcs12_password)
    elif settings.environment == "production":
        raise SealUnavailable(
            "Refusing to start in production without the organisation's seal: set "
            "SEAL_PKCS12_PATH and SEAL_PKCS12_PASSWORD"
        )
    else:
        material = own_seal(seal_folder(settings), settings.company_name)
    extra: tuple[x509.Certificate, ...] = ()
    if settings.tsa_trust_roots_path:
        try:
            extra = tuple(
                x509.load_pem_x509_certificates(settings.tsa_trust_roots_path.read_bytes())
            )
        except (OSError, ValueError) as e:
            raise SealUnavailable(
                f"cannot read TSA_TRUST_ROOTS_PATH {settings.tsa_trust_roots_path}: {e}"
            ) from e
    return Seal(material, tsa_timeout_seconds=settings.tsa_timeout_seconds, extra_trust_roots=extra)
