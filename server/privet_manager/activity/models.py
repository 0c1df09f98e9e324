from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.kit.db import Base


class ActivityEntry(Base):
    """One state change of a client; `hash` covers the entry and the previous entry's hash,
    under the rule `hash_version` names (activity/service.py: 1 plain SHA-256, 2 HMAC)."""

    __tablename__ = "manager_activity_log"
    __table_args__ = (UniqueConstraint("client_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), nullable=False
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # No server default (migration 0008): every writer says which rule its hash follows.
    hash_version: Mapped[int] = mapped_column(SmallInteger, nullable=False)


class ActivityHead(Base):
    """The newest entry of a client's chain (seq and hash): removing the newest entries is
    detected too. No row: the chain is empty. Updated by every append, so its pages keep room
    for updates in place (migration 0007)."""

    __tablename__ = "manager_activity_heads"
    __table_args__ = ({"postgresql_with": {"fillfactor": 70}},)

    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # Chains begun before keyed hashes (migration 0008): up to `legacy_seq` the entries may be
    # plain SHA-256 ones, and `legacy_seal` (an HMAC over client, seq and that entry's hash)
    # binds them, so rewriting them needs the key too. NULL: no unkeyed entry is accepted.
    legacy_seq: Mapped[int | None] = mapped_column(Integer)
    legacy_seal: Mapped[str | None] = mapped_column(String(64))
