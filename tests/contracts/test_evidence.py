"""The evidence against someone who can write to the database: every field the HMAC covers
changed on its own, through `GET …/contract/verify` and `privet-manager verify-contract`;
the snapshot and the chain head at signing bound (format 2); contracts signed in format 1
still verify; a missing or garbled HMAC or PDF key is "invalid", never a 500."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, timedelta
from typing import Any

import pytest
from privet_manager.activity.models import ActivityEntry
from privet_manager.contracts import evidence
from privet_manager.contracts.models import Contract
from privet_manager.legacy.models import SupportTicket
from privet_manager.settings import get_settings
from sqlalchemy import select, text, update

from tests.clients.factories import make_client
from tests.contracts.test_verify import cli, signed, signed_unsealed, verify


async def the_contract(db) -> Contract:
    async with db.sessionmaker() as s:
        row = await s.scalar(select(Contract))
        assert row is not None
        return row


async def set_contract(db, contract_id: int, **values: Any) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(update(Contract).where(Contract.id == contract_id).values(values))


async def test_format_2_binds_the_snapshot_and_the_chain_head(
    client, headers, manager, clean_db
) -> None:
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    assert row.evidence_version == evidence.EVIDENCE_VERSION == 2
    async with clean_db.sessionmaker() as s:
        chain = list(
            await s.scalars(
                select(ActivityEntry)
                .where(ActivityEntry.client_id == ready.client_id)
                .order_by(ActivityEntry.seq)
            )
        )
    signed_entry = next(e for e in chain if e.action == "contract.signed")
    # The head the signature bound is the entry just before "contract.signed".
    before = chain[signed_entry.seq - 2]
    assert (row.activity_head_seq, row.activity_head_hash) == (before.seq, before.hash)
    fields = evidence.evidence_fields(row)
    assert (
        fields["snapshot_sha256"]
        == hashlib.sha256(
            json.dumps(
                row.snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        ).hexdigest()
    )
    assert fields["activity_head_seq"] == before.seq
    assert fields["activity_head_hash"] == before.hash
    assert (await verify(client, headers, ready.client_id))["valid"] is True


# Each field the HMAC covers, and a way to change it in the database.
async def _other_manager(factory, row):
    return (await factory.manager()).id


async def _other_ticket(db, row) -> int:
    async with db.sessionmaker() as s, s.begin():
        ticket = await s.get(SupportTicket, row.support_ticket_id)
        assert ticket is not None
        other = SupportTicket(user_id=ticket.user_id, subject="Другое", status="open")
        s.add(other)
    return other.id


FIELDS = [
    "number",
    "surcharge",
    "pdf_sha256",
    "signed_pdf_sha256",
    "signed_at",
    "pep_agreed_at",
    "pep_version",
    "pep_sha256",
    "signer_ip",
    "signer_user_agent",
    "signed_by_manager_id",
    "support_ticket_id",
    "support_message_id",
    "photo_hashes",
    "snapshot",
    "activity_head_seq",
    "activity_head_hash",
    "evidence_version",
]


@pytest.mark.parametrize("field", FIELDS)
async def test_each_evidence_field_changed_alone_fails(
    client, headers, manager, factory, clean_db, field
) -> None:
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    current = getattr(row, field)
    value: Any
    if field in ("signed_at", "pep_agreed_at"):
        value = current + timedelta(microseconds=1)
    elif field == "signed_by_manager_id":
        value = await _other_manager(factory, row)
    elif field == "support_ticket_id":
        value = await _other_ticket(clean_db, row)
    elif field in ("support_message_id", "activity_head_seq"):
        value = current - 1
    elif field == "surcharge":
        value = current + 1
    elif field == "number":
        value = "PM-1999-000001"
    elif field == "photo_hashes":
        value = [*current[:-1], "0" * 64]
    elif field == "snapshot":
        value = {**current, "client": {**current["client"], "name": "Подменённое Имя"}}
    elif field == "evidence_version":
        value = 1
    elif field in ("pep_version",):
        value = "v0"
    elif field in ("signer_ip",):
        value = "198.51.100.1"
    elif field in ("signer_user_agent",):
        value = current + " "
    else:  # the hashes
        value = "f" * 64
    assert value != current
    await set_contract(clean_db, row.id, **{field: value})
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False
    assert result["checks"]["hmac"] == "failed"


async def test_the_contract_id_and_the_client_id_are_covered(
    client, headers, manager, clean_db
) -> None:
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    # Moved to another client (one with no contract): that client's verify says invalid.
    other = await make_client(clean_db, manager)
    await set_contract(clean_db, row.id, client_id=other.id)
    result = await verify(client, headers, other.id)
    assert result["valid"] is False and result["checks"]["hmac"] == "failed"
    await set_contract(clean_db, row.id, client_id=ready.client_id)
    assert (await verify(client, headers, ready.client_id))["valid"] is True
    # Given another id (as if another contract's row had been swapped in).
    async with clean_db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE manager_support_messages SET contract_id = NULL WHERE contract_id = :id"),
            {"id": row.id},
        )
        await conn.execute(
            text("UPDATE manager_contracts SET id = id + 100 WHERE id = :id"), {"id": row.id}
        )
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["hmac"] == "failed"


@pytest.mark.parametrize("hmac_value", [None, "", "zz", "é" * 64, "0" * 64, "Z" * 64])
async def test_a_missing_or_garbled_hmac_is_invalid(
    client, headers, manager, clean_db, hmac_value
) -> None:
    ready, body = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    await set_contract(clean_db, row.id, signature_hmac=hmac_value)
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["hmac"] == "failed"
    out = cli("verify-contract", body["contract"]["number"])
    assert out.returncode == 1, out.stderr
    assert "INVALID" in out.stdout


async def test_a_signed_at_removed_is_invalid(client, headers, manager, clean_db) -> None:
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    await set_contract(clean_db, row.id, signed_at=None)
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["hmac"] == "failed"


@pytest.mark.parametrize("version", [None, 0, 3, -1])
async def test_an_unknown_evidence_version_is_invalid(
    client, headers, manager, clean_db, version
) -> None:
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    await set_contract(clean_db, row.id, evidence_version=version)
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False and result["checks"]["hmac"] == "failed"


@pytest.mark.parametrize("key", ["pdf_key", "signed_pdf_key"])
async def test_a_missing_pdf_key_is_a_failed_check(client, headers, manager, clean_db, key) -> None:
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    # pdf_key is NOT NULL: the empty string is as close as a writer gets.
    await set_contract(clean_db, row.id, **{key: None if key == "signed_pdf_key" else ""})
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False
    assert result["checks"][key.replace("_key", "_hash")] == "failed"


def v1_hmac(row: Contract) -> str:
    """Format 1 computed from scratch, as the code before migration 0008 did."""

    def ts(value):
        return value.astimezone(UTC).isoformat(timespec="microseconds") if value else None

    fields = {
        "v": 1,
        "contract_id": row.id,
        "number": row.number,
        "client_id": row.client_id,
        "surcharge": f"{row.surcharge:.2f}",
        "pdf_sha256": row.pdf_sha256,
        "signed_pdf_sha256": row.signed_pdf_sha256,
        "signed_at": ts(row.signed_at),
        "pep_agreed_at": ts(row.pep_agreed_at),
        "pep_version": row.pep_version,
        "pep_sha256": row.pep_sha256,
        "signer_ip": row.signer_ip,
        "signer_user_agent": row.signer_user_agent,
        "manager_id": row.signed_by_manager_id,
        "support_ticket_id": row.support_ticket_id,
        "support_message_id": row.support_message_id,
        "photo_hashes": row.photo_hashes,
    }
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = get_settings().contract_signature_secret.encode()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


async def test_a_contract_signed_in_format_1_still_verifies(
    client, headers, manager, clean_db
) -> None:
    ready, body = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    # The row as the code before 0008 left it (0008 set evidence_version = 1).
    await set_contract(
        clean_db,
        row.id,
        evidence_version=1,
        activity_head_seq=None,
        activity_head_hash=None,
        signature_hmac=v1_hmac(row),
    )
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is True, result
    assert cli("verify-contract", body["contract"]["number"]).returncode == 0
    # Format 1 did not cover the snapshot: format 2 does (test above). Its own fields it does.
    await set_contract(clean_db, row.id, signer_ip="198.51.100.1")
    assert (await verify(client, headers, ready.client_id))["checks"]["hmac"] == "failed"
    # A format 2 HMAC relabelled as format 1 (or the reverse) fails too.
    await set_contract(clean_db, row.id, signer_ip=row.signer_ip, signature_hmac=row.signature_hmac)
    assert (await verify(client, headers, ready.client_id))["checks"]["hmac"] == "failed"


@pytest.mark.parametrize("cut", ["head_bound", "signature_entry"])
async def test_the_newest_entries_cut_and_the_head_moved_back_fail(
    client, headers, manager, clean_db, cut
) -> None:
    """The newest entries removed (from the head the evidence bound, or from the signature's
    own entry after it) and the head moved back consistently: the chain alone looks whole,
    the evidence tells."""
    ready, _ = await signed(client, headers, manager, clean_db)
    row = await the_contract(clean_db)
    assert row.activity_head_seq is not None
    first_cut = row.activity_head_seq + (1 if cut == "signature_entry" else 0)
    async with clean_db.engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM manager_activity_log WHERE client_id = :c AND seq >= :s"),
            {"c": ready.client_id, "s": first_cut},
        )
        await conn.execute(
            text(
                "UPDATE manager_activity_heads SET seq = l.seq, hash = l.hash"
                " FROM manager_activity_log l WHERE l.client_id = :c"
                " AND manager_activity_heads.client_id = :c AND l.seq = :s - 1"
            ),
            {"c": ready.client_id, "s": first_cut},
        )
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False
    assert result["checks"]["activity_chain"] == "failed"
    assert result["checks"]["hmac"] == "ok"


@pytest.mark.parametrize("payload", [["contract_id"], {"contract_id": 0}, {}])
async def test_a_signature_entry_that_does_not_name_the_contract_fails(
    client, headers, manager, clean_db, payload
) -> None:
    """Even with a valid hash (as if the chain's key had leaked), the entry after the bound
    head must be this contract's signature; any JSON there is a failed check, not a 500."""
    from privet_manager.activity import service as activity

    # Unsealed: the signature's entry is the chain's last (no `contract.sealed` after it).
    ready, _ = await signed_unsealed(client, headers, manager, clean_db)
    async with clean_db.sessionmaker() as s:
        entry = await s.scalar(
            select(ActivityEntry).where(ActivityEntry.action == "contract.signed")
        )
        assert entry is not None
    entry.payload = payload
    new_hash = activity._hash_of(entry)
    async with clean_db.engine.begin() as conn:
        await conn.execute(
            update(ActivityEntry)
            .where(ActivityEntry.id == entry.id)
            .values(payload=payload, hash=new_hash)
        )
        await conn.execute(
            text("UPDATE manager_activity_heads SET hash = :h WHERE client_id = :c"),
            {"h": new_hash, "c": ready.client_id},
        )
    async with clean_db.sessionmaker() as s:
        assert await activity.verify_chain(s, ready.client_id) == (True, None)
    result = await verify(client, headers, ready.client_id)
    assert result["valid"] is False
    assert result["checks"]["activity_chain"] == "failed"
    assert result["failed_activity_seq"] == entry.seq
