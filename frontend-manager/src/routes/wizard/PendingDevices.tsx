import { useEffect, useState } from 'react';
import type { DeviceInput } from '../../api/endpoints';
import { discard, queuedValues, type OutboxView } from '../../offline/outbox';
import { DEVICE_KINDS } from './validation';

function PendingDevice({ entry }: { entry: OutboxView }) {
  const [device, setDevice] = useState<DeviceInput | null>(null);
  useEffect(() => {
    let live = true;
    void queuedValues<DeviceInput>(entry.clientId, entry.step).then((d) => live && setDevice(d));
    return () => {
      live = false;
    };
  }, [entry.clientId, entry.step]);
  const kind = DEVICE_KINDS.find((k) => k.value === device?.kind)?.label ?? '';
  return (
    <li className="card device device--pending" data-testid="device-pending" data-failed={entry.failure ? 'true' : 'false'}>
      <h2 className="device__title">{device ? `${device.brand} ${device.model}` : '…'}</h2>
      <p className="muted">{kind}</p>
      {entry.failure ? (
        <div className="banner banner--error" role="alert">
          <p>
            <strong>Не сохранено:</strong> {entry.failure.detail || `сервер ответил ошибкой ${entry.failure.status}.`}
          </p>
          <button type="button" className="btn btn--small" onClick={() => void discard(entry.clientId, entry.step)} data-testid="device-pending-discard">
            Убрать
          </button>
        </div>
      ) : (
        <p className="banner banner--pending" role="status">
          Сохранится, когда появится связь. Фото — после сохранения.
        </p>
      )}
    </li>
  );
}

/** New devices saved without a connection, waiting in the outbox (sent in order, once). */
export function PendingDevices({ pending }: { pending: OutboxView[] }) {
  return (
    <>
      {pending.map((e) => (
        <PendingDevice key={e.seq} entry={e} />
      ))}
    </>
  );
}
