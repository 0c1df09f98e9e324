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


# Only Cyrillic letters, spaces, hyphens and apostrophes: a name or part of one. Such a query
# skips the e-mail column (its trigram index and, on the primary-key plan, its filter on every
# row): addresses are Latin, and a rare internationalised (Cyrillic) address is then found by
# the client's name or phone, not by its own letters.
_NAME_ONLY = re.compile(r"^[А-Яа-яЁё\s\-']+$")


def search_kind(q: str) -> tuple[str, str]:
    """("phone", digits), ("name", pattern) or ("name_email", pattern) for a search."""
    digits = phone_query_digits(q)
    if digits is not None:
        return "phone", f"%{digits}%"
    pattern = f"%{_escape_like(q)}%"
    return ("name" if _NAME_ONLY.fullmatch(q) else "name_email"), pattern


def search_condition(kind: str, pattern: ColumnElement[str]) -> ColumnElement[bool]:
    if kind == "phone":
        return Client.phone_digits.like(pattern)
    if kind == "name":
        return Client.name.ilike(pattern, escape="\\")
    return or_(
        Client.name.ilike(pattern, escape="\\"),
        Client.email.ilike(pattern, escape="\\"),
    )


def tab_condition(tab: Tab, manager_id: ColumnElement[int] | int) -> ColumnElement[bool]:
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


_STATEMENTS: dict[tuple[str, str | None, bool], Select[*tuple[Any, ...]]] = {}


def _build(
    tab: Tab, kind: str | None, paged: bool, values: dict[str, Any] | None = None
) -> Select[*tuple[Any, ...]]:
    def param(name: str, type_: Any = None) -> Any:
        if values is None:
            return bindparam(name, type_=type_)
        return bindparam(name, values.get(name), type_=type_)

    conditions = [tab_condition(tab, param("manager_id"))]
    if kind is not None:
        conditions.append(search_condition(kind, param("pattern", Client.name.type)))
    if paged:
        conditions.append(Client.id < param("after_id"))
    return (
        select(*LIST_COLUMNS, Manager.id, Manager.name)
        .outerjoin(Manager, Manager.id == Client.assigned_manager_id)
        .where(*conditions)
        .order_by(Client.id.desc())
        .limit(param("limit"))
    )


def list_statement(
    tab: Tab, manager_id: int, q: str | None, limit: int, after_id: int | None
) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]]:
    """The list statement and its parameters (one row more than `limit`: is there a next page).

    One statement per (tab, kind of search, later page), built once with bound parameters
    (`manager_id`, `pattern`, `after_id`, `limit`): building it per request cost more CPU
    than PostgreSQL spent running it."""
    params: dict[str, Any] = {"limit": limit + 1}
    if tab == "mine":
        params["manager_id"] = manager_id
    kind = None
    if q:
        kind, params["pattern"] = search_kind(q)
    if after_id is not None:
        params["after_id"] = after_id
    key = (tab, kind, after_id is not None)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = _build(*key)
    return stmt, params


def list_query(
    tab: Tab, manager_id: int, q: str | None, limit: int, after_id: int | None
) -> Select[*tuple[Any, ...]]:
    """The same statement with the values in it (what the EXPLAIN test checks)."""
    _, params = list_statement(tab, manager_id, q, limit, after_id)
    kind = search_kind(q)[0] if q else None
    return _build(tab, kind, after_id is not None, params)


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
    stmt, params = list_statement(tab, manager.id, q, limit, after_id)
    rows = (await session.execute(stmt, params)).all()
    # The rows come typed from the database: construct without validating (0.2 ms a page);
    # serialising them checks the shape anyway.
    construct_item, construct_ref = ClientListItem.model_construct, ManagerRef.model_construct
    items = [
        construct_item(
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
            assigned_manager=construct_ref(id=r[10], name=r[11] or "")
            if r[10] is not None
            else None,
        )
        for r in rows[:limit]
    ]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit and items else None
    return ClientList.model_construct(items=items, next_cursor=next_cursor)
