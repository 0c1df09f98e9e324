import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { generateContract, getPepAgreement, previewContract } from '../../api/endpoints';
import { describeError } from '../../api/errors';
import { ErrorBanner } from '../../components/Field';
import { DATA_CHANGED, isLocked, isSigned, isVoidedByChange } from './contractState';
import { OtpEntry } from './OtpEntry';
import { FALLBACK_PEP_TEXT } from './pep';
import { PepText } from './PepText';
import type { StepProps } from './stepProps';
import { TariffSection } from './TariffSection';
import { useRefreshClient, useUpdateContract } from './useClientCard';

export function Step4Contract({ clientId, card }: StepProps) {
  const navigate = useNavigate();
  const refresh = useRefreshClient(clientId);
  const updateContract = useUpdateContract(clientId);
  const pep = useQuery({ queryKey: ['pep-agreement'], queryFn: getPepAgreement, staleTime: Infinity, retry: false });
  const [agreed, setAgreed] = useState(false);
  const generate = useMutation({
    mutationFn: () => generateContract(clientId),
    // The button stays busy until the card is read back with the new contract.
    onSuccess: async (contract) => {
      updateContract(() => contract);
      await refresh();
    },
  });
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  const preview = useMutation({
    mutationFn: () => previewContract(clientId),
    onSuccess: (pdf) => {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      const url = URL.createObjectURL(pdf);
      setPreviewUrl(url);
      window.open(url, '_blank', 'noopener');
    },
  });
  const contract = card.contract ?? null;
  const signed = isSigned(card, contract);
  const locked = !signed && isLocked(contract);
  const changed = !signed && isVoidedByChange(contract);

  const pepText = pep.data?.text ?? FALLBACK_PEP_TEXT;
  const hasTariff = Boolean(card.tariff);

  return (
    <div className="card step" data-testid="step-4">
      <h1 tabIndex={-1}>Тариф и договор</h1>
      <TariffSection clientId={clientId} card={card} disabled={signed} onApplied={refresh} />

      <section aria-labelledby="contract-title" className="section">
        <h2 id="contract-title">Договор</h2>
        {signed ? (
          <div className="banner banner--ok" role="status" data-testid="contract-signed">
            Договор {contract?.number} подписан.{' '}
            <Link to={`/clients/${clientId}/step/success`} data-testid="to-success">
              Перейти к оплате
            </Link>
          </div>
        ) : null}
        {!signed && (!contract || locked) ? (
          <>
            <div className="pep" tabIndex={0} aria-label="Текст соглашения о простой электронной подписи" data-testid="pep-text">
              <PepText text={pepText} />
              {pep.data?.version ? <p className="muted">Редакция {pep.data.version}</p> : null}
            </div>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={agreed}
                onChange={(e) => setAgreed(e.target.checked)}
                data-testid="pep-agree"
              />
              Клиент прочитал соглашение о ПЭП и согласен подписать договор кодом из чата поддержки
            </label>
            {changed ? (
              <div className="banner banner--error" role="alert" data-testid="contract-data-changed">
                Договор {contract?.number}: {DATA_CHANGED} Клиент получит новый код.
              </div>
            ) : locked ? (
              <div className="banner banner--error" role="alert" data-testid="contract-locked">
                Договор {contract?.number} заблокирован: код введён неверно слишком много раз. Сформируйте договор заново —
                клиент получит новый код.
              </div>
            ) : null}
            <ErrorBanner
              message={generate.isError ? describeError(generate.error) : null}
              onRetry={() => generate.mutate()}
              testId="generate-error"
            />
            <ErrorBanner
              message={preview.isError ? describeError(preview.error) : null}
              onRetry={() => preview.mutate()}
              testId="preview-error"
            />
            <div className="step__actions">
              <button
                type="button"
                className="btn"
                disabled={!hasTariff || preview.isPending}
                onClick={() => preview.mutate()}
                data-testid="contract-preview"
              >
                {preview.isPending ? 'Готовим проект…' : 'Показать проект договора'}
              </button>
              {previewUrl ? (
                <a href={previewUrl} target="_blank" rel="noopener" data-testid="contract-preview-link">
                  Открыть проект (PDF)
                </a>
              ) : null}
            </div>
            <button
              type="button"
              className="btn btn--primary"
              disabled={!agreed || !hasTariff || generate.isPending}
              onClick={() => generate.mutate()}
              data-testid="contract-generate"
            >
              {generate.isPending ? 'Формируем договор…' : locked ? 'Сформировать договор заново' : 'Сформировать договор и отправить код'}
            </button>
            {!hasTariff ? <p className="muted">Сначала выберите тариф.</p> : null}
          </>
        ) : null}

        {contract && !signed && !locked ? (
          <OtpEntry
            key={contract.id}
            clientId={clientId}
            contract={contract}
            onSigned={() => navigate(`/clients/${clientId}/step/success`)}
          />
        ) : null}
      </section>
      <div className="step__actions">
        <Link to={`/clients/${clientId}/step/3`} className="btn" data-testid="step4-back">
          ← Назад к устройствам
        </Link>
      </div>
    </div>
  );
}
