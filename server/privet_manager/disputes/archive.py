"""The dispute pack as a file: member names, the ZIP (deterministic order and times), the
`SHA256SUMS` manifest, and reading a pack back safely (docs/DISPUTES.md)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FORMAT = "privet-manager/dispute-pack/1"
# The activity entry a download appends (its payload binds the chat excerpt).
PACK_ACTION = "contract.dispute_pack"
README = "README.txt"
SUMS = "SHA256SUMS"
EVIDENCE = "evidence.json"
ORIGINAL_PDF = "contract.pdf"
SIGNED_PDF = "contract-signed.pdf"
# The signed copy plus the organisation's seal, made after the signing (contracts signed since
# migration 0016; before it the signed copy itself carries the seal and this is absent).
SEALED_PDF = "contract-sealed.pdf"
# The sealed copy with a document timestamp added later (add-timestamps), when there is one.
TIMESTAMPED_PDF = "contract-signed-timestamped.pdf"
SNAPSHOT = "snapshot.json"
CHAT = "support-chat.json"
SEAL_CHAIN = "seal-chain.pem"
ACTIVITY = "activity-chain.json"
PHOTOS_DIR = "photos/"
# Every member but the photos and the agreement, whose names depend on the contract.
REQUIRED = (README, SUMS, EVIDENCE, ORIGINAL_PDF, SIGNED_PDF, SNAPSHOT, CHAT, ACTIVITY)
# What a pack may hold at most, unpacked: far above a real one (photos are 1200 px JPEGs).
MAX_MEMBERS = 500
MAX_TOTAL_BYTES = 512 * 1024 * 1024


def pep_name(version: str) -> str:
    return f"pep-agreement-{version}.md"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pretty_json(value: Any) -> bytes:
    """The readable JSON of the pack's own files (not a hashed form)."""
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def sums_file(members: dict[str, bytes]) -> bytes:
    """`sha256sum -c`'s format: the hex digest, two spaces, the name; one file a line."""
    return "".join(f"{sha256_hex(data)}  {name}\n" for name, data in members.items()).encode()


def parse_sums(data: bytes) -> dict[str, str]:
    """name -> hex digest; ValueError on a line `sha256sum -c` would not read."""
    out: dict[str, str] = {}
    for line in data.decode("utf-8").splitlines():
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name or name in out:
            raise ValueError(f"bad SHA256SUMS line: {line[:80]!r}")
        int(digest, 16)
        out[name] = digest.lower()
    return out


def build_zip(members: dict[str, bytes], when: datetime) -> bytes:
    """README first, then SHA256SUMS over every other member, then the members in the
    order given; one fixed time (`when`, UTC) and mode on each, so the same members make
    the same bytes."""
    stamp = when.astimezone(UTC)
    # ZIP keeps local time in 2-second steps: UTC, rounded down to the even second.
    second = stamp.second - stamp.second % 2
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, second)
    readme = members[README]
    rest = {name: data for name, data in members.items() if name != README}
    ordered = {README: readme, SUMS: sums_file({README: readme, **rest}), **rest}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in ordered.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, so the mode above is read
            archive.writestr(info, data)
    return buffer.getvalue()


class PackUnreadable(ValueError):
    """Not a dispute pack we can read: not a ZIP, unsafe names, too big, members missing."""


@dataclass(frozen=True)
class Pack:
    members: dict[str, bytes]

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.members[name])
        except (KeyError, ValueError) as exc:
            raise PackUnreadable(f"{name}: not readable JSON") from exc


def read_zip(data: bytes) -> Pack:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise PackUnreadable("not a ZIP archive") from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise PackUnreadable(f"more than {MAX_MEMBERS} members")
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise PackUnreadable("members larger than 512 MB unpacked")
        members: dict[str, bytes] = {}
        for info in infos:
            name = info.filename
            if name.startswith("/") or "\\" in name or ".." in name.split("/") or name in members:
                raise PackUnreadable(f"unsafe or repeated member name {name[:80]!r}")
            try:
                members[name] = archive.read(info)
            except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
                raise PackUnreadable(f"{name}: {exc}") from exc
    missing = [name for name in REQUIRED if name not in members]
    if missing:
        raise PackUnreadable("missing " + ", ".join(missing))
    return Pack(members)
