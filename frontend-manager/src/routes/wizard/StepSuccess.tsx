import { useState } from 'react';
import { Link } from 'react-router';
import { newIdempotencyKey } from '../../api/client';
import { confirmPayment, notifyBilling, verifyContract } from '../../api/endpoints';
import { describeError } from '../../api/errors';
import { DisputePackButton } from '../../components/DisputePackButton';
import { ErrorBanner, Field } from '../../components/Field';
import { isPositiveAmount, money, moscowDateTime } from '../../lib/format';
import { isSigned } from './contractState';
import type { StepProps } from './stepProps';
import { useRefreshClient } from './useClientCard';

type Method = 'cash' | 'card' | 'transfer';

// What a failed check means, in the manager's words.
const FAILED_CHECK: Record<string, string> = {
  pdf_hash: 'файл договора изменён',
  signed_pdf_hash: 'подписанный файл договора изменён',
  photos: 'фото устройств изменены',
  seal: 'электронная печать организации на подписанной копии нарушена',
  hmac: 'запись о подписании не совпадает с договором',
  activity_chain: 'история действий по клиенту изменена',
};

export function StepSuccess({ clientId, card }: StepProps) {
  const refresh = useRefreshClient(clientId);
  const surcharge = card.contract?.surcharge ?? card.tariff?.surcharge ?? '0.00';
  const [method, setMethod] = useState<Method>('card');
  const [reference, setReference] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'pay' | 'invoice' | null>(null);
  // One key per screen: a tap repeated after a lost answer does not pay twice.
  const [payKey] = useState(newIdempotencyKey);
  const [invoiceKey] = useState(newIdempotencyKey);
  const [verdict, setVerdict] = useState<string | null>(null);
  const signed = isSigned(card, card.contract);

  const verify = async () => {
    setVerdict('Проверяем…');
    try {
      const v = await verifyContract(clientId);
      setVerdict(
        v.valid
          ? 'Подпись действительна: договор и фото не менялись после подписания, история действий по клиенту цела.'
          : `Проверка не пройдена: ${Object.entries(v.checks)
              .filter(([, r]) => r !== 'ok' && r !== 'not_applicable')
              .map(([k]) => FAILED_CHECK[k] ?? k)
              .join('; ')}. Сообщите старшему менеджеру.`,
      );
    } catch (err) {
      setVerdict(describeError(err));
    }
  };
  const processed = card.status === 'processed';

  const run = async (kind: 'pay' | 'invoice') => {
    setError(null);
    setBusy(kind);
    try {
      if (kind === 'pay') {
        // The whole surcharge: the server accepts no other sum (no partial payments).
        await confirmPayment(clientId, { amount: surcharge, method, reference: reference.trim() }, payKey);
      } else {
        await notifyBilling(clientId, invoiceKey);
      }
      await refresh();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(null);
    }
  };

  if (!signed) {
    return (
      <div className="card step" data-testid="step-success">
        <h1 tabIndex={-1}>Договор ещё не подписан</h1>
        <p>Вернитесь к шагу «Договор», чтобы сформировать его и ввести код клиента.</p>
        <Link className="btn btn--primary" to={`/clients/${clientId}/step/4`} data-testid="to-step4">
          К договору
        </Link>
      </div>
    );
  }

  return (
    <div className="card step" data-testid="step-success">
      <h1 data-testid="success-title" tabIndex={-1}>{processed ? 'Клиент оформлен' : 'Договор подписан'}</h1>
      <p>
        Договор <strong data-testid="success-contract-number">{card.contract?.number}</strong>
        {card.contract?.signed_at ? ` подписан ${moscowDateTime(card.contract.signed_at)} (МСК)` : ' подписан'}.
      </p>
      {card.contract?.signed_pdf_url || card.contract?.pdf_url ? (
        <p>
          <a href={card.contract.signed_pdf_url ?? card.contract.pdf_url ?? '#'} target="_blank" rel="noopener" data-testid="success-pdf">
            Подписанный договор (PDF)
          </a>{' '}
          <button type="button" className="btn btn--small" onClick={() => void verify()} data-testid="contract-verify">
            Проверить подпись
          </button>{' '}
          {card.contract?.number ? <DisputePackButton clientId={clientId} number={card.contract.number} /> : null}
        </p>
      ) : null}
      {verdict ? (
        <p role="status" data-testid="contract-verdict">
          {verdict}
        </p>
      ) : null}

      {card.payment ? (
        <div className="banner banner--ok" role="status" data-testid="payment-done">
          Оплата {money(card.payment.amount)} подтверждена {moscowDateTime(card.payment.created_at)}.
        </div>
      ) : null}
      {card.invoice?.number ? (
        <div className="banner banner--ok" role="status" data-testid="invoice-sent">
          Счёт № {card.invoice.number} на {money(card.invoice.amount)}
          {card.invoice.due_date ? `, оплатить до ${card.invoice.due_date}` : ''} отправлен клиенту в чат поддержки.
        </div>
      ) : null}
      {processed && !isPositiveAmount(surcharge) ? (
        <div className="banner banner--ok" role="status" data-testid="no-surcharge">
          Доплата не требуется.
        </div>
      ) : null}

      {!processed && isPositiveAmount(surcharge) ? (
        <section aria-labelledby="pay-title" className="section" data-testid="payment-reminder">
          <h2 id="pay-title">Доплата {money(surcharge)}</h2>
          <p>Примите оплату и подтвердите её, или отправьте клиенту счёт в чат поддержки.</p>
          <form
            className="grid"
            onSubmit={(e) => {
              e.preventDefault();
              void run('pay');
            }}
          >
            <p className="grid__wide" data-testid="payment-amount">
              Сумма: <strong>{money(surcharge)}</strong> — вся доплата. Частичная оплата не поддерживается.
            </p>
            <Field label="Способ оплаты">
              {(a) => (
                <select {...a} value={method} onChange={(e) => setMethod(e.target.value as Method)} data-testid="payment-method">
                  <option value="card">Картой</option>
                  <option value="cash">Наличными</option>
                  <option value="transfer">Переводом</option>
                </select>
              )}
            </Field>
            <Field label="Номер чека или перевода" className="grid__wide">
              {(a) => <input {...a} value={reference} onChange={(e) => setReference(e.target.value)} data-testid="payment-reference" />}
            </Field>
            <div className="step__actions grid__wide">
              <button type="button" className="btn" disabled={busy !== null} onClick={() => void run('invoice')} data-testid="invoice-send">
                {busy === 'invoice' ? 'Отправляем…' : 'Отправить счёт в чат'}
              </button>
              <button type="submit" className="btn btn--primary" disabled={busy !== null} data-testid="payment-confirm">
                {busy === 'pay' ? 'Подтверждаем…' : 'Оплата получена'}
              </button>
            </div>
          </form>
        </section>
      ) : null}
      <ErrorBanner message={error} testId="success-error" />
      <div className="step__actions">
        <Link className="btn btn--primary" to="/clients?tab=new" data-testid="success-back">
          К списку клиентов
        </Link>
      </div>
    </div>
  );
}
