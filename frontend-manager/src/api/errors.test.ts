import { describe, expect, it } from 'vitest';
import { ApiError, describeError, fieldErrors, STALE_VERSION_MESSAGE, toApiError } from './errors';

describe('fieldErrors', () => {
  it('maps loc to the field named by its last element', () => {
    const { byField, rest } = fieldErrors(
      [
        { loc: ['body', 'series'], msg: 'Серия — 4 цифры' },
        { loc: ['body', 'unknown_thing'], msg: 'что-то не так' },
      ],
      ['series', 'number'],
    );
    expect(byField).toEqual({ series: 'Серия — 4 цифры' });
    expect(rest).toEqual(['что-то не так']);
  });

  it('maps nested locations to dotted paths', () => {
    const { byField } = fieldErrors([{ loc: ['body', 'address', 'city'], msg: 'Укажите город' }], [
      'name',
      'address.city',
    ]);
    expect(byField).toEqual({ 'address.city': 'Укажите город' });
  });

  it('falls back to a field whose path ends with the last element', () => {
    const { byField } = fieldErrors([{ loc: ['postal_code'], msg: 'Индекс' }], ['address.postal_code']);
    expect(byField).toEqual({ 'address.postal_code': 'Индекс' });
  });

  it('keeps the first message per field', () => {
    const { byField } = fieldErrors(
      [
        { loc: ['body', 'phone'], msg: 'first' },
        { loc: ['body', 'phone'], msg: 'second' },
      ],
      ['phone'],
    );
    expect(byField.phone).toBe('first');
  });
});

describe('toApiError', () => {
  it('reads problem+json and Retry-After', () => {
    const res = new Response('', { status: 429, headers: { 'Retry-After': '30' } });
    const err = toApiError({ status: 429, title: 'Too Many Requests', detail: 'Подождите', code: 'rate_limited' }, res);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.retryAfter).toBe(30);
    expect(err.code).toBe('rate_limited');
    expect(describeError(err)).toBe('Слишком много попыток. Повторите через 30 с.');
  });

  it("understands FastAPI's plain {detail: [...]} as field errors", () => {
    const res = new Response('', { status: 422 });
    const err = toApiError({ detail: [{ loc: ['body', 'email'], msg: 'bad' }] }, res);
    expect(err.problem.errors).toEqual([{ loc: ['body', 'email'], msg: 'bad' }]);
  });
});

describe('describeError', () => {
  it('explains a stale version', () => {
    const err = new ApiError({ status: 409, code: 'version_conflict', detail: 'stale' });
    expect(describeError(err)).toBe(STALE_VERSION_MESSAGE);
  });
  it('keeps the detail of other conflicts', () => {
    const err = new ApiError({ status: 409, code: 'already_claimed', detail: 'Клиент уже у другого менеджера' });
    expect(describeError(err)).toBe('Клиент уже у другого менеджера');
  });
  it('never shows a raw network error', () => {
    expect(describeError(new TypeError('Failed to fetch'))).toMatch(/Нет связи/);
  });
  it('hides server internals behind a retry sentence', () => {
    expect(describeError(new ApiError({ status: 503, detail: 'db down' }))).toMatch(/Повторите/);
  });
});
