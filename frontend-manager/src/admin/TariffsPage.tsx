import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { describeError } from '../api/errors';
import { ErrorBanner, Field } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { money, moscowDateTime } from '../lib/format';
import { createTariff, listTariffs, tariffVersions, updateTariff, type Tariff } from './api';
import { usePageTitle } from './usePageTitle';

const KEY = ['admin', 'tariffs'];

interface Terms {
  code: string;
  name: string;
  description: string;
  base_price: string;
  included_devices: string;
  extra_device_price: string;
}

const EMPTY: Terms = { code: '', name: '', description: '', base_price: '', included_devices: '1', extra_device_price: '' };

function termsOf(t: Tariff): Terms {
  return {
    code: t.code,
    name: t.name,
    description: t.description,
    base_price: t.base_price,
    included_devices: String(t.included_devices),
    extra_device_price: t.extra_device_price,
  };
}

export function TariffsPage() {
  usePageTitle('Тарифы');
  const query = useQuery({ queryKey: KEY, queryFn: listTariffs });
  const [editing, setEditing] = useState<Tariff | 'new' | null>(null);
  return (
    <>
      <h1 tabIndex={-1}>Тарифы</h1>
      <p className="muted">
        Изменение тарифа создаёт новую версию: уже рассчитанные клиенты и договоры сохраняют свою. Отключённый тариф
        не предлагается на шаге 4, но остаётся в старых договорах.
      </p>
      {editing ? (
        <TariffForm key={editing === 'new' ? 'new' : editing.code} tariff={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
      ) : (
        <button type="button" className="btn btn--primary" onClick={() => setEditing('new')} data-testid="tariff-new">
          Новый тариф
        </button>
      )}
      {query.isPending ? <Spinner label="Загружаем тарифы…" /> : null}
      <ErrorBanner message={query.isError ? describeError(query.error) : null} onRetry={() => void query.refetch()} />
      {query.data ? (
        <div className="table-wrap">
          <table className="table" data-testid="tariffs-table">
            <thead>
              <tr>
                <th scope="col">Тариф</th>
                <th scope="col">Базовая цена</th>
                <th scope="col">Устройств включено</th>
                <th scope="col">За доп. устройство</th>
                <th scope="col">Версия</th>
                <th scope="col">Статус</th>
                <th scope="col">Действия</th>
              </tr>
            </thead>
            <tbody>
              {query.data.items.map((t) => (
                <TariffRow key={t.code} tariff={t} onEdit={() => setEditing(t)} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

function TariffRow({ tariff, onEdit }: { tariff: Tariff; onEdit: () => void }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const toggle = useMutation({
    mutationFn: () => updateTariff(tariff.code, { is_active: !tariff.is_active }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: KEY }),
  });
  const versions = useQuery({
    queryKey: [...KEY, tariff.code, 'versions', tariff.version],
    queryFn: () => tariffVersions(tariff.code),
    enabled: open,
  });
  return (
    <>
      <tr data-testid="tariff-row" data-code={tariff.code} className={tariff.is_active ? undefined : 'row--inactive'}>
        <td>
          <strong>{tariff.name}</strong>
          <div className="muted">{tariff.code}</div>
          {toggle.isError ? (
            <p className="field__error" role="alert">
              {describeError(toggle.error)}
            </p>
          ) : null}
        </td>
        <td>{money(tariff.base_price)}</td>
        <td>{tariff.included_devices}</td>
        <td>{money(tariff.extra_device_price)}</td>
        <td>
          <button type="button" className="btn btn--ghost btn--small" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="tariff-versions">
            v{tariff.version}
          </button>
        </td>
        <td>
          <span className={`badge ${tariff.is_active ? 'badge--processed' : 'badge--inactive'}`}>
            {tariff.is_active ? 'Действует' : 'Отключён'}
          </span>
        </td>
        <td className="table__actions">
          <button type="button" className="btn btn--small" onClick={onEdit} data-testid="tariff-edit">
            Изменить
          </button>
          <button
            type="button"
            className={`btn btn--small${tariff.is_active ? ' btn--danger' : ''}`}
            onClick={() => toggle.mutate()}
            disabled={toggle.isPending}
            data-testid="tariff-toggle"
          >
            {tariff.is_active ? 'Отключить' : 'Включить'}
          </button>
        </td>
      </tr>
      {open ? (
        <tr className="table__sub">
          <td colSpan={7}>
            {versions.isPending ? <Spinner label="Загружаем версии…" /> : null}
            {versions.data ? (
              <ul className="versions" data-testid="tariff-version-list">
                {versions.data.items.map((v) => (
                  <li key={v.version}>
                    <strong>v{v.version}</strong> от {moscowDateTime(v.created_at)}: {v.name}, {money(v.base_price)}, включено{' '}
                    {v.included_devices}, доп. {money(v.extra_device_price)}
                    {v.is_active ? '' : ' (отключён)'}
                  </li>
                ))}
              </ul>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function TariffForm({ tariff, onDone }: { tariff: Tariff | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [terms, setTerms] = useState<Terms>(tariff ? termsOf(tariff) : EMPTY);
  const set = (name: keyof Terms) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setTerms({ ...terms, [name]: e.target.value });
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name: terms.name.trim(),
        description: terms.description.trim(),
        base_price: terms.base_price.replace(',', '.').trim(),
        included_devices: Number(terms.included_devices),
        extra_device_price: terms.extra_device_price.replace(',', '.').trim(),
      };
      return tariff ? updateTariff(tariff.code, body) : createTariff({ ...body, code: terms.code.trim(), is_active: true });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: KEY });
      onDone();
    },
  });
  return (
    <form
      className="card admin-form"
      aria-labelledby="tariff-form-title"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      data-testid="tariff-form"
    >
      <h2 id="tariff-form-title">{tariff ? `Изменить тариф «${tariff.name}»` : 'Новый тариф'}</h2>
      <div className="grid">
        {tariff ? null : (
          <Field label="Код (латиница, цифры)" hint="Например, business">
            {(p) => <input {...p} value={terms.code} onChange={set('code')} required pattern="[a-z0-9][a-z0-9_\-]*" maxLength={32} data-testid="tariff-code" />}
          </Field>
        )}
        <Field label="Название">
          {(p) => <input {...p} value={terms.name} onChange={set('name')} required maxLength={128} data-testid="tariff-name" />}
        </Field>
        <Field label="Базовая цена, ₽">
          {(p) => <input {...p} inputMode="decimal" value={terms.base_price} onChange={set('base_price')} required data-testid="tariff-base" />}
        </Field>
        <Field label="Устройств включено">
          {(p) => (
            <input {...p} type="number" min={0} max={100} value={terms.included_devices} onChange={set('included_devices')} required data-testid="tariff-included" />
          )}
        </Field>
        <Field label="За дополнительное устройство, ₽">
          {(p) => <input {...p} inputMode="decimal" value={terms.extra_device_price} onChange={set('extra_device_price')} required data-testid="tariff-extra" />}
        </Field>
        <Field label="Описание" className="grid__wide">
          {(p) => <textarea {...p} value={terms.description} onChange={set('description')} maxLength={2000} rows={2} />}
        </Field>
      </div>
      <ErrorBanner message={save.isError ? describeError(save.error) : null} testId="tariff-error" />
      <div className="step__actions">
        <button type="button" className="btn" onClick={onDone}>
          Отмена
        </button>
        <button type="submit" className="btn btn--primary" disabled={save.isPending} data-testid="tariff-save">
          {save.isPending ? 'Сохраняем…' : 'Сохранить'}
        </button>
      </div>
    </form>
  );
}
