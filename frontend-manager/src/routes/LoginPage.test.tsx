import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { endSession, getToken } from '../api/auth';
import * as endpoints from '../api/endpoints';
import { ApiError } from '../api/errors';
import { renderAt } from '../test/render';
import { LoginPage } from './LoginPage';

vi.mock('../api/endpoints', () => ({ login: vi.fn() }));
const mocked = vi.mocked(endpoints);

beforeEach(() => {
  vi.resetAllMocks();
  endSession();
});

describe('LoginPage', () => {
  it('requires e-mail and password', async () => {
    const user = userEvent.setup();
    renderAt(<LoginPage />, { path: '/login', route: '/login' });
    await user.click(screen.getByTestId('login-submit'));
    expect(await screen.findByText('Введите e-mail')).toBeInTheDocument();
    expect(screen.getByText('Введите пароль')).toBeInTheDocument();
    expect(mocked.login).not.toHaveBeenCalled();
  });

  it('says the credentials are wrong on 401, without telling which', async () => {
    const user = userEvent.setup();
    mocked.login.mockRejectedValue(new ApiError({ status: 401, code: 'invalid_credentials', detail: 'x' }));
    renderAt(<LoginPage />, { path: '/login', route: '/login' });
    await user.type(screen.getByLabelText('E-mail'), 'a@b.ru');
    await user.type(screen.getByLabelText('Пароль'), 'secret123');
    await user.click(screen.getByTestId('login-submit'));
    expect(await screen.findByTestId('login-error')).toHaveTextContent('Неверный e-mail или пароль.');
  });

  it('keeps the token in memory and returns to the page asked for', async () => {
    const user = userEvent.setup();
    mocked.login.mockResolvedValue({
      access_token: 'tok',
      token_type: 'bearer',
      expires_in: 7200,
      manager: { id: 1, email: 'a@b.ru', name: 'Мария', role: 'manager', is_active: true },
    });
    renderAt(<LoginPage />, { path: '/login', route: '/login?next=%2Fclients%2F5%2Fstep%2F3' });
    await user.type(screen.getByLabelText('E-mail'), 'a@b.ru');
    await user.type(screen.getByLabelText('Пароль'), 'secret123');
    await user.click(screen.getByTestId('login-submit'));
    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
    expect(getToken()).toBe('tok');
    expect(localStorage.length).toBe(0);
  });
});
