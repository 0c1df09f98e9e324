"""The list's statements: the four tabs, search, keyset pagination.

Order is newest client first (`id DESC`), which every tab's index serves directly:
new/processed by (status, id), in progress and mine by partial indexes; search by GIN indexes
on manager_clients' copies of name (its words, and trigrams), email and phone digits (the
shared `users` table must not carry our indexes).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from privet_manager.auth.models import Manager
from privet_manager.clients.models import IN_PROGRESS_STATUSES, Client, ClientStatus
from privet_manager.clients.schemas import Tab
from privet_manager.contracts.models import Contract
from privet_manager.kit.rawsql import RawSelect

_PHONE_LIKE = re.compile(r"^[\d\s()+\-.]+$")


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
# (an order of magnitude cheaper than the trigram index: bench/README.md). It skips the e-mail
# column: addresses are Latin, and a rare internationalised (Cyrillic) address is then found by
# the client's name or phone. Any other query is a substring of the name or e-mail (trigrams).
_NAME_ONLY = re.compile(r"^[А-Яа-яЁё\s\-']+$")
_WORD = re.compile(r"[А-Яа-яЁё]+")
# A contract's number as printed (PM-2026-000123), in either case.
_CONTRACT_NUMBER = re.compile(r"^PM-\d{4}-\d{6}$", re.IGNORECASE)


def fold_yo(text: str) -> str:
    """«ё» read as «е», as the name's search indexes do (models.FOLDED_NAME_SQL)."""
    return text.replace("ё", "е").replace("Ё", "Е")


def search_kind(q: str) -> tuple[str, str]:
    """("contract", a full contract number), ("phone", LIKE pattern of digits), ("name",
    tsquery of word prefixes) or ("name_email", ILIKE pattern) for a search. A phone-like
    query also looks for contract numbers ending in its digits (`number_suffix_pattern`)."""
    if _CONTRACT_NUMBER.fullmatch(q):
        return "contract", q.upper()
    digits = phone_query_digits(q)
    if digits is not None:
        return "phone", f"%{digits}%"
    q = fold_yo(q)
    words = _WORD.findall(q) if _NAME_ONLY.fullmatch(q) else []
    if words:  # only Cyrillic letters: safe to join into tsquery syntax
        return "name", " & ".join(f"{word.lower()}:*" for word in words)
    return "name_email", f"%{_escape_like(q)}%"


def number_suffix_pattern(q: str) -> str | None:
    """For a query of digits only: contract numbers ending in them («000123», «123»)."""
    digits = re.sub(r"[\s\-]", "", q)
    return f"%{digits}" if digits.isdigit() and len(digits) >= 3 else None


_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
_YO: ColumnElement[Any] = literal_column("'Ёё'::text")
_YE: ColumnElement[Any] = literal_column("'Ее'::text")
# The name as its trigram index holds it (models.FOLDED_NAME_SQL), and its stored words
# (models.NAME_WORDS_SQL); the EXPLAIN test proves the indexes are used.
FOLDED_NAME = func.translate(cast(Client.name, Text), _YO, _YE)
NAME_WORDS = Client.name_words


def search_condition(kind: str, pattern: ColumnElement[str]) -> ColumnElement[bool]:
    if kind == "contract":
        return Client.id.in_(select(Contract.client_id).where(Contract.number == pattern))
    if kind == "number_suffix":
        return Client.id.in_(select(Contract.client_id).where(Contract.number.like(pattern)))
    if kind == "phone":
        return Client.phone_digits.like(pattern)
    if kind == "name":
        return NAME_WORDS.op("@@")(func.to_tsquery(_SIMPLE, pattern))
    return or_(
        FOLDED_NAME.ilike(pattern, escape="\\"),
        Client.email.ilike(pattern, escape="\\"),
    )


def tab_condition(
    tab: Tab | None, manager_id: ColumnElement[int] | int
) -> ColumnElement[bool] | None:
    """The tab's clients; None (a search without a tab): every client."""
    if tab is None:
        return None
    if tab == Tab.new:
        return Client.status == ClientStatus.new
    # The statuses are rendered into the SQL (literal_execute), not sent as parameters, so
    # that even a generic prepared plan matches the partial indexes' predicates.
    if tab == Tab.in_progress:
        return Client.status.in_(
            bindparam(
                "in_progress", list(IN_PROGRESS_STATUSES), expanding=True, literal_execute=True
            )
        )
    if tab == Tab.mine:
        return and_(
            Client.assigned_manager_id == manager_id,
            Client.status != bindparam("processed", ClientStatus.processed, literal_execute=True),
        )
    return Client.status == ClientStatus.processed


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


# The searches that can match hundreds of clients (a surname, a part of a name or e-mail).
_MANY_MATCHES = ("name", "name_email")


def page_select(
    tab: Tab | None, kind: str | None, paged: bool, values: dict[str, Any] | None = None
) -> Select[Any]:
    """A page of a tab: (id, item JSON) per client, or (id,) for a name search. Parameters
    `manager_id` (for `mine`), `pattern` (a search), `after_id` (a later page), `limit`; with
    `values`, bound to them."""

    def param(name: str, type_: Any = None) -> Any:
        if values is None:
            return bindparam(name, type_=type_)
        return bindparam(name, values.get(name), type_=type_)

    conditions = []
    in_tab = tab_condition(tab, param("manager_id"))
    if in_tab is not None:
        conditions.append(in_tab)
    if kind is not None:
        conditions.append(search_condition(kind, param("pattern", Client.name.type)))
    if paged:
        conditions.append(Client.id < param("after_id"))
    if kind not in _MANY_MATCHES:  # a tab walks its index newest first; a phone or a
        # contract number matches a handful of rows: only the page's rows are read
        return (
            select(Client.id, ITEM_JSON.label("item"))
            .outerjoin(_holder, _holder.id == Client.assigned_manager_id)
            .where(*conditions)
            .order_by(Client.id.desc())
            .limit(param("limit"))
        )
    # A name search sorts its matches (hundreds for a common surname): it picks the page's
    # ids only (`page_items` then builds the JSON of those rows). Built in the sort's input,
    # the JSON of every match was most of the search's time; built in the same statement
    # after the sort, the whole statement was planned again for every term (a search is never
    # prepared, see `page_query`), 0.4 ms of PostgreSQL's CPU per search (bench/README.md,
    # issue 17).
    return select(Client.id).where(*conditions).order_by(Client.id.desc()).limit(param("limit"))


def items_select(ids: list[int] | None = None) -> Select[tuple[int, str]]:
    """The list items (id, item JSON) of the given clients, newest first: parameter `ids`."""
    return (
        select(Client.id, ITEM_JSON.label("item"))
        .outerjoin(_holder, _holder.id == Client.assigned_manager_id)
        .where(Client.id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger))))
        .order_by(Client.id.desc())
    )


# Prepared: its best plan (primary-key lookups) is the same for every page.
_ITEMS = RawSelect(items_select(), "ids")


def page_items(ids: list[int]) -> tuple[RawSelect, dict[str, Any]]:
    """The statement for the items of a page that `page_query` gave as ids only."""
    return _ITEMS, {"ids": ids}


def ids_only(query: RawSelect) -> bool:
    """Whether a page statement of `page_query` answers ids only (a name search)."""
    return query in _ID_PAGES


_ID_PAGES: set[RawSelect] = set()
_PAGES: dict[tuple[Tab | None, str | None, bool], RawSelect] = {}


def page_query(
    tab: Tab | None,
    manager_id: int,
    q: str | None,
    limit: int,
    after_id: int | None,
    kind: str | None = None,
) -> tuple[RawSelect, dict[str, Any]]:
    """The page statement for psycopg and its parameters (one row more than `limit`: is
    there a next page).

    One statement per (tab, kind of search, later page), compiled once with bound parameters:
    building it per request cost more CPU than PostgreSQL spent running it. A search is planned
    for its own term, never prepared: a prepared statement may switch to one generic plan for
    every term, and the plan that suits a common surname (walking the status index backwards)
    reads the whole tab for a rare one. Tabs alone are prepared. `kind` overrides the kind
    of search with `q` as the pattern (the contract-number suffix beside a phone search)."""
    params: dict[str, Any] = {"limit": limit + 1, "manager_id": manager_id}
    if kind is not None and q:
        params["pattern"] = q
    elif q:
        kind, params["pattern"] = search_kind(q)
    if after_id is not None:
        params["after_id"] = after_id
    key = (tab, kind, after_id is not None)
    query = _PAGES.get(key)
    if query is None:
        query = _PAGES[key] = RawSelect(
            page_select(*key), *params, prepare=False if kind is not None else None
        )
        if kind in _MANY_MATCHES:
            _ID_PAGES.add(query)
    return query, params


def list_query(
    tab: Tab | None,
    manager_id: int,
    q: str | None,
    limit: int,
    after_id: int | None,
    kind: str | None = None,
) -> Select[Any]:
    """The same statement with the values in it (what the EXPLAIN test checks)."""
    _, params = page_query(tab, manager_id, q, limit, after_id, kind)
    if kind is None:
        kind = search_kind(q)[0] if q else None
    return page_select(tab, kind, after_id is not None, params)
