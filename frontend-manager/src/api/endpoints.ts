// Every call the SPA makes, through the generated client. Screens import these, never fetch().
import { api, newIdempotencyKey, unwrap } from './client';
import type { TokenResponse } from './auth';
import type {
  ClientCard,
  ClientList,
  Contract,
  Device,
  Tab,
  Tariff,
  TariffCalc,
  UploadInstructions,
} from './types';

const M = '/api/manager' as const;
type Id = string | number;
const cid = (id: Id) => ({ path: { client_id: String(id) } });
const did = (id: Id, deviceId: Id) => ({ path: { client_id: String(id), device_id: String(deviceId) } });

export async function login(email: string, password: string): Promise<TokenResponse> {
  return unwrap(api.POST(`${M}/auth/login`, { body: { email, password } }));
}

export async function listClients(params: {
  tab: Tab;
  q?: string;
  cursor?: string | null;
  limit?: number;
}): Promise<ClientList> {
  const query: Record<string, string> = { tab: params.tab, limit: String(params.limit ?? 30) };
  if (params.q) query.q = params.q;
  if (params.cursor) query.cursor = params.cursor;
  return (await unwrap(api.GET(`${M}/clients`, { params: { query } }))) as unknown as ClientList;
}

export async function getClient(id: Id): Promise<ClientCard> {
  return (await unwrap(
    api.GET(`${M}/clients/{client_id}`, { params: cid(id) }),
  )) as unknown as ClientCard;
}

export async function claimClient(id: Id): Promise<unknown> {
  return unwrap(api.POST(`${M}/clients/{client_id}/claim`, { params: cid(id) }));
}

export interface ProfileInput {
  name: string;
  phone: string;
  email: string;
  address: {
    postal_code: string;
    region: string;
    city: string;
    street: string;
    house: string;
    building: string;
    apartment: string;
  };
}

export async function updateProfile(id: Id, version: number, body: ProfileInput): Promise<unknown> {
  return unwrap(
    api.PATCH(`${M}/clients/{client_id}/profile`, { params: cid(id), body: { version, ...body } }),
  );
}

export interface PassportInput {
  series: string;
  number: string;
  issued_by: string;
  issue_date: string;
  department_code: string;
  birth_date: string;
  birth_place: string;
}

export async function putPassport(id: Id, version: number, body: PassportInput): Promise<unknown> {
  return unwrap(
    api.PUT(`${M}/clients/{client_id}/passport`, { params: cid(id), body: { version, ...body } }),
  );
}

export interface DeviceInput {
  kind: string;
  brand: string;
  model: string;
  serial_number: string;
  purchase_date: string | null;
  declared_value: string;
}

export async function createDevice(id: Id, body: DeviceInput, idempotencyKey: string): Promise<Device> {
  return (await unwrap(
    api.POST(`${M}/clients/{client_id}/devices`, {
      params: cid(id),
      headers: { 'Idempotency-Key': idempotencyKey },
      body: { ...body },
    }),
  )) as unknown as Device;
}

export async function updateDevice(id: Id, deviceId: Id, body: DeviceInput): Promise<Device> {
  return (await unwrap(
    api.PATCH(`${M}/clients/{client_id}/devices/{device_id}`, { params: did(id, deviceId), body: { ...body } }),
  )) as unknown as Device;
}

export async function deleteDevice(id: Id, deviceId: Id): Promise<void> {
  await unwrap(api.DELETE(`${M}/clients/{client_id}/devices/{device_id}`, { params: did(id, deviceId) }));
}

export async function photoUploadUrl(
  id: Id,
  deviceId: Id,
  contentType: string,
  size: number,
): Promise<UploadInstructions> {
  return (await unwrap(
    api.POST(`${M}/clients/{client_id}/devices/{device_id}/photos/upload-url`, {
      params: did(id, deviceId),
      body: { content_type: contentType, size },
    }),
  )) as unknown as UploadInstructions;
}

export async function confirmPhoto(id: Id, deviceId: Id, fileKey: string): Promise<unknown> {
  return unwrap(
    api.POST(`${M}/clients/{client_id}/devices/{device_id}/photos`, {
      params: did(id, deviceId),
      body: { file_key: fileKey },
    }),
  );
}

export async function deletePhoto(id: Id, deviceId: Id, photoId: Id): Promise<void> {
  await unwrap(
    api.DELETE(`${M}/clients/{client_id}/devices/{device_id}/photos/{photo_id}`, {
      params: { path: { client_id: String(id), device_id: String(deviceId), photo_id: String(photoId) } },
    }),
  );
}

export async function listTariffs(): Promise<Tariff[]> {
  const data = (await unwrap(api.GET(`${M}/tariffs`))) as unknown;
  if (Array.isArray(data)) return data as Tariff[];
  return ((data as { items?: Tariff[] }).items ?? []) as Tariff[];
}

export async function applyTariff(id: Id, tariffCode: string): Promise<TariffCalc> {
  return (await unwrap(
    api.POST(`${M}/clients/{client_id}/tariff/apply`, { params: cid(id), body: { tariff_code: tariffCode } }),
  )) as unknown as TariffCalc;
}

export interface PepAgreement {
  version: string;
  text: string;
}

export async function getPepAgreement(): Promise<PepAgreement | null> {
  const { data, response } = await api.GET(`${M}/pep-agreement`);
  if (!response.ok) return null;
  return data as unknown as PepAgreement;
}

function contractOf(data: unknown): Contract {
  const d = data as { contract?: Contract };
  return (d.contract ?? data) as Contract;
}

export async function generateContract(id: Id): Promise<Contract> {
  return contractOf(
    await unwrap(
      api.POST(`${M}/clients/{client_id}/contract/generate`, { params: cid(id), body: { pep_agreed: true } }),
    ),
  );
}

export async function resendOtp(id: Id): Promise<Contract> {
  return contractOf(await unwrap(api.POST(`${M}/clients/{client_id}/contract/resend-otp`, { params: cid(id) })));
}

export async function confirmContract(id: Id, code: string): Promise<Contract> {
  return contractOf(
    await unwrap(api.POST(`${M}/clients/{client_id}/contract/confirm`, { params: cid(id), body: { code } })),
  );
}

export async function confirmPayment(
  id: Id,
  body: { amount: string; method: 'cash' | 'card' | 'transfer'; reference: string },
  idempotencyKey: string = newIdempotencyKey(),
): Promise<unknown> {
  return unwrap(
    api.POST(`${M}/clients/{client_id}/payment/confirm`, {
      params: cid(id),
      headers: { 'Idempotency-Key': idempotencyKey },
      body: { ...body },
    }),
  );
}

export async function notifyBilling(id: Id, idempotencyKey: string = newIdempotencyKey()): Promise<unknown> {
  return unwrap(
    api.POST(`${M}/clients/{client_id}/billing/notify`, {
      params: cid(id),
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  );
}
