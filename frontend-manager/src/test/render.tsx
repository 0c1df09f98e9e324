import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { ClientCard } from '../api/types';

export function renderAt(ui: ReactElement, { path = '/', route = '/' }: { path?: string; route?: string } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const utils = render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[route]}>
        <Routes>
          <Route path={path} element={ui} />
          <Route path="*" element={<div data-testid="navigated">navigated</div>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { ...utils, queryClient };
}

export function makeCard(overrides: Partial<ClientCard> = {}): ClientCard {
  return {
    id: 7,
    user_id: 70,
    status: 'in_progress',
    current_step: '1',
    updated_at: '2026-11-23T10:00:00Z',
    can_edit: true,
    passport_on_file: false,
    timeline: [],
    version: 3,
    assigned_manager: { id: 1, name: 'Мария' },
    profile: { name: 'Иван Петров', phone: '+79001234567', email: 'ivan@example.com' },
    address: {
      text: 'Москва, ул. Ленина, 1',
      postal_code: '101000',
      region: 'Москва',
      city: 'Москва',
      street: 'Ленина',
      house: '1',
      building: null,
      apartment: '5',
    },
    passport: null,
    devices: [],
    tariff: null,
    contract: null,
    payment: null,
    invoice: null,
    ...overrides,
  };
}
