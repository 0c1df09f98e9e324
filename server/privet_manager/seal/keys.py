"""The seal's key material: the organisation's PKCS#12, or (outside production) a small CA and
a seal certificate of our own, made once under `$PRIVET_DATA_DIR/seal/` and reused.

The own seal key is ECDSA P-256: it signs in a fraction of a millisecond, where RSA-3072 takes
several (the seal is on the confirm request's path). Two processes starting at once make it
once: the first holds an exclusive lock on `seal.lock` while it writes, and the file appears
whole (written aside, then renamed into place).
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
)
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

# The own seal's PKCS#12 is protected by the file system only (0600 in a 0700 folder): a
# password kept beside it would add nothing.
OWN_P12 = "seal.p12"
OWN_CA_PEM = "ca.pem"
OWN_VALIDITY = timedelta(days=3650)


class SealUnavailable(RuntimeError):
    """The configured seal cannot be used (missing, unreadable, wrong password, no key)."""


@dataclass(frozen=True)
class KeyMaterial:
    key: PrivateKeyTypes
    cert: x509.Certificate
    # The rest of the chain the PKCS#12 carries (the CA for our own seal).
    chain: tuple[x509.Certificate, ...]
    source: str


def load_pkcs12(path: Path, password: str) -> KeyMaterial:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SealUnavailable(f"cannot read the seal PKCS#12 {path}: {e.strerror}") from e
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode("utf-8") if password else None
        )
    except ValueError as e:
        raise SealUnavailable(
            f"cannot open the seal PKCS#12 {path} (wrong password or not PKCS#12)"
        ) from e
    if key is None or cert is None:
        raise SealUnavailable(f"the seal PKCS#12 {path} holds no key and certificate")
    return KeyMaterial(key=key, cert=cert, chain=tuple(extra), source=str(path))


def own_seal(folder: Path, company: str) -> KeyMaterial:
    """The own CA and seal under `folder`, made on first use (safe against a parallel start)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    p12 = folder / OWN_P12
    if not p12.exists():
        with open(folder / "seal.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not p12.exists():  # another process may have made it while we waited
                    _make_own(folder, company)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    return load_pkcs12(p12, "")


def _name(company: str, common_name: str) -> x509.Name:
    # X.520 allows 64 characters in each.
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, company[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def _usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not sign_certs,
        content_commitment=not sign_certs,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def issue(
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    *,
    issuer: x509.Name,
    issuer_key: CertificateIssuerPrivateKeyTypes,
    validity: timedelta,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    """A certificate (SHA-256) from now (5 minutes back, for a slightly slow clock elsewhere)
    with the subject key identifier and, when not self-issued, the authority's."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if subject != issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def _make_own(folder: Path, company: str) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(company, "Собственный УЦ печати договоров")
    ca = issue(
        ca_name,
        ca_key.public_key(),
        issuer=ca_name,
        issuer_key=ca_key,
        validity=OWN_VALIDITY + timedelta(days=1),
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (_usage(sign_certs=True), True),
        ],
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue(
        _name(company, company),
        key.public_key(),
        issuer=ca_name,
        issuer_key=ca_key,
        validity=OWN_VALIDITY,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_usage(sign_certs=False), True),
        ],
    )
    # The CA's key is not kept: nothing else is ever issued under it.
    data = pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, [ca], serialization.NoEncryption()
    )
    _write_atomically(folder / OWN_CA_PEM, ca.public_bytes(serialization.Encoding.PEM), 0o644)
    _write_atomically(folder / OWN_P12, data, 0o600)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
