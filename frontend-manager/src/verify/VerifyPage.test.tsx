import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, stubFetch } from '../test/fetch';
import { renderAt } from '../test/render';
import { sha256Hex } from './sha256';
import VerifyPage from './VerifyPage';

const NUMBER = 'PM-2026-000042';
const BASE = `/api/public/contracts/${NUMBER}`;
const awaiting = { number: NUMBER, status: 'awaiting_signature', signed_at: null, sealed: false, timestamped: false };

function open() {
  return renderAt(<VerifyPage />, { path: '/verify/:number', route: `/verify/${NUMBER}` });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('VerifyPage', () => {
  it('sends only the hash of the chosen file, without credentials, and shows the verdict', async () => {
    const calls = stubFetch({
      [`GET ${BASE}`]: () => json(200, awaiting),
      [`POST ${BASE}/check`]: () => json(200, { number: NUMBER, match: 'original' }),
    });
    const spy = vi.mocked(fetch);
    const user = userEvent.setup();
    open();
    expect(await screen.findByTestId('verify-status')).toHaveTextContent('Ожидает подписи');
    const bytes = new TextEncoder().encode('%PDF-1.4 договор');
    await user.upload(screen.getByTestId('verify-file'), new File([bytes], 'c.pdf', { type: 'application/pdf' }));
    const verdict = await screen.findByTestId('verify-verdict');
    expect(verdict).toHaveAttribute('data-match', 'original');
    expect(verdict).toHaveTextContent(`Это исходный экземпляр договора № ${NUMBER}`);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${BASE}`, `POST ${BASE}/check`]);
    expect(calls[1].body).toEqual({ sha256: await sha256Hex(bytes) });
    expect(spy).toHaveBeenCalledTimes(2);
    for (const [input] of spy.mock.calls) {
      const request = input as Request;
      expect(request.headers.get('Authorization')).toBeNull();
      expect(request.credentials).toBe('omit');
    }
  });

  it('says when the number is unknown, and offers no file check', async () => {
    stubFetch({
      [`GET ${BASE}`]: () => json(404, { status: 404, code: 'contract_not_found', detail: 'Договор с таким номером не найден' }),
    });
    open();
    expect(await screen.findByTestId('verify-not-found')).toHaveTextContent(`Договор № ${NUMBER} не найден`);
    expect(screen.queryByTestId('verify-file')).toBeNull();
  });

  it('tells how long to wait when the checks are throttled', async () => {
    stubFetch({
      [`GET ${BASE}`]: () => json(200, awaiting),
      [`POST ${BASE}/check`]: () =>
        json(429, { status: 429, code: 'too_many_requests', detail: 'x' }, { 'Retry-After': '30' }),
    });
    const user = userEvent.setup();
    open();
    await screen.findByTestId('verify-status');
    await user.upload(screen.getByTestId('verify-file'), new File(['x'], 'c.pdf', { type: 'application/pdf' }));
    const verdict = await screen.findByTestId('verify-verdict');
    expect(verdict).toHaveAttribute('data-match', 'error');
    expect(verdict).toHaveTextContent('Повторите через 30 с.');
  });
});
