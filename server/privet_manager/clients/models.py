from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.contracts.models import Contract
from privet_manager.kit.db import Base
from privet_manager.kit.models import Timestamps, enum_column


class ClientStatus(StrEnum):
    """new -> in_progress (claimed) -> awaiting_signature (contract generated, code sent) ->
    signed -> processed (paid, invoiced, or nothing to pay)."""

    new = "new"
    in_progress = "in_progress"
    awaiting_signature = "awaiting_signature"
    signed = "signed"
    processed = "processed"


# Claimed and not yet processed: the "in progress" tab.
IN_PROGRESS_STATUSES = (
    ClientStatus.in_progress,
    ClientStatus.awaiting_signature,
    ClientStatus.signed,
)
# Once the client has signed, the data the contract was made of is frozen.
LOCKED_STATUSES = (ClientStatus.signed, ClientStatus.processed)


class WizardStep(StrEnum):
    """Where the wizard resumes: steps 1-4, then the success screen."""

    profile = "1"
    passport = "2"
    devices = "3"
    contract = "4"
    success = "success"


STEPS = tuple(WizardStep)

# Digits of the phone copy; an 11-digit number starting with 8, or a 10-digit one, is read
# as +7 so that every way of writing a Russian number finds the same client (the migration
# holds the same expression).
PHONE_DIGITS_SQL = (
    "CASE WHEN length(regexp_replace(phone, '\\D', '', 'g')) = 11 "
    "AND left(regexp_replace(phone, '\\D', '', 'g'), 1) = '8' "
    "THEN '7' || substr(regexp_replace(phone, '\\D', '', 'g'), 2) "
    "WHEN length(regexp_replace(phone, '\\D', '', 'g')) = 10 "
    "THEN '7' || regexp_replace(phone, '\\D', '', 'g') "
    "ELSE regexp_replace(phone, '\\D', '', 'g') END"
)


# The name as searched: «ё» read as «е» (the query is folded the same way, so «Пётр» finds
# «Петр» and the reverse; migration 0009).
FOLDED_NAME_SQL = "translate(name::text, 'Ёё'::text, 'Ее'::text)"
# The words of a name, for searching by the beginning of any of them (listing.search_kind),
# kept in the `name_words` column.
NAME_WORDS_SQL = f"to_tsvector('simple'::regconfig, {FOLDED_NAME_SQL})"


# Search indexes take entries directly, never into a pending list that every search would
# scan (migration 0006).
_GIN = {"fastupdate": "off"}


def _trgm(column: str) -> Index:
    return Index(
        f"ix_manager_clients_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        postgresql_with=_GIN,
    )


class Client(Timestamps, Base):
    """One row per processed user of Привет Супер."""

    __tablename__ = "manager_clients"
    # Every list and search query has an index (tests/clients/test_explain.py proves it):
    # new/processed by (status, id); in progress and mine by partial indexes in id order;
    # search by trigram GIN indexes on the copies of name, email and phone digits, and by
    # the name's words (a GIN index on its tsvector) for queries that are only a name; the
    # name's indexes are on its «ё»-folded form.
    __table_args__ = (
        Index("ix_manager_clients_status_id", "status", "id"),
        Index(
            "ix_manager_clients_in_progress_id",
            "id",
            postgresql_where=text("status IN ('in_progress', 'awaiting_signature', 'signed')"),
        ),
        Index(
            "ix_manager_clients_mine_id",
            "assigned_manager_id",
            "id",
            postgresql_where=text("status <> 'processed'"),
        ),
        # On the «ё»-folded name. Alembic cannot compare an expression with an opclass (it
        # warns and skips it); tests/clients/test_explain.py proves the query uses it.
        Index(
            "ix_manager_clients_name_trgm",
            text(f"({FOLDED_NAME_SQL}) gin_trgm_ops"),
            postgresql_using="gin",
            postgresql_with=_GIN,
        ),
        _trgm("email"),
        _trgm("phone_digits"),
        Index(
            "ix_manager_clients_name_words",
            "name_words",
            postgresql_using="gin",
            postgresql_with=_GIN,
        ),
        # Room on each page, so updates that change no indexed column (the activity chain's
        # head, the version) stay on their page and add nothing to the indexes (0006).
        {"postgresql_with": {"fillfactor": 80}},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, unique=True)
    status: Mapped[ClientStatus] = mapped_column(
        enum_column(ClientStatus, 32), nullable=False, server_default=ClientStatus.new.value
    )
    current_step: Mapped[WizardStep] = mapped_column(
        enum_column(WizardStep, 16), nullable=False, server_default=WizardStep.profile.value
    )
    assigned_manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Copies of the shared users row, kept for search and the list (users must not be altered,
    # so its columns cannot carry our indexes). Refreshed on every profile save and backfill.
    name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))
    phone_digits: Mapped[str | None] = mapped_column(
        String(32), Computed(PHONE_DIGITS_SQL, persisted=True)
    )
    # The name's words, stored (migration 0014): a search that walks the clients newest first
    # (a common surname, where that beats reading every match) tests each row against them,
    # and computing them there cost ~7 µs a row, 20-35 ms a search (bench/README.md).
    name_words: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed(NAME_WORDS_SQL, persisted=True)
    )

    address_text: Mapped[str | None] = mapped_column(Text)
    address_postal_code: Mapped[str | None] = mapped_column(String(16))
    address_region: Mapped[str | None] = mapped_column(String(255))
    address_city: Mapped[str | None] = mapped_column(String(255))
    address_street: Mapped[str | None] = mapped_column(String(255))
    address_house: Mapped[str | None] = mapped_column(String(32))
    address_building: Mapped[str | None] = mapped_column(String(32))
    address_apartment: Mapped[str | None] = mapped_column(String(32))

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")


class Passport(Timestamps, Base):
    """Passport of a user; series and number encrypted at rest (AES-GCM, key id kept)."""

    __tablename__ = "users_passports"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, unique=True)
    series_enc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    number_enc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    issued_by: Mapped[str] = mapped_column(String(500), nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    department_code: Mapped[str] = mapped_column(String(7), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    birth_place: Mapped[str] = mapped_column(String(500), nullable=False)
    updated_by_manager_id: Mapped[int | None] = mapped_column(ForeignKey("manager_users.id"))


# The list finds a client by a contract's number or its last digits (clients/repository.py):
# trigrams of the number, on the contracts table (migration 0009).
CONTRACT_NUMBER_TRGM = Index(
    "ix_manager_contracts_number_trgm",
    Contract.number,
    postgresql_using="gin",
    postgresql_ops={"number": "gin_trgm_ops"},
    postgresql_with=_GIN,
)
