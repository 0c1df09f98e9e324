import { useState } from 'react';
import { downloadDisputePack } from '../api/endpoints';
import { describeError } from '../api/errors';
import { saveBlob } from '../lib/download';

/** «Пакет доказательств»: the ZIP a dispute needs (both PDFs, evidence, chat, history, photos, README). */
export function DisputePackButton({ clientId, number }: { clientId: string | number; number: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      saveBlob(await downloadDisputePack(clientId), `dispute-pack-${number}.zip`);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="btn btn--small"
        disabled={busy}
        onClick={() => void download()}
        title="ZIP: договор, подписанная копия, доказательства подписания, выдержка из чата, журнал действий, фото и инструкция по проверке"
        data-testid="dispute-pack"
      >
        {busy ? 'Собираем пакет…' : 'Пакет доказательств (ZIP)'}
      </button>
      {error ? (
        <span className="field__error" role="alert" data-testid="dispute-pack-error">
          {' '}
          {error}
        </span>
      ) : null}
    </>
  );
}
