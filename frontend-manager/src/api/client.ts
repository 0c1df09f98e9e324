// The generated, typed API client. Adds the bearer token, refreshes once on 401 and retries.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { AUTH_BASE, getToken, refreshSession } from './session';
import { toApiError } from './errors';
import { reportNetworkFailure, reportNetworkSuccess } from '../offline/connectivity';

function withAuth(request: Request, token: string | null): Request {
  const headers = new Headers(request.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/** fetch, telling the offline banner whether the server answered (a proxy's 502-504 is no
 * answer either). */
async function reach(request: Request): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(request);
  } catch (err) {
    reportNetworkFailure();
    throw err;
  }
  if (response.status >= 502 && response.status <= 504) reportNetworkFailure();
  else reportNetworkSuccess();
  return response;
}

/** fetch with the access token; one refresh and retry on 401 (except for the auth calls). */
export async function authFetch(input: Request): Promise<Response> {
  const retryCopy = input.clone();
  const response = await reach(withAuth(input, getToken()));
  if (response.status !== 401 || new URL(input.url).pathname.startsWith(AUTH_BASE)) {
    return response;
  }
  // refreshSession() ends the session itself when the server refuses the cookie (the screens
  // then go to /login?next=…); a network failure keeps it, so a flaky connection logs no one
  // out, and the caller sees it as what it is: no connection (a TypeError, like fetch's own).
  const refreshed = await refreshSession();
  if (refreshed === 'expired') return response;
  if (refreshed === 'unreachable') throw new TypeError('Нет связи с сервером');
  return reach(withAuth(retryCopy, getToken()));
}

export const api = createClient<paths>({
  baseUrl: '',
  credentials: 'include',
  fetch: authFetch,
});

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/** Unwraps an openapi-fetch result: the data, or a thrown ApiError. */
export async function unwrap<T>(promise: Promise<FetchResult<T>>): Promise<NonNullable<T>> {
  const { data, error, response } = await promise;
  if (!response.ok) throw toApiError(error, response);
  return data as NonNullable<T>;
}

export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
