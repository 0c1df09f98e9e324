"""What the contract domain refuses, each code written once."""

from __future__ import annotations

from privet_manager.kit.errors import (
    AppError,
    Conflict,
    NotFound,
    ServiceUnavailable,
    Unprocessable,
)


class ContractSigned(Conflict):
    code = "contract_signed"
    detail = "Договор уже подписан"


class ContractLocked(Conflict):
    code = "contract_locked"
    detail = "Договор заблокирован после пяти неверных кодов: сформируйте его заново"


class ContractVoid(Conflict):
    code = "contract_void"
    detail = "Договор заменён новым: введите новый код"


class ContractDataChanged(Conflict):
    """The data the contract states changed after generation: its code died with it."""

    code = "contract_data_changed"
    detail = "Данные клиента изменились: сформируйте договор заново"


class NoPendingContract(Conflict):
    code = "no_pending_contract"
    detail = "Нет договора, ожидающего подписи"


class NoContract(NotFound):
    code = "no_contract"
    detail = "Договор ещё не сформирован"


class NoSignedContract(NotFound):
    code = "no_signed_contract"
    detail = "Подписанного договора нет"


class StepsIncomplete(Conflict):
    """Generation before steps 1-4 are done; `errors` names each missing step."""

    code = "steps_incomplete"
    detail = "Не все шаги оформления завершены"


class ClientUnderage(Unprocessable):
    code = "client_underage"
    detail = "Клиенту нет 18 лет: договор может подписать только совершеннолетний"
    default_loc = ("passport", "birth_date")


class OtpCodeRefused(Unprocessable):
    """A wrong or expired code: counted, and the count is kept (kit/db.py `get_session`)."""

    code = "otp_invalid"
    default_loc = ("body", "code")
    keeps_writes = True


class OtpExpired(OtpCodeRefused):
    code = "otp_expired"
    detail = "Срок действия кода истёк: отправьте новый код"


class ContractLockedNow(ContractLocked):
    """The wrong code that locked the contract: the lock is kept."""

    keeps_writes = True


class OtpConsumed(Conflict):
    code = "otp_invalid"
    detail = "Код уже использован или заменён новым"


class PdfTampered(AppError):
    status = 409
    code = "pdf_tampered"
    detail = "Файл договора в хранилище изменён: сформируйте договор заново"


class TemplateBroken(AppError):
    status = 503
    code = "contract_template_error"
    detail = "Шаблон договора содержит ошибку: обратитесь к администратору"


class SealNotReady(ServiceUnavailable):
    """The signed copy could not be sealed now (the store is down, or the stored copy no
    longer matches its hash: verify-contract says which); the unsealed copy is not handed out."""

    code = "seal_not_ready"
    detail = "Печать организации на договоре ещё не готова, повторите через минуту"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "60"})
