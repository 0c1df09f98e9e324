import { useSyncExternalStore } from 'react';
import { isOnline, subscribeConnectivity } from './connectivity';

/** Whether the server can be reached, for components (the offline banner). */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribeConnectivity, isOnline, isOnline);
}
