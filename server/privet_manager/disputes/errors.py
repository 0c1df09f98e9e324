"""What the dispute pack refuses."""

from __future__ import annotations

from privet_manager.kit.errors import AppError


class PackIncomplete(AppError):
    """A file the pack must hold is gone from storage: the contract's evidence is damaged,
    and a pack without it would hide that."""

    status = 409
    code = "dispute_pack_incomplete"
    detail = "Не удалось собрать пакет доказательств: в хранилище нет файла договора"
