"""The dispute pack (API and CLI) and the offline verify-pack, against real PostgreSQL and
storage, with the real `sha256sum` and the CLI in a process with no database configured."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from privet_manager.activity.models import ActivityEntry
from privet_manager.activity.service import verify_chain
from privet_manager.contracts.models import Contract
from privet_manager.disputes import archive
from privet_manager.kit.storage import get_storage
from privet_manager.legacy.models import SupportMessage
from privet_manager.seal import load_seal
from privet_manager.settings import DEV_SECRETS, Settings
from sqlalchemy import select

from tests.conftest import Factory, login
from tests.contracts.helpers import (
    API,
    apply_and_generate,
    read_code,
    ready_client,
    settle_seals,
)

SECRET = {"CONTRACT_SIGNATURE_SECRET": DEV_SECRETS["CONTRACT_SIGNATURE_SECRET"]}


async def signed_client(client, headers, manager, db) -> tuple[int, str]:
    ready = await ready_client(db, manager)
    await apply_and_generate(client, headers, ready.client_id)
    code = await read_code(client, ready.user_id)
    async with db.sessionmaker() as s, s.begin():  # the client types the code back
        s.add(SupportMessage(ticket_id=ready.ticket_id, author_type="client", body=f"Код {code}"))
    r = await client.post(
        f"{API}/clients/{ready.client_id}/contract/confirm", json={"code": code}, headers=headers
    )
    assert r.status_code == 200, r.text
    return ready.client_id, r.json()["contract"]["number"]


async def download(client, headers, client_id: int) -> bytes:
    r = await client.get(f"{API}/clients/{client_id}/contract/dispute-pack", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert "attachment" in r.headers["content-disposition"]
    return r.content


async def signed_pack(client, headers, manager, db) -> tuple[int, str, bytes]:
    client_id, number = await signed_client(client, headers, manager, db)
    return client_id, number, await download(client, headers, client_id)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def rezip(parts: dict[str, bytes]) -> bytes:
    """The pack with its SHA256SUMS recomputed: only a deeper check can catch a change."""
    rest = {n: d for n, d in parts.items() if n not in (archive.SUMS, archive.README)}
    return archive.build_zip({archive.README: parts[archive.README], **rest}, _when())


def _when():
    from datetime import UTC, datetime

    return datetime(2026, 1, 1, tzinfo=UTC)


def offline_env(**extra: str) -> dict[str, str]:
    """The environment of an auditor's machine: no database, no storage, no secrets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CONTRACT_SIGNATURE_SECRET", "ACTIVITY_CHAIN_SECRET")
    }
    return {**env, **extra}


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    exe = os.path.join(os.path.dirname(sys.executable), "privet-manager")
    return subprocess.run(
        [exe, *args],
        capture_output=True,
        text=True,
        env=env if env is not None else dict(os.environ),
        timeout=120,
        cwd=cwd,
    )


def verify_offline(tmp_path: Path, data: bytes, **env: str) -> subprocess.CompletedProcess[str]:
    data_dir = tmp_path / "auditor"
    data_dir.mkdir(exist_ok=True)
    path = tmp_path / "pack.zip"
    path.write_bytes(data)
    result = cli(
        "verify-pack",
        str(path),
        env=offline_env(PRIVET_DATA_DIR=str(data_dir), **env),
        cwd=data_dir,
    )
    # Nothing was started for it: no embedded PostgreSQL, no local object store.
    assert list(data_dir.iterdir()) == [], list(data_dir.iterdir())
    return result


def line(out: str, check: str) -> str:
    found = [ln for ln in out.splitlines() if ln.strip().startswith(check + " ")]
    assert found, out
    return found[0]


async def test_pack_from_the_api_holds_every_member_and_sha256sum_accepts_it(
    client, headers, manager, clean_db, tmp_path
) -> None:
    client_id, number, data = await signed_pack(client, headers, manager, clean_db)
    parts = members(data)
    names = list(parts)
    assert names[:2] == [archive.README, archive.SUMS]
    for name in (*archive.REQUIRED, archive.pep_name("v1"), archive.SEAL_CHAIN):
        assert name in parts, name
    photos = [n for n in names if n.startswith(archive.PHOTOS_DIR)]
    assert len(photos) == 2
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {z.infolist()[0].date_time}

    ev = json.loads(parts[archive.EVIDENCE])
    assert ev["fields"]["number"] == number and ev["evidence_version"] == 2
    assert len(ev["hmac"]) == 64
    assert ev["pep_agreement"]["sha256"] == ev["fields"]["pep_sha256"]
    chat = json.loads(parts[archive.CHAT])
    code_message = next(m for m in chat["messages"] if m["id"] == chat["code_message_id"])
    assert "••••••" in code_message["body"]
    typed = [m for m in chat["messages"] if m["author_type"] == "client"]
    assert [m["body"] for m in typed] == ["Код ••••••"]
    code = await read_code(client, (await _user_id(clean_db, client_id)))
    assert code not in parts[archive.CHAT].decode()
    chain = json.loads(parts[archive.ACTIVITY])
    assert chain["entries"][-1]["action"] == "contract.dispute_pack"
    assert chain["head"]["hash"] == chain["entries"][-1]["hash"]
    readme = parts[archive.README].decode()
    assert number in readme and "sha256sum -c" in readme and "verify-pack" in readme

    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(unpacked)
    sums = subprocess.run(
        [shutil.which("sha256sum") or "sha256sum", "-c", archive.SUMS],
        cwd=unpacked,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert sums.stdout.count(": OK") == len(parts) - 1


async def _user_id(db, client_id: int) -> int:
    from privet_manager.clients.models import Client

    async with db.sessionmaker() as s:
        row = await s.get(Client, client_id)
        assert row is not None
        return row.user_id


async def test_the_download_is_recorded_in_the_chain(
    client, headers, manager, clean_db, session
) -> None:
    client_id, number, data = await signed_pack(client, headers, manager, clean_db)
    entry = await session.scalar(
        select(ActivityEntry)
        .where(ActivityEntry.client_id == client_id)
        .order_by(ActivityEntry.seq.desc())
        .limit(1)
    )
    assert entry is not None and entry.action == "contract.dispute_pack"
    assert entry.manager_id == manager.id
    assert entry.payload["number"] == number
    assert entry.payload["chat_sha256"] == archive.sha256_hex(members(data)[archive.CHAT])
    assert await verify_chain(session, client_id) == (True, None)


async def test_only_the_holder_or_an_admin_gets_the_pack(
    client, headers, manager, clean_db, factory: Factory
) -> None:
    client_id, _ = await signed_client(client, headers, manager, clean_db)
    other = await login(client, await factory.manager(email="other@privet.test"))
    r = await client.get(f"{API}/clients/{client_id}/contract/dispute-pack", headers=other)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    admin = await login(client, await factory.manager(email="boss@privet.test", role="admin"))
    await download(client, admin, client_id)
    r = await client.get(f"{API}/clients/999999/contract/dispute-pack", headers=headers)
    assert r.status_code == 404


async def test_no_pack_before_signing(client, headers, manager, clean_db) -> None:
    ready = await ready_client(clean_db, manager)
    await apply_and_generate(client, headers, ready.client_id)
    r = await client.get(f"{API}/clients/{ready.client_id}/contract/dispute-pack", headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "no_signed_contract"


async def test_cli_pack_and_offline_verify_pack(
    client, headers, manager, clean_db, tmp_path
) -> None:
    _, number = await signed_client(client, headers, manager, clean_db)
    out = tmp_path / "cli-pack.zip"
    made = cli("dispute-pack", number, "-o", str(out))
    assert made.returncode == 0, made.stderr
    assert set(members(out.read_bytes())) >= set(archive.REQUIRED)
    assert cli("dispute-pack", "PM-1900-000001", "-o", str(tmp_path / "x.zip")).returncode == 2

    # No key: what needs one is skipped, and said so; the rest holds.
    plain = verify_offline(tmp_path, out.read_bytes())
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "skipped" in line(plain.stdout, "hmac")
    assert "entry HMACs skipped" in line(plain.stdout, "activity_chain")
    for check in ("sums", "evidence", "pdf_hashes", "photos", "snapshot", "pep", "chat"):
        assert line(plain.stdout, check).split()[1] == "ok", plain.stdout
    seal = line(plain.stdout, "seal")
    assert seal.split()[1] == "ok" and "intact, whole file" in seal, plain.stdout
    ca = x509.load_pem_x509_certificates(members(out.read_bytes())[archive.SEAL_CHAIN])[-1]
    assert hashlib.sha256(ca.public_bytes(serialization.Encoding.DER)).hexdigest() in seal

    keyed = verify_offline(tmp_path, out.read_bytes(), **SECRET)
    assert keyed.returncode == 0, keyed.stdout + keyed.stderr
    assert line(keyed.stdout, "hmac").split()[1] == "ok"
    assert "links and entry HMACs" in line(keyed.stdout, "activity_chain")
    wrong = verify_offline(tmp_path, out.read_bytes(), CONTRACT_SIGNATURE_SECRET="x" * 40)
    assert wrong.returncode == 1 and "FAILED" in line(wrong.stdout, "hmac")


def _edit_json(parts: dict[str, bytes], name: str, edit) -> None:
    value = json.loads(parts[name])
    edit(value)
    parts[name] = archive.pretty_json(value)


def _flip_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _evidence_field(v: dict[str, Any]) -> None:
    # Both the field and the canonical string: only the HMAC can tell.
    v["fields"]["signer_ip"] = "198.51.100.1"
    v["canonical"] = v["canonical"].replace(
        v["canonical"].split('"signer_ip":"')[1].split('"')[0], "198.51.100.1"
    )


TAMPERS = {
    "original_pdf_byte": (
        "pdf_hashes",
        lambda p: p.update({archive.ORIGINAL_PDF: _flip_byte(p[archive.ORIGINAL_PDF], 400)}),
    ),
    "signed_pdf_byte": (
        "pdf_hashes",
        lambda p: p.update({archive.SIGNED_PDF: _flip_byte(p[archive.SIGNED_PDF], 400)}),
    ),
    "evidence_field_only": (
        "evidence",
        lambda p: _edit_json(
            p, archive.EVIDENCE, lambda v: v["fields"].update(signer_ip="198.51.100.1")
        ),
    ),
    "evidence_field_and_canonical": (
        "hmac",
        lambda p: _edit_json(p, archive.EVIDENCE, _evidence_field),
    ),
    "photo": (
        "photos",
        lambda p: p.update(
            {n: d + b"\x00" for n, d in p.items() if n.startswith(archive.PHOTOS_DIR)}
        ),
    ),
    "chain_entry_payload": (
        "activity_chain",
        lambda p: _edit_json(
            p, archive.ACTIVITY, lambda v: v["entries"][0]["payload"].update(forged=True)
        ),
    ),
    "chain_entry_hash": (
        "activity_chain",
        lambda p: _edit_json(p, archive.ACTIVITY, lambda v: v["entries"][1].update(hash="0" * 64)),
    ),
    "chat_message": (
        "chat",
        lambda p: _edit_json(
            p,
            archive.CHAT,
            lambda v: v["messages"][0].update(body=v["messages"][0]["body"] + " (исправлено)"),
        ),
    ),
    "pep_text": (
        "pep",
        lambda p: p.update({archive.pep_name("v1"): p[archive.pep_name("v1")] + b" "}),
    ),
}


def _unsealed_copy(parts: dict[str, bytes]) -> None:
    """The signed copy swapped for the unsealed original, its hash put into the evidence:
    the copy is recorded as sealed, so a missing seal fails."""
    parts[archive.SIGNED_PDF] = parts[archive.ORIGINAL_PDF]
    digest = archive.sha256_hex(parts[archive.ORIGINAL_PDF])

    def edit(v: dict[str, Any]) -> None:
        v["canonical"] = v["canonical"].replace(v["fields"]["signed_pdf_sha256"], digest)
        v["fields"]["signed_pdf_sha256"] = digest

    _edit_json(parts, archive.EVIDENCE, edit)


def _foreign_ca(parts: dict[str, bytes], folder: Path) -> None:
    other = load_seal(Settings(privet_data_dir=folder))
    parts[archive.SEAL_CHAIN] = other.chain_pem()


TAMPERS["seal_removed"] = ("seal", _unsealed_copy)


@pytest.mark.parametrize("tamper", list(TAMPERS))
async def test_each_member_tampered_is_named(
    client, headers, manager, clean_db, tmp_path, tamper: str
) -> None:
    _, _, data = await signed_pack(client, headers, manager, clean_db)
    parts = members(data)
    assert verify_offline(tmp_path, rezip(parts), **SECRET).returncode == 0
    check, edit = TAMPERS[tamper]
    edit(parts)
    if tamper == "seal_removed":  # only the HMAC and the seal see it: the seal without a key
        result = verify_offline(tmp_path, rezip(parts))
        assert result.returncode == 1 and "FAILED" in line(result.stdout, "seal"), result.stdout
    result = verify_offline(tmp_path, rezip(parts), **SECRET)
    assert result.returncode == 1, result.stdout
    assert "FAILED" in line(result.stdout, check), result.stdout
    assert "failed: " in result.stdout and check in result.stdout.splitlines()[-1]


async def test_a_member_changed_without_new_sums_fails_the_sums(
    client, headers, manager, clean_db, tmp_path
) -> None:
    _, _, data = await signed_pack(client, headers, manager, clean_db)
    parts = members(data)
    parts[archive.CHAT] += b" "
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in parts.items():
            z.writestr(name, content)
    result = verify_offline(tmp_path, buffer.getvalue())
    assert result.returncode == 1 and "FAILED" in line(result.stdout, "sums")
    garbage = verify_offline(tmp_path, b"not a zip")
    assert garbage.returncode == 1 and "FAILED" in line(garbage.stdout, "archive")


async def test_a_chain_of_another_ca_fails_the_seal(
    client, headers, manager, clean_db, tmp_path
) -> None:
    _, _, data = await signed_pack(client, headers, manager, clean_db)
    parts = members(data)
    _foreign_ca(parts, tmp_path / "other-company")
    result = verify_offline(tmp_path, rezip(parts))
    assert result.returncode == 1
    assert "FAILED" in line(result.stdout, "seal") and "trust roots" in line(result.stdout, "seal")


async def test_a_timestamp_added_later_travels_with_the_pack(
    client, headers, manager, clean_db, tmp_path
) -> None:
    from tests.seal.tsa import running_tsa

    client_id, number = await signed_client(client, headers, manager, clean_db)
    await settle_seals()  # add-timestamps extends the sealed copy
    with running_tsa() as tsa:
        run = cli("add-timestamps", env={**os.environ, "TSA_URL": tsa.url})
        assert run.returncode == 0 and number in run.stdout, run.stdout + run.stderr
    parts = members(await download(client, headers, client_id))
    stamped = parts[archive.TIMESTAMPED_PDF]
    sealed = parts[archive.SEALED_PDF]
    assert stamped.startswith(sealed) and sealed.startswith(parts[archive.SIGNED_PDF])
    recorded = json.loads(parts[archive.EVIDENCE])["seal"]
    assert recorded == {
        "sealed": True,
        "pending": False,
        "timestamped": True,
        "sealed_pdf": archive.SEALED_PDF,
        "sealed_pdf_sha256": hashlib.sha256(sealed).hexdigest(),
        "timestamped_pdf": archive.TIMESTAMPED_PDF,
    }
    ok = verify_offline(tmp_path, rezip(parts))
    assert ok.returncode == 0, ok.stdout
    assert ", timestamped;" in line(ok.stdout, "seal")

    # Anything but a document timestamp after the seal is refused.
    parts[archive.TIMESTAMPED_PDF] = stamped + b"\n% a later revision\n"
    bad = verify_offline(tmp_path, rezip(parts))
    assert bad.returncode == 1 and "FAILED" in line(bad.stdout, "seal"), bad.stdout


async def test_a_file_gone_from_storage_is_a_clear_refusal(
    client, headers, manager, clean_db, session, tmp_path
) -> None:
    client_id, number = await signed_client(client, headers, manager, clean_db)
    row = await session.scalar(select(Contract).where(Contract.number == number))
    assert row is not None and row.signed_pdf_key
    await get_storage().delete(row.signed_pdf_key)
    r = await client.get(f"{API}/clients/{client_id}/contract/dispute-pack", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "dispute_pack_incomplete", r.text
    assert row.signed_pdf_key in r.json()["detail"]
    last = await session.scalar(
        select(ActivityEntry.action)
        .where(ActivityEntry.client_id == client_id)
        .order_by(ActivityEntry.seq.desc())
        .limit(1)
    )
    assert last != "contract.dispute_pack"  # nothing was handed out, nothing recorded
    made = cli("dispute-pack", number, "-o", str(tmp_path / "p.zip"))
    assert made.returncode == 1 and "нет файла" in made.stderr, made.stderr
