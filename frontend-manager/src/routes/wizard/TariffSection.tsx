import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { applyTariff, listTariffs } from '../../api/endpoints';
import { describeError } from '../../api/errors';
import type { ClientCard, TariffCalc } from '../../api/types';
import { ErrorBanner } from '../../components/Field';
import { Spinner } from '../../components/Spinner';
import { money, moneyFor } from '../../lib/format';

export function Breakdown({ calc }: { calc: TariffCalc }) {
  return (
    <div className="breakdown" data-testid="tariff-breakdown">
      <table>
        <caption className="visually-hidden">Расчёт стоимости</caption>
        <tbody>
          {(calc.breakdown ?? []).map((line, i) => (
            <tr key={i}>
              <th scope="row">{line.label}</th>
              <td>{money(line.amount)}</td>
            </tr>
          ))}
          <tr className="breakdown__total">
            <th scope="row">Итого</th>
            <td data-testid="tariff-total">{moneyFor(calc.total, calc.period_months)}</td>
          </tr>
          <tr>
            <th scope="row">Уже оплачено</th>
            <td>{money(calc.already_paid)}</td>
          </tr>
          <tr className="breakdown__surcharge">
            <th scope="row">Доплата</th>
            <td data-testid="tariff-surcharge">{money(calc.surcharge)}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

export function TariffSection({
  clientId,
  card,
  disabled,
  onApplied,
}: {
  clientId: string;
  card: ClientCard;
  disabled: boolean;
  onApplied: (calc: TariffCalc) => Promise<void>;
}) {
  const tariffs = useQuery({ queryKey: ['tariffs'], queryFn: listTariffs, staleTime: 5 * 60_000 });
  const current = card.tariff?.tariff_code ?? null;
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lastCode, setLastCode] = useState<string | null>(null);

  const choose = async (code: string) => {
    setPending(code);
    setError(null);
    setLastCode(code);
    try {
      await onApplied(await applyTariff(clientId, code));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setPending(null);
    }
  };

  return (
    <section aria-labelledby="tariff-title" className="section">
      <h2 id="tariff-title">Тариф</h2>
      {tariffs.isPending ? <Spinner label="Загружаем тарифы…" /> : null}
      {tariffs.isError ? (
        <ErrorBanner message={describeError(tariffs.error)} onRetry={() => void tariffs.refetch()} testId="tariffs-error" />
      ) : null}
      <fieldset className="tariffs" disabled={disabled || pending !== null}>
        <legend className="visually-hidden">Выберите тариф</legend>
        {(tariffs.data ?? []).map((t) => (
          <label key={t.code} className={`tariff${current === t.code ? ' tariff--selected' : ''}`}>
            <input
              type="radio"
              name="tariff"
              value={t.code}
              checked={(pending ?? current) === t.code}
              onChange={() => void choose(t.code)}
              data-testid={`tariff-${t.code}`}
            />
            <span className="tariff__name">{t.name}</span>
            <span className="tariff__price" data-testid={`tariff-price-${t.code}`}>
              {moneyFor(t.base_price, t.period_months)}
            </span>
            <span className="muted tariff__terms">
              включено устройств: {t.included_devices}; каждое следующее — {money(t.extra_device_price)}
            </span>
          </label>
        ))}
      </fieldset>
      <ErrorBanner message={error} onRetry={lastCode ? () => void choose(lastCode) : undefined} testId="tariff-error" />
      {card.tariff ? <Breakdown calc={card.tariff} /> : null}
    </section>
  );
}
