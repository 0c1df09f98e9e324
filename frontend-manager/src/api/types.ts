// Shapes the screens use, taken from the generated schema. The card's tariff/contract/payment/
// invoice sections are open objects in the schema (filled by other domains); they are narrowed
// here to what server/privet_manager/contracts/card.py puts into them.
import type { components } from './schema';

type S = components['schemas'];

export type ClientStatus = S['ClientListItem']['status'];
export type Tab = 'new' | 'in_progress' | 'mine' | 'processed';
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
export type TariffCalc = Omit<S['ClientTariffOut'], 'client_version' | 'current_step'> &
  Partial<Pick<S['ClientTariffOut'], 'client_version' | 'current_step'>>;
export type Contract = S['ContractOut'];
export type ContractEnvelope = S['ContractEnvelope'];
export type PepAgreement = S['PepAgreementOut'];
export type UploadInstructions = S['UploadUrlOut'];
export type PaymentMethod = S['ConfirmPayment']['method'];

export interface CardPayment {
  id: number;
  amount: string;
  method: string;
  reference: string;
  created_at: string;
}

export interface CardInvoice {
  id?: number;
  number: string;
  amount: string;
  due_date: string;
  created_at?: string;
}

export type ClientCard = Omit<S['ClientCard'], 'tariff' | 'contract' | 'payment' | 'invoice'> & {
  tariff?: TariffCalc | null;
  contract?: Contract | null;
  payment?: CardPayment | null;
  invoice?: CardInvoice | null;
};

export const STATUS_LABELS: Record<string, string> = {
  new: 'Новый',
  in_progress: 'В работе',
  awaiting_signature: 'Ждёт подписи',
  signed: 'Подписан',
  processed: 'Обработан',
};
