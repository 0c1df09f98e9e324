// Every call the SPA makes, through the generated client. Screens import these, never fetch().
import { api, newIdempotencyKey, unwrap } from './client';
import { listKey, takePrefetchedList, type TokenResponse } from './session';
import type { components } from './schema';
import type {
  AppliedTariff,
  ClientCard,
  ClientList,
  Contract,
  Device,
  PepAgreement,
  PhotoContentType,
  Tab,
  Tariff,
  UploadInstructions,
} from './types';

type S = components['schemas'];
const M = '/api/manager' as const;
type Id = string | number;
const cid = (id: Id) => ({ path: { client_id: Number(id) } });
const did = (id: Id, deviceId: Id) => ({ path: { client_id: Number(id), device_id: Number(deviceId) } });

export async function login(email: string, password: string): Promise<TokenResponse> {
  return unwrap(api.POST(`${M}/auth/login`, { body: { email, password } }));
}

export async function listClients(params: {
  tab: Tab;
  q?: string;
  cursor?: string | null;
  limit?: number;
}): Promise<ClientList> {
  if (!params.cursor && (params.limit ?? 30) === 30) {
    const early = takePrefetchedList(listKey(params.tab, params.q ?? ''));
    if (early) {
      try {
        return (await early) as ClientList;
      } catch {
        // Fall through to a normal request (with the 401 refresh and the error mapping).
      }
    }
  }
  return unwrap(
    api.GET(`${M}/clients`, {
      params: {
        query: {
          tab: params.tab,
          limit: params.limit ?? 30,
          ...(params.q ? { q: params.q } : {}),
          ...(params.cursor ? { cursor: params.cursor } : {}),
        },
      },
    }),
  );
}

/**
 * The code's two moments on this device's clock: the server counted the seconds left when it
 * answered, and a tablet's clock may be minutes off the server's, so they run from the
 * answer's arrival. (The timers then start at 10:00 and 1:00 whatever the device's clock says.)
 */
export function onDeviceClock(contract: Contract, receivedAt: number = Date.now()): Contract {
  const at = (seconds: number | null | undefined, server: string | null | undefined) =>
    typeof seconds === 'number' ? new Date(receivedAt + seconds * 1000).toISOString() : server;
  return {
    ...contract,
    otp_expires_at: at(contract.otp_expires_in, contract.otp_expires_at) ?? null,
    otp_resend_at: at(contract.otp_resend_in, contract.otp_resend_at) ?? null,
  };
}

export async function getClient(id: Id): Promise<ClientCard> {
  const card = await unwrap(api.GET(`${M}/clients/{client_id}`, { params: cid(id) }));
  return card.contract ? { ...card, contract: onDeviceClock(card.contract) } : card;
}

export async function claimClient(id: Id): Promise<S['ClientListItem']> {
  return unwrap(api.POST(`${M}/clients/{client_id}/claim`, { params: cid(id) }));
}

export type ProfileInput = Omit<S['ProfileIn'], 'version'>;

export async function updateProfile(
  id: Id,
  version: number,
  body: ProfileInput,
  idempotencyKey: string = newIdempotencyKey(),
): Promise<S['ClientState']> {
  return unwrap(
    api.PATCH(`${M}/clients/{client_id}/profile`, {
      params: { ...cid(id), header: { 'Idempotency-Key': idempotencyKey } },
      body: { version, ...body },
    }),
  );
}

export type PassportInput = Omit<S['PassportIn'], 'version'>;

export async function putPassport(
  id: Id,
  version: number,
  body: PassportInput,
  idempotencyKey: string = newIdempotencyKey(),
): Promise<S['ClientState']> {
  return unwrap(
    api.PUT(`${M}/clients/{client_id}/passport`, {
      params: { ...cid(id), header: { 'Idempotency-Key': idempotencyKey } },
      body: { version, ...body },
    }),
  );
}

export type DeviceInput = Omit<S['DeviceCreate'], 'version' | 'source_device_id'>;

export async function createDevice(id: Id, body: DeviceInput, idempotencyKey: string): Promise<S['DeviceSaved']> {
  return unwrap(
    api.POST(`${M}/clients/{client_id}/devices`, {
      params: { ...cid(id), header: { 'Idempotency-Key': idempotencyKey } },
      body,
    }),
  );
}

export async function updateDevice(id: Id, deviceId: Id, body: DeviceInput): Promise<Device> {
  return unwrap(
    api.PATCH(`${M}/clients/{client_id}/devices/{device_id}`, { params: did(id, deviceId), body }),
  );
}

export async function deleteDevice(id: Id, deviceId: Id): Promise<void> {
  await unwrap(api.DELETE(`${M}/clients/{client_id}/devices/{device_id}`, { params: did(id, deviceId) }));
}

export async function photoUploadUrl(
  id: Id,
  deviceId: Id,
  contentType: PhotoContentType,
  size: number,
): Promise<UploadInstructions> {
  return unwrap(
    api.POST(`${M}/clients/{client_id}/devices/{device_id}/photos/upload-url`, {
      params: did(id, deviceId),
      body: { content_type: contentType, size },
    }),
  );
}

export async function confirmPhoto(id: Id, deviceId: Id, fileKey: string): Promise<S['PhotoSaved']> {
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
      params: { path: { client_id: Number(id), device_id: Number(deviceId), photo_id: Number(photoId) } },
    }),
  );
}

export async function listTariffs(): Promise<Tariff[]> {
  return (await unwrap(api.GET(`${M}/tariffs`))).items;
}

export async function applyTariff(id: Id, tariffCode: string): Promise<AppliedTariff> {
  return unwrap(
    api.POST(`${M}/clients/{client_id}/tariff/apply`, { params: cid(id), body: { tariff_code: tariffCode } }),
  );
}

/** The current PEP agreement; null when the server has none to show (the screen falls back). */
export async function getPepAgreement(): Promise<PepAgreement | null> {
  const { data, response } = await api.GET(`${M}/pep-agreement`);
  return response.ok && data ? data : null;
}

/** The draft PDF («Проект», no number): nothing is stored or sent. */
export async function previewContract(id: Id): Promise<Blob> {
  return unwrap(api.GET(`${M}/clients/{client_id}/contract/preview`, { params: cid(id), parseAs: 'blob' }));
}

export async function generateContract(id: Id): Promise<Contract> {
  const env = await unwrap(
    api.POST(`${M}/clients/{client_id}/contract/generate`, { params: cid(id), body: { pep_agreed: true } }),
  );
  return onDeviceClock(env.contract);
}

export async function resendOtp(id: Id): Promise<Contract> {
  return onDeviceClock((await unwrap(api.POST(`${M}/clients/{client_id}/contract/resend-otp`, { params: cid(id) }))).contract);
}

export async function confirmContract(id: Id, code: string): Promise<Contract> {
  const env = await unwrap(
    api.POST(`${M}/clients/{client_id}/contract/confirm`, { params: cid(id), body: { code } }),
  );
  return env.contract;
}

export async function confirmPayment(
  id: Id,
  body: S['ConfirmPayment'],
  idempotencyKey: string = newIdempotencyKey(),
): Promise<S['PaymentResult']> {
  return unwrap(
    api.POST(`${M}/clients/{client_id}/payment/confirm`, {
      params: { ...cid(id), header: { 'Idempotency-Key': idempotencyKey } },
      body,
    }),
  );
}

export async function notifyBilling(id: Id, idempotencyKey: string = newIdempotencyKey()): Promise<S['InvoiceResult']> {
  return unwrap(
    api.POST(`${M}/clients/{client_id}/billing/notify`, {
      params: { ...cid(id), header: { 'Idempotency-Key': idempotencyKey } },
    }),
  );
}

export async function verifyContract(id: Id): Promise<S['VerifyOut']> {
  return unwrap(api.GET(`${M}/clients/{client_id}/contract/verify`, { params: cid(id) }));
}

/** The signed contract's dispute pack (ZIP); the server records the download in the client's history. */
export async function downloadDisputePack(id: Id): Promise<Blob> {
  return unwrap(api.GET(`${M}/clients/{client_id}/contract/dispute-pack`, { params: cid(id), parseAs: 'blob' }));
}
