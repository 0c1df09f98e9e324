"""What the tariffs domain refuses, each code written once."""

from __future__ import annotations

from privet_manager.kit.errors import Conflict, NotFound


class TariffNotFound(NotFound):
    code = "tariff_not_found"
    detail = "Тариф не найден"


class TariffExists(Conflict):
    code = "tariff_exists"
    detail = "Тариф с таким кодом уже есть"
    default_loc = ("body", "code")


class NoDevices(Conflict):
    code = "no_devices"
    detail = "Добавьте хотя бы одно устройство"
    default_loc = ("body", "tariff_code")


class TariffLocked(Conflict):
    code = "contract_signed"
    detail = "Договор уже подписан, тариф изменить нельзя"
