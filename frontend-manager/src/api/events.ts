// Live updates from GET /api/manager/events. EventSource cannot send the Authorization header
// (the token is only in memory), so the stream is read with fetch and parsed here.
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { getToken, refreshSession } from './auth';

export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

/** Feeds chunks of an SSE stream; calls onEvent for each complete event. */
export function createSseParser(onEvent: (e: ServerEvent) => void) {
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  let id: string | undefined;
  return (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length) onEvent({ event, data: data.join('\n'), id });
        event = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon >= 0 ? line.slice(0, colon) : line;
      const value = colon >= 0 ? line.slice(colon + 1).replace(/^ /, '') : '';
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  };
}

async function streamEvents(
  signal: AbortSignal,
  onEvent: (e: ServerEvent) => void,
  onOpen: () => void,
): Promise<void> {
  const token = getToken();
  const res = await fetch('/api/manager/events', {
    headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    cache: 'no-store',
    signal,
  });
  if (res.status === 401) {
    await refreshSession();
    throw new Error('unauthorized');
  }
  if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const feed = createSseParser(onEvent);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    feed(value);
  }
}

/** Keeps one live connection while mounted; any client.* event refreshes lists and that card. */
export function useLiveUpdates(enabled: boolean): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled) return undefined;
    const controller = new AbortController();
    let delay = 1000;
    let stopped = false;
    const onEvent = (e: ServerEvent) => {
      delay = 1000;
      const name = e.event !== 'message' ? e.event : '';
      let payload: { type?: string; client_id?: string | number } = {};
      try {
        payload = JSON.parse(e.data) as typeof payload;
      } catch {
        /* keep-alive or plain text */
      }
      const type = name || payload.type || '';
      if (type === 'unauthorized') {
        // The server ended the stream: the token expired or the session was revoked.
        void refreshSession();
        return;
      }
      if (type === 'resync') {
        // The server may have dropped events for this stream: read everything again.
        void queryClient.invalidateQueries({ queryKey: ['clients'] });
        void queryClient.invalidateQueries({ queryKey: ['client'] });
        return;
      }
      if (!type.startsWith('client.')) return;
      void queryClient.invalidateQueries({ queryKey: ['clients'] });
      if (payload.client_id !== undefined) {
        void queryClient.invalidateQueries({ queryKey: ['client', String(payload.client_id)] });
      }
    };
    (async () => {
      while (!stopped) {
        try {
          // Changes made between the list's fetch and this stream opening were not delivered:
          // read the lists again once it is open.
          await streamEvents(controller.signal, onEvent, () => {
            void queryClient.invalidateQueries({ queryKey: ['clients'] });
          });
          // The stream ended: lists may have missed changes meanwhile.
          void queryClient.invalidateQueries({ queryKey: ['clients'] });
        } catch {
          if (stopped) return;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30000);
      }
    })();
    return () => {
      stopped = true;
      controller.abort();
    };
  }, [enabled, queryClient]);
}
