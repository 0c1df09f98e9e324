"""`verify-pack`: check a dispute pack with nothing but the file (no database, no storage).

Each check says ok, FAILED, skipped (a key it needs is not at hand) or not_applicable (the
pack has nothing of that kind), with a short reason. Secrets come from the environment (or
`.env`) only when set there: the development defaults are never used to "verify" anything.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry
from privet_manager.contracts import evidence
from privet_manager.disputes import archive
from privet_manager.kit.security import hmac_sha256
from privet_manager.seal import validate, validate_extension
from privet_manager.settings import Settings

OK, FAILED, SKIPPED, NOT_APPLICABLE = "ok", "FAILED", "skipped", "not_applicable"
# The seal was still being made when the pack was built (the builder seals first, so only
# when that failed): nothing to check, like `skipped`; the exit code stays 0.
PENDING = "pending"


@dataclass(frozen=True)
class Check:
    name: str
    outcome: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.name:15} {self.outcome}" + (f" — {self.detail}" if self.detail else "")


@dataclass
class PackVerification:
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.outcome == FAILED]

    @property
    def valid(self) -> bool:
        return bool(self.checks) and not self.failed


@dataclass(frozen=True)
class Keys:
    """What verify-pack may use: the evidence key and whether the chain's key is at hand,
    only when configured explicitly (the chain's key is ACTIVITY_CHAIN_SECRET, else derived
    from CONTRACT_SIGNATURE_SECRET: activity/service.py `chain_key`)."""

    contract_signature: str | None
    chain: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> Keys:
        given = settings.model_fields_set
        signature = (
            settings.contract_signature_secret
            if "contract_signature_secret" in given and settings.contract_signature_secret
            else None
        )
        chain = "activity_chain_secret" in given and bool(settings.activity_chain_secret)
        return cls(contract_signature=signature, chain=chain or signature is not None)


def _equal(a: object, b: object) -> bool:
    return isinstance(a, str) and isinstance(b, str) and hmac.compare_digest(a, b)


class _Context:
    def __init__(self, pack: archive.Pack, keys: Keys) -> None:
        self.pack, self.keys = pack, keys
        self.doc: dict[str, Any] = pack.json(archive.EVIDENCE)
        fields = self.doc.get("fields")
        if not isinstance(fields, dict):
            raise archive.PackUnreadable("evidence.json: no fields")
        self.fields: dict[str, Any] = fields

    def sha(self, name: str) -> str | None:
        data = self.pack.members.get(name)
        return archive.sha256_hex(data) if data is not None else None


def _sums(ctx: _Context) -> Check:
    try:
        sums = archive.parse_sums(ctx.pack.members[archive.SUMS])
    except (ValueError, UnicodeDecodeError) as exc:
        return Check("sums", FAILED, str(exc))
    names = set(ctx.pack.members) - {archive.SUMS}
    if set(sums) != names:
        extra = sorted(names - set(sums)) + sorted(set(sums) - names)
        return Check("sums", FAILED, "not listed or absent: " + ", ".join(extra[:5]))
    bad = [name for name, digest in sums.items() if ctx.sha(name) != digest]
    if bad:
        return Check("sums", FAILED, "mismatch: " + ", ".join(sorted(bad)[:5]))
    return Check("sums", OK, f"{len(sums)} files")


def _evidence(ctx: _Context) -> Check:
    canonical = ctx.doc.get("canonical")
    if not isinstance(canonical, str) or evidence.canonical(ctx.fields) != canonical.encode():
        return Check("evidence", FAILED, "fields differ from the canonical string the HMAC covers")
    if ctx.fields.get("v") not in evidence.VERSIONS or ctx.doc.get("evidence_version") != (
        ctx.fields.get("v")
    ):
        return Check("evidence", FAILED, "unknown or inconsistent evidence version")
    return Check("evidence", OK, f"version {ctx.fields['v']}, contract {ctx.fields.get('number')}")


def _hmac(ctx: _Context) -> Check:
    if ctx.keys.contract_signature is None:
        return Check("hmac", SKIPPED, "CONTRACT_SIGNATURE_SECRET is not set")
    canonical = ctx.doc.get("canonical")
    if not isinstance(canonical, str):
        return Check("hmac", FAILED, "no canonical string")
    expected = hmac_sha256(ctx.keys.contract_signature, canonical.encode())
    if not _equal(expected, ctx.doc.get("hmac")):
        return Check("hmac", FAILED, "does not match the evidence under this key")
    return Check("hmac", OK)


def _pdfs(ctx: _Context) -> Check:
    bad = [
        name
        for name, key in (
            (archive.ORIGINAL_PDF, "pdf_sha256"),
            (archive.SIGNED_PDF, "signed_pdf_sha256"),
        )
        if not _equal(ctx.sha(name), ctx.fields.get(key))
    ]
    if bad:
        return Check("pdf_hashes", FAILED, "differs from the evidence: " + ", ".join(bad))
    return Check("pdf_hashes", OK)


def _photos(ctx: _Context) -> Check:
    listed = ctx.doc.get("photos") or []
    recorded = ctx.fields.get("photo_hashes") or []
    if not listed and not recorded:
        return Check("photos", NOT_APPLICABLE, "the contract recorded no photos")
    if not isinstance(listed, list) or not all(isinstance(p, dict) for p in listed):
        return Check("photos", FAILED, "evidence.json photos is not a list of files")
    files = [str(p.get("file")) for p in listed]
    stray = [n for n in ctx.pack.members if n.startswith(archive.PHOTOS_DIR) and n not in files]
    actual = [ctx.sha(name) for name in files]
    if actual != list(recorded) or stray:
        bad = [f for f, a, r in zip(files, actual, recorded, strict=False) if a != r]
        return Check(
            "photos",
            FAILED,
            "not the photos the evidence recorded: "
            + ", ".join((bad + stray)[:5] or ["count differs"]),
        )
    return Check("photos", OK, f"{len(files)} photos")


def _snapshot(ctx: _Context) -> Check:
    expected = ctx.fields.get("snapshot_sha256")
    if expected is None:
        return Check("snapshot", NOT_APPLICABLE, "evidence version 1 does not cover the snapshot")
    if not _equal(ctx.sha(archive.SNAPSHOT), expected):
        return Check("snapshot", FAILED, "differs from snapshot_sha256")
    return Check("snapshot", OK)


def _pep(ctx: _Context) -> Check:
    name = archive.pep_name(str(ctx.fields.get("pep_version")))
    if name not in ctx.pack.members:
        return Check("pep", FAILED, f"{name} is missing")
    if not _equal(ctx.sha(name), ctx.fields.get("pep_sha256")):
        return Check("pep", FAILED, f"{name} differs from pep_sha256")
    return Check("pep", OK, name)


def _entries(chain: dict[str, Any]) -> list[ActivityEntry]:
    client_id = chain["client_id"]
    return [
        ActivityEntry(
            client_id=client_id,
            seq=int(e["seq"]),
            manager_id=e["manager_id"],
            action=str(e["action"]),
            payload=e["payload"],
            ip=e["ip"],
            user_agent=e["user_agent"],
            created_at=datetime.fromisoformat(e["created_at"]),
            prev_hash=str(e["prev_hash"]),
            hash=str(e["hash"]),
            hash_version=int(e["hash_version"]),
        )
        for e in chain["entries"]
    ]


def _read_chain(
    ctx: _Context,
) -> tuple[int, list[ActivityEntry], activity.ChainHead | None]:
    chain = ctx.pack.json(archive.ACTIVITY)
    head = chain.get("head")
    return (
        int(chain["client_id"]),
        _entries(chain),
        None
        if head is None
        else activity.ChainHead(
            seq=int(head["seq"]),
            hash=str(head["hash"]),
            legacy_seq=head.get("legacy_seq"),
            legacy_seal=head.get("legacy_seal"),
        ),
    )


def _chain(ctx: _Context) -> Check:
    try:
        client_id, entries, head = _read_chain(ctx)
    except (KeyError, TypeError, ValueError, archive.PackUnreadable) as exc:
        return Check("activity_chain", FAILED, f"unreadable: {exc}")
    if client_id != ctx.fields.get("client_id"):
        return Check("activity_chain", FAILED, "another client's chain")
    seq, hash_ = ctx.fields.get("activity_head_seq"), ctx.fields.get("activity_head_hash")
    anchor = (int(seq), str(hash_)) if seq is not None and hash_ is not None else None
    keyed = ctx.keys.chain
    ok, bad_seq = activity.check_chain(client_id, entries, head, anchor=anchor, keyed=keyed)
    if ok and anchor is not None:
        signed = next((e for e in entries if e.seq == anchor[0] + 1), None)
        if not (
            signed is not None
            and signed.action == "contract.signed"
            and isinstance(signed.payload, dict)
            and signed.payload.get("signature_hmac") == ctx.doc.get("hmac")
        ):
            ok, bad_seq = False, anchor[0] + 1
    if not ok:
        return Check("activity_chain", FAILED, f"broken at seq {bad_seq}")
    scope = (
        "links and entry HMACs"
        if keyed
        else ("links only; entry HMACs skipped: CONTRACT_SIGNATURE_SECRET is not set")
    )
    return Check("activity_chain", OK, f"{len(entries)} entries, {scope}")


def _chat(ctx: _Context) -> Check:
    chat = ctx.pack.json(archive.CHAT)
    if chat.get("ticket_id") != ctx.fields.get("support_ticket_id") or chat.get(
        "code_message_id"
    ) != ctx.fields.get("support_message_id"):
        return Check("chat", FAILED, "not the ticket and code message of the evidence")
    messages = chat.get("messages") or []
    code = next((m for m in messages if m.get("id") == chat.get("code_message_id")), None)
    if chat.get("code_message_id") is not None and (
        code is None
        or code.get("kind") != "otp"
        or str(ctx.fields.get("number")) not in str(code.get("body"))
    ):
        return Check("chat", FAILED, "the code message is missing or does not name the contract")
    try:
        _, entries, _ = _read_chain(ctx)
    except (KeyError, TypeError, ValueError, archive.PackUnreadable):
        return Check("chat", FAILED, "no readable activity chain to bind the excerpt")
    issued = [
        e
        for e in entries
        if e.action == archive.PACK_ACTION
        and isinstance(e.payload, dict)
        and e.payload.get("number") == ctx.fields.get("number")
    ]
    if not issued or not _equal(issued[-1].payload.get("chat_sha256"), ctx.sha(archive.CHAT)):
        return Check("chat", FAILED, "differs from the excerpt the chain recorded at download")
    return Check("chat", OK, f"{len(messages)} messages")


def _roots(chain_pem: bytes) -> list[x509.Certificate]:
    """The pack's trust anchors: the self-signed certificates of its chain, else its top."""
    certs = x509.load_pem_x509_certificates(chain_pem)
    own = [c for c in certs if c.issuer == c.subject]
    return own or certs[-1:]


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _seal(ctx: _Context) -> Check:
    recorded = ctx.doc.get("seal") or {}
    sealed = bool(recorded.get("sealed"))
    chain = ctx.pack.members.get(archive.SEAL_CHAIN)
    if chain is None:
        return Check("seal", FAILED, f"{archive.SEAL_CHAIN} is missing")
    try:
        roots = _roots(chain)
    except ValueError:
        return Check("seal", FAILED, f"{archive.SEAL_CHAIN}: not PEM certificates")
    if not roots:
        return Check("seal", FAILED, f"{archive.SEAL_CHAIN}: no certificate")
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in roots)
    signed = ctx.pack.members[archive.SIGNED_PDF]
    sealed_copy = ctx.pack.members.get(archive.SEALED_PDF)
    if sealed_copy is not None:
        # Sealed after the signing: the signed copy the evidence covers, byte for byte, then
        # exactly the seal's revision.
        check = validate_extension(signed, sealed_copy, pem)
        base = sealed_copy
    else:
        check = validate(signed, pem)  # sealed inside the signing: the signed copy itself
        base = signed
        if not check.present and not sealed:
            if recorded.get("pending"):
                return Check("seal", PENDING, "the seal was still being made")
            # Signed before sealing: the evidence covers this unsealed copy's hash.
            return Check("seal", NOT_APPLICABLE, "signed before sealing: the copy carries no seal")
    if not check.ok:
        return Check("seal", FAILED, check.detail)
    timestamped = check.timestamped
    later = ctx.pack.members.get(archive.TIMESTAMPED_PDF)
    if later is not None:
        # Only a document timestamp may follow the seal, on exactly the sealed copy.
        stamped = validate(later, pem)
        if not later.startswith(base) or not stamped.ok or not stamped.timestamped:
            return Check("seal", FAILED, f"{archive.TIMESTAMPED_PDF}: {stamped.detail}")
        timestamped = True
    stamp = ", timestamped" if timestamped else ", no timestamp"
    return Check(
        "seal",
        OK,
        f"intact, whole file{stamp}; {check.signer}; CA SHA-256 {_fingerprint(roots[0])}",
    )


CHECKS: tuple[tuple[str, Callable[[_Context], Check]], ...] = (
    ("sums", _sums),
    ("evidence", _evidence),
    ("hmac", _hmac),
    ("pdf_hashes", _pdfs),
    ("photos", _photos),
    ("snapshot", _snapshot),
    ("pep", _pep),
    ("activity_chain", _chain),
    ("chat", _chat),
    ("seal", _seal),
)


def verify_pack(data: bytes, keys: Keys) -> PackVerification:
    """Every check over the pack's bytes; a member that cannot be read fails its check."""
    result = PackVerification()
    try:
        ctx = _Context(archive.read_zip(data), keys)
    except archive.PackUnreadable as exc:
        result.checks.append(Check("archive", FAILED, str(exc)))
        return result
    result.checks.append(Check("archive", OK, f"{len(ctx.pack.members)} members"))
    for name, check in CHECKS:
        try:
            result.checks.append(check(ctx))
        except (archive.PackUnreadable, KeyError, TypeError, ValueError, AttributeError) as exc:
            result.checks.append(Check(name, FAILED, f"unreadable: {exc}"[:200]))
    return result
