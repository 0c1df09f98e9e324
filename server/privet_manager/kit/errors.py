"""One error hierarchy and the handlers that write RFC 9457 problem+json."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from privet_manager.kit.storage.base import StorageUnavailable

log = logging.getLogger("privet_manager.errors")

PROBLEM_JSON = "application/problem+json"
# A 422 lists this many field errors at most (a body of 100,000 unknown keys would otherwise
# be answered with megabytes); `errors_omitted` counts the rest.
MAX_ERRORS = 20
# Locations and messages are cut to this many characters: a key can be as long as the body.
MAX_ERROR_TEXT = 120


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """The body of every error response."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    errors: list[ErrorItem] | None = None
    errors_omitted: int | None = None
    request_id: str | None = None


class AppError(Exception):
    """A failure the client can understand; `loc` points the wizard at a field.

    Domains declare their failures as subclasses with their own `code`, `status` and default
    `detail` (e.g. contracts.errors.ContractSigned), so a code is written once. A subclass with
    `keeps_writes = True` is a refusal whose writes are its point (a counted failure, a revoked
    session): the request's transaction commits them before the error is answered
    (kit/db.py `get_session`); every other error rolls the request back."""

    status: int = 400
    code: str = "bad_request"
    detail: str = "Неверный запрос"
    keeps_writes: bool = False
    # Where the error belongs when the raiser does not say (a subclass about one field).
    default_loc: tuple[str | int, ...] | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        loc: Sequence[str | int] | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if detail is not None:
            self.detail = detail
        super().__init__(self.detail)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        loc = loc if loc is not None else self.default_loc
        self.errors = errors or ([{"loc": list(loc), "msg": self.detail}] if loc else None)
        self.headers = headers
        self.extra = extra or {}


class NotFound(AppError):
    status = 404
    code = "not_found"
    detail = "Не найдено"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    detail = "Недостаточно прав"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"

    detail = "Требуется вход в систему"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Conflict(AppError):
    status = 409
    code = "conflict"
    detail = "Конфликт с текущим состоянием"


class UploadUrlUsed(Conflict):
    """An upload URL works once (the stores' write-once rule, kit/storage)."""

    code = "upload_url_used"
    detail = "Эта ссылка для загрузки уже использована: запросите новую"


class Unprocessable(AppError):
    status = 422
    code = "validation_error"
    detail = "Проверьте введённые данные"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"

    detail = "Слишком много запросов, повторите позже"

    def __init__(self, detail: str | None = None, *, retry_after: int, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(max(1, retry_after))})
        super().__init__(detail, **kw)


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    detail = "Сервис временно недоступен, повторите попытку"


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def problem_response(
    request: Request,
    status: int,
    detail: str,
    code: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    # Only server faults carry the request id in the body (it is always in X-Request-ID):
    # client errors stay byte-identical, so they reveal nothing about the request.
    if status >= 500:
        rid = _request_id(request)
        body["request_id"] = rid
        # The catch-all answers from outside our middleware: add the header here too.
        if rid:
            headers = {**(headers or {}), "X-Request-ID": rid}
    if errors is not None:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 1] + "…"


def _loc(loc: Sequence[Any]) -> list[str | int]:
    return [p if isinstance(p, int) else _cut(str(p)) for p in loc[:8]]


def payload_too_large(request: Request, limit: int) -> JSONResponse:
    """The 413 for a body over `limit` bytes (kit/limits.py)."""
    return problem_response(
        request,
        413,
        f"Запрос слишком большой: не больше {limit // 1024} КБ",
        "payload_too_large",
    )


def _validation_msg(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": "Обязательное поле",
        "string_too_long": f"Не длиннее {ctx.get('max_length')} символов",
        "string_too_short": f"Не короче {ctx.get('min_length')} символов",
        "string_pattern_mismatch": "Неверный формат",
        "int_parsing": "Ожидается целое число",
        "decimal_parsing": "Ожидается число",
        "date_from_datetime_parsing": "Ожидается дата в формате ГГГГ-ММ-ДД",
        "date_parsing": "Ожидается дата в формате ГГГГ-ММ-ДД",
        "bool_parsing": "Ожидается да или нет",
        "string_type": "Ожидается строка",
        "literal_error": "Недопустимое значение",
        "enum": "Недопустимое значение",
        "value_error": str(err.get("msg", "")).removeprefix("Value error, "),
        "json_invalid": "Некорректный JSON",
        "greater_than_equal": f"Не меньше {ctx.get('ge')}",
        "less_than_equal": f"Не больше {ctx.get('le')}",
        "greater_than": f"Больше {ctx.get('gt')}",
    }
    return messages.get(kind) or str(err.get("msg", "Неверное значение"))


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        request, exc.status, exc.detail, exc.code, exc.errors, exc.headers, exc.extra
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    errors = [
        {"loc": _loc(e.get("loc", ())), "msg": _cut(_validation_msg(e))} for e in raw[:MAX_ERRORS]
    ]
    omitted = len(raw) - len(errors)
    return problem_response(
        request,
        422,
        "Проверьте введённые данные",
        "validation_error",
        errors=errors,
        extra={"errors_omitted": omitted} if omitted else None,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 413:  # kit/limits.py, counting a body as it streams in
        return payload_too_large(
            request, int(request.scope.get("privet_manager.max_body_bytes", 0))
        )
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = "Не найдено"
    code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
        exc.status_code, "http_error"
    )
    headers = getattr(exc, "headers", None)
    return problem_response(request, exc.status_code, detail, code, headers=headers)


async def _db_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable", extra={"error": type(exc).__name__})
    return problem_response(
        request,
        503,
        "База данных временно недоступна, повторите попытку",
        "database_unavailable",
        headers={"Retry-After": "5"},
    )


async def _storage_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("storage unavailable", extra={"error": str(exc)})
    return problem_response(
        request,
        503,
        "Хранилище файлов временно недоступно, повторите попытку",
        "storage_unavailable",
        headers={"Retry-After": "5"},
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    # Never leak details: the request id lets an operator find the traceback in the logs.
    log.exception("unhandled error", exc_info=exc)
    return problem_response(request, 500, "Внутренняя ошибка сервера", "internal_error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StorageUnavailable, _storage_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _db_unavailable)
    app.add_exception_handler(DBAPIError, _db_is_down_or_unhandled)
    # Statements run straight on psycopg (kit/db.py `ReadConnectionDep`) raise its own errors.
    app.add_exception_handler(psycopg.OperationalError, _db_unavailable)
    app.add_exception_handler(psycopg.DataError, _invalid_value)
    app.add_exception_handler(Exception, _unhandled)


async def _db_is_down_or_unhandled(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated:
        return await _db_unavailable(request, exc)
    if isinstance(exc, DataError):
        return await _invalid_value(request, exc.orig or exc)
    return await _unhandled(request, exc)


async def _invalid_value(request: Request, exc: Exception) -> JSONResponse:
    # SQLSTATE class 22 (psycopg's DataError, also raised before sending for a NUL character
    # in text): a value the database cannot take. Bad input in every case we know, so a 4xx,
    # never a 500.
    log.warning("data error", extra={"error": type(exc).__name__})
    return problem_response(request, 422, "Недопустимое значение в запросе", "invalid_value")


# Responses to declare in OpenAPI for routes that may fail with a problem.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {PROBLEM_JSON: {}}}
    for code in (400, 401, 403, 404, 409, 422, 429)
}
