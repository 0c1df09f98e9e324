"""The list of a tab as the JSON of `ClientList`, written by PostgreSQL (clients/repository.py).

The cursor is the last id seen, opaque to the client.
"""

from __future__ import annotations

import base64
import binascii
import json

from privet_manager.auth.deps import LiveReader
from privet_manager.clients.errors import BadCursor
from privet_manager.clients.repository import page_query
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
    reader: LiveReader, tab: Tab, q: str | None, limit: int, cursor: str | None
) -> bytes:
    """One page of `tab`, the caller's session checked in the same round trip."""
    after_id = decode_cursor(cursor) if cursor else None
    q = " ".join(q.split()) if q else None
    (rows,) = await reader.fetch(page_query(tab, reader.manager_id, q, limit, after_id))
    items = [item for _, item in rows[:limit]]
    next_cursor = "null"
    if len(rows) > limit:
        next_cursor = '"' + encode_cursor(rows[limit - 1][0]) + '"'
    return ('{"items":[' + ",".join(items) + '],"next_cursor":' + next_cursor + "}").encode()
