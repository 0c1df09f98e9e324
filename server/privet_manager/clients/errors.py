"""What the clients domain refuses, each code written once."""

from __future__ import annotations

from privet_manager.kit.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unprocessable,
)


class ClientNotFound(NotFound):
    code = "client_not_found"
    detail = "Клиент не найден"


class ClientNotClaimed(Forbidden):
    code = "client_not_claimed"
    detail = "Сначала возьмите клиента в работу"


class ClientNotYours(Forbidden):
    code = "client_not_yours"
    detail = "Клиента ведёт другой менеджер"


class ClientLocked(Conflict):
    code = "client_locked"
    detail = "Договор уже подписан: данные клиента изменить нельзя"


class VersionConflict(Conflict):
    code = "version_conflict"
    detail = "Данные клиента изменились, пока вы их редактировали. Обновите страницу и повторите"
    default_loc = ("body", "version")


class AlreadyClaimed(Conflict):
    code = "client_already_claimed"

    def __init__(self, holder_id: int, holder_name: str) -> None:
        super().__init__(
            f"Клиента уже ведёт {holder_name}",
            extra={"holder": {"id": holder_id, "name": holder_name}},
        )


class RequiredField(Unprocessable):
    detail = "Обязательное поле"

    def __init__(self, field: str) -> None:
        super().__init__(loc=("body", field))


class PassportKeyMissing(ServiceUnavailable):
    code = "passport_key_missing"
    detail = "Паспортные данные не удаётся расшифровать: проверьте ключи шифрования"


class BadCursor(Unprocessable):
    code = "bad_cursor"
    detail = "Неверный курсор страницы"
    default_loc = ("query", "cursor")
