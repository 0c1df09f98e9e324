import { useEffect } from 'react';
import { saveDraft } from './drafts';

/**
 * Keeps a draft of a react-hook-form's values: `watch` is the form's watch(callback) API.
 * Written at every change (sessionStorage is synchronous and cheap) so a reload right after
 * typing still finds it.
 */
export function usePersistDraft<T>(
  clientId: string,
  step: string,
  watch: (cb: (values: T, info: { type?: string }) => void) => { unsubscribe: () => void },
  enabled = true,
): void {
  useEffect(() => {
    if (!enabled) return undefined;
    const sub = watch((values, info) => {
      // Only what the manager typed is a draft; values set by reset() come from the server.
      if (info.type === 'change') saveDraft(clientId, step, values);
    });
    return () => sub.unsubscribe();
  }, [clientId, step, watch, enabled]);
}
