"""Every table's model, imported in one place so that the metadata is complete."""

from privet_manager.activity.models import ActivityEntry, ActivityHead
from privet_manager.admin.models import AdminAuditEntry
from privet_manager.analytics import models as analytics_indexes
from privet_manager.auth.models import AuthSession, Manager, RefreshToken
from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.models import Client, Passport
from privet_manager.contracts.models import Contract
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.kit.db import Base
from privet_manager.kit.idempotency import IdempotencyKey
from privet_manager.kit.numbering import NumberCounter
from privet_manager.kit.ratelimit import RateLimit
from privet_manager.legacy.models import Device, SupportMessage, SupportTicket, User
from privet_manager.support.models import ManagerSupportMessage, SupportThread
from privet_manager.tariffs.models import ClientTariff, Tariff, TariffVersion

__all__ = [
    "ActivityEntry",
    "ActivityHead",
    "AdminAuditEntry",
    "AuthSession",
    "Base",
    "Client",
    "ClientTariff",
    "Contract",
    "Device",
    "DevicePhoto",
    "IdempotencyKey",
    "Invoice",
    "Manager",
    "ManagerDevice",
    "ManagerSupportMessage",
    "NumberCounter",
    "Passport",
    "Payment",
    "RateLimit",
    "RefreshToken",
    "SupportMessage",
    "SupportThread",
    "SupportTicket",
    "Tariff",
    "TariffVersion",
    "User",
    "analytics_indexes",
]
