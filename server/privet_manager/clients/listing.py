"""The list of a tab as the JSON of `ClientList`, written by PostgreSQL (clients/repository.py).

The cursor is the last id seen, opaque to the client.
"""

from __future__ import annotations

import base64
import binascii
import json

from privet_manager.auth.deps import LiveReader
from privet_manager.clients.errors import BadCursor
from privet_manager.clients.repository import (
    ids_only,
    number_suffix_pattern,
    page_items,
    page_query,
)
from privet_manager.clients.schemas import Tab


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
        raise BadCursor()
    return value


async def list_clients_json(
    reader: LiveReader, tab: Tab | None, q: str | None, limit: int, cursor: str | None
) -> bytes:
    """One page of `tab` (every client for a search without a tab), the caller's session
    checked in the same round trip (a name search reads its page's items in a second one).

    A query of digits is a phone fragment and the last digits of a contract number: two
    statements in the same round trip (each with its own index), merged newest first."""
    after_id = decode_cursor(cursor) if cursor else None
    q = " ".join(q.split()) if q else None
    if tab is None and not q:
        tab = Tab.new
    queries = [page_query(tab, reader.manager_id, q, limit, after_id)]
    suffix = number_suffix_pattern(q) if q else None
    if suffix is not None:
        queries.append(page_query(tab, reader.manager_id, suffix, limit, after_id, "number_suffix"))
    results = await reader.fetch(*queries)
    rows = results[0]
    if len(results) > 1:
        merged = {row[0]: row for result in results for row in result}
        rows = [merged[i] for i in sorted(merged, reverse=True)]
    # The cursor comes from the ids: a name search's items are read in a second statement
    # (its own snapshot), where a client deleted meanwhile would be missing.
    next_cursor = '"' + encode_cursor(rows[limit - 1][0]) + '"' if len(rows) > limit else "null"
    page = rows[:limit]
    if page and ids_only(queries[0][0]):  # a name search: the page's ids, then their items
        items_query, params = page_items([row[0] for row in page])
        page = await items_query.fetch(reader.conn, params)
    items = [item for _, item in page]
    return ('{"items":[' + ",".join(items) + '],"next_cursor":' + next_cursor + "}").encode()
