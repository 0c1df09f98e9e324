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

const STEPS = [
  { id: '1', label: 'Контакты' },
  { id: '2', label: 'Паспорт' },
  { id: '3', label: 'Устройства' },
  { id: '4', label: 'Договор' },
  { id: 'success', label: 'Готово' },
] as const;

function Stepper({ clientId, step }: { clientId: string; step: string }) {
  return (
    <nav aria-label="Шаги оформления" className="stepper">
      <ol>
        {STEPS.map((s, i) => (
          <li key={s.id} className={s.id === step ? 'stepper__item stepper__item--active' : 'stepper__item'}>
            <Link
              to={`/clients/${clientId}/step/${s.id}`}
              aria-current={s.id === step ? 'step' : undefined}
              data-testid={`stepper-${s.id}`}
            >
              <span className="stepper__num" aria-hidden="true">
                {i < 4 ? i + 1 : '✓'}
              </span>
              <span className="stepper__label">{s.label}</span>
            </Link>
          </li>
        ))}
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
        <Stepper clientId={clientId} step={step} />
        {card.data && card.data.can_edit === false ? <ReadOnlyNotice clientId={clientId} card={card.data} /> : null}
        {body}
      </main>
    </div>
  );
}
