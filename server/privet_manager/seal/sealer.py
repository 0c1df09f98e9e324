"""Sealing: a PAdES baseline signature with the organisation's certificate (pyHanko), added as
an incremental update, so the PDF as it was is the sealed file's exact byte prefix.

Without a TSA the seal is PAdES-B-B. With `TSA_URL` it carries a signature timestamp (B-T) and
the validation data (certificates, revocation data where the chain names any) in the same
revision (B-LT in one revision: `pdfsig` still sees the whole file signed). A TSA that fails
or does not answer within `TSA_TIMEOUT_SECONDS` does not stop the signing: the file is sealed
without the timestamp, and `add_document_timestamp` adds one later.

Cost (the seal is on the confirm request's path): the signature's size is reserved up front
rather than estimated by a dry-run signature (pyHanko's default signs twice), the key is loaded
once per process, and the own seal key is ECDSA P-256.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from privet_manager.seal.keys import KeyMaterial
from privet_manager.seal.stamp import HEIGHT, WIDTH, SealStamp, StampPage, render_stamp
from privet_manager.seal.sync import outside_event_loop

log = logging.getLogger("privet_manager.seal")

FIELD = "PrivetSeal"
# Where the stamp sits on the last page (points from the bottom left): above the footer, at
# the left margin. The page below it is drawn to leave this corner free.
MARGIN_X, MARGIN_Y = 57, 45  # 20 mm, 16 mm
BOX = (MARGIN_X, MARGIN_Y, MARGIN_X + round(WIDTH), MARGIN_Y + round(HEIGHT))
# Room for the CMS signature (hex-encoded in the file, so twice this): the certificates, the
# signed attributes and, with a TSA, the timestamp token with its own certificates.
RESERVED = 8 * 1024
RESERVED_WITH_TIMESTAMP = 32 * 1024
REASON = "Целостность договора и листа подписания ПЭП"


@dataclass(frozen=True)
class SealedPdf:
    data: bytes
    timestamped: bool


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


class PreloadedSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key for every signature (an RSA key's
    consistency check then costs more than the signature): this one keeps the parsed key."""

    def __init__(self, material: KeyMaterial) -> None:
        der = material.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        super().__init__(
            signing_cert=to_asn1(material.cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in material.chain]),
        )
        self._key = material.key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        key = self._key
        if isinstance(key, ec.EllipticCurvePrivateKey) and mechanism == "ecdsa":
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if isinstance(key, rsa.RSAPrivateKey) and mechanism == "rsassa_pkcs1v15":
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)  # the rarer mechanisms, as pyHanko does


class Seal:
    """The organisation's seal, loaded once per process (`load_seal`)."""

    def __init__(
        self,
        material: KeyMaterial,
        *,
        tsa_timeout_seconds: float = 3.0,
        extra_trust_roots: tuple[x509.Certificate, ...] = (),
    ) -> None:
        self.material = material
        self.tsa_timeout_seconds = tsa_timeout_seconds
        self._signer = PreloadedSigner(material)
        self._extra_roots = extra_trust_roots
        self._timestampers: dict[str, TimeStamper] = {}
        self._lock = threading.Lock()

    @cached_property
    def roots(self) -> tuple[x509.Certificate, ...]:
        """The certificates a verifier should trust for this seal: the self-signed ones in the
        PKCS#12's chain; else the top of the chain it carries; else the seal certificate."""
        chain = self.material.chain
        own = tuple(c for c in chain if is_self_signed(c))
        if own:
            return own
        if chain:
            return (chain[-1],)
        return (self.material.cert,)

    @property
    def trust_roots(self) -> bytes:
        """The trust roots, PEM (what `validate` takes)."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.roots)

    def chain_pem(self) -> bytes:
        """The seal certificate, then the chain the PKCS#12 carries (PEM)."""
        certs = (self.material.cert, *self.material.chain)
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    @property
    def subject(self) -> str:
        return self.material.cert.subject.rfc4514_string()

    def timestamper(self, url: str) -> TimeStamper:
        """One client per TSA URL and process: pyHanko keeps the first answer to size the
        signatures that follow (no second request per seal)."""
        with self._lock:
            found = self._timestampers.get(url)
            if found is None:
                found = RequestsHTTPTimeStamper(url, timeout=self.tsa_timeout_seconds)
                self._timestampers[url] = found
            return found

    def validation_context(self) -> ValidationContext:
        """For the validation data B-LT embeds: the system's roots, ours and the extra ones
        (a TSA's), fetching what the chain names within the TSA's time limit."""
        return ValidationContext(
            extra_trust_roots=[to_asn1(c) for c in (*self.roots, *self._extra_roots)],
            other_certs=[to_asn1(c) for c in self.material.chain],
            allow_fetching=True,
            revocation_mode="soft-fail",
            fetcher_backend=RequestsFetcherBackend(per_request_timeout=self.tsa_timeout_seconds),
        )

    def seal(self, pdf: bytes, *, stamp: SealStamp, tsa_url: str | None = None) -> SealedPdf:
        """Seal `pdf` (CPU work and, with a TSA, network: call it in a thread)."""
        if tsa_url:
            try:
                return SealedPdf(self._sign(pdf, stamp, self.timestamper(tsa_url)), True)
            except Exception as e:  # any TSA failure: seal without the timestamp
                log.warning(
                    "seal timestamp failed, sealing without it",
                    extra={"tsa_url": tsa_url, "error": f"{type(e).__name__}: {e}"},
                )
        return SealedPdf(self._sign(pdf, stamp, None), False)

    def _sign(self, pdf: bytes, stamp: SealStamp, timestamper: TimeStamper | None) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        last_page = int(writer.root["/Pages"]["/Count"]) - 1
        extra: dict[str, Any] = {}
        if timestamper is not None:
            extra = {
                "embed_validation_info": True,
                "validation_context": self.validation_context(),
                "dss_settings": DSSContentSettings(
                    placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
                    include_vri=False,
                ),
            }
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=REASON,
            name=stamp.company,
            **extra,
        )
        signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            timestamper=timestamper,
            stamp_style=StaticStampStyle(background=StampPage(render_stamp(stamp)), border_width=0),
            new_field_spec=fields.SigFieldSpec(FIELD, on_page=last_page, box=BOX),
        )
        out = outside_event_loop(
            signer.sign_pdf,
            writer,
            bytes_reserved=RESERVED_WITH_TIMESTAMP if timestamper else RESERVED,
        )
        return out.getvalue()


def add_document_timestamp(pdf: bytes, tsa_url: str, *, timeout_seconds: float = 10.0) -> bytes:
    """`pdf` with a document timestamp (RFC 3161, PAdES) appended as an incremental update:
    the earlier bytes stay as they were. Raises when the TSA fails (network and CPU: call it
    in a thread)."""
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stamper = PdfTimeStamper(RequestsHTTPTimeStamper(tsa_url, timeout=timeout_seconds))
    out = outside_event_loop(
        stamper.timestamp_pdf, writer, "sha256", bytes_reserved=RESERVED_WITH_TIMESTAMP
    )
    return out.getvalue()
