import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { confirmContract, generateContract, getPepAgreement, resendOtp } from '../../api/endpoints';
import { ApiError, describeError } from '../../api/errors';
import type { Contract } from '../../api/types';
import { ErrorBanner, Field } from '../../components/Field';
import { mmss, secondsUntil, useNow } from '../../lib/useNow';
import { isLocked, isSigned, otpFailure } from './contractState';
import { FALLBACK_PEP_TEXT } from './pep';
import { TariffSection } from './TariffSection';
import type { StepProps } from './stepProps';
import { useRefreshClient } from './useClientCard';

export function Step4Contract({ clientId, card }: StepProps) {
  const navigate = useNavigate();
  const refresh = useRefreshClient(clientId);
  const pep = useQuery({ queryKey: ['pep-agreement'], queryFn: getPepAgreement, staleTime: Infinity, retry: false });
  const [agreed, setAgreed] = useState(false);
  const [local, setLocal] = useState<Contract | null>(null);
  // The card is refetched after every contract call, so it is the freshest; `local` bridges the
  // moment between an answer and that refetch.
  const contract = card.contract ?? local;
  const signed = isSigned(card, contract);
  const [lockedLocal, setLockedLocal] = useState(false);
  const locked = !signed && (lockedLocal || isLocked(contract));
  const [genError, setGenError] = useState<string | null>(null);
  const [generating, setGenerating] = useState(false);
  const [code, setCode] = useState('');
  const [otpError, setOtpError] = useState<string | null>(null);
  const [attemptsLeft, setAttemptsLeft] = useState<number | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [resendInfo, setResendInfo] = useState<string | null>(null);
  const now = useNow(Boolean(contract) && !signed);
  const resendIn = secondsUntil(contract?.otp_resend_at, now);
  const expiresIn = secondsUntil(contract?.otp_expires_at, now);
  const attempts = attemptsLeft ?? contract?.otp_attempts_left ?? null;

  const generate = async () => {
    setGenError(null);
    setGenerating(true);
    try {
      setLocal(await generateContract(clientId));
      setLockedLocal(false);
      setOtpError(null);
      setAttemptsLeft(null);
      setCode('');
      await refresh();
    } catch (err) {
      setGenError(describeError(err));
    } finally {
      setGenerating(false);
    }
  };

  const resend = async () => {
    setResendInfo(null);
    setOtpError(null);
    try {
      setLocal(await resendOtp(clientId));
      setResendInfo('Новый код отправлен клиенту в чат поддержки. Прежний код больше не действует.');
      await refresh();
    } catch (err) {
      if (err instanceof ApiError && err.status === 429 && err.retryAfter) {
        setOtpError(`Новый код можно отправить через ${mmss(err.retryAfter)}.`);
      } else setOtpError(describeError(err));
    }
  };

  const confirm = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code)) {
      setOtpError('Код — 6 цифр из сообщения клиенту.');
      return;
    }
    setConfirming(true);
    setOtpError(null);
    try {
      await confirmContract(clientId, code);
      await refresh();
      navigate(`/clients/${clientId}/step/success`);
    } catch (err) {
      const f = otpFailure(err);
      if (f.locked) setLockedLocal(true);
      if (f.attemptsLeft !== null) setAttemptsLeft(f.attemptsLeft);
      setOtpError(f.message);
      setCode('');
      // The server's count is authoritative: read it back when the problem did not carry it.
      if (f.attemptsLeft === null && err instanceof ApiError) {
        void refresh();
      }
    } finally {
      setConfirming(false);
    }
  };

  const pepText = pep.data?.text ?? FALLBACK_PEP_TEXT;
  const hasTariff = Boolean(card.tariff);

  return (
    <div className="card step" data-testid="step-4">
      <h1 tabIndex={-1}>Тариф и договор</h1>
      <TariffSection
        clientId={clientId}
        card={card}
        disabled={signed}
        onApplied={async () => {
          setLocal(null);
          await refresh();
        }}
      />

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
              {pepText.split('\n').map((line, i) => (
                <p key={i}>{line}</p>
              ))}
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
            {locked ? (
              <div className="banner banner--error" role="alert" data-testid="contract-locked">
                Договор {contract?.number} заблокирован: код введён неверно слишком много раз. Сформируйте договор заново —
                клиент получит новый код.
              </div>
            ) : null}
            <ErrorBanner message={genError} onRetry={() => void generate()} testId="generate-error" />
            <button
              type="button"
              className="btn btn--primary"
              disabled={!agreed || !hasTariff || generating}
              onClick={() => void generate()}
              data-testid="contract-generate"
            >
              {generating ? 'Формируем договор…' : locked ? 'Сформировать договор заново' : 'Сформировать договор и отправить код'}
            </button>
            {!hasTariff ? <p className="muted">Сначала выберите тариф.</p> : null}
          </>
        ) : null}

        {contract && !signed && !locked ? (
          <div data-testid="otp-section">
            <p>
              Договор <strong data-testid="contract-number">{contract.number}</strong>
              {contract.pdf_sha256 ? <span className="muted"> · SHA-256 {contract.pdf_sha256.slice(0, 8)}…</span> : null}
            </p>
            {contract.pdf_url ? (
              <p>
                <a href={contract.pdf_url} target="_blank" rel="noopener" data-testid="contract-pdf">
                  Открыть PDF договора
                </a>{' '}
                — покажите клиенту перед вводом кода.
              </p>
            ) : null}
            <p className="muted" role="status">
              Код отправлен клиенту в чат поддержки приложения «Привет Супер».
              {contract.otp_expires_at
                ? expiresIn > 0
                  ? ` Действует ещё ${mmss(expiresIn)}.`
                  : ' Срок действия кода истёк — отправьте новый.'
                : ''}
            </p>
            <form className="otp" onSubmit={(e) => void confirm(e)} noValidate>
              <Field label="Код из сообщения клиенту" error={otpError ?? undefined}>
                {(a) => (
                  <input
                    {...a}
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    maxLength={6}
                    pattern="\d{6}"
                    value={code}
                    onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
                    data-testid="otp-input"
                  />
                )}
              </Field>
              {attempts !== null ? (
                <p className="muted" data-testid="otp-attempts">
                  Осталось попыток: {attempts}
                </p>
              ) : null}
              <div className="step__actions">
                <button
                  type="button"
                  className="btn"
                  disabled={resendIn > 0}
                  onClick={() => void resend()}
                  data-testid="otp-resend"
                >
                  {resendIn > 0 ? `Отправить код повторно через ${mmss(resendIn)}` : 'Отправить код повторно'}
                </button>
                <button type="submit" className="btn btn--primary" disabled={confirming} data-testid="otp-submit">
                  {confirming ? 'Проверяем…' : 'Подписать'}
                </button>
              </div>
              {resendInfo ? (
                <p className="muted" role="status" data-testid="otp-resent">
                  {resendInfo}
                </p>
              ) : null}
            </form>
          </div>
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
