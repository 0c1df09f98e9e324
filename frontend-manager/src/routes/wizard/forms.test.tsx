import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as endpoints from '../../api/endpoints';
import { ApiError } from '../../api/errors';
import { loadDraft, saveDraft } from '../../lib/drafts';
import { makeCard, renderAt } from '../../test/render';
import { Step1Profile } from './Step1Profile';
import { Step2Passport } from './Step2Passport';

vi.mock('../../api/endpoints', () => ({
  updateProfile: vi.fn(),
  putPassport: vi.fn(),
  getClient: vi.fn(),
}));

const mocked = vi.mocked(endpoints);
const STATE = {
  id: 7,
  status: 'in_progress' as const,
  current_step: '2' as const,
  version: 4,
  updated_at: '2026-11-23T10:00:00Z',
  assigned_manager: null,
};

beforeEach(() => {
  vi.resetAllMocks();
  mocked.getClient.mockResolvedValue(makeCard());
});

function renderStep1(card = makeCard()) {
  return renderAt(<Step1Profile clientId="7" card={card} />, { path: '/clients/:id/step/1', route: '/clients/7/step/1' });
}

function renderStep2(card = makeCard()) {
  return renderAt(<Step2Passport clientId="7" card={card} />, { path: '/clients/:id/step/2', route: '/clients/7/step/2' });
}

describe('Step 1: contact data and address', () => {
  it('fills the form from the card and saves with the version, phone normalised', async () => {
    const user = userEvent.setup();
    mocked.updateProfile.mockResolvedValue(STATE);
    renderStep1(makeCard({ profile: { name: 'Иван Петров', phone: '8 (900) 123-45-67', email: '' } }));
    expect(screen.getByLabelText('Город / населённый пункт')).toHaveValue('Москва');
    await user.click(screen.getByTestId('step1-submit'));
    await waitFor(() => expect(mocked.updateProfile).toHaveBeenCalled());
    const [id, version, body] = mocked.updateProfile.mock.calls[0];
    expect(id).toBe('7');
    expect(version).toBe(3);
    expect(body.phone).toBe('+79001234567');
    expect(body.address?.apartment).toBe('5');
    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
  });

  it('shows validation messages beside the fields and does not call the API', async () => {
    const user = userEvent.setup();
    renderStep1(makeCard({ profile: { name: '', phone: '123', email: 'nope' } }));
    await user.clear(screen.getByLabelText('Индекс'));
    await user.type(screen.getByLabelText('Индекс'), '12');
    await user.click(screen.getByTestId('step1-submit'));
    expect(await screen.findByText('Введите имя полностью')).toBeInTheDocument();
    expect(screen.getByText('Телефон в формате +7 900 000-00-00')).toBeInTheDocument();
    expect(screen.getByText('Некорректный e-mail')).toBeInTheDocument();
    expect(screen.getByText('Индекс — 6 цифр')).toBeInTheDocument();
    expect(screen.getByLabelText('ФИО')).toHaveAttribute('aria-invalid', 'true');
    expect(mocked.updateProfile).not.toHaveBeenCalled();
  });

  it('puts problem+json errors[].loc messages beside the matching fields', async () => {
    const user = userEvent.setup();
    mocked.updateProfile.mockRejectedValue(
      new ApiError({
        status: 422,
        code: 'validation_error',
        detail: 'Проверьте данные',
        errors: [
          { loc: ['body', 'address', 'city'], msg: 'Такого города нет' },
          { loc: ['body', 'phone'], msg: 'Номер не российский' },
        ],
      }),
    );
    renderStep1();
    await user.click(screen.getByTestId('step1-submit'));
    expect(await screen.findByText('Такого города нет')).toBeInTheDocument();
    expect(screen.getByText('Номер не российский')).toBeInTheDocument();
    const city = screen.getByLabelText('Город / населённый пункт');
    expect(city).toHaveAttribute('aria-invalid', 'true');
    expect(city.getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByTestId('save-error')).toHaveTextContent('Исправьте отмеченные поля');
  });

  it('explains a stale version and keeps the typed values', async () => {
    const user = userEvent.setup();
    mocked.updateProfile.mockRejectedValue(new ApiError({ status: 409, code: 'version_conflict', detail: 'stale' }));
    renderStep1();
    await user.clear(screen.getByLabelText('ФИО'));
    await user.type(screen.getByLabelText('ФИО'), 'Пётр Сидоров');
    await user.click(screen.getByTestId('step1-submit'));
    expect(await screen.findByTestId('save-error')).toHaveTextContent('Данные изменил другой менеджер, обновите');
    expect(screen.getByLabelText('ФИО')).toHaveValue('Пётр Сидоров');
    expect(loadDraft<{ name: string }>('7', '1')?.name).toBe('Пётр Сидоров');
  });

  it('says «Восстановлен несохранённый ввод» only after a real restore, not while typing', async () => {
    const user = userEvent.setup();
    renderStep1();
    await user.type(screen.getByLabelText('Квартира'), '7');
    expect(loadDraft<{ address: { apartment: string } }>('7', '1')?.address.apartment).toBe('57');
    expect(screen.queryByTestId('draft-restored')).not.toBeInTheDocument();
  });

  it('opens a signed client read-only and ignores a leftover draft', () => {
    saveDraft('7', '1', { name: 'Чужой ввод' });
    renderStep1(makeCard({ status: 'signed' }));
    expect(screen.getByTestId('step-fields')).toBeDisabled();
    expect(screen.getByLabelText('ФИО')).not.toHaveValue('Чужой ввод');
    expect(screen.queryByTestId('step1-submit')).not.toBeInTheDocument();
    expect(screen.queryByTestId('draft-restored')).not.toBeInTheDocument();
  });

  it('offers a retry when the network fails', async () => {
    const user = userEvent.setup();
    mocked.updateProfile.mockRejectedValueOnce(new TypeError('Failed to fetch')).mockResolvedValueOnce(STATE);
    renderStep1();
    await user.click(screen.getByTestId('step1-submit'));
    expect(await screen.findByTestId('save-error')).toHaveTextContent('Нет связи');
    await user.click(screen.getByTestId('save-error-retry'));
    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
    expect(mocked.updateProfile).toHaveBeenCalledTimes(2);
  });
});

describe('Step 2: passport', () => {
  const valid = {
    series: '4510',
    number: '123456',
    issued_by: 'ОВД Тверского района',
    issue_date: '2015-06-01',
    department_code: '770-001',
    birth_date: '1990-02-03',
    birth_place: 'г. Москва',
  };

  it('validates series, number, department code and dates', async () => {
    const user = userEvent.setup();
    saveDraft('7', '2', { ...valid, series: '45', number: 'abc', department_code: '77', issue_date: '2099-01-01' });
    renderStep2();
    await user.click(screen.getByTestId('step2-submit'));
    expect(await screen.findByText('Серия — 4 цифры')).toBeInTheDocument();
    expect(screen.getByText('Номер — 6 цифр')).toBeInTheDocument();
    expect(screen.getByText('Код подразделения в формате 000-000')).toBeInTheDocument();
    expect(screen.getByText('Дата выдачи в будущем')).toBeInTheDocument();
    expect(mocked.putPassport).not.toHaveBeenCalled();
  });

  it('takes the series as printed, «45 10», and sends it without the space', async () => {
    const user = userEvent.setup();
    saveDraft('7', '2', { ...valid, series: '45 10' });
    mocked.putPassport.mockResolvedValue(STATE);
    renderStep2();
    await user.click(screen.getByTestId('step2-submit'));
    await waitFor(() => expect(mocked.putPassport).toHaveBeenCalledWith('7', 3, valid));
  });

  it('refuses a passport not replaced at 45', async () => {
    const user = userEvent.setup();
    saveDraft('7', '2', { ...valid, birth_date: '1970-01-10', issue_date: '2000-02-01' });
    renderStep2();
    await user.click(screen.getByTestId('step2-submit'));
    expect(await screen.findByText('Паспорт недействителен: в 45 лет его нужно было заменить')).toBeInTheDocument();
    expect(mocked.putPassport).not.toHaveBeenCalled();
  });

  it('says when the issue date is before the birth date', async () => {
    const user = userEvent.setup();
    saveDraft('7', '2', { ...valid, issue_date: '1989-01-01' });
    renderStep2();
    await user.click(screen.getByTestId('step2-submit'));
    expect(await screen.findByText('Дата выдачи раньше даты рождения')).toBeInTheDocument();
    expect(mocked.putPassport).not.toHaveBeenCalled();
  });

  it('formats the department code while typing', async () => {
    const user = userEvent.setup();
    renderStep2();
    await user.type(screen.getByLabelText('Код подразделения'), '770001');
    expect(screen.getByLabelText('Код подразделения')).toHaveValue('770-001');
  });

  it('restores a typed draft after a reload and removes it once saved', async () => {
    const user = userEvent.setup();
    saveDraft('7', '2', valid);
    mocked.putPassport.mockResolvedValue(STATE);
    renderStep2();
    expect(screen.getByTestId('draft-restored')).toBeInTheDocument();
    expect(screen.getByLabelText('Серия')).toHaveValue('4510');
    expect(screen.getByLabelText('Место рождения')).toHaveValue('г. Москва');
    await user.click(screen.getByTestId('step2-submit'));
    await waitFor(() => expect(mocked.putPassport).toHaveBeenCalledWith('7', 3, valid));
    await waitFor(() => expect(loadDraft('7', '2')).toBeNull());
  });

  it('has a way back to step 1', () => {
    renderStep2();
    expect(screen.getByTestId('step2-back')).toHaveAttribute('href', '/clients/7/step/1');
  });
});
