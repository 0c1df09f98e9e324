// Shapes the screens rely on. They follow PRODUCT.md §5; the generated schema is the source of
// truth for the calls themselves (see client.ts).

export type ClientStatus = 'new' | 'in_progress' | 'awaiting_signature' | 'signed' | 'processed';
export type Tab = 'new' | 'in_progress' | 'mine' | 'processed';
export type StepId = 1 | 2 | 3 | 4 | 'success';

export interface ManagerRef {
  id: string | number;
  name: string;
}

export interface ClientListItem {
  id: string | number;
  user_id: string | number;
  name: string | null;
  phone: string | null;
  email?: string | null;
  registration_address: string | null;
  status: ClientStatus;
  current_step: string | number | null;
  assigned_manager: ManagerRef | null;
  updated_at: string;
  version?: number;
}

export interface ClientList {
  items: ClientListItem[];
  next_cursor: string | null;
}

export interface Address {
  text?: string | null;
  postal_code: string | null;
  region: string | null;
  city: string | null;
  street: string | null;
  house: string | null;
  building: string | null;
  apartment: string | null;
}

export interface Passport {
  series: string;
  number: string;
  issued_by: string;
  issue_date: string;
  department_code: string;
  birth_date: string;
  birth_place: string;
}

export interface Photo {
  id: string | number;
  url: string;
  content_type?: string;
  size?: number;
}

export interface Device {
  id: string | number;
  kind: string;
  brand: string;
  model: string;
  serial_number: string | null;
  purchase_date: string | null;
  declared_value: string | null;
  photos: Photo[];
}

export interface BreakdownLine {
  label: string;
  amount: string;
}

export interface TariffCalc {
  tariff_code?: string;
  code?: string;
  name?: string;
  base: string;
  per_device: string;
  total: string;
  already_paid: string;
  surcharge: string;
  breakdown: BreakdownLine[];
}

export interface Tariff {
  code: string;
  name: string;
  base_price: string;
  included_devices: number;
  extra_device_price: string;
  description?: string | null;
}

export interface Contract {
  id: string | number;
  number: string;
  status: string;
  pdf_url: string | null;
  signed_pdf_url?: string | null;
  pdf_sha256: string | null;
  otp_expires_at: string | null;
  otp_resend_at: string | null;
  attempts_left?: number | null;
  signed_at?: string | null;
}

export interface Payment {
  amount?: string | null;
  method?: string | null;
  reference?: string | null;
  confirmed_at?: string | null;
}

export interface Invoice {
  number?: string | null;
  amount?: string | null;
  due_date?: string | null;
  sent_at?: string | null;
}

export interface ClientCard {
  id: string | number;
  user_id: string | number;
  status: ClientStatus;
  current_step: string | number | null;
  version: number;
  assigned_manager: ManagerRef | null;
  /** The caller is the assigned manager or an admin. */
  can_edit?: boolean;
  passport_on_file?: boolean;
  profile: { name: string | null; phone: string | null; email: string | null };
  address: Address | null;
  passport: Passport | null;
  devices: Device[];
  tariff: TariffCalc | null;
  contract: Contract | null;
  payment: Payment | null;
  invoice: Invoice | null;
}

export interface UploadInstructions {
  upload: {
    method: 'POST' | 'PUT';
    url: string;
    fields?: Record<string, string> | null;
    headers?: Record<string, string> | null;
  };
  file_key: string;
  expires_at?: string;
}

export const STATUS_LABELS: Record<string, string> = {
  new: 'Новый',
  in_progress: 'В работе',
  awaiting_signature: 'Ждёт подписи',
  signed: 'Подписан',
  processed: 'Обработан',
};
