"""Upload and download routes of the local backend (the API serves its own folder).

Both take only URLs the API signed (see LocalStorage.presign_upload/presign_download); the
upload enforces the signed Content-Type and size while streaming, so an oversized body is cut
off and nothing is stored, as an S3 POST policy would.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from privet_manager.kit.errors import (
    PROBLEM_RESPONSES,
    AppError,
    Forbidden,
    NotFound,
    UploadUrlUsed,
)
from privet_manager.kit.storage import get_storage, get_upload_guard
from privet_manager.kit.storage.local import LocalStorage, ObjectExists, UploadTooLarge

router = APIRouter(
    prefix="/api/storage",
    tags=["storage"],
    responses={**PROBLEM_RESPONSES, 413: PROBLEM_RESPONSES[422]},
)

Signed = Annotated[str, Query(max_length=128)]
# The app-wide body limit (MAX_BODY_KB) is for JSON: this path is held to MAX_PHOTO_MB by
# kit/limits.py, and to the signed size while it streams, below.
UPLOAD_PREFIX = "/api/storage/objects/"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


def _local() -> LocalStorage:
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        raise NotFound("Не найдено")
    return storage


@router.put("/objects/{key:path}", status_code=201, response_class=Response)
async def upload_object(
    key: str,
    request: Request,
    ct: Annotated[str, Query(max_length=128)],
    max_size: Annotated[str, Query(alias="max", max_length=16)],
    exp: Signed,
    sig: Signed,
) -> Response:
    storage = _local()
    if not storage.verify_upload(key, ct, max_size, exp, sig):
        raise Forbidden(
            "Ссылка для загрузки недействительна или истекла", code="upload_url_invalid"
        )
    guard = get_upload_guard()
    if guard is not None:
        await guard(key)
    limit = int(max_size)
    sent_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if sent_type != ct:
        raise Forbidden("Тип файла не совпадает с разрешённым", code="upload_type_mismatch")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("Файл больше допустимого размера")
    try:
        size = await storage.receive(key, request.stream(), ct, limit)
    except UploadTooLarge:
        raise PayloadTooLarge("Файл больше допустимого размера") from None
    except ObjectExists:
        raise UploadUrlUsed() from None
    except ValueError:
        raise NotFound("Не найдено") from None
    if size == 0:
        await storage.delete(key)
        raise AppError("Пустой файл", code="empty_upload")
    return Response(status_code=201)


@router.get("/objects/{key:path}", response_class=Response)
async def download_object(key: str, exp: Signed, sig: Signed) -> Response:
    storage = _local()
    if not storage.verify_download(key, exp, sig):
        raise Forbidden("Ссылка недействительна или истекла", code="download_url_invalid")
    try:
        info = await storage.stat(key)
        data = await storage.get(key) if info is not None else None
    except (ValueError, KeyError):
        info, data = None, None
    if info is None or data is None:
        raise NotFound("Файл не найден")
    return Response(
        data,
        media_type=info.content_type or "application/octet-stream",
        headers={
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
