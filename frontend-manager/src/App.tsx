import { lazy, Suspense } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { useAuth } from './api/auth';
import { useLiveUpdates } from './api/events';
import { LoginPage } from './routes/LoginPage';
import { ClientsPage } from './routes/ClientsPage';
import { Spinner } from './components/Spinner';

const Wizard = lazy(() => import('./routes/wizard/Wizard'));
// The console: its own chunks, fetched only when an admin opens it.
const AdminRoutes = lazy(() => import('./admin/AdminRoutes'));

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

/** Every screen but /login: one live-updates connection for the whole session. */
function RequireAuth() {
  const { status } = useAuth();
  const location = useLocation();
  useLiveUpdates(status === 'authenticated');
  if (status === 'unknown') return <Spinner label="Восстанавливаем сессию…" />;
  if (status === 'anonymous') {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
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
