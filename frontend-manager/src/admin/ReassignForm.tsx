import { useId, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { describeError } from '../api/errors';
import { ErrorBanner } from '../components/Field';
import { assignClient, listManagers } from './api';

const RELEASE = 'release';

/** Hand a client to another manager, or back to «Новые», with the reason (logged). */
export function ReassignForm({
  clientId,
  holderId,
  version,
  onDone,
}: {
  clientId: number;
  holderId: number | null | undefined;
  version?: number;
  onDone?: () => void;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const managers = useQuery({ queryKey: ['admin', 'managers'], queryFn: listManagers });
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const assign = useMutation({
    mutationFn: () =>
      assignClient(clientId, {
        manager_id: target === RELEASE ? null : Number(target),
        reason: reason.trim(),
        version: version ?? null,
      }),
    onSuccess: () => {
      setReason('');
      setTarget('');
      void queryClient.invalidateQueries({ queryKey: ['clients'] });
      void queryClient.invalidateQueries({ queryKey: ['client'] });
      void queryClient.invalidateQueries({ queryKey: ['admin'] });
      onDone?.();
    },
  });
  const candidates = (managers.data ?? []).filter((m) => m.is_active && m.id !== holderId);
  return (
    <form
      className="reassign"
      aria-label="Передать клиента"
      onSubmit={(e) => {
        e.preventDefault();
        assign.mutate();
      }}
      data-testid="reassign-form"
    >
      <div className="field">
        <label className="field__label" htmlFor={`${id}-to`}>
          Кому передать
        </label>
        <select id={`${id}-to`} value={target} onChange={(e) => setTarget(e.target.value)} required data-testid="reassign-target">
          <option value="" disabled>
            Выберите менеджера
          </option>
          {holderId ? <option value={RELEASE}>Вернуть в «Новые»</option> : null}
          {candidates.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-reason`}>
          Причина
        </label>
        <input
          id={`${id}-reason`}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          required
          maxLength={500}
          placeholder="Например: менеджер в отпуске"
          data-testid="reassign-reason"
        />
      </div>
      <ErrorBanner message={assign.isError ? describeError(assign.error) : null} testId="reassign-error" />
      {assign.isSuccess ? (
        <p className="banner banner--ok" role="status" data-testid="reassign-done">
          {assign.data.assigned_manager ? `Клиент передан: ${assign.data.assigned_manager.name}` : 'Клиент возвращён в «Новые»'}
        </p>
      ) : null}
      <button type="submit" className="btn btn--primary" disabled={assign.isPending || !target || !reason.trim()} data-testid="reassign-submit">
        {assign.isPending ? 'Передаём…' : 'Передать'}
      </button>
    </form>
  );
}
