// The generated, typed API client. Adds the bearer token, refreshes once on 401 and retries.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { AUTH_BASE, getToken, refreshSession } from './session';
import { toApiError } from './errors';

function withAuth(request: Request, token: string | null): Request {
  const headers = new Headers(request.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/** fetch with the access token; one refresh and retry on 401 (except for the auth calls). */
export async function authFetch(input: Request): Promise<Response> {
  const retryCopy = input.clone();
  const response = await fetch(withAuth(input, getToken()));
  if (response.status !== 401 || new URL(input.url).pathname.startsWith(AUTH_BASE)) {
    return response;
  }
  // refreshSession() ends the session itself when the server refuses the cookie (the screens
  // then go to /login?next=…); a network failure keeps it, so a flaky connection logs no one out.
  if (!(await refreshSession())) return response;
  return fetch(withAuth(retryCopy, getToken()));
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
