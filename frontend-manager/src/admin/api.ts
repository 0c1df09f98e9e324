// The console's calls, through the generated client (loaded with the admin screens only).
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';

type S = components['schemas'];
const M = '/api/manager' as const;

export type Manager = S['ManagerOut'];
export type ManagerCreated = S['ManagerCreated'];
export type Role = S['Role'];
export type Tariff = S['TariffOut'];
export type TariffCreate = S['TariffCreate'];
export type TariffUpdate = S['TariffUpdate'];
export type TariffVersion = S['TariffVersionOut'];
export type RegistryItem = S['RegistryItem'];
export type RegistryPage = S['RegistryPage'];
export type Verification = S['VerifyOut'];
export type ContractStatus = S['ContractStatus'];
export type Funnel = S['Funnel'];
export type ManagerTable = S['ManagerTable'];
export type Stage = S['Stage'];
export type AuditPage = S['AuditPage'];

export const listManagers = () => unwrap(api.GET(`${M}/admin/managers`));

export const createManager = (body: { email: string; name: string; role: Role }) =>
  unwrap(api.POST(`${M}/admin/managers`, { body }));

export const updateManager = (id: number, body: S['ManagerUpdate']) =>
  unwrap(api.PATCH(`${M}/admin/managers/{manager_id}`, { params: { path: { manager_id: id } }, body }));

export const resetPassword = (id: number) =>
  unwrap(api.POST(`${M}/admin/managers/{manager_id}/reset-password`, { params: { path: { manager_id: id } } }));

export const listTariffs = () => unwrap(api.GET(`${M}/admin/tariffs`));

export const createTariff = (body: TariffCreate) => unwrap(api.POST(`${M}/admin/tariffs`, { body }));

export const updateTariff = (code: string, body: TariffUpdate) =>
  unwrap(api.PATCH(`${M}/admin/tariffs/{code}`, { params: { path: { code } }, body }));

export const tariffVersions = (code: string) =>
  unwrap(api.GET(`${M}/admin/tariffs/{code}/versions`, { params: { path: { code } } }));

export interface RegistryQuery {
  q?: string;
  status?: ContractStatus | '';
  from?: string;
  to?: string;
  cursor?: string | null;
}

export const listContracts = (query: RegistryQuery) =>
  unwrap(
    api.GET(`${M}/admin/contracts`, {
      params: {
        query: {
          ...(query.q ? { q: query.q } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.from ? { from: query.from } : {}),
          ...(query.to ? { to: query.to } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
        },
      },
    }),
  );

export const getContract = (id: number) =>
  unwrap(api.GET(`${M}/admin/contracts/{contract_id}`, { params: { path: { contract_id: id } } }));

// Asked apart from the contract: it re-reads the stored files, the page does not wait for it.
export const getContractVerification = (id: number) =>
  unwrap(api.GET(`${M}/admin/contracts/{contract_id}/verification`, { params: { path: { contract_id: id } } }));

export const getClientCard = (id: number) =>
  unwrap(api.GET(`${M}/clients/{client_id}`, { params: { path: { client_id: id } } }));

export const assignClient = (
  clientId: number,
  body: { manager_id: number | null; reason: string; version?: number | null },
) => unwrap(api.POST(`${M}/admin/clients/{client_id}/assign`, { params: { path: { client_id: clientId } }, body }));

export const funnel = (from: string, to: string, managerId?: number | null) =>
  unwrap(
    api.GET(`${M}/analytics/funnel`, {
      params: { query: { from, to, ...(managerId ? { manager_id: managerId } : {}) } },
    }),
  );

export const managerFigures = (from: string, to: string) =>
  unwrap(api.GET(`${M}/analytics/managers`, { params: { query: { from, to } } }));

export const auditLog = (cursor?: string | null) =>
  unwrap(api.GET(`${M}/admin/audit`, { params: { query: cursor ? { cursor } : {} } }));

export const CONTRACT_STATUS_LABELS: Record<ContractStatus, string> = {
  awaiting_signature: 'Ждёт подписи',
  signed: 'Подписан',
  void: 'Аннулирован',
  locked: 'Заблокирован',
};

export const STAGE_LABELS: Record<Stage, string> = {
  new: 'Новые',
  claimed: 'Взяты в работу',
  contract_generated: 'Договор сформирован',
  signed: 'Подписаны',
  processed: 'Обработаны',
};

/** Short names for the chart's axis (the table beside it has the full ones). */
export const STAGE_SHORT: Record<Stage, string> = {
  new: 'Новые',
  claimed: 'Взяты',
  contract_generated: 'Договор',
  signed: 'Подписаны',
  processed: 'Обработаны',
};

export const ROLE_LABELS: Record<Role, string> = { manager: 'Менеджер', admin: 'Администратор' };
