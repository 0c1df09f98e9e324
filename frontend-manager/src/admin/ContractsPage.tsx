import { useEffect, useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { describeError } from '../api/errors';
import { ErrorBanner } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { formatPhone, money, moscowDateTime } from '../lib/format';
import { CONTRACT_STATUS_LABELS, listContracts, type ContractStatus } from './api';
import { usePageTitle } from './usePageTitle';

const STATUSES = Object.keys(CONTRACT_STATUS_LABELS) as ContractStatus[];

export function ContractsPage() {
  usePageTitle('Договоры');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = (params.get('status') ?? '') as ContractStatus | '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const [search, setSearch] = useState(q);
  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  useEffect(() => {
    const handle = setTimeout(() => {
      if (search.trim() !== q) setParam('q', search.trim());
    }, 300);
    return () => clearTimeout(handle);
  });
  const query = useInfiniteQuery({
    queryKey: ['admin', 'contracts', q, status, from, to],
    queryFn: ({ pageParam }) => listContracts({ q, status, from, to, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Договоры</h1>
      <div className="filters" role="search" aria-label="Поиск договоров">
        <div className="field filters__search">
          <label className="field__label" htmlFor="registry-q">
            Номер, имя клиента или телефон
          </label>
          <input
            id="registry-q"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="PM-2026-000123, 123, Иванова, +7916…"
            data-testid="registry-search"
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor="registry-status">
            Статус
          </label>
          <select id="registry-status" value={status} onChange={(e) => setParam('status', e.target.value)} data-testid="registry-status">
            <option value="">Все</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {CONTRACT_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field__label" htmlFor="registry-from">
            С
          </label>
          <input id="registry-from" type="date" value={from} onChange={(e) => setParam('from', e.target.value)} data-testid="registry-from" />
        </div>
        <div className="field">
          <label className="field__label" htmlFor="registry-to">
            По
          </label>
          <input id="registry-to" type="date" value={to} onChange={(e) => setParam('to', e.target.value)} data-testid="registry-to" />
        </div>
      </div>
      {query.isPending ? <Spinner label="Ищем договоры…" /> : null}
      <ErrorBanner message={query.isError ? describeError(query.error) : null} onRetry={() => void query.refetch()} />
      {query.isSuccess && items.length === 0 ? (
        <p className="empty" data-testid="registry-empty">
          Договоров не нашли
        </p>
      ) : null}
      {items.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="registry-table" aria-live="polite">
            <thead>
              <tr>
                <th scope="col">Номер</th>
                <th scope="col">Клиент</th>
                <th scope="col">Статус</th>
                <th scope="col">Сформирован</th>
                <th scope="col">Доплата</th>
                <th scope="col">Менеджер</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.contract.id} data-testid="registry-row" data-number={item.contract.number}>
                  <td className="nowrap">
                    <Link to={`/admin/contracts/${item.contract.id}`} data-testid="registry-open">
                      {item.contract.number}
                    </Link>
                  </td>
                  <td>
                    {item.client_name || 'Без имени'}
                    <div className="muted phone">{formatPhone(item.client_phone)}</div>
                  </td>
                  <td>
                    <span className={`badge badge--contract-${item.contract.status}`}>{CONTRACT_STATUS_LABELS[item.contract.status]}</span>
                  </td>
                  <td className="nowrap">{moscowDateTime(item.contract.created_at)}</td>
                  <td>{money(item.contract.surcharge)}</td>
                  <td>{item.holder?.name ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {query.hasNextPage ? (
        <button type="button" className="btn btn--block" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? 'Загружаем…' : 'Показать ещё'}
        </button>
      ) : null}
    </>
  );
}
