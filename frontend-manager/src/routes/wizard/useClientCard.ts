import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { getClient } from '../../api/endpoints';
import type { ClientCard, Contract } from '../../api/types';

export function clientKey(id: string) {
  return ['client', id] as const;
}

export function useClientCard(id: string) {
  return useQuery({ queryKey: clientKey(id), queryFn: () => getClient(id) });
}

/** After a write: fetch the card again (new version) before moving on, and refresh the lists. */
export function useRefreshClient(id: string) {
  const queryClient = useQueryClient();
  return useCallback(async () => {
    void queryClient.invalidateQueries({ queryKey: ['clients'] });
    await queryClient.refetchQueries({ queryKey: clientKey(id), exact: true });
  }, [id, queryClient]);
}

/**
 * Puts what a contract call answered into the cached card, so the screen shows it at once
 * (and keeps it if the read-back fails); the refetch that follows replaces it with the server's.
 */
export function useUpdateContract(id: string) {
  const queryClient = useQueryClient();
  return useCallback(
    (update: (current: Contract | null) => Contract | null) => {
      queryClient.setQueryData<ClientCard>(clientKey(id), (card) =>
        card ? { ...card, contract: update(card.contract ?? null) } : card,
      );
    },
    [id, queryClient],
  );
}
