"""What public verification refuses, each code written once."""

from __future__ import annotations

from privet_manager.kit.errors import NotFound, TooManyRequests


class UnknownContract(NotFound):
    """No contract has this number. The lookup stays counted: guessing numbers costs the
    same allowance as checking real ones."""

    code = "contract_not_found"
    detail = "Договор с таким номером не найден"
    keeps_writes = True


class PublicThrottled(TooManyRequests):
    code = "too_many_requests"
    detail = "Слишком много проверок с этого адреса, повторите позже"
