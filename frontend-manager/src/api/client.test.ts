import { afterEach, describe, expect, it, vi } from 'vitest';
import { endSession, getAuthState, getToken, reconnectNow, refreshSession, setSession } from './auth';
import { authFetch } from './client';

const manager = { id: 1, email: 'a@b.ru', name: 'Мария', role: 'manager' as const, is_active: true };

afterEach(() => {
  vi.unstubAllGlobals();
  endSession();
});

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('authFetch', () => {
  it('sends the bearer token, refreshes once on 401 and retries', async () => {
    setSession({ access_token: 'old', token_type: 'bearer', expires_in: 1, manager });
    const seen: string[] = [];
    const fetchMock = vi.fn(async (input: Request | string) => {
      const req = input instanceof Request ? input : new Request(`http://x${input}`);
      const path = new URL(req.url).pathname;
      seen.push(`${path} ${req.headers.get('Authorization') ?? ''}`);
      if (path.endsWith('/auth/refresh')) return json(200, { access_token: 'new', token_type: 'bearer', expires_in: 7200, manager });
      return req.headers.get('Authorization') === 'Bearer new' ? json(200, { ok: true }) : json(401, { status: 401 });
    });
    vi.stubGlobal('fetch', fetchMock);
    const res = await authFetch(new Request('http://localhost/api/manager/clients', { method: 'GET' }));
    expect(res.status).toBe(200);
    expect(getToken()).toBe('new');
    expect(seen).toEqual([
      '/api/manager/clients Bearer old',
      '/api/manager/auth/refresh ',
      '/api/manager/clients Bearer new',
    ]);
  });

  it('ends the session when the refresh fails', async () => {
    setSession({ access_token: 'old', token_type: 'bearer', expires_in: 1, manager });
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { status: 401 })));
    const res = await authFetch(new Request('http://localhost/api/manager/clients'));
    expect(res.status).toBe(401);
    expect(getAuthState().status).toBe('anonymous');
  });

  it('keeps the session on a 5xx or a dropped refresh, and reports no connection', async () => {
    setSession({ access_token: 'old', token_type: 'bearer', expires_in: 1, manager });
    const fetchMock = vi.fn(async (input: Request | string) => {
      const req = input instanceof Request ? input : new Request(`http://x${input}`);
      if (new URL(req.url).pathname.endsWith('/auth/refresh')) return json(502, { status: 502 });
      return json(401, { status: 401 });
    });
    vi.stubGlobal('fetch', fetchMock);
    await expect(authFetch(new Request('http://localhost/api/manager/clients'))).rejects.toBeInstanceOf(TypeError);
    expect(getAuthState().status).toBe('authenticated');
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(authFetch(new Request('http://localhost/api/manager/clients'))).rejects.toBeInstanceOf(TypeError);
    expect(getAuthState().status).toBe('authenticated');
    expect(getToken()).toBe('old');
  });
});

describe('refreshSession at start-up', () => {
  it('waits for the connection instead of signing out, and retries when online', async () => {
    vi.useFakeTimers();
    try {
      const calls: number[] = [];
      let answer: () => Promise<Response> = () => Promise.reject(new TypeError('Failed to fetch'));
      vi.stubGlobal('fetch', vi.fn(async () => {
        calls.push(Date.now());
        return answer();
      }));
      expect(await refreshSession()).toBe('unreachable');
      expect(getAuthState().status).toBe('unreachable');
      answer = async () => json(200, { access_token: 'fresh', token_type: 'bearer', expires_in: 7200, manager });
      window.dispatchEvent(new Event('online'));
      await vi.waitFor(() => expect(getAuthState().status).toBe('authenticated'));
      expect(getToken()).toBe('fresh');
      expect(calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('goes to the login only on a 401', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(503, { status: 503 })));
    expect(await refreshSession()).toBe('unreachable');
    expect(getAuthState().status).not.toBe('anonymous');
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { status: 401 })));
    expect(await reconnectNow()).toBe('expired');
    expect(getAuthState().status).toBe('anonymous');
  });
});
