"""The app as it signed before the seal (issue 14): the evidence page appended, no seal made,
neither in the request nor after it. Only for `contracts_bench --compare-unsealed`, so that
one run measures confirm with and without the seal on the same machine at the same load."""

from __future__ import annotations

from fastapi import FastAPI
from privet_manager.contracts import sealing
from privet_manager.main import create_app as create_sealed_app


def no_seal(*_: object) -> None:
    """Neither the background seal after the commit nor the sweeps."""


async def no_sweep() -> None:
    return None


def create_app() -> FastAPI:
    sealing.seal_after_commit = no_seal  # type: ignore[assignment]
    sealing.run_forever = no_sweep
    return create_sealed_app()
