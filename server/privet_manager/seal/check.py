"""Checking a sealed PDF with pyHanko's validator: a pure function of the file and the trust
roots (no database, no settings, no network), so the offline pack verifier can call it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis.policy_api import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from privet_manager.seal.sync import outside_event_loop


@dataclass(frozen=True)
class SealCheck:
    # The signature matches the bytes it covers and its cryptography holds.
    intact: bool
    # Nothing in the file lies outside the seal, but document timestamps (with their
    # validation data) appended after it, each intact, the last covering the file's end.
    covers_whole_file: bool
    # The seal certificate chains to one of the given trust roots.
    trusted: bool
    # A signature timestamp or a document timestamp, intact.
    timestamped: bool
    # The seal certificate's subject (RFC 4514), when a seal was found.
    signer: str | None
    detail: str
    # False when the file carries no signature at all (unsealed, or not a PDF of ours).
    present: bool = True

    @property
    def ok(self) -> bool:
        return self.intact and self.covers_whole_file and self.trusted


BROKEN = {"intact": False, "covers_whole_file": False, "trusted": False, "timestamped": False}


def load_roots(pem: bytes) -> list[asn1_x509.Certificate]:
    return [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in x509.load_pem_x509_certificates(pem)
    ]


def validate(pdf: bytes, trust_roots_pem: bytes) -> SealCheck:
    """The seal of `pdf` checked against `trust_roots_pem` (one or more PEM certificates).
    Never raises for a damaged or foreign file: that is a broken seal."""
    try:
        roots = load_roots(trust_roots_pem)
    except ValueError:
        return SealCheck(**BROKEN, signer=None, detail="trust roots: not PEM certificates")
    try:
        return outside_event_loop(_validate, pdf, roots)
    except Exception as e:  # a file made to break the parser is a broken seal, not a crash
        return SealCheck(
            **BROKEN, signer=None, detail=f"unreadable: {type(e).__name__}: {e}", present=False
        )


def validate_extension(signed: bytes, sealed: bytes, trust_roots_pem: bytes) -> SealCheck:
    """`sealed` checked as the seal made after signing: it begins with `signed` byte for byte,
    the revision right after that prefix is the seal's (exactly one PAdES signature; only
    document timestamps may follow it), and the seal validates as `validate` says."""
    if not sealed.startswith(signed):
        return SealCheck(
            **BROKEN, signer=None, detail="the sealed copy does not begin with the signed copy"
        )
    try:
        revisions = outside_event_loop(_seal_revision, signed, sealed)
    except Exception as e:  # a damaged file is a broken seal, not a crash
        return SealCheck(**BROKEN, signer=None, detail=f"unreadable: {type(e).__name__}: {e}")
    if revisions is not None:
        return SealCheck(**BROKEN, signer=None, detail=revisions)
    return validate(sealed, trust_roots_pem)


def _seal_revision(signed: bytes, sealed: bytes) -> str | None:
    """None when the seal's revision directly follows the signed copy's last; else why not."""
    before = PdfFileReader(io.BytesIO(signed), strict=False).xrefs.total_revisions
    seals = PdfFileReader(io.BytesIO(sealed), strict=False).embedded_regular_signatures
    if len(seals) != 1:
        return f"{len(seals)} signatures after the signed copy, one expected"
    if seals[0].signed_revision != before:
        return f"the seal is revision {seals[0].signed_revision}, {before} expected"
    return None


def _context(roots: list[asn1_x509.Certificate]) -> ValidationContext:
    # Our own CA names no revocation service; an organisation's may, and offline there is no
    # fetching: revocation is checked where the file embeds it, else not held against it.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _validate(pdf: bytes, roots: list[asn1_x509.Certificate]) -> SealCheck:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seals = reader.embedded_regular_signatures
    if not seals:
        return SealCheck(**BROKEN, signer=None, detail="no seal in the file", present=False)
    if len(seals) > 1:
        return SealCheck(**BROKEN, signer=None, detail=f"{len(seals)} signatures, one expected")
    seal = seals[0]
    status = validate_pdf_signature(seal, _context(roots))
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else None
    intact = bool(status.intact and status.valid)
    trusted = bool(status.trusted)
    timestamped = _intact(status.timestamp_validity)

    notes: list[str] = []
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not whole and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        # Later revisions: only document timestamps and validation data (LTA updates).
        stamps = reader.embedded_timestamp_signatures
        level = status.modification_level
        later_ok = level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
        checked = [validate_pdf_timestamp(ts, _context(roots)) for ts in stamps]
        stamps_ok = bool(checked) and all(_intact(c) for c in checked)
        last_whole = bool(checked) and checked[-1].coverage == SignatureCoverageLevel.ENTIRE_FILE
        whole = later_ok and stamps_ok and last_whole
        if stamps_ok:
            timestamped = True
        if not whole:
            notes.append(f"changes after the seal ({level.name.lower() if level else 'unknown'})")
    elif not whole:
        notes.append("the seal does not cover its own revision")
    if not intact:
        notes.append("the seal does not match the file")
    if intact and not trusted:
        notes.append("the seal certificate is not from the given trust roots")
    return SealCheck(
        intact=intact,
        covers_whole_file=whole,
        trusted=trusted,
        timestamped=timestamped,
        signer=signer,
        detail="; ".join(notes) or "ok",
    )


def _intact(status: Any) -> bool:
    return status is not None and bool(status.intact and status.valid)
