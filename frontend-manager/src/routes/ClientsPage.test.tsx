import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { endSession, setSession } from '../api/auth';
import * as endpoints from '../api/endpoints';
import { ApiError } from '../api/errors';
import type { ClientListItem } from '../api/types';
import { renderAt } from '../test/render';
import { ClientsPage } from './ClientsPage';

vi.mock('../api/endpoints', () => ({ listClients: vi.fn(), claimClient: vi.fn() }));
const mocked = vi.mocked(endpoints);

function item(overrides: Partial<ClientListItem>): ClientListItem {
  return {
    id: 1,
    user_id: 11,
    name: 'Иванов Иван',
    phone: '+79160000001',
    email: null,
    registration_address: 'г. Москва, ул. Тверская, д. 7',
    status: 'new',
    current_step: '1',
    assigned_manager: null,
    updated_at: '2026-11-23T10:00:00Z',
    version: 1,
    ...overrides,
  };
}

beforeEach(() => {
  vi.resetAllMocks();
  setSession({
    access_token: 't',
    token_type: 'bearer',
    expires_in: 60,
    manager: { id: 5, email: 'm@x.ru', name: 'Мария', role: 'manager', is_active: true },
  });
});
afterEach(() => endSession());

describe('ClientsPage', () => {
  it('shows each client with a status badge and the registration address', async () => {
    mocked.listClients.mockResolvedValue({
      items: [
        item({}),
        item({ id: 2, name: 'Петрова Анна', status: 'in_progress', assigned_manager: { id: 5, name: 'Мария' } }),
      ],
      next_cursor: null,
    });
    renderAt(<ClientsPage />, { path: '/clients', route: '/clients?tab=new' });
    const cards = await screen.findAllByTestId('client-card');
    expect(cards).toHaveLength(2);
    expect(within(cards[0]).getByTestId('client-status')).toHaveTextContent('Новый');
    expect(within(cards[0]).getByTestId('client-address')).toHaveTextContent('ул. Тверская');
    expect(within(cards[1]).getByTestId('client-manager')).toHaveTextContent('Менеджер: вы');
    expect(within(cards[1]).getByTestId('open-client')).toHaveAttribute('href', '/clients/2/step/1');
    expect(mocked.listClients).toHaveBeenCalledWith({ tab: 'new', q: '', cursor: null });
    expect(screen.getByTestId('tab-new')).toHaveAttribute('aria-current', 'page');
  });

  it('says when another manager was quicker to claim', async () => {
    const user = userEvent.setup();
    mocked.listClients.mockResolvedValue({ items: [item({})], next_cursor: null });
    mocked.claimClient.mockRejectedValue(
      new ApiError({ status: 409, code: 'client_already_claimed', detail: 'Клиента уже взял Пётр' }),
    );
    renderAt(<ClientsPage />, { path: '/clients', route: '/clients?tab=new' });
    await user.click(await screen.findByTestId('claim-button'));
    expect(await screen.findByTestId('claim-error')).toHaveTextContent('Клиента уже взял другой менеджер.');
  });

  it('opens the wizard after a claim', async () => {
    const user = userEvent.setup();
    mocked.listClients.mockResolvedValue({ items: [item({ id: 9 })], next_cursor: null });
    mocked.claimClient.mockResolvedValue(item({ id: 9, status: 'in_progress' }));
    renderAt(<ClientsPage />, { path: '/clients', route: '/clients?tab=new' });
    await user.click(await screen.findByTestId('claim-button'));
    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
  });
});
