"""The dispute pack of a signed contract: one builder for the API and the CLI.

It reads the contract, its PDFs and the device photos from storage, the PEP agreement the
client accepted, the support chat excerpt and the client's activity chain, records the
download in that chain (binding the chat excerpt's SHA-256 to it) and zips it all with
`SHA256SUMS` and a Russian README (disputes/readme.txt). docs/DISPUTES.md describes each file.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from string import Template
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry
from privet_manager.auth.actor import Actor
from privet_manager.contracts import evidence, sealing
from privet_manager.contracts.models import Contract, ContractStatus
from privet_manager.contracts.pep import agreement
from privet_manager.disputes import archive
from privet_manager.disputes.errors import PackIncomplete
from privet_manager.kit.clock import MOSCOW
from privet_manager.kit.storage import get_storage
from privet_manager.legacy.models import SupportMessage
from privet_manager.seal import load_seal
from privet_manager.settings import get_settings
from privet_manager.support import repository as support
from privet_manager.support.models import ManagerSupportMessage

CODE_MASK = "••••••"
# A one-time code is six digits; any six-digit run in a message we did not log ourselves
# (the client may have typed the code back) is masked.
_SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class DisputePack:
    filename: str
    data: bytes


def filename(number: str) -> str:
    return f"dispute-pack-{number}.zip"


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _chat_message(message: SupportMessage, logged: ManagerSupportMessage | None) -> dict[str, Any]:
    return {
        "id": message.id,
        "author_type": message.author_type,
        "kind": logged.kind if logged is not None else None,
        "created_at": _ts(message.created_at),
        # What the manager side posted is taken from its own log, where the code and the
        # client's download link were never written; anything else is masked here.
        "body": logged.body if logged is not None else _SIX_DIGITS.sub(CODE_MASK, message.body),
    }


async def _chat(session: AsyncSession, contract: Contract) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if contract.support_ticket_id is not None and contract.support_message_id is not None:
        assert contract.signed_at is not None
        rows = await support.contract_messages(
            session,
            ticket_id=contract.support_ticket_id,
            contract_id=contract.id,
            code_message_id=contract.support_message_id,
            until=contract.signed_at,
        )
        messages = [_chat_message(m, logged) for m, logged in rows]
    return {
        "ticket_id": contract.support_ticket_id,
        "code_message_id": contract.support_message_id,
        "codes_masked_with": CODE_MASK,
        "messages": messages,
    }


def _entry(entry: ActivityEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "manager_id": entry.manager_id,
        "action": entry.action,
        "payload": entry.payload,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "created_at": _ts(entry.created_at),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "hash_version": entry.hash_version,
    }


async def _chain(session: AsyncSession, client_id: int) -> dict[str, Any]:
    entries, head = await activity.read_chain(session, client_id)
    return {
        "client_id": client_id,
        "head": None
        if head is None
        else {
            "seq": head.seq,
            "hash": head.hash,
            "legacy_seq": head.legacy_seq,
            "legacy_seal": head.legacy_seal,
        },
        "entries": [_entry(e) for e in entries],
    }


def _readme(contract: Contract, members: dict[str, bytes], photos: list[str]) -> bytes:
    template = resources.files("privet_manager.disputes").joinpath("readme.txt").read_text("utf-8")
    assert contract.signed_at is not None
    text = Template(template).substitute(
        number=contract.number,
        signed_at=contract.signed_at.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S"),
        pep_file=archive.pep_name(contract.pep_version),
        photos="\n".join(f"        {name}" for name in photos) or "        (фотографий нет)",
        members="\n".join(f"  {name}" for name in members),
    )
    return text.encode("utf-8")


async def build(session: AsyncSession, contract: Contract, actor: Actor | None) -> DisputePack:
    """The pack of a signed contract; its download is appended to the client's chain."""
    if contract.status != ContractStatus.signed or contract.signed_at is None:
        raise ValueError("only a signed contract has a dispute pack")
    # Never a pack without the seal: one still pending is made now (before anything here
    # locks the chain, which the seal's own entry needs).
    await sealing.ensure_sealed(session, contract)
    assert contract.signed_pdf_key is not None and contract.signature_hmac is not None
    storage = get_storage()
    photo_list: list[dict[str, Any]] = list(contract.snapshot.get("photos") or [])
    keys = [contract.pdf_key, contract.signed_pdf_key, *(str(p["key"]) for p in photo_list)]
    later = {
        name: key
        for name, key in (
            (archive.SEALED_PDF, contract.sealed_pdf_key),
            (archive.TIMESTAMPED_PDF, contract.timestamped_pdf_key),
        )
        if key
    }
    try:
        original, signed, *rest = await asyncio.gather(
            *(storage.get(k) for k in (*keys, *later.values()))
        )
        pep = agreement(contract.pep_version)
    except KeyError as exc:
        raise PackIncomplete(
            f"Не удалось собрать пакет доказательств: в хранилище нет файла {exc.args[0]}"
        ) from None
    photo_data = rest[: len(photo_list)]
    copies = dict(zip(later, rest[len(photo_list) :], strict=True))
    photo_names = [
        f"{archive.PHOTOS_DIR}{i:02d}-{_SAFE_NAME.sub('_', str(p.get('file') or 'photo'))}"
        for i, p in enumerate(photo_list, 1)
    ]
    chat = archive.pretty_json(await _chat(session, contract))
    fields = evidence.evidence_fields(contract)
    evidence_doc = {
        "format": archive.FORMAT,
        "number": contract.number,
        "evidence_version": fields["v"],
        "fields": fields,
        "canonical": evidence.canonical(fields).decode("utf-8"),
        "hmac": contract.signature_hmac,
        "hmac_algorithm": "HMAC-SHA256, key CONTRACT_SIGNATURE_SECRET",
        "pep_agreement": {
            "file": archive.pep_name(pep.version),
            "version": pep.version,
            "sha256": pep.sha256,
        },
        # What the contract records of its seal (not covered by the HMAC: verify-pack holds a
        # copy recorded as sealed to carrying a valid seal).
        "seal": {
            "sealed": contract.sealed,
            "pending": contract.seal_pending,
            "timestamped": contract.timestamped,
            "sealed_pdf": archive.SEALED_PDF if archive.SEALED_PDF in copies else None,
            "sealed_pdf_sha256": contract.sealed_pdf_sha256,
            "timestamped_pdf": archive.TIMESTAMPED_PDF
            if archive.TIMESTAMPED_PDF in copies
            else None,
        },
        "photos": [
            {"file": name, "sha256": str(p["sha256"]), "device_id": p.get("device_id")}
            for name, p in zip(photo_names, photo_list, strict=True)
        ],
    }
    # The download, bound to the chat excerpt it gave out (the only member nothing else
    # covers); the chain read next ends with this entry.
    await activity.record(
        session,
        contract.client_id,
        archive.PACK_ACTION,
        actor,
        {
            "contract_id": contract.id,
            "number": contract.number,
            "chat_sha256": archive.sha256_hex(chat),
        },
    )
    chain = archive.pretty_json(await _chain(session, contract.client_id))
    members: dict[str, bytes] = {
        archive.ORIGINAL_PDF: original,
        archive.SIGNED_PDF: signed,
        **copies,
        archive.EVIDENCE: archive.pretty_json(evidence_doc),
        archive.SNAPSHOT: evidence.canonical(contract.snapshot),
        archive.pep_name(pep.version): pep.text.encode("utf-8"),
        archive.CHAT: chat,
        archive.ACTIVITY: chain,
        **dict(zip(photo_names, photo_data, strict=True)),
        # The organisation's seal certificate and its CA: what the signed copy's PAdES seal
        # is checked against (compare the CA's fingerprint with the one the company publishes).
        archive.SEAL_CHAIN: load_seal(get_settings()).chain_pem(),
    }
    readme = _readme(contract, {archive.README: b"", archive.SUMS: b"", **members}, photo_names)
    # Deflating PDFs and photos is CPU work: off the event loop.
    data = await asyncio.to_thread(
        archive.build_zip, {archive.README: readme, **members}, contract.signed_at
    )
    return DisputePack(filename=filename(contract.number), data=data)
