import { useQueryClient } from '@tanstack/react-query';
import { Link, NavLink, useNavigate } from 'react-router';
import { logout, useAuth } from '../api/auth';
import { useOnline } from '../offline/useOnline';
import { useOutbox } from '../offline/outbox';

// The console's screens (role admin only; a manager never sees these links or routes).
const ADMIN_LINKS = [
  { to: '/clients?tab=new', label: 'Клиенты', testId: 'admin-nav-clients' },
  { to: '/admin/managers', label: 'Менеджеры', testId: 'admin-nav-managers' },
  { to: '/admin/tariffs', label: 'Тарифы', testId: 'admin-nav-tariffs' },
  { to: '/admin/contracts', label: 'Договоры', testId: 'admin-nav-contracts' },
  { to: '/admin/analytics', label: 'Аналитика', testId: 'admin-nav-analytics' },
];

export function AppHeader({ children }: { children?: React.ReactNode }) {
  const { manager } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const online = useOnline();
  const waiting = useOutbox().length;
  const onLogout = async () => {
    const question = `Не отправлено на сервер: ${waiting}. При выходе эти данные будут удалены с устройства. Выйти?`;
    if (waiting && !window.confirm(question)) return;
    await logout();
    queryClient.clear();
    navigate('/login', { replace: true });
  };
  return (
    <>
      <header className="app-header">
        <a className="skip-link" href="#main">
          К содержимому
        </a>
        <Link to="/clients?tab=new" className="app-header__brand" data-testid="nav-home">
          Привет Менеджер
        </Link>
        <div className="app-header__center">{children}</div>
        <div className="app-header__user">
          <span className="app-header__name" data-testid="current-manager">
            {manager?.name}
          </span>
          <button type="button" className="btn btn--ghost btn--small" onClick={onLogout} data-testid="logout">
            Выйти
          </button>
        </div>
        {manager?.role === 'admin' ? (
          <nav className="admin-nav" aria-label="Разделы администратора" data-testid="admin-nav">
            {ADMIN_LINKS.map((link) => (
              <NavLink
                key={link.to}
                to={link.to}
                end={link.to.startsWith('/clients')}
                className={({ isActive }) => `admin-nav__link${isActive ? ' admin-nav__link--active' : ''}`}
                data-testid={link.testId}
              >
                {link.label}
              </NavLink>
            ))}
          </nav>
        ) : null}
      </header>
      {online ? null : <OfflineBanner waiting={waiting} />}
    </>
  );
}

export function OfflineBanner({ waiting, onRetry }: { waiting: number; onRetry?: () => void }) {
  return (
    <div className="banner banner--offline" role="status" data-testid="offline-banner">
      <span>
        <strong>Нет связи с сервером.</strong>{' '}
        {waiting
          ? `Сохранено на устройстве, ждёт отправки: ${waiting}. Отправим, когда появится связь.`
          : 'Введённое не потеряется: сохраним, когда появится связь.'}
      </span>
      {onRetry ? (
        <button type="button" className="btn btn--small" onClick={onRetry} data-testid="offline-retry">
          Повторить
        </button>
      ) : null}
    </div>
  );
}
