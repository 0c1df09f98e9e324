"""The client card on the wire: every section typed, so the schema hands it to the SPA."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from privet_manager.activity.schemas import TimelineEntry
from privet_manager.auth.schemas import ManagerRef
from privet_manager.billing.schemas import InvoiceOut, PaymentOut
from privet_manager.clients.models import ClientStatus, WizardStep
from privet_manager.clients.schemas import AddressOut, PassportOut, ProfileOut
from privet_manager.contracts.schemas import ContractOut
from privet_manager.devices.schemas import DeviceOut
from privet_manager.tariffs.schemas import ClientTariffOut


class ClientCard(BaseModel):
    id: int
    user_id: int
    status: ClientStatus
    current_step: WizardStep
    version: int
    updated_at: datetime
    assigned_manager: ManagerRef | None
    can_edit: bool = Field(description="The caller is the assigned manager or an admin")
    profile: ProfileOut
    address: AddressOut
    passport: PassportOut | None = Field(
        description="Decrypted for the assigned manager or an admin only (each read is logged)"
    )
    passport_on_file: bool
    devices: list[DeviceOut]
    tariff: ClientTariffOut | None = Field(description="The calculation fixed in step 4")
    contract: ContractOut | None = Field(description="The latest contract, whatever its status")
    payment: PaymentOut | None = Field(description="The surcharge's payment, if confirmed")
    invoice: InvoiceOut | None = Field(description="The surcharge's invoice, if sent")
    timeline: list[TimelineEntry]
