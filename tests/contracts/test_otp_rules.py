"""The code rules a silent change would weaken without any other test noticing: the code's
distribution, the cooldown's exact boundary, a wrong code racing a signature, the attempts
in the activity chain, and the consuming UPDATE re-checking which code it consumes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from privet_manager.activity import service as activity
from privet_manager.activity.models import ActivityEntry
from privet_manager.auth.actor import Actor
from privet_manager.clients.models import Client
from privet_manager.contracts import otp
from privet_manager.contracts import repository as contracts
from privet_manager.contracts.errors import OtpConsumed
from privet_manager.signing import confirm
from sqlalchemy import select

from tests.contracts.helpers import (
    API,
    Awaiting,
    read_code,
    wrong,
)
from tests.contracts.test_otp import contract_row


def test_codes_use_the_whole_six_digit_space() -> None:
    codes = [otp.new_code() for _ in range(3000)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    for position in range(6):  # every digit varies at every position
        assert {c[position] for c in codes} == set("0123456789"), position
    values = [int(c) for c in codes]
    assert sum(v >= 1000 for v in values) > 2900
    assert sum(v >= 100_000 for v in values) > 2500
    assert len(set(codes)) > 2980  # 3000 draws from 10**6: a handful of repeats at most


def test_the_code_hmac_is_the_documented_one() -> None:
    import hashlib
    import hmac

    from privet_manager.settings import get_settings

    digest = "ab" * 32
    expected = hmac.new(
        get_settings().otp_hmac_secret.encode(),
        f"privet-manager/otp/v1|41|{digest}|012345".encode(),
        hashlib.sha256,
    ).hexdigest()
    assert otp.code_hmac("012345", contract_id=41, pdf_sha256=digest) == expected
    assert otp.code_matches("012345", expected, contract_id=41, pdf_sha256=digest)
    assert not otp.code_matches("012346", expected, contract_id=41, pdf_sha256=digest)


T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "last", "window", "count", "expected"),
    [
        (T0, None, None, 0, (True, 0, "")),
        (T0 + timedelta(seconds=60), T0, T0, 1, (True, 0, "")),
        (T0 + timedelta(seconds=59), T0, T0, 1, (False, 2, "cooldown")),
        (T0 + timedelta(seconds=59, microseconds=500_000), T0, T0, 1, (False, 1, "cooldown")),
        # The hourly cap: the sixth code within the hour waits for the window's end.
        (T0 + timedelta(minutes=10), T0, T0, 4, (True, 0, "")),
        (T0 + timedelta(minutes=10), T0, T0, 5, (False, 3001, "hourly_cap")),
        (T0 + timedelta(hours=1) - timedelta(microseconds=1), T0, T0, 5, (False, 1, "hourly_cap")),
        (T0 + timedelta(hours=1), T0, T0, 5, (True, 0, "")),
        (T0 + timedelta(minutes=10), T0, None, 9, (True, 0, "")),
    ],
)
def test_when_a_code_may_be_sent(now, last, window, count, expected) -> None:
    allowance = otp.may_send(now, last, window, count)
    assert (allowance.allowed, allowance.retry_after, allowance.reason) == expected


async def test_the_resend_cooldown_is_exactly_sixty_seconds(
    client, headers, manager, clean_db, awaiting: Awaiting
) -> None:
    ready, sent = awaiting.ready, awaiting.sent_at
    resend = f"{API}/clients/{ready.client_id}/contract/resend-otp"
    with time_machine.travel(sent + timedelta(seconds=59, microseconds=999_000), tick=False):
        r = await client.post(resend, headers=headers)
        assert r.status_code == 429 and r.json()["code"] == "otp_cooldown"
        assert r.headers["Retry-After"] == "1"
    with time_machine.travel(sent + timedelta(seconds=30), tick=False):
        r = await client.post(resend, headers=headers)
        assert r.status_code == 429 and r.headers["Retry-After"] == "31"
    with time_machine.travel(sent + timedelta(seconds=60), tick=False):
        assert (await client.post(resend, headers=headers)).status_code == 200


async def chain_actions(db, client_id: int) -> list[tuple[str, dict[str, Any]]]:
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(ActivityEntry)
            .where(ActivityEntry.client_id == client_id)
            .order_by(ActivityEntry.seq)
        )
        return [(e.action, e.payload) for e in rows]


async def test_failed_and_locked_attempts_are_in_the_activity_chain(
    client, headers, manager, clean_db, awaiting: Awaiting
) -> None:
    ready, code, url = awaiting.ready, awaiting.code, awaiting.confirm_url
    contract = awaiting.contract
    for _ in range(5):
        await client.post(url, json={"code": wrong(code)}, headers={**headers, "User-Agent": "T/1"})
    attempts = [
        (action, payload)
        for action, payload in await chain_actions(clean_db, ready.client_id)
        if action.startswith("contract.otp_")
    ]
    expected = [("contract.otp_failed", n) for n in range(1, 5)] + [("contract.otp_locked", 5)]
    assert [(a, p["failures"]) for a, p in attempts] == expected
    assert all(p["contract_id"] == contract["id"] and p["expired"] is False for _, p in attempts)
    async with clean_db.sessionmaker() as s:
        assert await activity.verify_chain(s, ready.client_id) == (True, None)
        locked = await s.scalar(
            select(ActivityEntry).where(ActivityEntry.action == "contract.otp_locked")
        )
        assert locked is not None and locked.user_agent == "T/1"
        assert locked.manager_id == manager.id


async def test_a_wrong_code_after_the_signature_counts_nothing(
    client, headers, manager, clean_db, awaiting: Awaiting
) -> None:
    ready, code, url = awaiting.ready, awaiting.code, awaiting.confirm_url
    assert (await client.post(url, json={"code": code}, headers=headers)).status_code == 200
    row = await contract_row(clean_db, ready.client_id)
    assert row.otp_hmac is None and row.otp_used_at is not None  # the used code is gone
    before = await chain_actions(clean_db, ready.client_id)

    r = await client.post(url, json={"code": wrong(code)}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "contract_signed"
    # The wrong code of a request that read the contract before the signature committed
    # reaches the counting UPDATE itself: it must find nothing to count, nor lock.
    actor = Actor(manager=manager, ip="203.0.113.7", user_agent="T/1")
    async with clean_db.sessionmaker() as s, s.begin():
        for _ in range(otp.MAX_FAILURES):
            attempt = await confirm.record_failure(s, row.id, ready.client_id, actor, False)
            assert attempt.gone == "signed" and attempt.locked is False
    after = await contract_row(clean_db, ready.client_id)
    assert after.status == "signed" and after.otp_failures == 0
    assert await chain_actions(clean_db, ready.client_id) == before
    assert (
        await client.get(f"{API}/clients/{ready.client_id}/contract/verify", headers=headers)
    ).json()["valid"]


async def test_a_resend_racing_a_confirm_voids_the_old_code(
    client, headers, manager, clean_db, awaiting: Awaiting
) -> None:
    """The confirm read the contract (and the old code's HMAC) before a resend committed:
    its consuming UPDATE must consume only the code it checked, so it fails."""
    ready, old = awaiting.ready, awaiting.code
    actor = Actor(manager=manager, ip="203.0.113.7", user_agent="T/1")
    async with clean_db.sessionmaker() as s:
        stale = await contracts.latest(s, ready.client_id)  # what the confirm read first
        assert stale is not None and stale.otp_hmac is not None
        with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61)):
            r = await client.post(
                f"{API}/clients/{ready.client_id}/contract/resend-otp", headers=headers
            )
            assert r.status_code == 200, r.text
        client_row = await s.get(Client, ready.client_id)
        assert client_row is not None
        with pytest.raises(OtpConsumed):
            await confirm.confirm(s, client_row, old, actor)
        await s.rollback()
    row = await contract_row(clean_db, ready.client_id)
    assert row.status == "awaiting_signature" and row.otp_used_at is None
    new = await read_code(client, ready.user_id)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=62)):
        r = await client.post(
            f"{API}/clients/{ready.client_id}/contract/confirm", json={"code": new}, headers=headers
        )
    assert r.status_code == 200, r.text
