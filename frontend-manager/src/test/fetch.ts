import { vi } from 'vitest';

export interface ApiCall {
  method: string;
  path: string;
  body: unknown;
}

type Answer = (call: ApiCall) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } });
}

/**
 * Stubs `fetch` at the network boundary: the screens go through the real API client, its
 * token handling and its error mapping. `routes` answers "METHOD /path"; anything else gets a
 * 404 problem so that a call nobody expected shows in the test. Returns the calls, in order.
 */
export function stubFetch(routes: Record<string, Answer>): ApiCall[] {
  const calls: ApiCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request | string, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const text = await request.text();
      const call = { method: request.method, path: new URL(request.url).pathname, body: text ? JSON.parse(text) : null };
      calls.push(call);
      const answer = routes[`${call.method} ${call.path}`];
      return answer ? answer(call) : json(404, { status: 404, detail: `unexpected ${call.method} ${call.path}` });
    }),
  );
  return calls;
}

/** A promise the test settles itself, to look at a screen while its call is on the way. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
