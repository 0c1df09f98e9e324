"""Every table's model, imported in one place so that the metadata is complete."""

from privet_manager.activity.models import ActivityEntry
from privet_manager.auth.models import AuthSession, Manager, RefreshToken
from privet_manager.clients.models import Client, Passport
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.kit.db import Base
from privet_manager.kit.idempotency import IdempotencyKey
from privet_manager.kit.ratelimit import RateLimit
from privet_manager.legacy.models import Device, SupportMessage, SupportTicket, User

__all__ = [
    "ActivityEntry",
    "AuthSession",
    "Base",
    "Client",
    "Device",
    "DevicePhoto",
    "IdempotencyKey",
    "Manager",
    "ManagerDevice",
    "Passport",
    "RateLimit",
    "RefreshToken",
    "SupportMessage",
    "SupportTicket",
    "User",
]
