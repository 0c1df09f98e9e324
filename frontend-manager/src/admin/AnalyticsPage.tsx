import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { describeError } from '../api/errors';
import { ErrorBanner } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { money } from '../lib/format';
import { funnel, listManagers, managerFigures, STAGE_LABELS, STAGE_SHORT, type Funnel, type ManagerTable } from './api';
import { downloadCsv } from './csv';
import { FunnelChart } from './FunnelChart';
import { usePageTitle } from './usePageTitle';

type Preset = 'today' | 'week' | 'month' | 'custom';

const PRESETS: { id: Preset; label: string }[] = [
  { id: 'today', label: 'Сегодня' },
  { id: 'week', label: 'Неделя' },
  { id: 'month', label: 'Месяц' },
  { id: 'custom', label: 'Период' },
];

const METHODS: Record<string, string> = { cash: 'Наличные', card: 'Карта', transfer: 'Перевод' };

/** The calendar day in Moscow, as the API counts days. */
function moscowToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date());
}

function minusDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const fmt = (v: number) => v.toLocaleString('ru-RU', { maximumFractionDigits: 1 });
  if (seconds < 60) return `${fmt(seconds)} с`;
  if (seconds < 3600) return `${fmt(seconds / 60)} мин`;
  if (seconds < 86400) return `${fmt(seconds / 3600)} ч`;
  return `${fmt(seconds / 86400)} дн`;
}

const percent = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(v * 100).toLocaleString('ru-RU', { maximumFractionDigits: 1 })} %`;

export default function AnalyticsPage() {
  usePageTitle('Аналитика');
  const today = moscowToday();
  const [preset, setPreset] = useState<Preset>('week');
  const [custom, setCustom] = useState({ from: minusDays(today, 29), to: today });
  const [managerId, setManagerId] = useState<number | null>(null);
  const { from, to } = useMemo(() => {
    if (preset === 'today') return { from: today, to: today };
    if (preset === 'week') return { from: minusDays(today, 6), to: today };
    if (preset === 'month') return { from: minusDays(today, 29), to: today };
    return custom;
  }, [preset, custom, today]);
  const managers = useQuery({ queryKey: ['admin', 'managers'], queryFn: listManagers });
  const figures = useQuery({ queryKey: ['admin', 'funnel', from, to, managerId], queryFn: () => funnel(from, to, managerId) });
  const table = useQuery({ queryKey: ['admin', 'per-manager', from, to], queryFn: () => managerFigures(from, to) });

  return (
    <>
      <h1 tabIndex={-1}>Аналитика</h1>
      <div className="filters" role="group" aria-label="Период">
        <div className="segmented" role="radiogroup" aria-label="Период">
          {PRESETS.map((p) => (
            <button
              key={p.id}
              type="button"
              role="radio"
              aria-checked={preset === p.id}
              className={`btn btn--small${preset === p.id ? ' btn--primary' : ''}`}
              onClick={() => setPreset(p.id)}
              data-testid={`period-${p.id}`}
            >
              {p.label}
            </button>
          ))}
        </div>
        {preset === 'custom' ? (
          <>
            <div className="field">
              <label className="field__label" htmlFor="period-from">
                С
              </label>
              <input id="period-from" type="date" value={custom.from} max={custom.to} onChange={(e) => setCustom({ ...custom, from: e.target.value })} />
            </div>
            <div className="field">
              <label className="field__label" htmlFor="period-to">
                По
              </label>
              <input id="period-to" type="date" value={custom.to} min={custom.from} onChange={(e) => setCustom({ ...custom, to: e.target.value })} />
            </div>
          </>
        ) : null}
        <div className="field">
          <label className="field__label" htmlFor="funnel-manager">
            Менеджер
          </label>
          <select
            id="funnel-manager"
            value={managerId ?? ''}
            onChange={(e) => setManagerId(e.target.value ? Number(e.target.value) : null)}
            data-testid="funnel-manager"
          >
            <option value="">Все</option>
            {(managers.data ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted" data-testid="period-label">
        Дни по московскому времени: {from} — {to}
      </p>
      {figures.isPending ? <Spinner label="Считаем…" /> : null}
      <ErrorBanner message={figures.isError ? describeError(figures.error) : null} onRetry={() => void figures.refetch()} />
      {figures.data ? <FunnelSection data={figures.data} /> : null}
      <h2>По менеджерам</h2>
      {table.isPending ? <Spinner label="Считаем…" /> : null}
      <ErrorBanner message={table.isError ? describeError(table.error) : null} onRetry={() => void table.refetch()} />
      {table.data ? <ManagersSection data={table.data} /> : null}
    </>
  );
}

function FunnelSection({ data }: { data: Funnel }) {
  const labels = useMemo(() => data.stages.map((s) => STAGE_SHORT[s.stage]), [data]);
  const values = useMemo(() => data.stages.map((s) => s.clients), [data]);
  const exportCsv = () =>
    downloadCsv(`voronka-${data.period.date_from}-${data.period.date_to}.csv`, [
      ['Этап', 'Клиентов', 'Конверсия из предыдущего', 'Медиана до этапа, с', '90-й процентиль, с'],
      ...data.stages.map((s, i) => {
        const t = i > 0 ? data.transitions[i - 1] : undefined;
        return [STAGE_LABELS[s.stage], s.clients, s.conversion ?? '', t?.median_seconds ?? '', t?.p90_seconds ?? ''];
      }),
    ]);
  return (
    <section aria-labelledby="funnel-title">
      <div className="section-head">
        <h2 id="funnel-title">Воронка</h2>
        <button type="button" className="btn btn--small" onClick={exportCsv} data-testid="export-funnel">
          Скачать CSV
        </button>
      </div>
      <div className="grid analytics-grid">
        <div className="card">
          <FunnelChart labels={labels} values={values} />
        </div>
        <div className="table-wrap">
          <table className="table" data-testid="funnel-table">
            <caption className="visually-hidden">Воронка за период</caption>
            <thead>
              <tr>
                <th scope="col">Этап</th>
                <th scope="col">Клиентов</th>
                <th scope="col">Конверсия</th>
                <th scope="col">Медиана</th>
                <th scope="col">90 %</th>
              </tr>
            </thead>
            <tbody>
              {data.stages.map((s, i) => {
                const t = i > 0 ? data.transitions[i - 1] : undefined;
                return (
                  <tr key={s.stage} data-testid="funnel-row" data-stage={s.stage}>
                    <th scope="row">{STAGE_LABELS[s.stage]}</th>
                    <td data-testid="funnel-clients">{s.clients}</td>
                    <td>{percent(s.conversion)}</td>
                    <td>{duration(t?.median_seconds)}</td>
                    <td>{duration(t?.p90_seconds)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>
      <div className="grid analytics-grid">
        <div className="card">
          <h3>Коды подтверждения</h3>
          <p>
            Неверных вводов: <strong data-testid="otp-failures">{data.otp.failures}</strong>, блокировок:{' '}
            <strong>{data.otp.lockouts}</strong>
          </p>
          <h3>Счета</h3>
          <p>
            Не оплачены: <strong>{data.invoices.open}</strong> на {money(data.invoices.open_amount)}; просрочены:{' '}
            <strong>{data.invoices.overdue}</strong> на {money(data.invoices.overdue_amount)}
          </p>
        </div>
        <div className="card">
          <h3>Доплаты по способам</h3>
          {data.payments.length ? (
            <ul className="plain-list">
              {data.payments.map((p) => (
                <li key={p.method}>
                  {METHODS[p.method] ?? p.method}: {p.count} на {money(p.amount)}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">За период оплат не было</p>
          )}
        </div>
      </div>
    </section>
  );
}

function ManagersSection({ data }: { data: ManagerTable }) {
  const exportCsv = () =>
    downloadCsv(`menedzhery-${data.period.date_from}-${data.period.date_to}.csv`, [
      ['Менеджер', 'Взято', 'Договоров', 'Подписано', 'Обработано', 'Неверных кодов', 'Блокировок', 'Шаг 1, с', 'Шаг 2, с', 'Шаг 3, с', 'Шаг 4, с'],
      ...data.items.map((m) => [
        m.name,
        m.claimed,
        m.contracts_generated,
        m.signed,
        m.processed,
        m.otp_failures,
        m.lockouts,
        ...m.steps.map((s) => s.median_seconds ?? ''),
      ]),
    ]);
  return (
    <>
      <button type="button" className="btn btn--small" onClick={exportCsv} data-testid="export-managers">
        Скачать CSV
      </button>
      <div className="table-wrap">
        <table className="table" data-testid="managers-figures">
          <thead>
            <tr>
              <th scope="col">Менеджер</th>
              <th scope="col">Взято</th>
              <th scope="col">Подписано</th>
              <th scope="col">Обработано</th>
              <th scope="col">Блокировок</th>
              <th scope="col">Шаг 1</th>
              <th scope="col">Шаг 2</th>
              <th scope="col">Шаг 3</th>
              <th scope="col">Шаг 4</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((m) => (
              <tr key={m.manager_id} className={m.is_active ? undefined : 'row--inactive'}>
                <th scope="row">{m.name}</th>
                <td>{m.claimed}</td>
                <td>{m.signed}</td>
                <td>{m.processed}</td>
                <td>{m.lockouts}</td>
                {m.steps.map((s) => (
                  <td key={s.step}>{duration(s.median_seconds)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
