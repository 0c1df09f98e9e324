import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { getClient } from '../../api/endpoints';

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
