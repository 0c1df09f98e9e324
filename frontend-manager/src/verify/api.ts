// Public verification (/api/public): anyone may ask, so no token, no cookie and no refresh on
// 401 — a visitor without the manager's session must never be sent to /login.
import createClient from 'openapi-fetch';
import { unwrap } from '../api/client';
import type { components, paths } from '../api/schema';

export type PublicContract = components['schemas']['PublicContract'];
export type Match = components['schemas']['Match'];

// `fetch` looked up per call (not captured once), like the manager client's.
const publicApi = createClient<paths>({ baseUrl: '', credentials: 'omit', fetch: (request) => fetch(request) });

export const getPublicContract = (number: string) =>
  unwrap(publicApi.GET('/api/public/contracts/{number}', { params: { path: { number } } }));

export const checkHash = (number: string, sha256: string) =>
  unwrap(
    publicApi.POST('/api/public/contracts/{number}/check', {
      params: { path: { number } },
      body: { sha256 },
    }),
  );
