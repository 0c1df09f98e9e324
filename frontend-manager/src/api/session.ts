// Session state. The access token lives only in this module's memory; the refresh token is an
// HttpOnly cookie that the browser sends to /api/manager/auth/* by itself.
import { useSyncExternalStore } from 'react';
import { clearAllDrafts } from '../lib/drafts';

import type { components } from './schema';

export type Manager = components['schemas']['ManagerOut'];
export type TokenResponse = components['schemas']['TokenOut'];

export type AuthStatus = 'unknown' | 'authenticated' | 'anonymous';

interface AuthState {
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

export function useAuth(): AuthState {
  return useSyncExternalStore(subscribeAuth, getAuthState, getAuthState);
}

export const AUTH_BASE = '/api/manager/auth';

let refreshing: Promise<boolean> | null = null;

/** Ask for a new access token with the refresh cookie; concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
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
        setSession((await res.json()) as TokenResponse);
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
