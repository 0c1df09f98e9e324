import { zodResolver } from '@hookform/resolvers/zod';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useNavigate } from 'react-router';
import { putPassport } from '../../api/endpoints';
import type { ClientCard } from '../../api/types';
import { Field } from '../../components/Field';
import { loadDraft } from '../../lib/drafts';
import { usePersistDraft } from '../../lib/useDraft';
import type { StepProps } from './stepProps';
import { SaveError } from './StepActions';
import {
  formatDepartmentCode,
  makePassportSchema,
  PASSPORT_FIELDS,
  type PassportValues,
} from './validation';
import { useStepSave } from './useStepSave';
import { isReadOnly } from './readOnly';
import { OutboxNotice } from './OutboxNotice';
import { enqueue } from '../../offline/outbox';

function fromCard(card: ClientCard): PassportValues {
  const p = card.passport;
  return {
    series: p?.series ?? '',
    number: p?.number ?? '',
    issued_by: p?.issued_by ?? '',
    issue_date: p?.issue_date ?? '',
    department_code: p?.department_code ?? '',
    birth_date: p?.birth_date ?? '',
    birth_place: p?.birth_place ?? '',
  };
}

export function Step2Passport({ clientId, card }: StepProps) {
  const navigate = useNavigate();
  const readOnly = isReadOnly(card);
  // Read once, when the step opens: the notice means a real restore (a reload, a return), not
  // the draft this very form is writing as the manager types. A read-only client gets none.
  const [draft] = useState(() => (readOnly ? null : loadDraft<PassportValues>(clientId, '2')));
  const schema = useMemo(() => makePassportSchema(), []);
  const form = useForm<PassportValues>({
    resolver: zodResolver(schema),
    defaultValues: draft ?? fromCard(card),
    mode: 'onBlur',
  });
  const {
    register,
    handleSubmit,
    setError,
    setValue,
    watch,
    formState: { errors, isSubmitting },
  } = form;
  usePersistDraft(clientId, '2', watch, !readOnly);
  const save = useStepSave(clientId, '2', PASSPORT_FIELDS);

  const onSubmit = handleSubmit(async (values) => {
    if (readOnly) return;
    const outcome = await save.run(
      () => putPassport(clientId, card.version, values),
      setError,
      () => enqueue(clientId, '2', 'passport', card.version, values),
    );
    if (outcome !== 'failed') navigate(`/clients/${clientId}/step/3`);
  });

  const departmentCode = register('department_code');

  return (
    <form className="card step" onSubmit={onSubmit} noValidate aria-labelledby="step2-title" data-testid="step-2">
      <h1 id="step2-title" tabIndex={-1}>Паспорт</h1>
      {draft ? <p className="muted" data-testid="draft-restored">Восстановлен несохранённый ввод.</p> : null}
      <OutboxNotice clientId={clientId} step="2" card={card} />
      <fieldset className="step__fields" disabled={readOnly} data-testid="step-fields">
      <div className="grid">
        <Field label="Серия" error={errors.series?.message}>
          {(a) => (
            <input {...a} inputMode="numeric" maxLength={5} autoComplete="off" data-testid="passport-series" {...register('series')} />
          )}
        </Field>
        <Field label="Номер" error={errors.number?.message}>
          {(a) => (
            <input {...a} inputMode="numeric" maxLength={7} autoComplete="off" data-testid="passport-number" {...register('number')} />
          )}
        </Field>
        <Field label="Кем выдан" error={errors.issued_by?.message} className="grid__wide">
          {(a) => <input {...a} autoComplete="off" data-testid="passport-issued_by" {...register('issued_by')} />}
        </Field>
        <Field label="Дата выдачи" error={errors.issue_date?.message}>
          {(a) => <input {...a} type="date" data-testid="passport-issue_date" {...register('issue_date')} />}
        </Field>
        <Field label="Код подразделения" error={errors.department_code?.message} hint="Например, 770-001">
          {(a) => (
            <input
              {...a}
              inputMode="numeric"
              maxLength={7}
              autoComplete="off"
              data-testid="passport-department_code"
              {...departmentCode}
              onChange={(e) => {
                const formatted = formatDepartmentCode(e.target.value);
                if (formatted !== e.target.value) {
                  setValue('department_code', formatted, { shouldDirty: true });
                  e.target.value = formatted;
                }
                void departmentCode.onChange(e);
              }}
            />
          )}
        </Field>
        <Field label="Дата рождения" error={errors.birth_date?.message}>
          {(a) => <input {...a} type="date" data-testid="passport-birth_date" {...register('birth_date')} />}
        </Field>
        <Field label="Место рождения" error={errors.birth_place?.message} className="grid__wide">
          {(a) => <input {...a} autoComplete="off" data-testid="passport-birth_place" {...register('birth_place')} />}
        </Field>
      </div>
      </fieldset>
      <SaveError error={save.error} stale={save.stale} onRefresh={() => void save.refresh()} onRetry={() => void onSubmit()} />
      <div className="step__actions">
        <Link to={`/clients/${clientId}/step/1`} className="btn" data-testid="step2-back">
          ← Назад к контактам
        </Link>
        {readOnly ? (
          <Link to={`/clients/${clientId}/step/3`} className="btn" data-testid="step-next-readonly">
            Далее →
          </Link>
        ) : (
          <button type="submit" className="btn btn--primary" disabled={isSubmitting} data-testid="step2-submit">
            {isSubmitting ? 'Сохраняем…' : 'Сохранить и далее'}
          </button>
        )}
      </div>
    </form>
  );
}
