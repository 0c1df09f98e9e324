import { useQueryClient } from '@tanstack/react-query';
import { Link, NavLink, useNavigate } from 'react-router';
import { logout, useAuth } from '../api/auth';

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
  const onLogout = async () => {
    await logout();
    queryClient.clear();
    navigate('/login', { replace: true });
  };
  return (
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
  );
}
