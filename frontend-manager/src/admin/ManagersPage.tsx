import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useAuth } from '../api/auth';
import { describeError } from '../api/errors';
import { ErrorBanner, Field } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { createManager, listManagers, resetPassword, ROLE_LABELS, updateManager, type Manager, type Role } from './api';
import { OneTimePassword } from './OneTimePassword';
import { usePageTitle } from './usePageTitle';

export function ManagersPage() {
  usePageTitle('Менеджеры');
  const query = useQuery({ queryKey: ['admin', 'managers'], queryFn: listManagers });
  const [shown, setShown] = useState<{ who: string; password: string } | null>(null);
  return (
    <>
      <h1 tabIndex={-1}>Менеджеры</h1>
      {shown ? <OneTimePassword who={shown.who} password={shown.password} onDone={() => setShown(null)} /> : null}
      <CreateManager onCreated={(who, password) => setShown({ who, password })} />
      <h2>Все менеджеры</h2>
      {query.isPending ? <Spinner label="Загружаем менеджеров…" /> : null}
      <ErrorBanner message={query.isError ? describeError(query.error) : null} onRetry={() => void query.refetch()} />
      {query.data ? (
        <div className="table-wrap">
          <table className="table" data-testid="managers-table">
            <thead>
              <tr>
                <th scope="col">Имя</th>
                <th scope="col">E-mail</th>
                <th scope="col">Роль</th>
                <th scope="col">Статус</th>
                <th scope="col">Действия</th>
              </tr>
            </thead>
            <tbody>
              {query.data.map((m) => (
                <ManagerRow key={m.id} manager={m} onPassword={(password) => setShown({ who: m.name, password })} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

function CreateManager({ onCreated }: { onCreated: (who: string, password: string) => void }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('manager');
  const create = useMutation({
    mutationFn: () => createManager({ email: email.trim(), name: name.trim(), role }),
    onSuccess: (created) => {
      onCreated(created.name, created.password ?? '');
      setEmail('');
      setName('');
      setRole('manager');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'managers'] });
    },
  });
  return (
    <form
      className="card admin-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
      aria-labelledby="create-manager-title"
      data-testid="create-manager"
    >
      <h2 id="create-manager-title">Новый менеджер</h2>
      <div className="grid">
        <Field label="Имя">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={255} autoComplete="off" data-testid="new-manager-name" />}
        </Field>
        <Field label="E-mail">
          {(p) => (
            <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="off" data-testid="new-manager-email" />
          )}
        </Field>
        <Field label="Роль">
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="new-manager-role">
              <option value="manager">{ROLE_LABELS.manager}</option>
              <option value="admin">{ROLE_LABELS.admin}</option>
            </select>
          )}
        </Field>
      </div>
      <ErrorBanner message={create.isError ? describeError(create.error) : null} testId="create-manager-error" />
      <p className="field__hint">Пароль создаст система и покажет его один раз.</p>
      <button type="submit" className="btn btn--primary" disabled={create.isPending} data-testid="create-manager-submit">
        {create.isPending ? 'Создаём…' : 'Создать'}
      </button>
    </form>
  );
}

function ManagerRow({ manager, onPassword }: { manager: Manager; onPassword: (password: string) => void }) {
  const { manager: me } = useAuth();
  const queryClient = useQueryClient();
  const own = me?.id === manager.id;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin', 'managers'] });
  const update = useMutation({
    mutationFn: (body: { role?: Role; is_active?: boolean }) => updateManager(manager.id, body),
    onSettled: refresh,
  });
  const reset = useMutation({
    mutationFn: () => resetPassword(manager.id),
    onSuccess: (r) => onPassword(r.password),
  });
  const error = update.isError ? describeError(update.error) : reset.isError ? describeError(reset.error) : null;
  return (
    <tr data-testid="manager-row" data-manager-id={manager.id} className={manager.is_active ? undefined : 'row--inactive'}>
      <td>
        {manager.name}
        {own ? <span className="muted"> (вы)</span> : null}
        {error ? (
          <p className="field__error" role="alert" data-testid="manager-error">
            {error}
          </p>
        ) : null}
      </td>
      <td>{manager.email}</td>
      <td>
        <label className="visually-hidden" htmlFor={`role-${manager.id}`}>
          Роль: {manager.name}
        </label>
        <select
          id={`role-${manager.id}`}
          value={manager.role}
          disabled={own || update.isPending}
          title={own ? 'Свою роль изменить нельзя' : undefined}
          onChange={(e) => update.mutate({ role: e.target.value as Role })}
          data-testid="manager-role"
        >
          <option value="manager">{ROLE_LABELS.manager}</option>
          <option value="admin">{ROLE_LABELS.admin}</option>
        </select>
      </td>
      <td>
        <span className={`badge ${manager.is_active ? 'badge--processed' : 'badge--inactive'}`}>
          {manager.is_active ? 'Активен' : 'Отключён'}
        </span>
      </td>
      <td className="table__actions">
        <button
          type="button"
          className={`btn btn--small${manager.is_active ? ' btn--danger' : ''}`}
          disabled={update.isPending}
          onClick={() => update.mutate({ is_active: !manager.is_active })}
          data-testid="manager-toggle"
        >
          {manager.is_active ? 'Отключить' : 'Включить'}
        </button>
        <button type="button" className="btn btn--small" disabled={reset.isPending} onClick={() => reset.mutate()} data-testid="manager-reset">
          Сбросить пароль
        </button>
      </td>
    </tr>
  );
}
