import { useEffect, useState } from 'react';
import { deleteDevice, deletePhoto } from '../../api/endpoints';
import { describeError } from '../../api/errors';
import type { Device } from '../../api/types';
import { ErrorBanner } from '../../components/Field';
import { money } from '../../lib/format';
import { usePhotoQueue, type PhotoItem } from '../../photos/usePhotoQueue';
import { DEVICE_CONDITIONS, DEVICE_KINDS } from './validation';

const STATUS_TEXT: Record<PhotoItem['status'], string> = {
  resizing: 'Сжимаем…',
  uploading: 'Загружаем',
  confirming: 'Проверяем…',
  done: 'Готово',
  failed: 'Ошибка загрузки',
  rejected: 'Отклонено',
};

export function DeviceCard({
  clientId,
  device,
  onChanged,
  onEdit,
  readOnly = false,
}: {
  clientId: string;
  device: Device;
  onChanged: () => Promise<void>;
  onEdit: () => void;
  readOnly?: boolean;
}) {
  const [enlarged, setEnlarged] = useState<{ url: string; alt: string } | null>(null);
  const deviceId = String(device.id);
  const queue = usePhotoQueue(clientId, deviceId, onChanged);
  const [error, setError] = useState<string | null>(null);
  const kind = DEVICE_KINDS.find((k) => k.value === device.kind)?.label ?? device.kind;
  const condition = DEVICE_CONDITIONS.find((c) => c.value === device.condition)?.label;

  const onFiles = (e: React.ChangeEvent<HTMLInputElement>) => {
    const files = e.target.files;
    if (files?.length) void queue.addFiles(Array.from(files));
    e.target.value = '';
  };

  const remove = async () => {
    if (!window.confirm(`Удалить устройство «${device.brand} ${device.model}»?`)) return;
    try {
      await deleteDevice(clientId, device.id);
      await onChanged();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const removePhoto = async (photoId: string | number) => {
    if (!window.confirm(`Удалить это фото устройства «${device.brand} ${device.model}»?`)) return;
    try {
      await deletePhoto(clientId, device.id, photoId);
      await onChanged();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const failed = queue.items.filter((i) => i.status === 'failed').length;

  return (
    <li className="device card" data-testid="device-card" data-device-id={deviceId}>
      <div className="device__head">
        <div>
          <h3 className="device__title">
            {device.brand} {device.model}
          </h3>
          <p className="muted">
            {kind}
            {device.serial_number ? ` · S/N ${device.serial_number}` : ''} · {money(device.declared_value)}
          </p>
          {condition ? (
            <p className="muted" data-testid="device-condition-shown">
              {condition}
              {device.condition_note ? `: ${device.condition_note}` : ''}
            </p>
          ) : null}
        </div>
        {readOnly ? null : (
          <div className="device__buttons">
            <button type="button" className="btn btn--small" onClick={onEdit} data-testid="device-edit">
              Изменить
            </button>
            <button type="button" className="btn btn--small btn--danger" onClick={() => void remove()} data-testid="device-delete">
              Удалить
            </button>
          </div>
        )}
      </div>
      <ErrorBanner message={error} testId="device-card-error" />
      <ul className="photos" aria-label="Фото устройства">
        {device.photos.map((p) => (
          <li key={p.id} className="photo" data-testid="photo">
            <button
              type="button"
              className="photo__open"
              onClick={() => setEnlarged({ url: p.url, alt: `Фото ${device.brand} ${device.model}` })}
              aria-label="Открыть фото крупно"
              data-testid="photo-open"
            >
              <img src={p.url} alt={`Фото ${device.brand} ${device.model}`} width={96} height={96} loading="lazy" />
            </button>
            {readOnly ? null : (
              <button
                type="button"
                className="photo__remove"
                onClick={() => void removePhoto(p.id)}
                aria-label="Удалить фото"
                data-testid="photo-delete"
              >
                ×
              </button>
            )}
          </li>
        ))}
        {queue.items.map((item) => (
          <li key={item.localId} className={`photo photo--${item.status}`} data-testid="photo-pending" data-status={item.status}>
            {item.previewUrl ? <img src={item.previewUrl} alt="" width={96} height={96} /> : <span className="photo__placeholder" />}
            <div className="photo__status">
              <span>{STATUS_TEXT[item.status]}</span>
              {item.status === 'uploading' ? (
                <progress max={1} value={item.progress} aria-label={`Загрузка ${item.name}`} data-testid="photo-progress" />
              ) : null}
            </div>
          </li>
        ))}
      </ul>
      {queue.items
        .filter((i) => i.message)
        .map((i) => (
          <div key={i.localId} className="banner banner--error" role="alert" data-testid="photo-error">
            <span>
              {i.name}: {i.message}
            </span>
            {i.status === 'failed' ? (
              <button type="button" className="btn btn--small" onClick={() => queue.retry(i.localId)} data-testid="photo-retry">
                Повторить
              </button>
            ) : null}
            <button type="button" className="btn btn--small btn--ghost" onClick={() => queue.dismiss(i.localId)} data-testid="photo-dismiss">
              Скрыть
            </button>
          </div>
        ))}
      {failed > 1 ? (
        <button type="button" className="btn btn--small" onClick={queue.retryAll} data-testid="photo-retry-all">
          Повторить все ({failed})
        </button>
      ) : null}
      {enlarged ? <PhotoViewer {...enlarged} onClose={() => setEnlarged(null)} /> : null}
      {readOnly ? null : (
      <div className="photo-inputs">
        <label className="btn btn--file">
          <input
            type="file"
            accept="image/*"
            capture="environment"
            className="visually-hidden"
            onChange={onFiles}
            data-testid="photo-camera"
          />
          Сфотографировать
        </label>
        <label className="btn btn--file">
          <input type="file" accept="image/*" multiple className="visually-hidden" onChange={onFiles} data-testid="photo-gallery" />
          Из галереи
        </label>
      </div>
      )}
    </li>
  );
}

/** A photo over the whole screen; a tap anywhere or Escape closes it. */
function PhotoViewer({ url, alt, onClose }: { url: string; alt: string; onClose: () => void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="photo-viewer" role="dialog" aria-modal="true" aria-label={alt} onClick={onClose} data-testid="photo-viewer">
      <img src={url} alt={alt} />
      <button type="button" className="btn btn--small photo-viewer__close" onClick={onClose} autoFocus>
        Закрыть
      </button>
    </div>
  );
}
