import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { AppHeader } from '../components/AppHeader';
import { Spinner } from '../components/Spinner';
import { ManagersPage } from './ManagersPage';
import { TariffsPage } from './TariffsPage';
import { ContractsPage } from './ContractsPage';
import { ContractPage } from './ContractPage';
import './admin.css';

// The analytics screen carries the chart library: a chunk of its own.
const AnalyticsPage = lazy(() => import('./AnalyticsPage'));

export default function AdminRoutes() {
  return (
    <div className="layout">
      <AppHeader />
      <main id="main" className="page page--wide">
        <Routes>
          <Route path="managers" element={<ManagersPage />} />
          <Route path="tariffs" element={<TariffsPage />} />
          <Route path="contracts" element={<ContractsPage />} />
          <Route path="contracts/:contractId" element={<ContractPage />} />
          <Route
            path="analytics"
            element={
              <Suspense fallback={<Spinner label="Загружаем аналитику…" />}>
                <AnalyticsPage />
              </Suspense>
            }
          />
          <Route path="*" element={<Navigate to="managers" replace />} />
        </Routes>
      </main>
    </div>
  );
}
