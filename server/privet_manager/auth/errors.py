"""What auth refuses, each code written once."""

from __future__ import annotations

from privet_manager.kit.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    """A wrong email or password: the failure is counted (kept when the request fails)."""

    code = "invalid_credentials"
    detail = "Неверный email или пароль"
    keeps_writes = True


class LoginThrottled(TooManyRequests):
    code = "too_many_requests"
    detail = "Слишком много неудачных попыток входа, попробуйте позже"


class PasswordChangeThrottled(TooManyRequests):
    code = "too_many_requests"
    detail = "Слишком много неверных паролей, попробуйте позже"


class WrongCurrentPassword(Unauthorized):
    code = "invalid_credentials"
    detail = "Текущий пароль неверен"
    keeps_writes = True


class SessionExpired(Unauthorized):
    code = "session_expired"
    detail = "Сессия истекла, войдите снова"


class SessionRevoked(Unauthorized):
    code = "session_revoked"
    detail = "Сессия завершена, войдите снова"


class RefreshReused(Unauthorized):
    """A refresh token presented twice: its whole family is revoked, and that must stay."""

    code = "session_revoked"
    detail = "Сессия отозвана, войдите снова"
    keeps_writes = True


class InvalidToken(Unauthorized):
    code = "invalid_token"
    detail = "Недействительный или просроченный токен"


class AdminOnly(Forbidden):
    code = "admin_only"
    detail = "Доступно только администратору"


class EmailTaken(Conflict):
    code = "email_taken"
    detail = "Менеджер с таким email уже есть"
    default_loc = ("body", "email")


class ManagerNotFound(NotFound):
    code = "not_found"
    detail = "Менеджер не найден"
