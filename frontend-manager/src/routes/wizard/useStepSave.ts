import { useState } from 'react';
import { ApiError, applyServerErrors, describeError, STALE_VERSION_MESSAGE } from '../../api/errors';
import { removeDraft } from '../../lib/drafts';
import { useRefreshClient } from './useClientCard';

/**
 * Runs a step's save: on success the draft goes and the card is refetched (new version);
 * on failure the typed values stay on screen, field errors go beside their fields and a banner
 * offers a retry.
 */
export function useStepSave(clientId: string, step: string, fields: readonly string[]) {
  const refresh = useRefreshClient(clientId);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);

  async function run(
    save: () => Promise<unknown>,
    setFieldError: (name: never, e: { type: string; message: string }) => void,
  ): Promise<boolean> {
    setError(null);
    setStale(false);
    try {
      await save();
      removeDraft(clientId, step);
      await refresh();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setStale(!err.code || /version|stale/i.test(err.code));
        setError(describeError(err) || STALE_VERSION_MESSAGE);
      } else {
        setError(applyServerErrors(err, fields, setFieldError));
      }
      return false;
    }
  }

  return { run, error, stale, refresh, clearError: () => setError(null) };
}
