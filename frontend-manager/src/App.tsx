import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useAuth } from './api/auth';
import { useLiveUpdates } from './api/events';
import { LoginPage } from './routes/LoginPage';
import { ClientsPage } from './routes/ClientsPage';
import { Spinner } from './components/Spinner';

const Wizard = lazy(() => import('./routes/wizard/Wizard'));

function RequireAuth({ children }: { children: React.ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  useLiveUpdates(status === 'authenticated');
  if (status === 'unknown') return <Spinner label="Восстанавливаем сессию…" />;
  if (status === 'anonymous') {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        path="/clients"
        element={
          <RequireAuth>
            <ClientsPage />
          </RequireAuth>
        }
      />
      <Route
        path="/clients/:clientId/step/:step"
        element={
          <RequireAuth>
            <Suspense fallback={<Spinner label="Загрузка…" />}>
              <Wizard />
            </Suspense>
          </RequireAuth>
        }
      />
      <Route path="/clients/:clientId" element={<Navigate to="step/1" replace />} />
      <Route path="*" element={<Navigate to="/clients?tab=new" replace />} />
    </Routes>
  );
}
