"""The `privet-manager` command."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from privet_manager.settings import get_settings

if TYPE_CHECKING:
    from privet_manager.contracts.sealing import SweepRun

app = typer.Typer(help="Privet Manager: API server and operator tools.", no_args_is_help=True)
T = TypeVar("T")


def run_in_session(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `fn` in one committed transaction against the configured database."""
    from privet_manager.kit.db import close_database, init_database, transaction

    async def main() -> T:
        init_database(get_settings())
        try:
            async with transaction() as session:
                return await fn(session)
        finally:
            await close_database()

    return asyncio.run(main())


def refuse_demo_in_production(what: str) -> None:
    """Demo data has published passwords (admin@privet.demo): never in production."""
    if get_settings().environment == "production":
        typer.echo(
            f"error: {what} creates demo logins with published passwords and refuses to run "
            "with ENVIRONMENT=production; create real managers with `create-manager`",
            err=True,
        )
        raise typer.Exit(2)


def database_url() -> str:
    from privet_manager.kit.db import resolve_database_url

    return resolve_database_url(get_settings())


@app.command()
def migrate(revision: str = "head") -> None:
    """Apply the migrations (Alembic, version table privet_manager_alembic_version)."""
    from privet_manager import migrate as m

    m.upgrade(database_url(), revision)
    typer.echo(f"migrated to {revision}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: PORT")] = None,
    demo: Annotated[bool, typer.Option(help="create demo data on first start")] = False,
    workers: int = 1,
) -> None:
    """Serve the API and the SPA. With the embedded database, migrate first."""
    import uvicorn

    settings = get_settings()
    if demo:
        refuse_demo_in_production("serve --demo")
    settings.check_production()
    if settings.embedded_database or demo:
        migrate()
    if demo:
        seed_demo(clients=30)
    uvicorn.run(
        "privet_manager.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        proxy_headers=False,  # the client IP is decided by TRUSTED_PROXIES, not uvicorn
        server_header=False,
        # Open live-update streams never end by themselves: do not wait for them forever.
        timeout_graceful_shutdown=10,
    )


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\n")


@app.command("create-manager")
def create_manager(
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="manager or admin")] = "manager",
) -> None:
    """Create a manager; the password is read from a prompt or stdin, never an argument."""
    from privet_manager.auth import service
    from privet_manager.auth.models import Role
    from privet_manager.kit.errors import AppError

    if role not in frozenset(Role):
        raise typer.BadParameter("role must be manager or admin")
    password = _read_password()

    async def go(session: AsyncSession) -> int:
        manager = await service.create_manager(
            session, email=email, name=name, password=password, role=Role(role)
        )
        return manager.id

    try:
        manager_id = run_in_session(go)
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"created {role} #{manager_id} {email}")


@app.command("backfill-clients")
def backfill_clients_cmd() -> None:
    """Create a client card for every Привет Супер user that has none."""
    from privet_manager.clients.backfill import backfill_clients

    created, refreshed = run_in_session(backfill_clients)
    typer.echo(f"created {created} client rows, refreshed {refreshed}")


@app.command("seed-demo")
def seed_demo(clients: Annotated[int, typer.Option(min=0, max=100_000)] = 30) -> None:
    """Demo admin and manager, tariffs and clients with support tickets; prints the logins."""
    from privet_manager.demo import seed_demo as seed

    refuse_demo_in_production("seed-demo")
    result = run_in_session(lambda s: seed(s, clients=clients))
    typer.echo("Demo logins:")
    for role, email, password in result.logins:
        typer.echo(f"  {role:8} {email}  password: {password}")


@app.command()
def backup(
    keep: Annotated[int, typer.Option(min=1, help="backups to keep")] = 14,
    list_: Annotated[bool, typer.Option("--list", help="only list the stored backups")] = False,
) -> None:
    """pg_dump the database into the object store (backups/), keeping the newest --keep."""
    from privet_manager.ops.commands import run_backup

    try:
        lines = run_backup(get_settings(), keep=keep, list_only=list_)
    except Exception as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in lines:
        typer.echo(line)


@app.command()
def restore(
    name: Annotated[str, typer.Argument(help="privet-manager-YYYYmmddTHHMMSSZ.dump")],
    target_url: Annotated[
        str | None, typer.Option(help="database to restore into (default: DATABASE_URL)")
    ] = None,
    force: Annotated[bool, typer.Option(help="restore into a non-empty database")] = False,
) -> None:
    """Restore a backup from the object store into an empty database."""
    from privet_manager.ops.commands import run_restore

    try:
        lines = run_restore(get_settings(), name, target_url, force)
    except Exception as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in lines:
        typer.echo(line)


@app.command("rotate-passport-key")
def rotate_passport_key(
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
) -> None:
    """Re-encrypt passports under the first key of PASSPORT_ENCRYPTION_KEY, without downtime."""
    from privet_manager.ops.commands import run_rotate

    try:
        lines = run_rotate(get_settings(), batch_size)
    except Exception as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in lines:
        typer.echo(line)


@app.command()
def cleanup() -> None:
    """Delete expired idempotency keys, stale login counters and sessions ended 30+ days ago."""
    from privet_manager.ops.cleanup import cleanup as run_cleanup

    result = run_in_session(run_cleanup)
    typer.echo(
        f"deleted {result.idempotency_keys} idempotency keys, {result.rate_limits} login "
        f"counters, {result.auth_sessions} ended sessions"
    )


@app.command("add-timestamps")
def add_timestamps_cmd(
    limit: Annotated[int, typer.Option(help="at most this many contracts per run")] = 500,
) -> None:
    """Add a document timestamp (TSA_URL) to signed contracts sealed without one."""
    import privet_manager.models  # noqa: F401  (every table: the contract's foreign keys)
    from privet_manager.contracts.timestamps import add_timestamps
    from privet_manager.kit.storage import init_storage

    settings = get_settings()
    if not settings.tsa_url:
        typer.echo("error: TSA_URL is not set", err=True)
        raise typer.Exit(2)
    init_storage(settings)
    # Off the signing path: a slow TSA may take longer than TSA_TIMEOUT_SECONDS here.
    timeout = max(10.0, settings.tsa_timeout_seconds)
    run = run_in_session(
        lambda s: add_timestamps(s, settings.tsa_url, timeout_seconds=timeout, limit=limit)
    )
    for number in run.added:
        typer.echo(f"  {number:20} timestamped")
    for number, why in run.failed.items():
        typer.echo(f"  {number:20} failed: {why}")
    typer.echo(f"{len(run.added)} timestamped, {len(run.failed)} failed")
    if run.failed:
        raise typer.Exit(1)


@app.command("seal-pending")
def seal_pending_cmd(
    limit: Annotated[int, typer.Option(help="at most this many contracts per run")] = 500,
) -> None:
    """Seal signed contracts whose seal is still pending (the API seals right after signing;
    this catches what a stopped process left). Safe beside running replicas."""
    import privet_manager.models  # noqa: F401  (every table: the contract's foreign keys)
    from privet_manager.contracts.sealing import sweep
    from privet_manager.kit.db import close_database, init_database
    from privet_manager.kit.storage import init_storage

    settings = get_settings()
    init_storage(settings)

    async def main() -> SweepRun:
        init_database(settings)
        try:
            return await sweep(limit=limit, pool=False)  # one process: no worker to start
        finally:
            await close_database()

    run = asyncio.run(main())
    for number in run.sealed:
        typer.echo(f"  {number:20} sealed")
    for number in run.failed:
        typer.echo(f"  {number:20} failed (see the log)")
    typer.echo(f"{len(run.sealed)} sealed, {len(run.failed)} failed")
    if run.failed:
        raise typer.Exit(1)


@app.command("verify-contract")
def verify_contract_cmd(number: str) -> None:
    """Re-hash a signed contract's PDFs, recompute its HMAC and check the activity chain."""
    from privet_manager.contracts.verify import verify_number
    from privet_manager.kit.storage import init_storage

    init_storage(get_settings())
    result = run_in_session(lambda s: verify_number(s, number))
    if result is None:
        typer.echo(f"contract {number} not found", err=True)
        raise typer.Exit(2)
    for check, outcome in result.checks.items():
        typer.echo(f"  {check:16} {outcome}")
    typer.echo(f"{number}: {'VALID' if result.valid else 'INVALID'} ({result.status})")
    if not result.valid:
        raise typer.Exit(1)


@app.command("dispute-pack")
def dispute_pack_cmd(
    number: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="the ZIP to write")],
) -> None:
    """Write a signed contract's dispute pack (ZIP); the download is recorded in the client's
    activity chain."""
    import privet_manager.models  # noqa: F401 - every table, so the foreign keys resolve
    from privet_manager.contracts import repository
    from privet_manager.contracts.models import ContractStatus
    from privet_manager.disputes.service import build
    from privet_manager.kit.errors import AppError
    from privet_manager.kit.storage import init_storage

    init_storage(get_settings())

    async def go(session: AsyncSession) -> bytes | None:
        contract = await repository.by_number(session, number)
        if contract is None or contract.status != ContractStatus.signed:
            return None
        return (await build(session, contract, None)).data

    try:
        data = run_in_session(go)
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    if data is None:
        typer.echo(f"no signed contract {number}", err=True)
        raise typer.Exit(2)
    output.write_bytes(data)
    typer.echo(f"wrote {output} ({len(data)} bytes)")


@app.command("verify-pack")
def verify_pack_cmd(
    pack: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Check a dispute pack offline (no database): sums, PDF and photo hashes, evidence, the
    activity chain's links, the chat excerpt; the HMACs when CONTRACT_SIGNATURE_SECRET is
    set. Exit 0 only when everything it could check holds."""
    import privet_manager.models  # noqa: F401 - every table, so the foreign keys resolve
    from privet_manager.disputes.verify import Keys, verify_pack

    result = verify_pack(pack.read_bytes(), Keys.from_settings(get_settings()))
    for check in result.checks:
        typer.echo(f"  {check.line()}")
    if result.valid:
        typer.echo(f"{pack.name}: VALID (everything checked holds)")
        return
    typer.echo(f"{pack.name}: INVALID (failed: {', '.join(result.failed)})")
    raise typer.Exit(1)
