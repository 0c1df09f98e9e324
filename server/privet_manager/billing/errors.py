"""What billing refuses, each code written once."""

from __future__ import annotations

from privet_manager.kit.errors import Conflict, Unprocessable


class AlreadyProcessed(Conflict):
    code = "already_processed"
    detail = "Клиент уже оформлен"


class ContractNotSigned(Conflict):
    code = "contract_not_signed"
    detail = "Сначала подпишите договор"


class NoSurcharge(Conflict):
    code = "no_surcharge"
    detail = "Доплаты по договору нет"


class AlreadySettled(Conflict):
    code = "already_settled"
    detail = "Доплата по договору уже оформлена"


class AmountMismatch(Unprocessable):
    code = "amount_mismatch"
    default_loc = ("body", "amount")
