import { afterEach, describe, expect, it, vi } from 'vitest';
import { endSession, getAuthState, getToken, setSession } from './auth';
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
});
