"""The seal, made right after the signing commits (issue 14: confirm's 60 ms target).

Confirmation stores the signed copy (the original plus the evidence page) unsealed, binds its
hash into the evidence HMAC, sets `seal_pending` and answers. When its transaction commits,
`seal_after_commit` starts a task of this process that seals that copy in a worker process
(`SEAL_WORKERS`, a `ProcessPoolExecutor` made with the first seal: the CMS encoding is pure
Python and would hold the API process's GIL for ~50 ms) and records the result:

- the sealed copy is the signed copy plus one incremental update (the PAdES seal, with the
  TSA's timestamp when it answers); it is stored under a key of its own that names its hash,
  so two sealers never overwrite each other's object;
- one transaction locks the contract row (`FOR UPDATE`; the background task and the sweeps
  `SKIP LOCKED`, so replicas never seal the same contract at once) for the seal, and writes
  it with a conditional UPDATE (still pending, same signed copy): whatever races, one sealed
  copy is recorded; a loser deletes its object;
- the client's activity chain gets `contract.sealed` (after the head the evidence bound and
  the `contract.signed` entry that follows it, which verification requires; later entries are
  what the chain is for).

Nothing stays unsealed: `sweep` seals what is still pending (the process died between the
commit and the seal, the store was down), at start-up and every `SEAL_SWEEP_SECONDS` in each
replica (`run_forever`), and `privet-manager seal-pending` does it from the CLI. A download
or a dispute pack asked for while the seal is pending seals first (`ensure_sealed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from privet_manager.activity import service as activity
from privet_manager.contracts.models import Contract, ContractStatus
from privet_manager.kit.clock import moscow_time
from privet_manager.kit.db import transaction
from privet_manager.kit.logging import security_log
from privet_manager.kit.security import constant_time_equals, sha256_hex
from privet_manager.kit.storage import get_storage
from privet_manager.seal import SealedPdf, SealStamp, seal_in_worker, worker_init
from privet_manager.settings import Settings, get_settings

log = logging.getLogger("privet_manager.contracts")

SEALED_ACTION = "contract.sealed"
# Left to the task of the process that signed them by the periodic sweeps of the others.
FRESH = timedelta(seconds=30)

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
# Background seals of this process, by contract id.
_inflight: dict[int, asyncio.Task[bool]] = {}
# While `held()` is open: the contracts whose background seal waits (tests).
_held: list[int] | None = None
_AFTER_COMMIT = "privet_manager.seal_after_commit"


def sealed_key(contract: Contract, digest: str) -> str:
    base = (contract.signed_pdf_key or contract.pdf_key).removesuffix(".pdf")
    return f"{base}-sealed-{digest[:16]}.pdf"


# ---- the worker processes ----------------------------------------------------------------------


def _executor(settings: Settings) -> ProcessPoolExecutor | None:
    global _pool
    if settings.seal_workers == 0:
        return None
    with _pool_lock:
        if _pool is None:
            # spawn: a fork of a running server (its event loop, threads, connections) is
            # not a safe start for a worker.
            _pool = ProcessPoolExecutor(
                max_workers=settings.seal_workers,
                mp_context=multiprocessing.get_context("spawn"),
                # JSON log lines (a TSA that failed), and a lower CPU priority than the API's.
                initializer=worker_init,
                initargs=(settings.log_level,),
            )
        return _pool


def shutdown_pool() -> None:
    """Stop the worker processes (the lifespan's end); the next seal starts new ones."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


async def make_seal(pdf: bytes, stamp: SealStamp, *, pool: bool = True) -> SealedPdf:
    """`pdf` sealed in a worker process (`pool`, unless SEAL_WORKERS=0), else in a thread."""
    global _pool
    settings = get_settings()
    executor = _executor(settings) if pool else None
    if executor is not None:
        try:
            return await asyncio.get_running_loop().run_in_executor(
                executor, seal_in_worker, settings, pdf, stamp
            )
        except BrokenProcessPool:  # a worker was killed: a new pool for the next seal
            log.warning("seal worker died; sealing this one in a thread")
            with _pool_lock:
                if _pool is executor:
                    _pool = None
    return await asyncio.to_thread(seal_in_worker, settings, pdf, stamp)


# ---- sealing one contract ----------------------------------------------------------------------


def _pending() -> ColumnElement[bool]:
    return and_(Contract.seal_pending.is_(True), Contract.status == ContractStatus.signed)


async def _seal_locked(session: AsyncSession, contract: Contract, *, pool: bool = True) -> bool:
    """Seal `contract` (pending, its row locked by the caller's transaction) and record it.
    False when nothing was recorded: the signed copy is missing or changed (it is never
    sealed then: verification names it), or another sealer recorded its copy first."""
    storage = get_storage()
    try:
        signed = await storage.get(contract.signed_pdf_key or "")
    except (KeyError, ValueError):  # absent, or no key at all
        signed = b""
    if not constant_time_equals(sha256_hex(signed), contract.signed_pdf_sha256 or ""):
        security_log.error(
            "signed copy missing or changed before its seal", extra={"contract_id": contract.id}
        )
        return False
    assert contract.signed_at is not None
    stamp = SealStamp(get_settings().company_name, contract.number, moscow_time(contract.signed_at))
    made = await make_seal(signed, stamp, pool=pool)
    digest = sha256_hex(made.data)
    key = sealed_key(contract, digest)
    await storage.put(key, made.data, "application/pdf")
    won = await session.scalar(
        update(Contract)
        .where(
            Contract.id == contract.id,
            Contract.seal_pending.is_(True),
            Contract.signed_pdf_sha256 == contract.signed_pdf_sha256,
        )
        .values(
            sealed=True,
            seal_pending=False,
            sealed_pdf_key=key,
            sealed_pdf_sha256=digest,
            timestamped=made.timestamped,
        )
        .returning(Contract.id)
        .execution_options(synchronize_session=False)
    )
    if won is None:
        await storage.delete(key)  # the copy another sealer recorded is the one
        return False
    await activity.record(
        session,
        contract.client_id,
        SEALED_ACTION,
        None,
        {
            "contract_id": contract.id,
            "number": contract.number,
            "signed_pdf_sha256": contract.signed_pdf_sha256,
            "sealed_pdf_sha256": digest,
            "timestamped": made.timestamped,
        },
    )
    log.info("contract sealed", extra={"contract_id": contract.id})
    return True


async def seal_one(contract_id: int, *, wait: bool = False, pool: bool = True) -> bool:
    """Seal this contract if it still waits for its seal, in a transaction of its own. A row
    another sealer holds is skipped, unless `wait` (then that sealer's result is found)."""
    async with transaction() as session:
        contract = await session.scalar(
            select(Contract)
            .where(Contract.id == contract_id, _pending())
            .with_for_update(skip_locked=not wait)
        )
        if contract is None:
            return False
        return await _seal_locked(session, contract, pool=pool)


async def ensure_sealed(session: AsyncSession, contract: Contract) -> None:
    """Before handing the signed copy out: a contract whose seal is pending is sealed now
    (the background seal of this process awaited, else made here) and `contract` re-read;
    if that failed it is still pending (the caller refuses, or says so). Call it before the
    request's transaction locks anything the seal needs (the chain)."""
    if not contract.seal_pending:
        return
    task = _inflight.get(contract.id)
    if task is not None:
        with contextlib.suppress(Exception):
            await asyncio.shield(task)
    try:
        await seal_one(contract.id, wait=True)
    except Exception:  # the store or the seal failed: the caller sees it still pending
        log.exception("sealing before a download failed", extra={"contract_id": contract.id})
    await session.refresh(contract)


# ---- after the signing commits -----------------------------------------------------------------


def seal_after_commit(session: AsyncSession, contract_id: int) -> None:
    """Seal this contract in the background once the session's transaction commits."""
    session.sync_session.info.setdefault(_AFTER_COMMIT, []).append(contract_id)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for contract_id in session.info.pop(_AFTER_COMMIT, ()):
        if _held is not None:
            _held.append(contract_id)
        else:
            start(contract_id)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def start(contract_id: int) -> None:
    """The background seal of this contract, unless one is running already."""
    if contract_id in _inflight:
        return
    task = asyncio.get_running_loop().create_task(
        _background(contract_id), name=f"seal-{contract_id}"
    )
    _inflight[contract_id] = task

    def done(t: asyncio.Task[bool]) -> None:
        if _inflight.get(contract_id) is t:
            del _inflight[contract_id]

    task.add_done_callback(done)


async def _background(contract_id: int) -> bool:
    try:
        return await seal_one(contract_id)
    except Exception:  # the store or the database is down: the sweep tries again
        log.exception("background seal failed", extra={"contract_id": contract_id})
        return False


@contextlib.contextmanager
def held() -> Iterator[list[int]]:
    """Background seals wait while this is open (the contract ids are collected), and start
    when it closes: tests see the state between the signing and the seal."""
    global _held
    waiting: list[int] = []
    _held = waiting
    try:
        yield waiting
    finally:
        _held = None
        for contract_id in waiting:
            start(contract_id)


async def settle() -> None:
    """Wait for this process's background seals (tests, the bench, shutdown)."""
    while _inflight:
        await asyncio.gather(*list(_inflight.values()), return_exceptions=True)


# ---- the sweeps --------------------------------------------------------------------------------


@dataclass
class SweepRun:
    sealed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


async def sweep(
    *, limit: int = 100, older_than: timedelta = timedelta(0), pool: bool = True
) -> SweepRun:
    """Seal up to `limit` signed contracts still pending (oldest first), each in its own
    transaction with its row locked: rows another sealer holds are skipped, and so are this
    process's background seals and contracts signed less than `older_than` ago."""
    run = SweepRun()
    tried: set[int] = set()
    cutoff = datetime.now(UTC) - older_than
    for _ in range(limit):
        number = None
        try:
            async with transaction() as session:
                contract = await session.scalar(
                    select(Contract)
                    .where(
                        _pending(),
                        Contract.signed_at <= cutoff,
                        Contract.id.not_in(tried | set(_inflight)),
                    )
                    .order_by(Contract.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if contract is None:
                    break
                tried.add(contract.id)
                number = contract.number
                ok = await _seal_locked(session, contract, pool=pool)
        except Exception:
            if number is None:
                raise
            log.exception("sealing failed", extra={"contract_number": number})
            ok = False
        (run.sealed if ok else run.failed).append(number)
    return run


async def run_forever() -> None:
    """The lifespan's task: a sweep at start-up, then every SEAL_SWEEP_SECONDS."""
    older_than = timedelta(0)
    while True:
        try:
            run = await sweep(older_than=older_than)
            if run.sealed or run.failed:
                log.info("seal sweep", extra={"sealed": len(run.sealed), "failed": len(run.failed)})
        except Exception:
            log.exception("seal sweep failed")
        older_than = FRESH
        await asyncio.sleep(get_settings().seal_sweep_seconds)
