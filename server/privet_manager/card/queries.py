"""The card's statements, compiled once for psycopg and sent in one round trip with the
caller's session check (auth/deps.py `LiveReader`). Parameter: `client_id`."""

from __future__ import annotations

from sqlalchemy import BigInteger, BindParameter, bindparam, func, select
from sqlalchemy.orm import aliased

from privet_manager.activity.models import ActivityEntry, ActivityHead
from privet_manager.auth.models import Manager
from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.models import Client, Passport
from privet_manager.contracts.models import Contract
from privet_manager.devices.models import DevicePhoto, ManagerDevice
from privet_manager.kit.rawsql import RawSelect
from privet_manager.legacy.models import User
from privet_manager.tariffs.models import ClientTariff

TIMELINE_LENGTH = 100

_holder = aliased(Manager, name="holder")
_client_id: BindParameter[int] = bindparam("client_id", type_=BigInteger)
_earlier = aliased(Contract)

# The client, the shared users row (the source of truth for the profile; the copies serve
# search), the passport, the holder's name and the activity chain's head.
HEAD = RawSelect(
    select(Client, User, Passport, _holder.name, ActivityHead.seq, ActivityHead.hash)
    .outerjoin(User, User.id == Client.user_id)
    .outerjoin(Passport, Passport.user_id == User.id)
    .outerjoin(_holder, _holder.id == Client.assigned_manager_id)
    .outerjoin(ActivityHead, ActivityHead.client_id == Client.id)
    .where(Client.id == _client_id),
    "client_id",
)
DEVICES = RawSelect(
    select(ManagerDevice, DevicePhoto)
    .outerjoin(DevicePhoto, DevicePhoto.device_id == ManagerDevice.id)
    .where(ManagerDevice.client_id == _client_id)
    .order_by(ManagerDevice.id, DevicePhoto.id),
    "client_id",
)
TIMELINE = RawSelect(
    select(
        ActivityEntry.seq,
        ActivityEntry.action,
        ActivityEntry.manager_id,
        Manager.name,
        ActivityEntry.created_at,
        ActivityEntry.ip,
        ActivityEntry.payload,
    )
    .outerjoin(Manager, Manager.id == ActivityEntry.manager_id)
    .where(ActivityEntry.client_id == _client_id)
    .order_by(ActivityEntry.seq.desc())
    .limit(TIMELINE_LENGTH),
    "client_id",
)
# The fixed tariff and the latest contract with its payment and invoice (each at most one row:
# unique on the client or on the contract).
SECTIONS = RawSelect(
    select(ClientTariff, Contract, Payment, Invoice)
    .select_from(Client)
    .outerjoin(ClientTariff, ClientTariff.client_id == Client.id)
    .outerjoin(
        Contract,
        Contract.id
        == select(func.max(_earlier.id)).where(_earlier.client_id == _client_id).scalar_subquery(),
    )
    .outerjoin(Payment, Payment.contract_id == Contract.id)
    .outerjoin(Invoice, Invoice.contract_id == Contract.id)
    .where(Client.id == _client_id),
    "client_id",
)
