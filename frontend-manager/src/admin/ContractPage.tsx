import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { describeError } from '../api/errors';
import { STATUS_LABELS } from '../api/types';
import { DisputePackButton } from '../components/DisputePackButton';
import { ErrorBanner } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { formatPhone, money, moscowDateTime } from '../lib/format';
import { CONTRACT_STATUS_LABELS, getClientCard, getContract, getContractVerification, type Verification } from './api';
import { ReassignForm } from './ReassignForm';
import { usePageTitle } from './usePageTitle';

const ACTIONS: Record<string, string> = {
  'client.claimed': 'Взят в работу',
  'client.reassigned': 'Передан другому менеджеру',
  'client.released': 'Возвращён в «Новые»',
  'profile.updated': 'Контакты и адрес',
  'passport.updated': 'Паспорт',
  'passport.read': 'Паспорт просмотрен',
  'device.added': 'Устройство добавлено',
  'device.updated': 'Устройство изменено',
  'device.deleted': 'Устройство удалено',
  'photo.added': 'Фото добавлено',
  'photo.deleted': 'Фото удалено',
  'tariff.applied': 'Тариф рассчитан',
  'contract.generated': 'Договор сформирован',
  'contract.otp_resent': 'Код отправлен повторно',
  'contract.otp_failed': 'Неверный код',
  'contract.otp_locked': 'Договор заблокирован (5 неверных кодов)',
  'contract.signed': 'Договор подписан',
  'contract.sealed': 'Наложена печать организации',
  'contract.dispute_pack': 'Выдан пакет доказательств',
  'payment.confirmed': 'Оплата подтверждена',
  'invoice.sent': 'Счёт отправлен',
  'client.processed': 'Обработан',
};

const CHECKS: Record<string, string> = {
  pdf_hash: 'PDF договора не изменён',
  signed_pdf_hash: 'Подписанная копия не изменена',
  photos: 'Фото устройств не изменены',
  hmac: 'Подпись доказательств (HMAC) верна',
  activity_chain: 'Журнал действий цел',
  seal: 'Печать организации (PAdES) цела',
};

const CHECK_RESULTS: Record<string, string> = {
  ok: 'да',
  failed: 'нет',
  not_applicable: 'не применимо',
  pending: 'накладывается (через несколько секунд после подписания)',
};

export function ContractPage() {
  const { contractId } = useParams();
  const contract = useQuery({ queryKey: ['admin', 'contract', contractId], queryFn: () => getContract(Number(contractId)) });
  const verification = useQuery({
    queryKey: ['admin', 'contract', contractId, 'verification'],
    queryFn: () => getContractVerification(Number(contractId)),
  });
  const clientId = contract.data?.client_id;
  const card = useQuery({
    queryKey: ['client', String(clientId), 'admin'],
    queryFn: () => getClientCard(Number(clientId)),
    enabled: clientId !== undefined,
  });
  usePageTitle(contract.data ? `Договор ${contract.data.contract.number}` : 'Договор');
  if (contract.isPending) return <Spinner label="Загружаем договор…" />;
  if (contract.isError) return <ErrorBanner message={describeError(contract.error)} onRetry={() => void contract.refetch()} />;
  const c = contract.data.contract;
  const client = card.data;
  const movable = client && client.status !== 'signed' && client.status !== 'processed';
  return (
    <>
      <Link to="/admin/contracts" className="back-link">
        ← К реестру договоров
      </Link>
      <h1 tabIndex={-1} data-testid="contract-number">
        Договор {c.number}
      </h1>
      <div className="grid contract-grid">
        <section className="card" aria-labelledby="contract-main">
          <h2 id="contract-main">Договор</h2>
          <dl className="facts">
            <dt>Статус</dt>
            <dd>
              <span className={`badge badge--contract-${c.status}`} data-testid="contract-status">
                {CONTRACT_STATUS_LABELS[c.status]}
              </span>
            </dd>
            <dt>Клиент</dt>
            <dd>
              {contract.data.client_name} <span className="muted phone">{formatPhone(contract.data.client_phone)}</span>
            </dd>
            <dt>Менеджер</dt>
            <dd>{contract.data.holder?.name ?? '—'}</dd>
            <dt>Сформирован</dt>
            <dd>{moscowDateTime(c.created_at)}</dd>
            <dt>Подписан</dt>
            <dd>{moscowDateTime(c.signed_at)}</dd>
            <dt>Доплата</dt>
            <dd>{money(c.surcharge)}</dd>
          </dl>
          <div className="step__actions">
            {c.pdf_url ? (
              <a className="btn" href={c.pdf_url} target="_blank" rel="noopener" data-testid="contract-pdf">
                PDF договора
              </a>
            ) : null}
            {c.signed_pdf_url ? (
              <a className="btn btn--primary" href={c.signed_pdf_url} target="_blank" rel="noopener" data-testid="contract-signed-pdf">
                Подписанная копия
              </a>
            ) : null}
            {c.status === 'signed' ? <DisputePackButton clientId={contract.data.client_id} number={c.number} /> : null}
          </div>
        </section>
        <section className="card" aria-labelledby="contract-verify">
          <h2 id="contract-verify">Проверка</h2>
          {verification.isPending ? <Spinner label="Проверяем договор…" /> : null}
          <ErrorBanner
            message={verification.isError ? describeError(verification.error) : null}
            onRetry={() => void verification.refetch()}
          />
          {verification.data ? <Checks v={verification.data} signed={c.status === 'signed'} /> : null}
          <p className="muted mono">SHA-256: {c.pdf_sha256}</p>
        </section>
      </div>
      {movable ? (
        <section className="card" aria-labelledby="contract-reassign">
          <h2 id="contract-reassign">Передать клиента</h2>
          <p className="muted">Неподписанный договор будет аннулирован: новый менеджер сформирует его заново.</p>
          <ReassignForm clientId={client.id} holderId={client.assigned_manager?.id} version={client.version} />
        </section>
      ) : null}
      <section className="card" aria-labelledby="contract-timeline">
        <h2 id="contract-timeline">История клиента</h2>
        {card.isPending ? <Spinner label="Загружаем историю…" /> : null}
        <ErrorBanner message={card.isError ? describeError(card.error) : null} />
        {client ? (
          <>
            <p>
              Статус клиента: <strong>{STATUS_LABELS[client.status]}</strong>
            </p>
            <ol className="timeline" data-testid="contract-timeline-list">
              {client.timeline.map((t) => (
                <li key={t.seq}>
                  <time dateTime={t.created_at}>{moscowDateTime(t.created_at)}</time> — {ACTIONS[t.action] ?? t.action}
                  {t.manager ? <span className="muted"> ({t.manager.name})</span> : null}
                  {typeof t.payload.reason === 'string' ? <span className="muted"> — {t.payload.reason}</span> : null}
                </li>
              ))}
            </ol>
          </>
        ) : null}
      </section>
    </>
  );
}

function Checks({ v, signed }: { v: Verification; signed: boolean }) {
  return (
    <>
      <p className={`banner ${v.valid ? 'banner--ok' : 'banner--error'}`} data-testid="contract-verification">
        {v.valid ? 'Договор подлинный: все проверки пройдены' : signed ? 'Проверка не пройдена' : 'Договор не подписан'}
      </p>
      <ul className="checks">
        {Object.entries(v.checks).map(([name, result]) => (
          <li key={name} className={`check check--${result}`}>
            {CHECKS[name] ?? name}: <strong>{CHECK_RESULTS[result] ?? result}</strong>
          </li>
        ))}
      </ul>
    </>
  );
}
