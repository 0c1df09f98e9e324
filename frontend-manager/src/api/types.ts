// Shapes the screens use, named from the generated schema (src/api/schema.d.ts).
import type { components } from './schema';

type S = components['schemas'];

export type ClientStatus = S['ClientStatus'];
export type Tab = S['Tab'];
export type ManagerRef = S['ManagerRef'];
export type ClientListItem = S['ClientListItem'];
export type ClientList = S['ClientList'];
export type Address = S['AddressOut'];
export type Passport = S['PassportOut'];
export type Photo = S['PhotoOut'];
export type Device = S['DeviceOut'];
export type DeviceKind = NonNullable<S['DeviceCreate']['kind']>;
export type PhotoContentType = S['UploadUrlIn']['content_type'];
export type BreakdownLine = S['BreakdownLineOut'];
export type Tariff = S['TariffOut'];
export type TariffCalc = S['ClientTariffOut'];
export type AppliedTariff = S['AppliedTariffOut'];
export type Contract = S['ContractOut'];
export type ContractEnvelope = S['ContractEnvelope'];
export type PepAgreement = S['PepAgreementOut'];
export type UploadInstructions = S['UploadUrlOut'];
export type PaymentMethod = S['ConfirmPayment']['method'];

export type Payment = S['PaymentOut'];
export type Invoice = S['InvoiceOut'];
export type ClientCard = S['ClientCard'];

export const STATUS_LABELS: Record<ClientStatus, string> = {
  new: 'Новый',
  in_progress: 'В работе',
  awaiting_signature: 'Ждёт подписи',
  signed: 'Подписан',
  processed: 'Обработан',
};
