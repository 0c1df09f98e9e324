"""Manager accounts, logins and the refresh-token families."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.auth.actor import Actor
from privet_manager.auth.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    LoginThrottled,
    PasswordChangeThrottled,
    RefreshReused,
    SessionExpired,
    SessionRevoked,
    WrongCurrentPassword,
)
from privet_manager.auth.models import AuthSession, Manager, RefreshToken, Role
from privet_manager.auth.passwords import check_password_policy
from privet_manager.kit import ratelimit
from privet_manager.kit.logging import security_log
from privet_manager.kit.metrics import business_counter, count_on_commit
from privet_manager.kit.rawsql import RawSelect
from privet_manager.kit.security import (
    TokenError,
    burn_password_check,
    create_jwt,
    decode_jwt,
    hash_password,
    verify_password,
)
from privet_manager.settings import get_settings

LOGIN_FAILURES = business_counter("login_failures", "Failed logins counted by the throttling")
LOGIN_THROTTLED = business_counter(
    "login_throttled", "Logins refused because the account or the address is locked out"
)
ACCESS = "access"
REFRESH = "refresh"


@dataclass
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime
    manager: Manager


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def get_by_email(session: AsyncSession, email: str) -> Manager | None:
    return await session.scalar(
        select(Manager).where(func.lower(Manager.email) == normalize_email(email))
    )


async def create_manager(
    session: AsyncSession, *, email: str, name: str, password: str, role: Role = Role.manager
) -> Manager:
    """Create a manager after checking the password policy; 409 if the email is taken."""
    check_password_policy(password)
    if await get_by_email(session, email):
        raise EmailTaken()
    manager = Manager(
        email=email.strip(),
        name=name.strip(),
        role=role,
        password_hash=await asyncio.to_thread(hash_password, password),
    )
    session.add(manager)
    await session.flush()
    return manager


async def set_password(session: AsyncSession, manager: Manager, password: str) -> None:
    """Change the password and end every session of the manager at once."""
    check_password_policy(password)
    manager.password_hash = await asyncio.to_thread(hash_password, password)
    manager.password_changed_at = datetime.now(UTC)
    await revoke_all_sessions(session, manager.id, "password_changed")


async def set_active(session: AsyncSession, manager: Manager, active: bool) -> None:
    manager.is_active = active
    if not active:
        await revoke_all_sessions(session, manager.id, "disabled")


async def revoke_all_sessions(session: AsyncSession, manager_id: int, reason: str) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.manager_id == manager_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=func.now(), revoked_reason=reason)
    )


async def _count_failure(session: AsyncSession, keys: tuple[str, str]) -> None:
    """One failed password check against the account's and the address's counters."""
    settings = get_settings()
    lockout = timedelta(minutes=settings.login_lockout_minutes)
    limits = (settings.login_max_failures_per_account, settings.login_max_failures_per_ip)
    for key, limit in zip(keys, limits, strict=True):
        await ratelimit.hit(session, key, limit=limit, window=lockout, block=lockout)


async def change_own_password(
    session: AsyncSession, actor: Actor, current_password: str, new_password: str
) -> None:
    """Check the current password under the same throttling as logins (per account and per
    address: a stolen access token cannot guess it without limit), then set the new one."""
    manager = actor.manager
    keys = (f"password:account:{manager.id}", f"password:ip:{actor.ip}")
    wait = await ratelimit.blocked_for(session, list(keys))
    if wait:
        security_log.warning(
            "password change throttled",
            extra={"event": "password_throttled", "manager_id": manager.id, "ip": actor.ip},
        )
        raise PasswordChangeThrottled(retry_after=wait)
    if not await asyncio.to_thread(verify_password, current_password, manager.password_hash):
        await _count_failure(session, keys)
        security_log.warning(
            "password change failed",
            extra={"event": "password_change_failed", "manager_id": manager.id, "ip": actor.ip},
        )
        raise WrongCurrentPassword()  # keeps the count
    await ratelimit.reset(session, keys[0])
    await set_password(session, manager, new_password)
    security_log.info(
        "password changed",
        extra={"event": "password_changed", "manager_id": manager.id},
    )


async def login(
    session: AsyncSession, email: str, password: str, *, ip: str, user_agent: str
) -> IssuedTokens:
    """Check credentials under per-account and per-IP throttling; open a session."""
    settings = get_settings()
    account_key = f"login:account:{normalize_email(email)[:250]}"
    ip_key = f"login:ip:{ip}"
    wait = await ratelimit.blocked_for(session, [account_key, ip_key])
    if wait:
        security_log.warning(
            "login throttled",
            extra={"event": "login_throttled", "ip": ip},
        )
        LOGIN_THROTTLED.inc()  # a refusal that writes nothing: there is no commit to wait for
        raise LoginThrottled(retry_after=wait)

    manager = await get_by_email(session, email)
    if manager is None:
        await asyncio.to_thread(burn_password_check)
        ok = False
    else:
        ok = await asyncio.to_thread(verify_password, password, manager.password_hash)
    if not ok or manager is None or not manager.is_active:
        await _count_failure(session, (account_key, ip_key))
        count_on_commit(session, LOGIN_FAILURES)  # the refusal commits the count
        security_log.warning(
            "login failed",
            extra={"event": "login_failed", "ip": ip, "known": manager is not None},
        )
        raise InvalidCredentials()

    await ratelimit.reset(session, account_key)
    now = datetime.now(UTC)
    auth_session = AuthSession(
        id=uuid.uuid4(),
        manager_id=manager.id,
        expires_at=now + timedelta(hours=settings.manager_refresh_session_hours),
        ip=ip,
        user_agent=user_agent,
    )
    session.add(auth_session)
    await session.flush()
    security_log.info(
        "login",
        extra={"event": "login", "manager_id": manager.id, "ip": ip},
    )
    return await _issue(session, manager, auth_session, now)


async def _issue(
    session: AsyncSession,
    manager: Manager,
    auth_session: AuthSession,
    now: datetime,
    current: RefreshToken | None = None,
) -> IssuedTokens:
    """A new access token, and a new refresh token in the family (or, given the family's
    `current` one, that one again)."""
    settings = get_settings()
    ttl = timedelta(minutes=settings.manager_access_token_expire_minutes)
    # An access token never outlives its session.
    ttl = min(ttl, auth_session.expires_at - now)
    access, _ = create_jwt(
        settings.manager_jwt_secret,
        subject=str(manager.id),
        token_type=ACCESS,
        ttl=ttl,
        now=now,
        sid=str(auth_session.id),
    )
    if current is None:
        jti = uuid.uuid4().hex
        refresh, refresh_exp = _refresh_jwt(manager, auth_session, jti, now)
        session.add(RefreshToken(jti=jti, session_id=auth_session.id, issued_at=now))
        await session.flush()
    else:
        # The family's live token, minted again from what the row keeps (its id and issue
        # time): the same claims under the same key, so the same token the cookie holds.
        refresh, refresh_exp = _refresh_jwt(manager, auth_session, current.jti, current.issued_at)
    return IssuedTokens(access, int(ttl.total_seconds()), refresh, refresh_exp, manager)


def _refresh_jwt(
    manager: Manager, auth_session: AuthSession, jti: str, issued_at: datetime
) -> tuple[str, datetime]:
    return create_jwt(
        get_settings().manager_jwt_secret,
        subject=str(manager.id),
        token_type=REFRESH,
        ttl=auth_session.expires_at - issued_at,
        now=issued_at,
        sid=str(auth_session.id),
        jti=jti,
    )


async def refresh(session: AsyncSession, token: str | None) -> IssuedTokens:
    """Rotate a refresh token. One rotated less than `REFRESH_REUSE_GRACE_SECONDS` ago (its
    answer lost on the way, or two tabs refreshing at once) gets the family's current token
    back; presented later it is reuse, and revokes the whole family."""
    settings = get_settings()
    if not token:
        raise SessionExpired()
    try:
        claims = decode_jwt(settings.manager_jwt_secret, token, token_type=REFRESH)
        session_id = uuid.UUID(str(claims["sid"]))
        jti = str(claims["jti"])
    except (TokenError, KeyError, ValueError) as exc:
        raise SessionExpired() from exc

    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.jti == jti).with_for_update()
    )
    auth_session = await session.get(AuthSession, session_id, with_for_update=True)
    now = datetime.now(UTC)
    if row is None or auth_session is None or row.session_id != auth_session.id:
        raise SessionExpired()
    if auth_session.revoked_at is not None or auth_session.expires_at <= now:
        raise SessionExpired()
    current: RefreshToken | None = None
    if row.used_at is not None:
        # Both locks are held: a parallel rotation of this family has committed or waits.
        age = (now - row.used_at).total_seconds()
        if age < settings.refresh_reuse_grace_seconds:
            current = await session.scalar(
                select(RefreshToken)
                .where(RefreshToken.session_id == auth_session.id, RefreshToken.used_at.is_(None))
                .order_by(RefreshToken.issued_at.desc())
                .limit(1)
            )
        if current is None:
            auth_session.revoked_at = now
            auth_session.revoked_reason = "refresh_reuse"
            security_log.warning(
                "refresh token reuse: session revoked",
                extra={
                    "event": "refresh_reuse",
                    "manager_id": auth_session.manager_id,
                    "rotated_seconds_ago": round(age, 1),
                },
            )
            raise RefreshReused()  # keeps the revocation
        security_log.info(
            "rotated refresh token within the grace period: answered with the current one",
            extra={
                "event": "refresh_grace",
                "manager_id": auth_session.manager_id,
                "rotated_seconds_ago": round(age, 1),
            },
        )
    manager = await session.get(Manager, auth_session.manager_id)
    if manager is None or not manager.is_active:
        raise SessionExpired()
    if current is None:
        row.used_at = now
    return await _issue(session, manager, auth_session, now, current)


async def logout(session: AsyncSession, token: str | None) -> None:
    if not token:
        return
    try:
        claims = decode_jwt(get_settings().manager_jwt_secret, token, token_type=REFRESH)
        session_id = uuid.UUID(str(claims["sid"]))
    except (TokenError, KeyError, ValueError):
        return
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=func.now(), revoked_reason="logout")
    )


# What makes an access token's manager (`manager_id`, `session_id` from `access_claims`) a
# live one: the account active and the session neither revoked nor past its cap (an access
# token never outlives its session, even one issued with a longer `exp`). Built once:
# constructing the statement on every request cost more than running it.
_LIVE_MANAGER_SELECT = (
    select(Manager)
    .join(AuthSession, AuthSession.manager_id == Manager.id)
    .where(
        Manager.id == bindparam("manager_id"),
        Manager.is_active.is_(True),
        AuthSession.id == bindparam("session_id"),
        AuthSession.revoked_at.is_(None),
        # The caller's clock, as everywhere else in auth (tokens, refresh), not the database's.
        AuthSession.expires_at > bindparam("now", type_=DateTime(timezone=True)),
    )
)
# The same for the read paths on psycopg (auth/deps.py `LiveReader`).
LIVE_MANAGER = RawSelect(_LIVE_MANAGER_SELECT, "manager_id", "session_id", "now")


# Access tokens already verified, by (secret, token): (manager id, session id, exp). A token
# is used for many requests in its lifetime and checking its signature and claims on each one
# cost more than the database query. Only the decoding is cached: whether the session is still
# live and the account active is asked of the database on every request, and an entry is not
# used past the token's `exp`. Bounded: emptied when full.
_VERIFIED: dict[tuple[str, str], tuple[int, uuid.UUID, float]] = {}
_VERIFIED_MAX = 4096


def access_claims(token: str) -> tuple[int, uuid.UUID]:
    secret = get_settings().manager_jwt_secret
    hit = _VERIFIED.get((secret, token))
    if hit is not None and time.time() < hit[2]:
        return hit[0], hit[1]
    try:
        claims = decode_jwt(secret, token, token_type=ACCESS)
        manager_id = int(claims["sub"])
        session_id = uuid.UUID(str(claims["sid"]))
        exp = float(claims["exp"])
    except (TokenError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken() from exc
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(secret, token)] = (manager_id, session_id, exp)
    return manager_id, session_id


async def authenticate(session: AsyncSession, token: str) -> Manager:
    """The manager behind a live access token (its session not revoked nor past its cap, the
    account active)."""
    manager_id, session_id = access_claims(token)
    manager = await session.scalar(
        _LIVE_MANAGER_SELECT,
        {"manager_id": manager_id, "session_id": session_id, "now": datetime.now(UTC)},
    )
    if manager is None:
        raise SessionRevoked()
    return manager
