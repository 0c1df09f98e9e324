import { zodResolver } from '@hookform/resolvers/zod';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { newIdempotencyKey } from '../../api/client';
import { createDevice, updateDevice } from '../../api/endpoints';
import { applyServerErrors } from '../../api/errors';
import type { Device, DeviceKind } from '../../api/types';
import { ErrorBanner, Field } from '../../components/Field';
import { loadDraft, removeDraft } from '../../lib/drafts';
import { usePersistDraft } from '../../lib/useDraft';
import { enqueue } from '../../offline/outbox';
import { isNoConnection } from './useStepSave';
import {
  DEVICE_CONDITIONS,
  DEVICE_FIELDS,
  DEVICE_KINDS,
  makeDeviceSchema,
  toDecimalString,
  type DeviceValues,
} from './validation';

const EMPTY: DeviceValues = {
  kind: 'phone',
  brand: '',
  model: '',
  serial_number: '',
  purchase_date: '',
  declared_value: '',
  condition: 'ok',
  condition_note: '',
};

function fromDevice(d: Device): DeviceValues {
  return {
    kind: d.kind,
    brand: d.brand,
    model: d.model,
    serial_number: d.serial_number ?? '',
    purchase_date: d.purchase_date ?? '',
    declared_value: d.declared_value ?? '',
    condition: d.condition ?? 'ok',
    condition_note: d.condition_note ?? '',
  };
}

export function DeviceModal({
  clientId,
  version,
  device,
  onClose,
  onSaved,
}: {
  clientId: string;
  /** The client's version the device is added to (kept with it if it has to wait offline). */
  version: number;
  device: Device | null;
  onClose: () => void;
  onSaved: (device: Device | null) => Promise<void> | void;
}) {
  const draftStep = device ? `3-device-${device.id}` : '3-device-new';
  const draft = loadDraft<DeviceValues>(clientId, draftStep);
  const schema = useMemo(() => makeDeviceSchema(), []);
  // One key per "add" dialog: a retried request after a dropped answer creates one device.
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [formError, setFormError] = useState<string | null>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const {
    register,
    handleSubmit,
    setError,
    watch,
    formState: { errors, isSubmitting },
  } = useForm<DeviceValues>({
    resolver: zodResolver(schema),
    defaultValues: draft ?? (device ? fromDevice(device) : EMPTY),
  });
  usePersistDraft(clientId, draftStep, watch);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    dialogRef.current?.querySelector<HTMLElement>('select, input')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [onClose]);

  const onSubmit = handleSubmit(async (values) => {
    setFormError(null);
    const body = {
      kind: values.kind as DeviceKind,
      brand: values.brand.trim(),
      model: values.model.trim(),
      serial_number: values.serial_number.trim(),
      purchase_date: values.purchase_date || null,
      declared_value: toDecimalString(values.declared_value),
      condition: values.condition,
      condition_note: values.condition_note.trim() || null,
    };
    try {
      const saved = device
        ? await updateDevice(clientId, device.id, body)
        : await createDevice(clientId, body, idempotencyKey);
      removeDraft(clientId, draftStep);
      await onSaved(saved);
    } catch (err) {
      // A new device without a connection waits in the outbox, with this dialog's key: if the
      // request did reach the server, the replay is answered with that device, not a second.
      if (!device && isNoConnection(err)) {
        try {
          await enqueue(clientId, `3-device-${idempotencyKey}`, 'device', version, body, idempotencyKey);
          removeDraft(clientId, draftStep);
          await onSaved(null);
          return;
        } catch {
          // No IndexedDB: the refusal below, with a retry.
        }
      }
      setFormError(applyServerErrors(err, DEVICE_FIELDS, setError));
    }
  });

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal card"
        role="dialog"
        aria-modal="true"
        aria-labelledby="device-modal-title"
        ref={dialogRef}
        data-testid="device-modal"
      >
        <form onSubmit={onSubmit} noValidate>
          <h2 id="device-modal-title">{device ? 'Изменить устройство' : 'Новое устройство'}</h2>
          <div className="grid">
            <Field label="Тип" error={errors.kind?.message}>
              {(a) => (
                <select {...a} data-testid="device-kind" {...register('kind')}>
                  {DEVICE_KINDS.map((k) => (
                    <option key={k.value} value={k.value}>
                      {k.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Производитель" error={errors.brand?.message}>
              {(a) => <input {...a} autoComplete="off" data-testid="device-brand" {...register('brand')} />}
            </Field>
            <Field label="Модель" error={errors.model?.message}>
              {(a) => <input {...a} autoComplete="off" data-testid="device-model" {...register('model')} />}
            </Field>
            <Field label="Серийный номер" error={errors.serial_number?.message}>
              {(a) => <input {...a} autoComplete="off" data-testid="device-serial_number" {...register('serial_number')} />}
            </Field>
            <Field label="Дата покупки" error={errors.purchase_date?.message}>
              {(a) => <input {...a} type="date" data-testid="device-purchase_date" {...register('purchase_date')} />}
            </Field>
            <Field label="Заявленная стоимость, ₽" error={errors.declared_value?.message}>
              {(a) => (
                <input {...a} inputMode="decimal" autoComplete="off" data-testid="device-declared_value" {...register('declared_value')} />
              )}
            </Field>
            <Field label="Состояние при приёме" error={errors.condition?.message}>
              {(a) => (
                <select {...a} data-testid="device-condition" {...register('condition')}>
                  {DEVICE_CONDITIONS.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Замечания о состоянии" error={errors.condition_note?.message} className="grid__wide">
              {(a) => (
                <input
                  {...a}
                  autoComplete="off"
                  placeholder="Например: царапина на крышке"
                  data-testid="device-condition_note"
                  {...register('condition_note')}
                />
              )}
            </Field>
          </div>
          <ErrorBanner message={formError} testId="device-error" onRetry={formError ? () => void onSubmit() : undefined} />
          <div className="step__actions">
            <button type="button" className="btn" onClick={onClose} data-testid="device-cancel">
              Отмена
            </button>
            <button type="submit" className="btn btn--primary" disabled={isSubmitting} data-testid="device-save">
              {isSubmitting ? 'Сохраняем…' : 'Сохранить'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
