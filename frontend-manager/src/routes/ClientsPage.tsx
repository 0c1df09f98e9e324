import { lazy, Suspense, useEffect, useState } from 'react';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useAuth } from '../api/auth';
import { claimClient, listClients } from '../api/endpoints';
import { ApiError, describeError } from '../api/errors';
import { STATUS_LABELS, type ClientListItem, type Tab } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { ErrorBanner } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { stepPath, formatPhone } from '../lib/format';

// The admin's reassign form: its own chunk, fetched when an admin opens it.
const ReassignForm = lazy(() => import('../admin/ReassignForm').then((m) => ({ default: m.ReassignForm })));

const TABS: { id: Tab; label: string }[] = [
  { id: 'new', label: 'Новые' },
  { id: 'in_progress', label: 'В работе' },
  { id: 'mine', label: 'Мои' },
  { id: 'processed', label: 'Обработанные' },
];

function isTab(value: string | null): value is Tab {
  return TABS.some((t) => t.id === value);
}

export function ClientsPage() {
  const [params, setParams] = useSearchParams();
  const tab: Tab = isTab(params.get('tab')) ? (params.get('tab') as Tab) : 'new';
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);

  // Debounced search into the URL, so that the back button and a reload keep it.
  useEffect(() => {
    const handle = setTimeout(() => {
      if (search.trim() === q) return;
      const next = new URLSearchParams(params);
      if (search.trim()) next.set('q', search.trim());
      else next.delete('q');
      setParams(next, { replace: true });
    }, 300);
    return () => clearTimeout(handle);
  }, [search, q, params, setParams]);

  const query = useInfiniteQuery({
    queryKey: ['clients', tab, q],
    queryFn: ({ pageParam }) => listClients({ tab, q, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="layout layout--with-tabs">
      <AppHeader />
      <main id="main" className="page">
        <h1 className="visually-hidden">Клиенты</h1>
        <div className="search">
          <label htmlFor="client-search" className="visually-hidden">
            Поиск по имени, телефону или e-mail
          </label>
          <input
            id="client-search"
            type="search"
            placeholder="Поиск: имя, телефон, e-mail"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="client-search"
          />
        </div>
        {query.isPending ? <Spinner label="Загружаем клиентов…" /> : null}
        {query.isError ? (
          <ErrorBanner message={describeError(query.error)} onRetry={() => void query.refetch()} testId="list-error" />
        ) : null}
        {query.isSuccess && items.length === 0 ? (
          <p className="empty" data-testid="list-empty">
            {q ? 'Никого не нашли' : 'Здесь пока пусто'}
          </p>
        ) : null}
        <ul className="client-list" data-testid="client-list" aria-live="polite">
          {items.map((item) => (
            <ClientRow key={item.id} item={item} />
          ))}
        </ul>
        {query.hasNextPage ? (
          <button
            type="button"
            className="btn btn--block"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
            data-testid="load-more"
          >
            {query.isFetchingNextPage ? 'Загружаем…' : 'Показать ещё'}
          </button>
        ) : null}
      </main>
      <nav className="tabbar" aria-label="Списки клиентов">
        {TABS.map((t) => (
          <Link
            key={t.id}
            to={`/clients?tab=${t.id}${q ? `&q=${encodeURIComponent(q)}` : ''}`}
            className={`tabbar__item${t.id === tab ? ' tabbar__item--active' : ''}`}
            aria-current={t.id === tab ? 'page' : undefined}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
          </Link>
        ))}
      </nav>
    </div>
  );
}

function ClientRow({ item }: { item: ClientListItem }) {
  const { manager } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [reassigning, setReassigning] = useState(false);
  const movable = manager?.role === 'admin' && item.status !== 'signed' && item.status !== 'processed';
  const mine = item.assigned_manager && manager && String(item.assigned_manager.id) === String(manager.id);
  const claim = useMutation({
    mutationFn: () => claimClient(item.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['clients'] });
      navigate(stepPath(item.id, item.current_step ?? 1));
    },
    onError: (err) => {
      setError(
        err instanceof ApiError && err.status === 409
          ? 'Клиента уже взял другой менеджер.'
          : describeError(err),
      );
      void queryClient.invalidateQueries({ queryKey: ['clients'] });
    },
  });

  return (
    <li className="client-card" data-testid="client-card" data-client-id={item.id} data-status={item.status}>
      <div className="client-card__main">
        <h2 className="client-card__name">{item.name || 'Без имени'}</h2>
        <span className={`badge badge--${item.status}`} data-testid="client-status">
          {STATUS_LABELS[item.status] ?? item.status}
        </span>
      </div>
      <p className="client-card__line">
        <span className="visually-hidden">Телефон: </span>
        {formatPhone(item.phone) || '—'}
      </p>
      <p className="client-card__line client-card__address" data-testid="client-address">
        <span className="visually-hidden">Адрес регистрации: </span>
        {item.registration_address || 'Адрес регистрации не указан'}
      </p>
      {item.assigned_manager ? (
        <p className="client-card__line muted" data-testid="client-manager">
          Менеджер: {mine ? 'вы' : item.assigned_manager.name}
        </p>
      ) : null}
      <ErrorBanner message={error} testId="claim-error" />
      <div className="client-card__actions">
        {item.status === 'new' && !item.assigned_manager ? (
          <button
            type="button"
            className="btn btn--primary"
            onClick={() => claim.mutate()}
            disabled={claim.isPending}
            data-testid="claim-button"
          >
            {claim.isPending ? 'Берём…' : 'Взять в работу'}
          </button>
        ) : null}
        {mine || manager?.role === 'admin' || item.status === 'processed' ? (
          item.assigned_manager || item.status === 'processed' ? (
            <Link className="btn" to={stepPath(item.id, item.status === 'processed' ? 'success' : item.current_step)} data-testid="open-client">
              {item.status === 'processed' ? 'Открыть' : 'Продолжить'}
            </Link>
          ) : null
        ) : null}
        {movable ? (
          <button
            type="button"
            className="btn btn--ghost"
            aria-expanded={reassigning}
            onClick={() => setReassigning(!reassigning)}
            data-testid="reassign-open"
          >
            Передать
          </button>
        ) : null}
      </div>
      {movable && reassigning ? (
        <Suspense fallback={<p className="muted">Загрузка…</p>}>
          <ReassignForm
            clientId={Number(item.id)}
            holderId={item.assigned_manager ? Number(item.assigned_manager.id) : null}
            version={item.version}
            onDone={() => setReassigning(false)}
          />
        </Suspense>
      ) : null}
    </li>
  );
}
