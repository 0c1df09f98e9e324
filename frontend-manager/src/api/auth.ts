// The session for React components: the store lives in session.ts (no React there).
import { useSyncExternalStore } from 'react';
import { getAuthState, subscribeAuth, type AuthState } from './session';

export * from './session';

export function useAuth(): AuthState {
  return useSyncExternalStore(subscribeAuth, getAuthState, getAuthState);
}
