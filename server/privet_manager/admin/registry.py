"""The contract registry: every contract, found by number, client name or phone, filtered by
status and period; one contract, and its verification apart (it re-reads the stored files)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from privet_manager.admin.errors import ContractNotFound
from privet_manager.admin.schemas import RegistryItem, RegistryPage
from privet_manager.auth.models import Manager
from privet_manager.auth.schemas import ManagerRef
from privet_manager.clients.listing import decode_cursor, encode_cursor
from privet_manager.clients.models import Client
from privet_manager.clients.repository import (
    FOLDED_NAME,
    fold_yo,
    number_suffix_pattern,
    phone_query_digits,
)
from privet_manager.contracts.models import Contract, ContractStatus
from privet_manager.contracts.schemas import VerifyOut
from privet_manager.contracts.verify import verify_contract
from privet_manager.contracts.views import contract_out
from privet_manager.kit.clock import moscow_days

_holder = aliased(Manager)


_Row = tuple[Contract, str | None, str | None, Manager | None]


def _rows() -> Select[Contract, str | None, str | None, Manager]:
    """Contracts with their client's name and phone and the client's holder."""
    return (
        select(Contract, Client.name, Client.phone, _holder)
        .join(Client, Client.id == Contract.client_id)
        .outerjoin(_holder, _holder.id == Client.assigned_manager_id)
    )


async def _item(row: _Row) -> RegistryItem:
    contract, name, phone, holder = row
    return RegistryItem(
        contract=await contract_out(contract),
        client_id=contract.client_id,
        client_name=name,
        client_phone=phone,
        holder=ManagerRef.model_validate(holder) if holder else None,
    )


def _search(q: str) -> Any:
    """A contract's number (full, or its last digits), the client's name («ё» = «е») or
    phone (any format)."""
    conditions: list[Any] = [Contract.number == q.strip().upper()]
    digits = phone_query_digits(q)
    if digits is not None:
        conditions.append(Client.phone_digits.like(f"%{digits}%"))
    suffix = number_suffix_pattern(q)
    if suffix is not None:
        conditions.append(Contract.number.like(suffix))
    if digits is None:
        pattern = "%" + fold_yo(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(FOLDED_NAME.ilike(pattern + "%", escape="\\"))
    return or_(*conditions)


async def page(
    session: AsyncSession,
    *,
    q: str | None,
    status: ContractStatus | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    cursor: str | None,
) -> RegistryPage:
    """Contracts newest first; the period is the Moscow days the contract was generated on."""
    stmt = _rows().order_by(Contract.id.desc()).limit(limit + 1)
    q = " ".join(q.split()) if q else None
    if q:
        stmt = stmt.where(_search(q))
    if status is not None:
        stmt = stmt.where(Contract.status == status)
    if date_from is not None or date_to is not None:
        start, end = moscow_days(date_from or date(2000, 1, 1), date_to or date(2999, 12, 31))
        stmt = stmt.where(Contract.created_at >= start, Contract.created_at < end)
    if cursor:
        stmt = stmt.where(Contract.id < decode_cursor(cursor))
    rows = (await session.execute(stmt)).all()
    items = [await _item(row.tuple()) for row in rows[:limit]]
    more = len(rows) > limit
    return RegistryPage(
        items=items, next_cursor=encode_cursor(items[-1].contract.id) if more else None
    )


async def one(session: AsyncSession, contract_id: int) -> RegistryItem:
    """One contract with its links, client and holder (its verification is asked
    separately: it re-reads the stored files, and the page should not wait for it)."""
    row = (await session.execute(_rows().where(Contract.id == contract_id))).first()
    if row is None:
        raise ContractNotFound()
    return await _item(row.tuple())


async def verification(session: AsyncSession, contract_id: int) -> VerifyOut:
    """One contract's verification: the stored PDFs re-read and hashed, the seal, the
    evidence HMAC, the client's activity chain."""
    contract = await session.get(Contract, contract_id)
    if contract is None:
        raise ContractNotFound()
    return VerifyOut.model_validate(await verify_contract(session, contract))
