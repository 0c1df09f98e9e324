"""The four list tabs, search and keyset pagination.

Order is newest client first (`id DESC`), which every tab's index serves directly:
new/processed by (status, id), in progress and mine by partial indexes; search by trigram GIN
indexes on manager_clients' copies of name, email and phone digits (the shared `users` table
must not carry our indexes). The cursor is the last id seen, opaque to the client.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.models import Manager
from privet_manager.clients.models import IN_PROGRESS_STATUSES, Client
from privet_manager.clients.schemas import ClientList, ClientListItem, ManagerRef, Tab
from privet_manager.kit.errors import Unprocessable

_PHONE_LIKE = re.compile(r"^[\d\s()+\-.]+$")


def encode_cursor(last_id: int) -> str:
    raw = json.dumps({"i": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)["i"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**63:
        raise Unprocessable("Неверный курсор страницы", code="bad_cursor", loc=("query", "cursor"))
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def phone_query_digits(q: str) -> str | None:
    """The digits to look for when `q` is written like a phone number, else None."""
    if not _PHONE_LIKE.fullmatch(q):
        return None
    digits = re.sub(r"\D", "", q)
    if len(digits) < 3:
        return None
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    return digits


def search_condition(q: str) -> ColumnElement[bool]:
    digits = phone_query_digits(q)
    if digits is not None:
        return Client.phone_digits.like(f"%{digits}%")
    pattern = f"%{_escape_like(q)}%"
    return or_(
        Client.name.ilike(pattern, escape="\\"),
        Client.email.ilike(pattern, escape="\\"),
    )


def tab_condition(tab: Tab, manager_id: int) -> ColumnElement[bool]:
    if tab == "new":
        return Client.status == "new"
    # The statuses are rendered into the SQL (literal_execute), not sent as parameters, so
    # that even a generic prepared plan matches the partial indexes' predicates.
    if tab == "in_progress":
        return Client.status.in_(
            bindparam(
                "in_progress", list(IN_PROGRESS_STATUSES), expanding=True, literal_execute=True
            )
        )
    if tab == "mine":
        return and_(
            Client.assigned_manager_id == manager_id,
            Client.status != bindparam("processed", "processed", literal_execute=True),
        )
    return Client.status == "processed"


# Only what a short card shows: plain rows, no ORM identity map or attribute instrumentation.
LIST_COLUMNS = (
    Client.id,
    Client.user_id,
    Client.name,
    Client.phone,
    Client.email,
    Client.address_text,
    Client.status,
    Client.current_step,
    Client.updated_at,
    Client.version,
)


def list_query(
    tab: Tab, manager_id: int, q: str | None, limit: int, after_id: int | None
) -> Select[*tuple[Any, ...]]:
    """The list statement (also what the EXPLAIN test checks)."""
    conditions = [tab_condition(tab, manager_id)]
    if q:
        conditions.append(search_condition(q))
    if after_id is not None:
        conditions.append(Client.id < after_id)
    return (
        select(*LIST_COLUMNS, Manager.id, Manager.name)
        .outerjoin(Manager, Manager.id == Client.assigned_manager_id)
        .where(*conditions)
        .order_by(Client.id.desc())
        .limit(limit + 1)
    )


def to_item(client: Client, manager_id: int | None, manager_name: str | None) -> ClientListItem:
    return ClientListItem(
        id=client.id,
        user_id=client.user_id,
        name=client.name,
        phone=client.phone,
        email=client.email,
        registration_address=client.address_text,
        status=client.status,
        current_step=client.current_step,
        assigned_manager=ManagerRef(id=manager_id, name=manager_name or "")
        if manager_id is not None
        else None,
        updated_at=client.updated_at,
        version=client.version,
    )


async def list_clients(
    session: AsyncSession,
    manager: Manager,
    tab: Tab,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> ClientList:
    after_id = decode_cursor(cursor) if cursor else None
    q = " ".join(q.split()) if q else None
    rows = (await session.execute(list_query(tab, manager.id, q, limit, after_id))).all()
    items = [
        ClientListItem(
            id=r[0],
            user_id=r[1],
            name=r[2],
            phone=r[3],
            email=r[4],
            registration_address=r[5],
            status=r[6],
            current_step=r[7],
            updated_at=r[8],
            version=r[9],
            assigned_manager=ManagerRef(id=r[10], name=r[11] or "") if r[10] is not None else None,
        )
        for r in rows[:limit]
    ]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit and items else None
    return ClientList(items=items, next_cursor=next_cursor)
