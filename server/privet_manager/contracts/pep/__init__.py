"""The PEP agreement (simple electronic signature rules) as versioned texts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from privet_manager.kit.security import sha256_hex

CURRENT_VERSION = "v1"
_DIR = Path(__file__).parent


@dataclass(frozen=True)
class PepAgreement:
    version: str
    sha256: str
    text: str


@lru_cache(maxsize=8)
def agreement(version: str = CURRENT_VERSION) -> PepAgreement:
    """The agreement text of a version; its SHA-256 is over the exact UTF-8 bytes shipped."""
    if not version.isalnum():
        raise KeyError(version)
    path = _DIR / f"pep_{version}.md"
    if not path.is_file():
        raise KeyError(version)
    data = path.read_bytes()
    return PepAgreement(version=version, sha256=sha256_hex(data), text=data.decode("utf-8"))
