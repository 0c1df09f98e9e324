import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { confirmContract, resendOtp } from '../../api/endpoints';
import { ApiError, describeError } from '../../api/errors';
import type { Contract } from '../../api/types';
import { Field } from '../../components/Field';
import { mmss, secondsUntil, useNow } from '../../lib/useNow';
import { otpFailure } from './contractState';
import { useRefreshClient, useUpdateContract } from './useClientCard';

const CODE_SHAPE = 'Код — 6 цифр из сообщения клиенту.';

function resendRefusal(err: Error): string {
  if (err instanceof ApiError && err.status === 429 && err.retryAfter) {
    return `Новый код можно отправить через ${mmss(err.retryAfter)}.`;
  }
  return describeError(err);
}

/**
 * The code the client reads out, for one unsigned contract. Mounted only while that contract
 * waits for its code: a new contract starts with a fresh field, no old error, no old note.
 */
export function OtpEntry({ clientId, contract, onSigned }: { clientId: string; contract: Contract; onSigned: () => void }) {
  const refresh = useRefreshClient(clientId);
  const updateContract = useUpdateContract(clientId);
  const [code, setCode] = useState('');
  // The typed code's own check, made before any call; a new call clears it.
  const [misshapen, setMisshapen] = useState(false);
  const now = useNow();
  // `now` may be up to a second older than the answer that set these: never above what the
  // server counted (1:01 for a fresh code's cooldown).
  const resendIn = Math.min(secondsUntil(contract.otp_resend_at, now), contract.otp_resend_in ?? Infinity);
  const expiresIn = Math.min(secondsUntil(contract.otp_expires_at, now), contract.otp_expires_in ?? Infinity);

  const resend = useMutation({
    mutationFn: () => resendOtp(clientId),
    onSuccess: (fresh) => {
      updateContract(() => fresh);
      void refresh();
    },
  });

  const confirm = useMutation({
    mutationFn: (typed: string) => confirmContract(clientId, typed),
    onSuccess: async () => {
      await refresh();
      onSigned();
    },
    onError: (err) => {
      setCode('');
      // The server's count is authoritative: keep the one its answer carried (0 locks the
      // contract), or read it back when the answer did not carry it.
      const { attemptsLeft } = otpFailure(err);
      if (attemptsLeft !== null) updateContract((c) => c && { ...c, otp_attempts_left: attemptsLeft });
      else if (err instanceof ApiError) void refresh();
    },
  });

  // One line under the field: the code's shape, else what the latest call answered.
  const resendLatest = resend.submittedAt > confirm.submittedAt;
  const refusal = resendLatest
    ? resend.error && resendRefusal(resend.error)
    : confirm.error && otpFailure(confirm.error).message;
  const error = misshapen ? CODE_SHAPE : refusal || undefined;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code)) {
      setMisshapen(true);
      return;
    }
    setMisshapen(false);
    confirm.mutate(code);
  };

  return (
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
      <form className="otp" onSubmit={submit} noValidate>
        <Field label="Код из сообщения клиенту" error={error}>
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
        {contract.otp_attempts_left != null ? (
          <p className="muted" data-testid="otp-attempts">
            Осталось попыток: {contract.otp_attempts_left}
          </p>
        ) : null}
        <div className="step__actions">
          <button
            type="button"
            className="btn"
            disabled={resendIn > 0}
            onClick={() => {
              setMisshapen(false);
              resend.mutate();
            }}
            data-testid="otp-resend"
          >
            {resendIn > 0 ? `Отправить код повторно через ${mmss(resendIn)}` : 'Отправить код повторно'}
          </button>
          <button type="submit" className="btn btn--primary" disabled={confirm.isPending} data-testid="otp-submit">
            {confirm.isPending ? 'Проверяем…' : 'Подписать'}
          </button>
        </div>
        {resend.isSuccess ? (
          <p className="muted" role="status" data-testid="otp-resent">
            Новый код отправлен клиенту в чат поддержки. Прежний код больше не действует.
          </p>
        ) : null}
      </form>
    </div>
  );
}
