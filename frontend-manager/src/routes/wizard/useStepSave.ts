import { useState } from 'react';
import { ApiError, applyServerErrors, describeError, STALE_VERSION_MESSAGE } from '../../api/errors';
import { removeDraft } from '../../lib/drafts';
import { discard } from '../../offline/outbox';
import { useRefreshClient } from './useClientCard';

/** What a save came to: on the server, queued in the outbox (no connection), or refused. */
export type SaveOutcome = 'saved' | 'queued' | 'failed';

/** A failure that says nothing about the request: it never got an answer. */
export function isNoConnection(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof ApiError && err.status >= 502 && err.status <= 504);
}

/**
 * Runs a step's save: on success the draft goes and the card is refetched (new version);
 * without a connection the step goes into the outbox (when `queue` is given) and is sent when
 * the connection returns; on a refusal the typed values stay on screen, field errors go beside
 * their fields and a banner offers a retry.
 */
export function useStepSave(clientId: string, step: string, fields: readonly string[]) {
  const refresh = useRefreshClient(clientId);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);

  async function run(
    save: () => Promise<unknown>,
    setFieldError: (name: never, e: { type: string; message: string }) => void,
    queue?: () => Promise<void>,
  ): Promise<SaveOutcome> {
    setError(null);
    setStale(false);
    try {
      await save();
      removeDraft(clientId, step);
      await discard(clientId, step).catch(() => undefined);
      await refresh();
      return 'saved';
    } catch (err) {
      if (queue && isNoConnection(err)) {
        try {
          await queue();
          return 'queued';
        } catch {
          // No IndexedDB (a private window of an old browser): the banner with retry below.
        }
      }
      if (err instanceof ApiError && err.status === 409) {
        setStale(!err.code || /version|stale/i.test(err.code));
        setError(describeError(err) || STALE_VERSION_MESSAGE);
      } else {
        setError(applyServerErrors(err, fields, setFieldError));
      }
      return 'failed';
    }
  }

  return { run, error, stale, refresh, clearError: () => setError(null) };
}
