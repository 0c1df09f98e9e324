import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './App';
import { ApiError } from './api/errors';
import { onDelivered } from './offline/outbox';
import './index.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
    mutations: { retry: false },
  },
});

// A step saved offline reached the server: show the client as it is now.
onDelivered((clientId) => {
  void queryClient.invalidateQueries({ queryKey: ['client', clientId] });
  void queryClient.invalidateQueries({ queryKey: ['clients'] });
});

document.documentElement.dataset.build = __PM_BUILD__;

// A chunk of this build is gone from the server and from the service worker's cache (a new
// deployment took over while this page was open): load the new build instead of mixing them.
// What was typed is in the drafts and the outbox. Once a minute at most, and only online.
window.addEventListener('vite:preloadError', (event) => {
  const last = Number(sessionStorage.getItem('pm:chunk-reload') ?? 0);
  if (!navigator.onLine || Date.now() - last < 60_000) return;
  event.preventDefault();
  sessionStorage.setItem('pm:chunk-reload', String(Date.now()));
  window.location.reload();
});

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  // The app shell for a reload without network (src/sw.ts); the API is never cached.
  void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
