// Session state. The access token lives only in this module's memory; the refresh token is an
// HttpOnly cookie that the browser sends to /api/manager/auth/* by itself. No React here: the
// entry script runs this before the app's code has even downloaded (see main.tsx).
import { clearAllDrafts } from '../lib/drafts';
import type { components } from './schema';

export type Manager = components['schemas']['ManagerOut'];
export type TokenResponse = components['schemas']['TokenOut'];

export type AuthStatus = 'unknown' | 'authenticated' | 'anonymous';

export interface AuthState {
  status: AuthStatus;
  token: string | null;
  manager: Manager | null;
}

let state: AuthState = { status: 'unknown', token: null, manager: null };
const listeners = new Set<() => void>();

function setState(next: AuthState) {
  state = next;
  listeners.forEach((l) => l());
}

export function getToken(): string | null {
  return state.token;
}

export function getAuthState(): AuthState {
  return state;
}

export function setSession(resp: TokenResponse) {
  setState({ status: 'authenticated', token: resp.access_token, manager: resp.manager });
}

export function endSession() {
  setState({ status: 'anonymous', token: null, manager: null });
}

export function subscribeAuth(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const AUTH_BASE = '/api/manager/auth';

let refreshing: Promise<boolean> | null = null;

/** Ask for a new access token with the refresh cookie; concurrent callers share one request. */
export function refreshSession(
  beforePublish?: (token: string) => void,
): Promise<boolean> {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const res = await fetch(`${AUTH_BASE}/refresh`, {
          method: 'POST',
          credentials: 'include',
          headers: { Accept: 'application/json' },
        });
        if (!res.ok) {
          endSession();
          return false;
        }
        const session = (await res.json()) as TokenResponse;
        beforePublish?.(session.access_token);
        setSession(session);
        return true;
      } catch {
        // Offline: keep whatever we had so that a dropped connection does not log the manager out.
        if (state.status === 'unknown') endSession();
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

export async function logout() {
  const token = state.token;
  clearAllDrafts();
  endSession();
  try {
    await fetch(`${AUTH_BASE}/logout`, {
      method: 'POST',
      credentials: 'include',
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
  } catch {
    // The cookie is revoked server-side on the next successful call anyway.
  }
}

// The first page of the list the app opens on, asked for as soon as the session is restored
// (in parallel with the app's code downloading) and handed to the list query. Only the very
// first list request may use it, and only while it is fresh: a later refetch must not get
// this old answer.
const PREFETCH_TTL_MS = 5000;
let prefetched: { key: string; at: number; promise: Promise<unknown> } | null = null;
let listRequested = false;

export function listKey(tab: string, q: string): string {
  return `${tab}|${q}`;
}

export function prefetchList(token: string, path: string, search: string): void {
  if (path !== '/clients' || listRequested) return;
  const params = new URLSearchParams(search);
  const tab = params.get('tab') ?? 'new';
  const q = params.get('q') ?? '';
  const query = new URLSearchParams({ tab, limit: '30', ...(q ? { q } : {}) });
  const promise = fetch(`/api/manager/clients?${query}`, {
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
  }).then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))));
  promise.catch(() => undefined);
  prefetched = { key: listKey(tab, q), at: Date.now(), promise };
}

export function takePrefetchedList(key: string): Promise<unknown> | null {
  listRequested = true;
  const p = prefetched;
  prefetched = null;
  if (!p || p.key !== key || Date.now() - p.at > PREFETCH_TTL_MS) return null;
  return p.promise;
}
