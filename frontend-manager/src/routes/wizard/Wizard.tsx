import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, Navigate, useParams } from 'react-router';
import { claimClient } from '../../api/endpoints';
import { describeError } from '../../api/errors';
import { STATUS_LABELS, type ClientCard } from '../../api/types';
import { AppHeader } from '../../components/AppHeader';
import { ErrorBanner } from '../../components/Field';
import { Spinner } from '../../components/Spinner';
import { Step1Profile } from './Step1Profile';
import { Step2Passport } from './Step2Passport';
import { Step3Devices } from './Step3Devices';
import { Step4Contract } from './Step4Contract';
import { StepSuccess } from './StepSuccess';
import { useClientCard } from './useClientCard';
import { isReadOnly, isSigned } from './readOnly';

const STEPS = [
  { id: '1', label: 'Контакты' },
  { id: '2', label: 'Паспорт' },
  { id: '3', label: 'Устройства' },
  { id: '4', label: 'Договор' },
  { id: 'success', label: 'Готово' },
] as const;

/** Which steps hold what the next ones need (the server's data, not the screen visited). */
function completedSteps(card: ClientCard | undefined): Set<string> {
  const done = new Set<string>();
  if (!card) return done;
  const signed = isSigned(card);
  if (signed || (card.profile?.phone && card.address?.street && card.address?.house)) done.add('1');
  if (signed || card.passport_on_file) done.add('2');
  if (signed || card.devices.length > 0) done.add('3');
  if (signed) done.add('4');
  if (card.status === 'processed') done.add('success');
  return done;
}

/** Step 4 makes the contract: it is offered once steps 1-3 hold their data. */
function missingForContract(done: Set<string>): string[] {
  return STEPS.slice(0, 3)
    .filter((s) => !done.has(s.id))
    .map((s) => s.label.toLowerCase());
}

function Stepper({ clientId, step, card }: { clientId: string; step: string; card: ClientCard | undefined }) {
  const done = completedSteps(card);
  const locked = (id: string) =>
    card !== undefined && (id === '4' || id === 'success') && missingForContract(done).length > 0;
  return (
    <nav aria-label="Шаги оформления" className="stepper">
      <ol>
        {STEPS.map((s, i) => {
          const cls = ['stepper__item', s.id === step ? 'stepper__item--active' : '', done.has(s.id) ? 'stepper__item--done' : '']
            .filter(Boolean)
            .join(' ');
          const inner = (
            <>
              <span className="stepper__num" aria-hidden="true">
                {done.has(s.id) || i >= 4 ? '✓' : i + 1}
              </span>
              <span className="stepper__label">
                {s.label}
                {done.has(s.id) ? <span className="visually-hidden"> (заполнено)</span> : null}
              </span>
            </>
          );
          return (
            <li key={s.id} className={cls} data-done={done.has(s.id) ? 'true' : 'false'}>
              {locked(s.id) ? (
                <span className="stepper__locked" aria-disabled="true" data-testid={`stepper-${s.id}`} title="Сначала заполните шаги 1–3">
                  {inner}
                </span>
              ) : (
                <Link to={`/clients/${clientId}/step/${s.id}`} aria-current={s.id === step ? 'step' : undefined} data-testid={`stepper-${s.id}`}>
                  {inner}
                </Link>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

function ReadOnlyNotice({ clientId, card }: { clientId: string; card: ClientCard }) {
  const queryClient = useQueryClient();
  const claim = useMutation({
    mutationFn: () => claimClient(clientId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['client', clientId] }),
  });
  if (isSigned(card)) {
    return (
      <div className="banner banner--ok" role="status" data-testid="read-only">
        <span>
          {card.status === 'processed' ? 'Клиент оформлен' : 'Договор подписан'}
          {card.contract?.number ? ` (${card.contract.number})` : ''}: данные подписанного договора
          не меняются, экран только для просмотра.
        </span>
      </div>
    );
  }
  return (
    <div className="banner banner--error" role="alert" data-testid="read-only">
      <span>
        {card.assigned_manager
          ? `Клиента ведёт ${card.assigned_manager.name}: изменения недоступны.`
          : 'Клиент ещё не взят в работу.'}
        {claim.isError ? ` ${describeError(claim.error)}` : ''}
      </span>
      {!card.assigned_manager ? (
        <button type="button" className="btn btn--small" onClick={() => claim.mutate()} data-testid="wizard-claim">
          Взять в работу
        </button>
      ) : null}
    </div>
  );
}

function ContractNotReady({ clientId, missing }: { clientId: string; missing: string[] }) {
  const first = STEPS.find((s) => missing.includes(s.label.toLowerCase()))?.id ?? '1';
  return (
    <section className="card step" data-testid="contract-not-ready">
      <h1 tabIndex={-1}>Договор пока нельзя сформировать</h1>
      <p>Для договора не хватает данных: {missing.join(', ')}.</p>
      <Link to={`/clients/${clientId}/step/${first}`} className="btn btn--primary">
        Перейти к шагу {first}
      </Link>
    </section>
  );
}

export default function Wizard() {
  const { clientId = '', step = '1' } = useParams();
  const card = useClientCard(clientId);
  const loaded = card.isSuccess;

  // A new step is a new page for a screen reader: move focus to its heading.
  useEffect(() => {
    if (loaded) document.querySelector<HTMLElement>('#main h1')?.focus();
  }, [step, loaded]);

  if (!STEPS.some((s) => s.id === step)) return <Navigate to={`/clients/${clientId}/step/1`} replace />;

  let body: React.ReactNode;
  if (card.isPending) body = <Spinner label="Загружаем карточку клиента…" />;
  else if (card.isError)
    body = <ErrorBanner message={describeError(card.error)} onRetry={() => void card.refetch()} testId="card-error" />;
  else {
    const props = { clientId, card: card.data };
    body =
      step === '1' ? (
        <Step1Profile key={`${clientId}-1`} {...props} />
      ) : step === '2' ? (
        <Step2Passport key={`${clientId}-2`} {...props} />
      ) : step === '3' ? (
        <Step3Devices key={`${clientId}-3`} {...props} />
      ) : step === '4' && missingForContract(completedSteps(card.data)).length ? (
        <ContractNotReady clientId={clientId} missing={missingForContract(completedSteps(card.data))} />
      ) : step === '4' ? (
        <Step4Contract key={`${clientId}-4`} {...props} />
      ) : (
        <StepSuccess key={`${clientId}-s`} {...props} />
      );
  }

  return (
    <div className="layout">
      <AppHeader>
        {card.data ? (
          <span className="wizard-client">
            <span data-testid="wizard-client-name">{card.data.profile?.name || 'Клиент'}</span>
            <span className={`badge badge--${card.data.status}`}>{STATUS_LABELS[card.data.status] ?? card.data.status}</span>
          </span>
        ) : null}
      </AppHeader>
      <main id="main" className="page page--wizard">
        <Link to="/clients?tab=mine" className="back-link" data-testid="back-to-list">
          ← К списку клиентов
        </Link>
        <Stepper clientId={clientId} step={step} card={card.data} />
        {card.data && isReadOnly(card.data) ? <ReadOnlyNotice clientId={clientId} card={card.data} /> : null}
        {body}
      </main>
    </div>
  );
}
