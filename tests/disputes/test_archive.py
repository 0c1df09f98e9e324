"""The pack's file format on its own (no database): deterministic ZIPs, sums, safe reading."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import pytest
from privet_manager.disputes import archive
from privet_manager.disputes.verify import Keys, verify_pack

WHEN = datetime(2026, 12, 1, 12, 30, 15, tzinfo=UTC)


def minimal() -> dict[str, bytes]:
    return {name: f"{name}\n".encode() for name in archive.REQUIRED if name != archive.SUMS}


def test_the_same_members_make_the_same_bytes() -> None:
    a = archive.build_zip(minimal(), WHEN)
    b = archive.build_zip(minimal(), WHEN.astimezone(timezone(timedelta(hours=3))))
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        infos = z.infolist()
    assert [i.filename for i in infos][:2] == [archive.README, archive.SUMS]
    assert {i.date_time for i in infos} == {(2026, 12, 1, 12, 30, 14)}  # 2-second steps
    assert {i.external_attr >> 16 for i in infos} == {0o644}


def test_sums_round_trip_and_refuse_what_sha256sum_would_not_read() -> None:
    members = {"a.txt": b"a", "photos/01-b.jpg": b"b"}
    assert archive.parse_sums(archive.sums_file(members)) == {
        name: archive.sha256_hex(data) for name, data in members.items()
    }
    for bad in (b"abc  a.txt\n", b"0" * 64 + b" a.txt\n", b"z" * 64 + b"  a.txt\n"):
        with pytest.raises(ValueError):
            archive.parse_sums(bad)
    twice = archive.sums_file(members) + archive.sums_file({"a.txt": b"a"})
    with pytest.raises(ValueError):
        archive.parse_sums(twice)


def raw_zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in entries:
            z.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "photos/../../x", "a\\b"])
def test_unsafe_member_names_are_refused(name: str) -> None:
    data = raw_zip([*minimal().items(), (archive.SUMS, b""), (name, b"x")])
    with pytest.raises(archive.PackUnreadable, match="unsafe"):
        archive.read_zip(data)
    result = verify_pack(data, Keys(contract_signature=None, chain=False))
    assert not result.valid and result.failed == ["archive"]


def test_missing_members_are_named() -> None:
    members = minimal()
    del members[archive.CHAT]
    with pytest.raises(archive.PackUnreadable, match=archive.CHAT):
        archive.read_zip(raw_zip(list(members.items())))


def test_a_pack_of_junk_json_fails_checks_instead_of_crashing() -> None:
    members = minimal()
    members[archive.EVIDENCE] = b'{"fields": {"v": 2, "number": 5}, "canonical": 7}'
    members[archive.ACTIVITY] = b'{"client_id": "x", "entries": [1, 2]}'
    members[archive.CHAT] = b"[]"
    result = verify_pack(archive.build_zip(members, WHEN), Keys("k" * 40, chain=True))
    assert not result.valid
    assert {"evidence", "hmac", "pdf_hashes", "activity_chain", "chat"} <= set(result.failed)
    assert result.checks[0].name == "archive" and result.checks[0].outcome == "ok"
    assert next(c for c in result.checks if c.name == "sums").outcome == "ok"
