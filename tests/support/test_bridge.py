"""The client-side support bridge: JWT of the main backend, own tickets only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from privet_manager.legacy.models import SupportMessage, SupportTicket, User
from privet_manager.settings import get_settings

from tests.contracts.helpers import app_token


async def two_users(db) -> tuple[int, int, int, int]:
    async with db.sessionmaker() as s, s.begin():
        a, b = User(name="Анна"), User(name="Борис")
        s.add_all([a, b])
        await s.flush()
        ta = SupportTicket(user_id=a.id, subject="Вопрос Анны")
        tb = SupportTicket(user_id=b.id, subject="Вопрос Бориса")
        s.add_all([ta, tb])
        await s.flush()
        s.add_all(
            [
                SupportMessage(ticket_id=ta.id, author_type="client", body="Привет от Анны"),
                SupportMessage(ticket_id=ta.id, author_type="support", body="Ответ Анне"),
                SupportMessage(ticket_id=tb.id, author_type="client", body="Тайна Бориса"),
            ]
        )
        return a.id, b.id, ta.id, tb.id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_client_sees_only_their_own_tickets(client, clean_db) -> None:
    a, _b, ta, tb = await two_users(clean_db)
    h = bearer(app_token(a))
    r = await client.get("/api/support/tickets", headers=h)
    assert r.status_code == 200
    assert [t["id"] for t in r.json()["items"]] == [ta]
    r = await client.get(f"/api/support/tickets/{ta}/messages", headers=h)
    assert r.status_code == 200
    items = r.json()["items"]
    assert [m["body"] for m in items] == ["Привет от Анны", "Ответ Анне"]
    assert set(items[0]) >= {"id", "body", "created_at"}
    assert r.headers["Cache-Control"] == "no-store"
    r = await client.get(f"/api/support/tickets/{ta}/messages?after_id={items[0]['id']}", headers=h)
    assert [m["body"] for m in r.json()["items"]] == ["Ответ Анне"]

    other = await client.get(f"/api/support/tickets/{tb}/messages", headers=h)
    assert other.status_code == 404
    assert "Бориса" not in other.text
    missing = await client.get("/api/support/tickets/987654/messages", headers=h)
    assert missing.status_code == 404 and missing.json() == {**other.json()}


@pytest.mark.filterwarnings("ignore:The HMAC key")  # the HS512 token is meant to be refused
async def test_tokens_are_checked(client, clean_db) -> None:
    a, _, ta, _ = await two_users(clean_db)
    now = datetime.now(UTC)
    secret = get_settings().jwt_secret
    bad_tokens = [
        jwt.encode({"sub": str(a), "iat": now, "exp": now + timedelta(minutes=5)}, "x" * 40),
        jwt.encode({"sub": str(a), "iat": now}, secret),  # no exp
        jwt.encode({"sub": str(a), "exp": now + timedelta(minutes=5)}, secret),  # no iat
        jwt.encode({"iat": now, "exp": now + timedelta(minutes=5)}, secret),  # no sub
        jwt.encode({"sub": "abc", "iat": now, "exp": now + timedelta(minutes=5)}, secret),
        jwt.encode({"sub": str(a), "iat": now, "exp": now - timedelta(seconds=5)}, secret),
        jwt.encode(
            {"sub": str(a), "iat": now, "exp": now + timedelta(minutes=5)},
            secret,
            algorithm="HS512",
        ),
        jwt.encode(  # a manager's token is not an app token
            {"sub": str(a), "iat": now, "exp": now + timedelta(minutes=5), "typ": "access"},
            get_settings().manager_jwt_secret,
        ),
        "not-a-token",
    ]
    for token in bad_tokens:
        r = await client.get("/api/support/tickets", headers=bearer(token))
        assert r.status_code == 401, token
    assert (await client.get("/api/support/tickets")).status_code == 401
    r = await client.get(f"/api/support/tickets/{ta}/messages", headers=bearer("x.y.z"))
    assert r.status_code == 401


async def test_path_and_query_junk_is_422(client, clean_db) -> None:
    a, *_ = await two_users(clean_db)
    h = bearer(app_token(a))
    for path in (
        "/api/support/tickets/0/messages",
        "/api/support/tickets/abc/messages",
        f"/api/support/tickets/{2**63}/messages",
        "/api/support/tickets/1/messages?limit=0",
        "/api/support/tickets/1/messages?after_id=-1",
    ):
        r = await client.get(path, headers=h)
        assert r.status_code == 422, path
