import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { logout, useAuth } from '../api/auth';

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
    </header>
  );
}
