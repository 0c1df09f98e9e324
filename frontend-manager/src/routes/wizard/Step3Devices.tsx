import { useCallback, useEffect, useState } from 'react';
import { preloadResizer } from '../../photos/resize';
import { Link, useNavigate } from 'react-router';
import type { Device } from '../../api/types';
import type { StepProps } from './stepProps';
import { DeviceCard } from './DeviceCard';
import { DeviceModal } from './DeviceModal';
import { usePendingDevices } from '../../offline/outbox';
import { PendingDevices } from './PendingDevices';
import { useRefreshClient } from './useClientCard';
import { isReadOnly } from './readOnly';

export function Step3Devices({ clientId, card }: StepProps) {
  const navigate = useNavigate();
  const refresh = useRefreshClient(clientId);
  const [modal, setModal] = useState<{ device: Device | null } | null>(null);
  useEffect(preloadResizer, []);
  const closeModal = useCallback(() => setModal(null), []);
  const devices = card.devices ?? [];
  const pending = usePendingDevices(clientId);
  const readOnly = isReadOnly(card);
  const withoutPhotos = devices.filter((d) => !d.photos?.length).length;

  return (
    <section className="card step" aria-labelledby="step3-title" data-testid="step-3">
      <h1 id="step3-title" tabIndex={-1}>Устройства</h1>
      {devices.length === 0 && pending.length === 0 ? (
        <p className="empty" data-testid="devices-empty">
          Устройств пока нет. Добавьте технику клиента и сфотографируйте её.
        </p>
      ) : null}
      <ul className="devices">
        {devices.map((d) => (
          <DeviceCard
            key={d.id}
            clientId={clientId}
            device={d}
            onChanged={refresh}
            onEdit={() => setModal({ device: d })}
            readOnly={readOnly}
          />
        ))}
        <PendingDevices pending={pending} />
      </ul>
      {readOnly ? null : (
        <button type="button" className="btn btn--block" onClick={() => setModal({ device: null })} data-testid="device-add">
          + Добавить устройство
        </button>
      )}
      {withoutPhotos ? (
        <p className="muted" data-testid="devices-hint">
          Без фото: {withoutPhotos}. Сфотографируйте каждое устройство.
        </p>
      ) : null}
      <div className="step__actions">
        <Link to={`/clients/${clientId}/step/2`} className="btn" data-testid="step3-back">
          ← Назад
        </Link>
        <button
          type="button"
          className="btn btn--primary"
          disabled={devices.length === 0}
          onClick={() => navigate(`/clients/${clientId}/step/4`)}
          data-testid="step3-next"
        >
          Далее: тариф и договор
        </button>
      </div>
      {modal ? (
        <DeviceModal
          clientId={clientId}
          version={card.version}
          device={modal.device}
          onClose={closeModal}
          onSaved={async () => {
            await refresh();
            setModal(null);
          }}
        />
      ) : null}
    </section>
  );
}
