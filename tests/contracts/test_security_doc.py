"""docs/SECURITY.md's worked example, recomputed from the document itself: by the reader's
dozen lines it prints, from scratch here, and by the code that signs and verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import privet_manager.activity.service as activity
import privet_manager.contracts.evidence as evidence
import pytest
from privet_manager.activity.models import ActivityEntry
from privet_manager.contracts.models import Contract
from privet_manager.settings import get_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "SECURITY.md"
SECRET = "example-contract-signature-secret"


def examples() -> dict[str, str]:
    found = re.findall(r"<!-- example: (\w+) -->\n```\w+\n(.*?)\n```", DOC.read_text(), re.S)
    return dict(found)


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.fixture
def ex() -> dict[str, str]:
    found = examples()
    assert set(found) >= {
        "snapshot", "snapshot_sha256", "evidence", "evidence_canonical", "evidence_hmac",
        "entry", "chain_key", "entry_hash", "recompute",
    }  # fmt: skip
    return found


def test_the_example_recomputes_from_scratch(ex: dict[str, str]) -> None:
    fields = json.loads(ex["evidence"])
    assert canonical(fields).decode() == ex["evidence_canonical"]
    assert (
        hmac.new(SECRET.encode(), canonical(fields), hashlib.sha256).hexdigest()
        == (ex["evidence_hmac"])
    )
    snapshot_digest = hashlib.sha256(ex["snapshot"].encode()).hexdigest()
    assert snapshot_digest == ex["snapshot_sha256"] == fields["snapshot_sha256"]
    assert canonical(json.loads(ex["snapshot"])).decode() == ex["snapshot"]
    key = hmac.new(SECRET.encode(), b"privet-manager/activity-chain-key/v1", hashlib.sha256)
    assert key.hexdigest() == ex["chain_key"]
    entry = hmac.new(key.digest(), canonical(json.loads(ex["entry"])), hashlib.sha256)
    assert entry.hexdigest() == ex["entry_hash"]


def test_the_documents_own_snippet_prints_the_example(ex: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "snapshot.json").write_text(ex["snapshot"], encoding="utf-8")
    (tmp_path / "evidence.json").write_text(ex["evidence"], encoding="utf-8")
    (tmp_path / "entry.json").write_text(ex["entry"], encoding="utf-8")
    (tmp_path / "recompute.py").write_text(ex["recompute"], encoding="utf-8")
    assert len(ex["recompute"].splitlines()) <= 12
    out = subprocess.run(
        [sys.executable, "recompute.py"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [ex["snapshot_sha256"], ex["evidence_hmac"], ex["entry_hash"]]


def entry_of(e: dict[str, Any]) -> ActivityEntry:
    return ActivityEntry(
        client_id=e["client_id"], seq=e["seq"], manager_id=e["manager_id"], action=e["action"],
        payload=e["payload"], ip=e["ip"], user_agent=e["user_agent"],
        created_at=datetime.fromisoformat(e["created_at"]), prev_hash=e["prev_hash"],
        hash_version=e["v"],
    )  # fmt: skip


def test_the_code_signs_exactly_what_the_document_says(ex: dict[str, str], monkeypatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "contract_signature_secret", SECRET)
    monkeypatch.setattr(settings, "activity_chain_secret", "")
    f = json.loads(ex["evidence"])
    contract = Contract(
        id=f["contract_id"], number=f["number"], client_id=f["client_id"],
        surcharge=Decimal(f["surcharge"]), pdf_sha256=f["pdf_sha256"],
        signed_pdf_sha256=f["signed_pdf_sha256"],
        signed_at=datetime.fromisoformat(f["signed_at"]),
        pep_agreed_at=datetime.fromisoformat(f["pep_agreed_at"]),
        pep_version=f["pep_version"], pep_sha256=f["pep_sha256"], signer_ip=f["signer_ip"],
        signer_user_agent=f["signer_user_agent"], signed_by_manager_id=f["manager_id"],
        support_ticket_id=f["support_ticket_id"], support_message_id=f["support_message_id"],
        photo_hashes=f["photo_hashes"], snapshot=json.loads(ex["snapshot"]),
        activity_head_seq=f["activity_head_seq"], activity_head_hash=f["activity_head_hash"],
        evidence_version=f["v"],
    )  # fmt: skip
    assert (
        evidence.canonical(evidence.evidence_fields(contract)).decode()
        == (ex["evidence_canonical"])
    )
    assert evidence.sign(contract) == ex["evidence_hmac"]
    assert activity.chain_key().hex() == ex["chain_key"]
    e = json.loads(ex["entry"])
    assert activity.entry_hash(
        client_id=e["client_id"], seq=e["seq"], manager_id=e["manager_id"], action=e["action"],
        payload=e["payload"], ip=e["ip"], user_agent=e["user_agent"],
        created_at=datetime.fromisoformat(e["created_at"]), prev_hash=e["prev_hash"],
    ) == ex["entry_hash"]  # fmt: skip
    # The times keep their microseconds and their UTC offset whatever zone they come in,
    # and whatever zone the server runs in.
    moscow = datetime.fromisoformat("2026-12-01T12:30:15.123456+03:00")
    contract.signed_at = moscow
    assert evidence.sign(contract) == ex["evidence_hmac"]
    monkeypatch.setenv("TZ", "Asia/Vladivostok")
    time.tzset()
    try:
        assert evidence.sign(contract) == ex["evidence_hmac"]
        assert activity._hash_of(entry_of(e)) == ex["entry_hash"]
    finally:
        monkeypatch.undo()
        time.tzset()
