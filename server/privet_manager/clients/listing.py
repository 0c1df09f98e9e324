"""The four list tabs, search and keyset pagination.

Order is newest client first (`id DESC`), which every tab's index serves directly:
new/processed by (status, id), in progress and mine by partial indexes; search by GIN indexes
on manager_clients' copies of name (its words, and trigrams), email and phone digits (the
shared `users` table must not carry our indexes). The cursor is the last id seen, opaque to
the client.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from typing import Any

import psycopg
from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from privet_manager.auth.models import Manager
from privet_manager.auth.service import LIVE_MANAGER_JOIN, LIVE_MANAGER_WHERE, SessionRevoked
from privet_manager.clients.models import IN_PROGRESS_STATUSES, Client
from privet_manager.clients.schemas import ClientListItem, ManagerRef, Tab
from privet_manager.kit.errors import Unprocessable
from privet_manager.kit.rawsql import driver_sql

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
# finds clients by the beginning of any word of their name, in any order ("Смирнова",
# "ольга смир", "Петрова-Вод"), as a phone's contacts do, through the index on the name's words
# (0.1 ms at 100,000 clients where the trigram index took 1 ms). It skips the e-mail column:
# addresses are Latin, and a rare internationalised (Cyrillic) address is then found by the
# client's name or phone. Any other query is a substring of the name or e-mail (trigrams).
_NAME_ONLY = re.compile(r"^[А-Яа-яЁё\s\-']+$")
_WORD = re.compile(r"[А-Яа-яЁё]+")


def search_kind(q: str) -> tuple[str, str]:
    """("phone", LIKE pattern of digits), ("name", tsquery of word prefixes) or
    ("name_email", ILIKE pattern) for a search."""
    digits = phone_query_digits(q)
    if digits is not None:
        return "phone", f"%{digits}%"
    words = _WORD.findall(q) if _NAME_ONLY.fullmatch(q) else []
    if words:  # only Cyrillic letters: safe to join into tsquery syntax
        return "name", " & ".join(f"{word.lower()}:*" for word in words)
    return "name_email", f"%{_escape_like(q)}%"


_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
# The expression of the index on the name's words (models.NAME_WORDS_SQL); the EXPLAIN test
# proves the two match (the index is used).
NAME_WORDS = func.to_tsvector(_SIMPLE, cast(Client.name, Text))


def search_condition(kind: str, pattern: ColumnElement[str]) -> ColumnElement[bool]:
    if kind == "phone":
        return Client.phone_digits.like(pattern)
    if kind == "name":
        return NAME_WORDS.op("@@")(func.to_tsquery(_SIMPLE, pattern))
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


def utc_text(column: Any) -> Any:
    """A timestamptz as JSON's date-time text in UTC (`2026-11-23T13:38:23.123456Z`),
    whatever the session's TimeZone."""
    return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')


def json_object(**fields: Any) -> Any:
    """json_build_object('key', value, …)."""
    args: list[Any] = []
    for key, value in fields.items():
        args += [key, value]
    return func.json_build_object(*args)


_holder = aliased(Manager, name="holder")

# One list item (schemas.ClientListItem) as JSON text, built by PostgreSQL: the page goes out
# as the database wrote it, with no Python object per row (`test_list_items_match_the_schema`
# holds it to the Pydantic model).
ITEM_JSON = json_object(
    id=Client.id,
    user_id=Client.user_id,
    name=Client.name,
    phone=Client.phone,
    email=Client.email,
    registration_address=Client.address_text,
    status=Client.status,
    current_step=Client.current_step,
    assigned_manager=case(
        (
            _holder.id.is_not(None),
            json_object(id=_holder.id, name=func.coalesce(_holder.name, "")),
        ),
        else_=null(),
    ),
    updated_at=utc_text(Client.updated_at),
    version=Client.version,
).cast(Text)


def _build(
    tab: Tab, kind: str | None, paged: bool, values: dict[str, Any] | None = None
) -> Select[*tuple[Any, ...]]:
    """The manager's live session and the page in one statement: no row when the session is
    not live, one row with a NULL item for an empty page, else a row per item."""

    def param(name: str, type_: Any = None) -> Any:
        if values is None:
            return bindparam(name, type_=type_)
        return bindparam(name, values.get(name), type_=type_)

    conditions = [tab_condition(tab, param("manager_id"))]
    if kind is not None:
        conditions.append(search_condition(kind, param("pattern", Client.name.type)))
    if paged:
        conditions.append(Client.id < param("after_id"))
    page = (
        select(Client.id, ITEM_JSON.label("item"))
        .outerjoin(_holder, _holder.id == Client.assigned_manager_id)
        .where(*conditions)
        .order_by(Client.id.desc())
        .limit(param("limit"))
        .lateral("page")
    )
    auth_session, on = LIVE_MANAGER_JOIN
    live = [c if values is None else c.params(values) for c in LIVE_MANAGER_WHERE]
    return (
        select(page.c.id, page.c.item)
        .select_from(Manager)
        .join(auth_session, on)
        .outerjoin(page, true())
        .where(*live)
        .order_by(page.c.id.desc())
    )


_STATEMENTS: dict[tuple[str, str | None, bool], str] = {}


def list_statement(
    tab: Tab,
    claims: tuple[int, uuid.UUID],
    q: str | None,
    limit: int,
    after_id: int | None,
) -> tuple[str, dict[str, Any]]:
    """The list statement as psycopg's SQL and its parameters (one row more than `limit`: is
    there a next page).

    One statement per (tab, kind of search, later page), compiled once with bound parameters
    (`manager_id`, `session_id`, `pattern`, `after_id`, `limit`): building it per request cost
    more CPU than PostgreSQL spent running it."""
    params: dict[str, Any] = {"limit": limit + 1, "manager_id": claims[0], "session_id": claims[1]}
    kind = None
    if q:
        kind, params["pattern"] = search_kind(q)
    if after_id is not None:
        params["after_id"] = after_id
    key = (tab, kind, after_id is not None)
    sql = _STATEMENTS.get(key)
    if sql is None:
        sql = _STATEMENTS[key] = driver_sql(_build(*key), *params)
    return sql, params


def list_query(
    tab: Tab, manager_id: int, q: str | None, limit: int, after_id: int | None
) -> Select[*tuple[Any, ...]]:
    """The same statement with the values in it (what the EXPLAIN test checks)."""
    claims = (manager_id, uuid.uuid4())
    _, params = list_statement(tab, claims, q, limit, after_id)
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


async def list_clients_json(
    conn: psycopg.AsyncConnection[Any],
    claims: tuple[int, uuid.UUID],
    tab: Tab,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> bytes:
    """One page of `tab` as the JSON of `ClientList`, the caller's session checked in the same
    round trip (`SessionRevoked` when it is not live)."""
    after_id = decode_cursor(cursor) if cursor else None
    q = " ".join(q.split()) if q else None
    sql, params = list_statement(tab, claims, q, limit, after_id)
    # A search is planned for its own term, never prepared: a prepared statement may switch
    # to one generic plan for every term, and the plan that suits a common surname (walking
    # the status index backwards) reads the whole tab for a rare one. Tabs alone are prepared.
    prepare = False if "pattern" in params else None
    rows = await (await conn.execute(sql, params, prepare=prepare)).fetchall()
    if not rows:
        raise SessionRevoked()
    items = [item for _, item in rows[:limit] if item is not None]
    next_cursor = "null"
    if len(rows) > limit:
        next_cursor = '"' + encode_cursor(rows[limit - 1][0]) + '"'
    return ('{"items":[' + ",".join(items) + '],"next_cursor":' + next_cursor + "}").encode()
