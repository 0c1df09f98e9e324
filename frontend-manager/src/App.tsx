import { lazy, Suspense } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { reconnectNow, useAuth } from './api/auth';
import { useLiveUpdates } from './api/events';
import { LoginPage } from './routes/LoginPage';
import { ClientsPage } from './routes/ClientsPage';
import { Spinner } from './components/Spinner';
import { OfflineBanner } from './components/AppHeader';
import { useOutbox } from './offline/outbox';

const Wizard = lazy(() => import('./routes/wizard/Wizard'));
// The console: its own chunks, fetched only when an admin opens it.
const AdminRoutes = lazy(() => import('./admin/AdminRoutes'));
// The public verification page (the contracts' QR code): its own chunk, no login.
const VerifyPage = lazy(() => import('./verify/VerifyPage'));

/** A manager never gets the console (nor downloads it): back to the lists. */
function RequireAdmin() {
  const { manager } = useAuth();
  if (manager?.role !== 'admin') return <Navigate to="/clients?tab=new" replace />;
  return (
    <Suspense fallback={<Spinner label="Загрузка…" />}>
      <AdminRoutes />
    </Suspense>
  );
}

/** Every screen but /login and /verify: one live-updates connection for the whole session. */
function RequireAuth() {
  const { status } = useAuth();
  const location = useLocation();
  useLiveUpdates(status === 'authenticated');
  if (status === 'unknown') return <Spinner label="Восстанавливаем сессию…" />;
  if (status === 'unreachable') return <ConnectionLost />;
  if (status === 'anonymous') {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

/**
 * The session could not be checked because the server cannot be reached (a reload without
 * network, a proxy's 502): the session may well be alive, so no login page. The app waits
 * here and goes on where it was as soon as the connection is back (session.ts retries with
 * backoff and at the browser's `online` event).
 */
function ConnectionLost() {
  const waiting = useOutbox().length;
  return (
    <div className="layout">
      <header className="app-header">
        <span className="app-header__brand">Привет Менеджер</span>
      </header>
      <OfflineBanner waiting={waiting} onRetry={() => void reconnectNow()} />
      <main id="main" className="page" data-testid="connection-lost">
        <h1>Нет связи с сервером</h1>
        <p className="muted">
          Сессия не потеряна. Как только связь появится, откроется тот же экран; введённые данные
          останутся на устройстве.
        </p>
      </main>
    </div>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        path="/verify/:number"
        element={
          <Suspense fallback={<Spinner label="Загрузка…" />}>
            <VerifyPage />
          </Suspense>
        }
      />
      <Route element={<RequireAuth />}>
        <Route path="/clients" element={<ClientsPage />} />
        <Route
          path="/clients/:clientId/step/:step"
          element={
            <Suspense fallback={<Spinner label="Загрузка…" />}>
              <Wizard />
            </Suspense>
          }
        />
        <Route path="/clients/:clientId" element={<Navigate to="step/1" replace />} />
        <Route path="/admin/*" element={<RequireAdmin />} />
        <Route path="*" element={<Navigate to="/clients?tab=new" replace />} />
      </Route>
    </Routes>
  );
}
