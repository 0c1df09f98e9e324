"""What the devices domain refuses, each code written once."""

from __future__ import annotations

from privet_manager.kit.errors import Conflict, NotFound, Unprocessable


class DeviceNotFound(NotFound):
    code = "device_not_found"
    detail = "Устройство не найдено"


class PhotoNotFound(NotFound):
    code = "photo_not_found"
    detail = "Фото не найдено"


class SourceDeviceNotFound(Unprocessable):
    code = "source_device_not_found"
    detail = "У клиента нет такого устройства в приложении"
    default_loc = ("body", "source_device_id")


class DeviceAlreadyImported(Conflict):
    code = "device_already_imported"
    detail = "Это устройство уже добавлено"
    default_loc = ("body", "source_device_id")


class TooManyDevices(Unprocessable):
    code = "too_many_devices"


class TooManyPhotos(Unprocessable):
    code = "too_many_photos"


class PhotoRefused(Unprocessable):
    """The uploaded object is not a photo this device may have (the `code` says why)."""

    default_loc = ("body", "file_key")


class PhotoTooLarge(Unprocessable):
    code = "photo_too_large"
    default_loc = ("body", "size")


class PhotoChanged(Conflict):
    """A confirmed photo's stored object is gone or differs from its recorded hash."""

    code = "photo_changed"
    detail = "Фото устройства в хранилище изменено: удалите его и загрузите заново"
