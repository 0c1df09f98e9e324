// Session state. The access token lives only in this module's memory; the refresh token is an
// HttpOnly cookie that the browser sends to /api/manager/auth/* by itself. No React here: the
// entry script runs this before the app's code has even downloaded (see main.tsx).
import { clearAllDrafts } from '../lib/drafts';
import { isOnline, reportNetworkFailure, reportNetworkSuccess, subscribeConnectivity } from '../offline/connectivity';
import type { components } from './schema';

export type Manager = components['schemas']['ManagerOut'];
export type TokenResponse = components['schemas']['TokenOut'];

export type AuthStatus = 'unknown' | 'authenticated' | 'anonymous' | 'unreachable';

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

export type RefreshResult = 'ok' | 'expired' | 'unreachable';

// How long a refresh may take before it counts as "no connection" (a stalled Wi-Fi).
const REFRESH_TIMEOUT_MS = 15_000;
let refreshing: Promise<RefreshResult> | null = null;

/**
 * Ask for a new access token with the refresh cookie; concurrent callers share one request.
 * Only a 401 means the session is over (the screens then go to /login?next=…). A network
 * error, a timeout or a 5xx says nothing about the session: it is kept, and when there was
 * none yet (a reload) the app waits for the connection (status `unreachable`) and retries by
 * itself, with backoff, when the browser is online again.
 */
export function refreshSession(beforePublish?: (token: string) => void): Promise<RefreshResult> {
  if (!refreshing) {
    refreshing = (async (): Promise<RefreshResult> => {
      try {
        const res = await fetch(`${AUTH_BASE}/refresh`, {
          method: 'POST',
          credentials: 'include',
          headers: { Accept: 'application/json' },
          signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS),
        });
        if (res.status >= 502 && res.status <= 504) reportNetworkFailure();
        else reportNetworkSuccess();
        if (res.status === 401) {
          endSession();
          return 'expired';
        }
        if (!res.ok) throw new Error(`refresh answered ${res.status}`);
        const session = (await res.json()) as TokenResponse;
        beforePublish?.(session.access_token);
        setSession(session);
        reconnectAttempt = 0;
        return 'ok';
      } catch (err) {
        if (err instanceof TypeError || (err instanceof DOMException && err.name === 'TimeoutError')) {
          reportNetworkFailure();
        }
        if (state.status !== 'authenticated') {
          setState({ ...state, status: 'unreachable' });
          scheduleReconnect();
        }
        return 'unreachable';
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

// Backoff for restoring a session the network kept us from: 1 s, 2 s, 4 s … at most 30 s;
// the browser's `online` event tries at once.
let reconnectAttempt = 0;
let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

function scheduleReconnect() {
  if (reconnectTimer !== null) return;
  const delay = Math.min(30_000, 1000 * 2 ** reconnectAttempt);
  reconnectAttempt += 1;
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    void refreshSession();
  }, delay);
}

/** Try to restore the session now (the «Повторить» button, the `online` event). */
export function reconnectNow(): Promise<RefreshResult> {
  if (reconnectTimer !== null) clearTimeout(reconnectTimer);
  reconnectTimer = null;
  reconnectAttempt = 0;
  return refreshSession();
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => {
    if (state.status === 'unreachable') void reconnectNow();
  });
  // The server answered again (connectivity.ts probes it after a failure).
  subscribeConnectivity(() => {
    if (isOnline() && state.status === 'unreachable' && !refreshing) void reconnectNow();
  });
}

/** End the session and leave nothing of it on the device: drafts (sessionStorage), and the
 * outbox, the photo queue and their key (IndexedDB). */
export async function logout() {
  const token = state.token;
  clearAllDrafts();
  endSession();
  try {
    const offline = await import('../offline/db');
    await offline.deleteEverything();
  } catch {
    // No IndexedDB in this browser: nothing was kept there.
  }
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
