import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientCard, Contract, TariffCalc } from '../../api/types';
import { deferred, json, stubFetch, type ApiCall } from '../../test/fetch';
import { makeCard, renderAt } from '../../test/render';
import { Step4Contract } from './Step4Contract';
import { useClientCard } from './useClientCard';

const CARD = '/api/manager/clients/7';
const GENERATE = `${CARD}/contract/generate`;
const RESEND = `${CARD}/contract/resend-otp`;
const CONFIRM = `${CARD}/contract/confirm`;

const TARIFF: TariffCalc = {
  tariff_code: 'standard',
  tariff_name: 'Стандарт',
  base: '990.00',
  breakdown: [{ label: 'Тариф «Стандарт»', amount: '990.00' }],
  device_count: 1,
  devices_part: '0.00',
  total: '990.00',
  already_paid: '0.00',
  surcharge: '990.00',
  applied_at: '2026-11-23T10:00:00Z',
} as TariffCalc;

function contract(overrides: Partial<Contract> = {}): Contract {
  const soon = (s: number) => new Date(Date.now() + s * 1000).toISOString();
  return {
    id: 11,
    number: 'PM-2026-000011',
    status: 'awaiting_signature',
    surcharge: '990.00',
    pdf_url: '/files/contract.pdf',
    pdf_sha256: 'ab'.repeat(32),
    pep_version: '1',
    pep_sha256: 'cd'.repeat(32),
    pep_agreed_at: '2026-11-23T10:00:00Z',
    otp_expires_at: soon(600),
    otp_resend_at: soon(-1),
    otp_attempts_left: 5,
    created_at: '2026-11-23T10:00:00Z',
    ...overrides,
  } as Contract;
}

const envelope = (c: Contract) => ({ contract: c, client_status: 'awaiting_signature', client_version: 5, current_step: '4' });

// What the server holds: each GET of the card reads it, each test moves it on.
let server: ClientCard;
let calls: ApiCall[];

function stub(routes: Parameters<typeof stubFetch>[0] = {}) {
  calls = stubFetch({
    [`GET ${CARD}`]: () => json(200, server),
    'GET /api/manager/tariffs': () => json(200, { items: [] }),
    'GET /api/manager/pep-agreement': () => json(200, { text: 'Соглашение о ПЭП', version: '1', sha256: 'x' }),
    ...routes,
  });
}

const posts = (path: string) => calls.filter((c) => c.method === 'POST' && c.path === path);
const cardReads = () => calls.filter((c) => c.method === 'GET' && c.path === CARD).length;

/** Step 4 as the wizard renders it: from the cached card, which the step's calls update. */
function Step4FromCard() {
  const card = useClientCard('7');
  return card.data ? <Step4Contract clientId="7" card={card.data} /> : null;
}

async function renderStep4(card: ClientCard) {
  server = card;
  const utils = renderAt(<Step4FromCard />, { path: '/clients/:id/step/4', route: '/clients/7/step/4' });
  await screen.findByTestId('step-4');
  return utils;
}

async function typeCode(code: string) {
  const user = userEvent.setup();
  await user.type(screen.getByTestId('otp-input'), code);
  await user.click(screen.getByTestId('otp-submit'));
  return user;
}

beforeEach(() => stub());
afterEach(() => vi.unstubAllGlobals());

describe('Step 4: generating the contract', () => {
  it('keeps the button disabled while the contract is on its way, then shows the code entry', async () => {
    const answer = deferred<Response>();
    stub({ [`POST ${GENERATE}`]: () => answer.promise });
    const user = userEvent.setup();
    await renderStep4(makeCard({ tariff: TARIFF }));
    const button = screen.getByTestId('contract-generate');
    expect(button).toBeDisabled();
    await user.click(screen.getByTestId('pep-agree'));
    expect(button).toBeEnabled();
    await user.click(button);
    await waitFor(() => expect(button).toBeDisabled());
    expect(button).toHaveTextContent('Формируем договор…');
    expect(posts(GENERATE)[0].body).toEqual({ pep_agreed: true });

    const reads = cardReads();
    server = makeCard({ tariff: TARIFF, contract: contract() });
    answer.resolve(json(200, envelope(contract())));
    expect(await screen.findByTestId('contract-number')).toHaveTextContent('PM-2026-000011');
    await waitFor(() => expect(cardReads()).toBe(reads + 1));
    expect(screen.getByTestId('otp-attempts')).toHaveTextContent('Осталось попыток: 5');
    expect(screen.queryByTestId('contract-generate')).not.toBeInTheDocument();
  });

  it('asks for a tariff first', async () => {
    const user = userEvent.setup();
    await renderStep4(makeCard());
    await user.click(screen.getByTestId('pep-agree'));
    expect(screen.getByTestId('contract-generate')).toBeDisabled();
    expect(screen.getByText('Сначала выберите тариф.')).toBeInTheDocument();
  });

  it('shows a failed generation with a retry that works', async () => {
    let fail = true;
    stub({
      [`POST ${GENERATE}`]: () => {
        if (fail) return json(500, { status: 500, detail: 'boom' });
        server = makeCard({ tariff: TARIFF, contract: contract() });
        return json(200, envelope(contract()));
      },
    });
    const user = userEvent.setup();
    await renderStep4(makeCard({ tariff: TARIFF }));
    await user.click(screen.getByTestId('pep-agree'));
    await user.click(screen.getByTestId('contract-generate'));
    expect(await screen.findByTestId('generate-error')).toHaveTextContent('Сервер временно недоступен. Повторите попытку.');
    expect(screen.getByTestId('contract-generate')).toBeEnabled();
    fail = false;
    await user.click(screen.getByTestId('generate-error-retry'));
    expect(await screen.findByTestId('otp-section')).toBeInTheDocument();
    expect(posts(GENERATE)).toHaveLength(2);
  });
});

describe('Step 4: the code', () => {
  it('puts a wrong code refusal beside the field and counts the attempts down', async () => {
    stub({
      [`POST ${CONFIRM}`]: () =>
        json(422, { status: 422, code: 'otp_invalid', detail: 'Неверный код. Осталось попыток: 3', attempts_left: 3 }),
    });
    await renderStep4(makeCard({ tariff: TARIFF, contract: contract({ otp_attempts_left: 4 }) }));
    const reads = cardReads();
    await typeCode('123456');
    const input = screen.getByTestId('otp-input');
    await waitFor(() => expect(input).toHaveAttribute('aria-invalid', 'true'));
    const field = input.closest('.field') as HTMLElement;
    expect(within(field).getByRole('alert')).toHaveTextContent(/^Неверный код\.$/);
    expect(input.getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByTestId('otp-attempts')).toHaveTextContent('Осталось попыток: 3');
    // The count is said once, on its own line, not again in the refusal.
    expect(screen.getAllByText(/Осталось попыток/)).toHaveLength(1);
    expect(input).toHaveValue('');
    expect(screen.getByTestId('otp-submit')).toHaveTextContent('Подписать');
    expect(posts(CONFIRM)[0].body).toEqual({ code: '123456' });
    // The answer carried the count: no need to read the card back.
    expect(cardReads()).toBe(reads);
  });

  it('reads the count back from the card when the refusal did not carry it', async () => {
    stub({ [`POST ${CONFIRM}`]: () => json(409, { status: 409, code: 'contract_void', detail: 'Договор заменён' }) });
    await renderStep4(makeCard({ tariff: TARIFF, contract: contract({ otp_attempts_left: 4 }) }));
    server = makeCard({ tariff: TARIFF, contract: contract({ otp_attempts_left: 2 }) });
    await typeCode('123456');
    await waitFor(() => expect(screen.getByTestId('otp-attempts')).toHaveTextContent('Осталось попыток: 2'));
    expect(screen.getByText('Неверный код.')).toBeInTheDocument();
  });

  it('refuses a code that is not six digits without asking the server', async () => {
    await renderStep4(makeCard({ tariff: TARIFF, contract: contract() }));
    await typeCode('12a3');
    expect(await screen.findByText('Код — 6 цифр из сообщения клиенту.')).toBeInTheDocument();
    expect(screen.getByTestId('otp-input')).toHaveValue('123');
    expect(posts(CONFIRM)).toHaveLength(0);
  });

  it('locks the contract after the last wrong code and starts afresh with a new one', async () => {
    stub({
      [`POST ${CONFIRM}`]: () => json(409, { status: 409, code: 'contract_locked', detail: 'Договор заблокирован' }),
      [`POST ${GENERATE}`]: () => {
        server = makeCard({ tariff: TARIFF, contract: contract({ id: 12, number: 'PM-2026-000012' }) });
        return json(200, envelope(contract({ id: 12, number: 'PM-2026-000012' })));
      },
    });
    await renderStep4(makeCard({ tariff: TARIFF, contract: contract({ otp_attempts_left: 1 }) }));
    const user = await typeCode('123456');
    expect(await screen.findByTestId('contract-locked')).toHaveTextContent('Договор PM-2026-000011 заблокирован');
    expect(screen.queryByTestId('otp-section')).not.toBeInTheDocument();
    const again = screen.getByTestId('contract-generate');
    expect(again).toHaveTextContent('Сформировать договор заново');
    await user.click(screen.getByTestId('pep-agree'));
    await user.click(again);
    expect(await screen.findByTestId('contract-number')).toHaveTextContent('PM-2026-000012');
    expect(screen.getByTestId('otp-input')).toHaveValue('');
    expect(screen.getByTestId('otp-input')).toHaveAttribute('aria-invalid', 'false');
    expect(screen.getByTestId('otp-attempts')).toHaveTextContent('Осталось попыток: 5');
  });

  it('signs with the right code, reads the card back and moves on', async () => {
    const answer = deferred<Response>();
    stub({ [`POST ${CONFIRM}`]: () => answer.promise });
    await renderStep4(makeCard({ tariff: TARIFF, contract: contract() }));
    await typeCode('654321');
    await waitFor(() => expect(screen.getByTestId('otp-submit')).toBeDisabled());
    expect(screen.getByTestId('otp-submit')).toHaveTextContent('Проверяем…');
    const reads = cardReads();
    server = makeCard({ status: 'signed', tariff: TARIFF, contract: contract({ status: 'signed' }) });
    answer.resolve(json(200, envelope(contract({ status: 'signed' }))));
    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
    expect(cardReads()).toBe(reads + 1);
  });
});

describe('Step 4: the tariff', () => {
  it('gives prices with their period and every breakdown sum in one format', async () => {
    stub({
      'GET /api/manager/tariffs': () =>
        json(200, {
          items: [
            { code: 'monthly', name: 'Помесячный', description: '', base_price: '990.00', included_devices: 1,
              extra_device_price: '250.00', kind_multipliers: {}, is_active: true, version: 1, period_months: 1 },
            { code: 'standard', name: 'Стандарт', description: '', base_price: '9900.00', included_devices: 2,
              extra_device_price: '1490.00', kind_multipliers: {}, is_active: true, version: 1, period_months: 12 },
          ],
        }),
    });
    const calc = {
      ...TARIFF,
      period_months: 12,
      breakdown: [
        { label: 'Тариф «Стандарт»: абонентская плата (включено устройств: 2)', amount: '9900.00' },
        { label: 'Телевизор LG OLED55: дополнительное устройство (коэффициент 1,25)', amount: '1862.50' },
      ],
      total: '11762.50',
      surcharge: '11762.50',
    } as TariffCalc;
    await renderStep4(makeCard({ tariff: calc }));
    const plain = (el: HTMLElement) => (el.textContent ?? '').replace(/\u00a0|\u202f/g, ' ');
    expect(plain(await screen.findByTestId('tariff-price-monthly'))).toBe('990,00 ₽ в месяц');
    expect(plain(screen.getByTestId('tariff-price-standard'))).toBe('9 900,00 ₽ за 12 месяцев');
    expect(plain(screen.getByTestId('tariff-total'))).toBe('11 762,50 ₽ за 12 месяцев');
    // The one-off surcharge has no period; every sum in the table is «N NNN,NN ₽».
    expect(plain(screen.getByTestId('tariff-surcharge'))).toBe('11 762,50 ₽');
    const sums = within(screen.getByTestId('tariff-breakdown'))
      .getAllByRole('cell')
      .map((c) => plain(c));
    expect(sums).toHaveLength(5);
    for (const sum of sums) expect(sum).toMatch(/^\d{1,3}( \d{3})*,\d{2} ₽( за 12 месяцев)?$/);
  });
});

describe('Step 4: the timers', () => {
  it('start at 10:00 and 1:00 on the first render, whatever the tablet\'s clock says', async () => {
    // The server's clock is an hour ahead of this device's: its moments would read 70:00.
    const hourAhead = (s: number) => new Date(Date.now() + 3600_000 + s * 1000).toISOString();
    await renderStep4(
      makeCard({
        tariff: TARIFF,
        contract: contract({
          otp_expires_at: hourAhead(600),
          otp_resend_at: hourAhead(60),
          otp_expires_in: 600,
          otp_resend_in: 60,
        }),
      }),
    );
    expect(screen.getByTestId('otp-section')).toHaveTextContent('Действует ещё 10:00.');
    expect(screen.getByTestId('otp-resend')).toHaveTextContent(/^Отправить код повторно через 1:00$/);
  });

  it('count down from the answer\'s arrival', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      await renderStep4(makeCard({ tariff: TARIFF, contract: contract({ otp_expires_in: 600, otp_resend_in: 60 }) }));
      expect(screen.getByTestId('otp-section')).toHaveTextContent('Действует ещё 10:00.');
      await vi.advanceTimersByTimeAsync(1200);
      await waitFor(() => expect(screen.getByTestId('otp-section')).toHaveTextContent('Действует ещё 9:59.'));
      expect(screen.getByTestId('otp-resend')).toHaveTextContent(/через 0:59$/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Step 4: sending the code again', () => {
  it('waits out the cooldown on the button', async () => {
    await renderStep4(makeCard({ tariff: TARIFF, contract: contract({ otp_resend_at: new Date(Date.now() + 90_000).toISOString() }) }));
    const resend = screen.getByTestId('otp-resend');
    expect(resend).toBeDisabled();
    expect(resend).toHaveTextContent(/^Отправить код повторно через 1:(29|30)$/);
  });

  it('says when a new code may be sent, then confirms the new one and clears the refusal', async () => {
    let early = true;
    stub({
      [`POST ${RESEND}`]: () => {
        if (early) return json(429, { status: 429, detail: 'Слишком рано' }, { 'Retry-After': '75' });
        const fresh = contract({ otp_resend_at: new Date(Date.now() + 60_000).toISOString() });
        server = makeCard({ tariff: TARIFF, contract: fresh });
        return json(200, envelope(fresh));
      },
    });
    const user = userEvent.setup();
    await renderStep4(makeCard({ tariff: TARIFF, contract: contract() }));
    await user.click(screen.getByTestId('otp-resend'));
    expect(await screen.findByText('Новый код можно отправить через 1:15.')).toBeInTheDocument();
    expect(screen.queryByTestId('otp-resent')).not.toBeInTheDocument();
    early = false;
    await user.click(screen.getByTestId('otp-resend'));
    expect(await screen.findByTestId('otp-resent')).toHaveTextContent(
      'Новый код отправлен клиенту в чат поддержки. Прежний код больше не действует.',
    );
    expect(screen.queryByText('Новый код можно отправить через 1:15.')).not.toBeInTheDocument();
    // The new cooldown comes with the answer.
    expect(screen.getByTestId('otp-resend')).toBeDisabled();
  });

  it('says the data changed when the code died with an edit, and offers a new contract', async () => {
    stub({
      [`POST ${CONFIRM}`]: () =>
        json(409, {
          status: 409,
          code: 'contract_data_changed',
          detail: 'Данные клиента изменились: сформируйте договор заново',
        }),
    });
    await renderStep4(makeCard({ tariff: TARIFF, contract: contract() }));
    server = makeCard({
      tariff: TARIFF,
      contract: contract({ status: 'void', void_reason: 'Данные клиента изменились' }),
    });
    await typeCode('123456');
    expect(await screen.findByTestId('contract-data-changed')).toHaveTextContent(
      'Данные клиента изменились: сформируйте договор заново.',
    );
    expect(screen.queryByTestId('contract-locked')).not.toBeInTheDocument();
    expect(screen.queryByTestId('otp-section')).not.toBeInTheDocument();
    expect(screen.getByTestId('contract-generate')).toHaveTextContent('Сформировать договор заново');
  });

  it('shows the draft before any code is sent', async () => {
    const PREVIEW = `${CARD}/contract/preview`;
    stub({
      [`GET ${PREVIEW}`]: () =>
        new Response('%PDF-1.4 draft', { status: 200, headers: { 'Content-Type': 'application/pdf' } }),
    });
    const open = vi.fn();
    vi.stubGlobal('open', open);
    URL.createObjectURL = vi.fn(() => 'blob:draft');
    URL.revokeObjectURL = vi.fn();
    const user = userEvent.setup();
    await renderStep4(makeCard({ tariff: TARIFF, contract: null }));
    const button = screen.getByTestId('contract-preview');
    expect(button).toHaveTextContent('Показать проект договора');
    // It comes before the button that sends the code.
    expect(button.compareDocumentPosition(screen.getByTestId('contract-generate')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    await user.click(button);
    expect(await screen.findByTestId('contract-preview-link')).toHaveAttribute('href', 'blob:draft');
    expect(open).toHaveBeenCalledWith('blob:draft', '_blank', 'noopener');
    expect(posts(GENERATE)).toHaveLength(0);
  });
});
