// RFC 9457 problem+json → something a form can show beside its fields.

export interface ProblemFieldError {
  loc: (string | number)[];
  msg: string;
  type?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: ProblemFieldError[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly problem: Problem;
  readonly status: number;
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title || `Ошибка ${problem.status}`);
    this.name = 'ApiError';
    this.problem = problem;
    this.status = problem.status;
    this.retryAfter = retryAfter;
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).status === 'number';
}

/** Builds an ApiError from whatever the server answered (problem+json, FastAPI's detail, or text). */
export function toApiError(body: unknown, response: Response): ApiError {
  const retry = response.headers.get('Retry-After');
  const retryAfter = retry !== null && /^\d+$/.test(retry) ? Number(retry) : null;
  if (isProblem(body)) return new ApiError(body, retryAfter);
  const problem: Problem = { status: response.status, title: response.statusText };
  if (typeof body === 'object' && body !== null && 'detail' in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === 'string') problem.detail = detail;
    else if (Array.isArray(detail)) problem.errors = detail as ProblemFieldError[];
  } else if (typeof body === 'string' && body) {
    problem.detail = body;
  }
  return new ApiError(problem, retryAfter);
}

/**
 * Maps `errors[].loc` to form field paths. The leading "body" is dropped; nested locations
 * become dotted paths (`["body","address","city"]` → `address.city`). When `fields` is given,
 * a location is matched by its full path first, then by its last element.
 */
export function fieldErrors(
  errors: ProblemFieldError[] | undefined,
  fields?: readonly string[],
): { byField: Record<string, string>; rest: string[] } {
  const byField: Record<string, string> = {};
  const rest: string[] = [];
  for (const err of errors ?? []) {
    const loc = (err.loc ?? []).filter((p) => p !== 'body' && p !== 'query' && p !== 'path');
    const path = loc.map(String).join('.');
    const last = loc.length ? String(loc[loc.length - 1]) : '';
    let key: string | null = null;
    if (!fields) key = path || null;
    else if (fields.includes(path)) key = path;
    else if (last && fields.includes(last)) key = last;
    else if (last) key = fields.find((f) => f.endsWith(`.${last}`)) ?? null;
    if (key && !(key in byField)) byField[key] = err.msg;
    else rest.push(err.msg);
  }
  return { byField, rest };
}

export const STALE_VERSION_MESSAGE = 'Данные изменил другой менеджер, обновите страницу.';

/** A sentence for the manager, in Russian, for any failure. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 409 && (!error.code || /version|stale/i.test(error.code))) {
      return STALE_VERSION_MESSAGE;
    }
    if (error.status === 429) {
      const wait = error.retryAfter ? ` Повторите через ${error.retryAfter} с.` : '';
      return `Слишком много попыток.${wait}`;
    }
    if (error.status >= 500) return 'Сервер временно недоступен. Повторите попытку.';
    return error.problem.detail || error.problem.title || `Ошибка ${error.status}`;
  }
  if (error instanceof TypeError) return 'Нет связи с сервером. Проверьте подключение и повторите.';
  if (error instanceof Error) return error.message;
  return 'Неизвестная ошибка';
}

/** Applies a problem's field errors to a react-hook-form instance; returns what was left over. */
export function applyServerErrors(
  error: unknown,
  fields: readonly string[],
  setError: (name: never, e: { type: string; message: string }) => void,
): string | null {
  if (!(error instanceof ApiError)) return describeError(error);
  const { byField, rest } = fieldErrors(error.problem.errors, fields);
  for (const [name, message] of Object.entries(byField)) {
    setError(name as never, { type: 'server', message });
  }
  if (Object.keys(byField).length && !rest.length) return 'Исправьте отмеченные поля.';
  if (rest.length) return rest.join(' ');
  return describeError(error);
}
