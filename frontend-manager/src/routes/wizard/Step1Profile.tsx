import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useNavigate } from 'react-router';
import { updateProfile } from '../../api/endpoints';
import type { ClientCard } from '../../api/types';
import { Field } from '../../components/Field';
import { loadDraft } from '../../lib/drafts';
import { formatPhone } from '../../lib/format';
import { usePersistDraft } from '../../lib/useDraft';
import type { StepProps } from './stepProps';
import { SaveError } from './StepActions';
import { normalizePhone, PROFILE_FIELDS, profileSchema, type ProfileValues } from './validation';
import { useStepSave } from './useStepSave';
import { isReadOnly } from './readOnly';
import { OutboxNotice } from './OutboxNotice';
import { enqueue } from '../../offline/outbox';

function fromCard(card: ClientCard): ProfileValues {
  const a = card.address;
  return {
    name: card.profile?.name ?? '',
    phone: formatPhone(card.profile?.phone),
    email: card.profile?.email ?? '',
    address: {
      postal_code: a?.postal_code ?? '',
      region: a?.region ?? '',
      city: a?.city ?? '',
      street: a?.street ?? '',
      house: a?.house ?? '',
      building: a?.building ?? '',
      apartment: a?.apartment ?? '',
    },
  };
}

export function Step1Profile({ clientId, card }: StepProps) {
  const navigate = useNavigate();
  const readOnly = isReadOnly(card);
  // Read once, when the step opens: the notice means a real restore (a reload, a return), not
  // the draft this very form is writing as the manager types. A read-only client gets none.
  const [draft] = useState(() => (readOnly ? null : loadDraft<ProfileValues>(clientId, '1')));
  const form = useForm<ProfileValues>({
    resolver: zodResolver(profileSchema),
    defaultValues: draft ?? fromCard(card),
    mode: 'onBlur',
  });
  const {
    register,
    handleSubmit,
    setError,
    watch,
    formState: { errors, isSubmitting },
  } = form;
  usePersistDraft(clientId, '1', watch, !readOnly);
  const save = useStepSave(clientId, '1', PROFILE_FIELDS);

  const onSubmit = handleSubmit(async (values) => {
    const body = {
      ...values,
      phone: normalizePhone(values.phone) ?? values.phone,
    };
    if (readOnly) return;
    const outcome = await save.run(
      () => updateProfile(clientId, card.version, body),
      setError,
      () => enqueue(clientId, '1', 'profile', card.version, body),
    );
    if (outcome !== 'failed') navigate(`/clients/${clientId}/step/2`);
  });

  const addressField = (
    name: keyof ProfileValues['address'],
    label: string,
    extra: React.InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <Field label={label} error={errors.address?.[name]?.message}>
      {(a) => <input {...a} {...extra} data-testid={`address-${name}`} {...register(`address.${name}`)} />}
    </Field>
  );

  return (
    <form className="card step" onSubmit={onSubmit} noValidate aria-labelledby="step1-title" data-testid="step-1">
      <h1 id="step1-title" tabIndex={-1}>Контактные данные и адрес регистрации</h1>
      {draft ? <p className="muted" data-testid="draft-restored">Восстановлен несохранённый ввод.</p> : null}
      <OutboxNotice clientId={clientId} step="1" card={card} />
      <fieldset className="step__fields" disabled={readOnly} data-testid="step-fields">
      <fieldset>
        <legend>Клиент</legend>
        <div className="grid">
          <Field label="ФИО" error={errors.name?.message} className="grid__wide">
            {(a) => <input {...a} autoComplete="off" data-testid="profile-name" {...register('name')} />}
          </Field>
          <Field label="Телефон" error={errors.phone?.message}>
            {(a) => <input {...a} type="tel" inputMode="tel" data-testid="profile-phone" {...register('phone')} />}
          </Field>
          <Field label="E-mail" error={errors.email?.message}>
            {(a) => <input {...a} type="email" inputMode="email" data-testid="profile-email" {...register('email')} />}
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>Адрес регистрации</legend>
        {card.address?.text ? (
          <p className="muted" data-testid="address-text">
            Как указал клиент: {card.address.text}
          </p>
        ) : null}
        <div className="grid">
          {addressField('postal_code', 'Индекс', { inputMode: 'numeric', maxLength: 6 })}
          {addressField('region', 'Регион')}
          {addressField('city', 'Город / населённый пункт')}
          {addressField('street', 'Улица')}
          {addressField('house', 'Дом')}
          {addressField('building', 'Корпус / строение')}
          {addressField('apartment', 'Квартира')}
        </div>
      </fieldset>
      </fieldset>
      <SaveError error={save.error} stale={save.stale} onRefresh={() => void save.refresh()} onRetry={() => void onSubmit()} />
      <div className="step__actions">
        {readOnly ? (
          <Link to={`/clients/${clientId}/step/2`} className="btn" data-testid="step-next-readonly">
            Далее →
          </Link>
        ) : (
          <button type="submit" className="btn btn--primary" disabled={isSubmitting} data-testid="step1-submit">
            {isSubmitting ? 'Сохраняем…' : 'Сохранить и далее'}
          </button>
        )}
      </div>
    </form>
  );
}
