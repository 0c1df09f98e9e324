"""Run Alembic programmatically (the CLI, `serve` on the embedded database, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    ini = ROOT / "alembic.ini"
    if ini.exists():
        cfg = Config(str(ini))
    else:  # installed without the source tree (the Docker image keeps the layout)
        cfg = Config()
        cfg.set_main_option("script_location", str(ROOT / "server" / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def stamp(database_url: str, revision: str) -> None:
    command.stamp(alembic_config(database_url), revision)
